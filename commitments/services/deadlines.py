"""Deadlines, events and the governing deadline: the one place their dates are derived.

A deadline's window (the first and last day it may fall on) is derived here from its basis:
its own date and precision; its event's date, shifted (it follows the event when the event
moves); or the end of the commitment it succeeds, as each source claims it (the earliest
defensible reading unless staff chose another; disputed when the readings differ). The
commitment's ``due_date`` and ``due_date_note`` are those of its governing deadline, the open
one that lapses first. Every write here states the version its caller read and bumps it.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from commitments import deadlines as rules
from commitments.models import Claim, Commitment, Deadline, Event, Source

from .versions import commitment_lock, commitment_write

# How far a chain of events or of successors is followed before it is called a loop.
MAX_CHAIN = 50


# --- Validation ------------------------------------------------------------------------------


def _validate_deadline(deadline: Deadline, *, today: datetime.date) -> None:
    errors: dict[str, list[ValidationError]] = {}

    def add(field: str, message: str, code: str) -> None:
        errors.setdefault(field, []).append(ValidationError(message, code=code))

    basis = deadline.basis
    if basis in (Deadline.Basis.TEXT, Deadline.Basis.EXPECTED) and deadline.date is None:
        add(
            "date",
            _("A “%(bound)s” deadline needs a date, e.g. 2022-03-01 (with its precision).")
            % {"bound": deadline.get_bound_display()},
            "date_required",
        )
    if basis == Deadline.Basis.EVENT and deadline.event_id is None:
        add("event", _("Choose the event this deadline is derived from."), "event_required")
    if basis == Deadline.Basis.SUCCESSOR:
        if deadline.predecessor_id is None:
            add(
                "predecessor",
                _("Choose the commitment whose end sets this deadline."),
                "predecessor_required",
            )
        elif deadline.predecessor_id == deadline.commitment_id:
            add("predecessor", _("A commitment cannot succeed itself."), "successor_of_itself")
        elif _succeeds(deadline.predecessor_id, deadline.commitment_id):
            add(
                "predecessor",
                _("This would make a loop: that commitment already follows this one."),
                "successor_loop",
            )
        if deadline.counted_reading_id and not (
            deadline.counted_reading.commitment_id == deadline.predecessor_id
            and deadline.counted_reading.kind == Claim.Kind.PERIOD
        ):
            add(
                "counted_reading",
                _("Choose one of the periods claimed for the commitment it succeeds."),
                "reading_not_of_predecessor",
            )
    if deadline.met_on and deadline.met_on > today:
        add("met_on", _("The date it was met cannot be in the future."), "future")
    if errors:
        raise ValidationError(errors)


def _succeeds(commitment_id: int, ancestor_id: int) -> bool:
    """Whether ``commitment_id`` already follows ``ancestor_id`` through successor deadlines."""
    frontier, seen = {commitment_id}, set()
    for _step in range(MAX_CHAIN):
        if not frontier:
            return False
        if ancestor_id in frontier:
            return True
        seen |= frontier
        frontier = (
            set(
                Deadline.objects.filter(
                    commitment_id__in=frontier, basis=Deadline.Basis.SUCCESSOR
                ).values_list("predecessor_id", flat=True)
            )
            - seen
        )
    return True


# --- Deriving windows ------------------------------------------------------------------------


def _derive_window(deadline: Deadline) -> None:
    """Set ``date`` (derived bases), ``precision``, the window and ``disputed``."""
    deadline.disputed = False
    if deadline.basis == Deadline.Basis.EVENT:
        event = deadline.event
        if event.date is None:
            deadline.window_start = deadline.window_end = None
            return
        deadline.precision = event.date_precision
        deadline.date = rules.shift(event.date, event.date_precision, deadline.offset_days)
    elif deadline.basis == Deadline.Basis.SUCCESSOR:
        readings = list(Claim.objects.filter(commitment_id=deadline.predecessor_id).periods())
        if not readings:
            deadline.date = deadline.window_start = deadline.window_end = None
            return
        deadline.disputed = len({reading.period_end_window[1] for reading in readings}) > 1
        counted = reading_counted(deadline, _earliest_first(readings))
        deadline.precision = counted.period_precision
        deadline.date = counted.period_end_window[0]
    deadline.window_start, deadline.window_end = rules.window(deadline.date, deadline.precision)


def readings(deadline: Deadline, claims: Iterable[Claim] | None = None) -> list[Claim]:
    """The predecessor's claimed ends a successor deadline is derived from, earliest first.

    ``claims``: the predecessor's period claims when the caller loaded them already (a list
    prefetches them for every row), so that nothing is queried here."""
    if deadline.basis != Deadline.Basis.SUCCESSOR:
        return []
    if claims is None:
        claims = (
            Claim.objects.filter(commitment_id=deadline.predecessor_id)
            .periods()
            .select_related("source", "body")
        )
    return _earliest_first(
        claim for claim in claims if claim.kind == Claim.Kind.PERIOD and claim.period_end
    )


def _earliest_first(claims: Iterable[Claim]) -> list[Claim]:
    return sorted(claims, key=lambda reading: (reading.period_end_window[1], reading.pk))


def reading_counted(deadline: Deadline, found: list[Claim]) -> Claim | None:
    """Of ``found`` (earliest first), the reading the deadline counts from: the one staff
    chose (``counted_reading``), else the earliest defensible one."""
    chosen = next((r for r in found if r.pk == deadline.counted_reading_id), None)
    return chosen or (found[0] if found else None)


# --- The governing deadline ------------------------------------------------------------------


def governing_deadline_refresh(
    *, commitment: Commitment, read_version: int, author=None, increment: int = 1
) -> None:
    """Point the commitment at its open deadline that lapses first, and copy its last day
    and reasoning into ``due_date``/``due_date_note`` (kept when there is none)."""
    governing = (
        Deadline.objects.filter(commitment=commitment, window_end__isnull=False)
        .exclude(bound=Deadline.Bound.NOT_BEFORE)
        .filter(met_on__isnull=True)
        .order_by("window_end", "pk")
        .first()
    )
    fields: dict[str, Any] = {
        "governing_deadline": governing,
        "due_date": governing.window_end if governing else None,
    }
    if governing is not None:
        fields["due_date_note"] = governing.reasoning
    commitment_write(
        commitment=commitment,
        read_version=read_version,
        author=author,
        increment=increment,
        **fields,
    )
    for name, value in fields.items():
        setattr(commitment, name, value)


def _refresh_commitments(commitment_ids: Iterable[int], *, author=None) -> None:
    """A derived change (an event moved, a period claimed) reaches these commitments: each gets
    a new version, so a form opened before it is refused rather than overwriting it."""
    for commitment in Commitment.all_objects.filter(pk__in=set(commitment_ids)).order_by("pk"):
        locked = commitment_lock(commitment=commitment, expected_version=commitment.version)
        governing_deadline_refresh(
            commitment=commitment, read_version=locked.version, author=author
        )


# --- Writes ----------------------------------------------------------------------------------


@transaction.atomic
def deadline_save(
    *,
    commitment: Commitment,
    data: Mapping[str, Any],
    expected_version: int,
    deadline: Deadline | None = None,
    sources: Iterable[Source] | None = None,
    author=None,
    today: datetime.date | None = None,
) -> Deadline:
    """Create or change one deadline of ``commitment``; bad input raises ``ValidationError``
    (per field, with a code) and writes nothing."""
    locked = commitment_lock(commitment=commitment, expected_version=expected_version)
    deadline = deadline or Deadline(commitment=commitment)
    if deadline.commitment_id != commitment.pk:
        raise ValueError("the deadline belongs to another commitment")
    for name, value in data.items():
        setattr(deadline, name, value)
    _validate_deadline(deadline, today=today or timezone.localdate())
    _derive_window(deadline)
    deadline.full_clean(exclude=["commitment", "sources"])
    deadline.save()
    if sources is not None:
        deadline.sources.set(sources)
    governing_deadline_refresh(commitment=commitment, read_version=locked.version, author=author)
    return deadline


@transaction.atomic
def deadline_delete(*, deadline: Deadline, expected_version: int, author=None) -> None:
    commitment = deadline.commitment
    locked = commitment_lock(commitment=commitment, expected_version=expected_version)
    Commitment.all_objects.filter(pk=commitment.pk, governing_deadline=deadline).update(
        governing_deadline=None
    )
    deadline.delete()
    governing_deadline_refresh(commitment=commitment, read_version=locked.version, author=author)


def final_deadline_set(
    *, commitment: Commitment, due_date: datetime.date | None, note: str
) -> None:
    """What writing a commitment's ``due_date`` means: its final deadline, exact to the day,
    "no later than", set by a text (created, moved, or removed when the date is emptied).
    Call inside the caller's write, before :func:`governing_deadline_refresh`."""
    final = (
        Deadline.objects.filter(
            commitment=commitment, kind=Deadline.Kind.FINAL, basis=Deadline.Basis.TEXT
        )
        .order_by("pk")
        .first()
    )
    if due_date is None:
        if final is not None:
            Commitment.all_objects.filter(pk=commitment.pk, governing_deadline=final).update(
                governing_deadline=None
            )
            final.delete()
        return
    final = final or Deadline(
        commitment=commitment,
        kind=Deadline.Kind.FINAL,
        basis=Deadline.Basis.TEXT,
        bound=Deadline.Bound.NO_LATER_THAN,
        label=_("Final deadline"),
    )
    final.date, final.precision, final.reasoning = due_date, rules.DAY, note
    _derive_window(final)
    final.save()


@transaction.atomic
def event_save(
    *,
    data: Mapping[str, Any],
    event: Event | None = None,
    expected_version: int | None = None,
    sources: Iterable[Source] | None = None,
    author=None,
) -> Event:
    """Create or change an event; deadlines derived from it (and from events that follow it)
    move with it. An existing event needs the version its caller read."""
    if event is not None and event.pk is not None:
        if expected_version is None:
            raise TypeError("expected_version is required: state the version you read")
        if not Event.objects.filter(pk=event.pk, version=expected_version).update(
            version=F("version") + 1
        ):
            raise ValidationError(
                _("Someone else changed this event after you opened it: reload it."),
                code="stale",
            )
        event.version = expected_version + 1
    else:
        event = event or Event()
    for name, value in data.items():
        setattr(event, name, value)
    _validate_event(event)
    _derive_event_date(event)
    event.full_clean(exclude=["sources", "follows"])
    event.save()
    if sources is not None:
        event.sources.set(sources)
    _events_moved(event, author=author)
    return event


def _validate_event(event: Event) -> None:
    if event.follows_id is None:
        if event.date is None:
            raise ValidationError(
                {
                    "date": ValidationError(
                        _("An event needs a date, or another event it follows."),
                        code="date_required",
                    )
                }
            )
        return
    current, steps = event.follows, 0
    while current is not None:
        if current.pk == event.pk or steps > MAX_CHAIN:
            raise ValidationError(
                {
                    "follows": ValidationError(
                        _("An event cannot follow itself, directly or through others."),
                        code="event_loop",
                    )
                }
            )
        current, steps = current.follows, steps + 1


def _derive_event_date(event: Event) -> None:
    if event.follows_id is not None and event.follows.date is not None:
        event.date_precision = event.follows.date_precision
        event.date = rules.shift(event.follows.date, event.date_precision, event.offset_days)


def _events_moved(event: Event, *, author=None) -> None:
    """Re-date the events that follow ``event`` (transitively) and every deadline on them."""
    moved, frontier = [event], [event]
    while frontier:
        followers = list(Event.objects.filter(follows__in=frontier).select_related("follows"))
        for follower in followers:
            _derive_event_date(follower)
            follower.save(update_fields=["date", "date_precision"])
        frontier = followers
        moved += followers
    touched = []
    for deadline in Deadline.objects.filter(event__in=moved).select_related("event"):
        _derive_window(deadline)
        deadline.save()
        touched.append(deadline.commitment_id)
    _refresh_commitments(touched, author=author)


def successors_refresh(*, predecessor: Commitment, author=None) -> None:
    """The predecessor's claimed periods changed: re-derive the deadlines that succeed it."""
    touched = []
    for deadline in Deadline.objects.filter(predecessor=predecessor).select_related(
        "counted_reading"
    ):
        _derive_window(deadline)
        deadline.save()
        touched.append(deadline.commitment_id)
    _refresh_commitments(touched, author=author)
