"""Writes that touch several rows: every entry point (admin, pages, API, seeds) calls these.

A status change only ever happens through :func:`change_status`, which writes the history
entry and the new current status in one transaction and bumps the version, so a concurrent
edit is detected instead of silently overwritten.
"""

import datetime
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import Commitment, Source, StatusChange, Tag

NOTE_MAX_LENGTH = 4000

# Fields a plain edit may write: status goes through change_status, version is ours.
EDITABLE_FIELDS = (
    "key",
    "title",
    "summary",
    "category",
    "responsible_body",
    "monitoring_body",
    "due_date",
    "due_date_note",
    "owner",
    "is_public",
)


class StaleVersionError(Exception):
    """The commitment changed since the caller read it: the write was refused, nothing saved.

    Carries the commitment as it is now and its latest status change, so the caller can show
    the other person's change.
    """

    def __init__(self, *, current: Commitment, expected_version: int):
        self.current = current
        self.expected_version = expected_version
        self.latest_change = (
            StatusChange.objects.select_related("author")
            .filter(commitment=current)
            .order_by("-created_at", "-pk")
            .first()
        )
        super().__init__(
            f"Commitment {current.pk} is at version {current.version}, "
            f"not {expected_version}: it was changed by someone else."
        )


def _check_version(commitment: Commitment, expected_version: int | None) -> None:
    if expected_version is not None and commitment.version != expected_version:
        raise StaleVersionError(current=commitment, expected_version=expected_version)


def _bump_version(
    *, commitment: Commitment, read_version: int, author=None, increment: int = 1, **fields: Any
) -> None:
    """Write ``fields`` only if nobody bumped the version since ``read_version`` was read,
    and add the new state to the audit trail.

    The conditional UPDATE is what makes this safe on every backend, locked row or not.
    """
    now = timezone.now()
    updated = Commitment.all_objects.filter(pk=commitment.pk, version=read_version).update(
        version=F("version") + increment, updated_at=now, **fields
    )
    if updated != 1:
        current = Commitment.all_objects.get(pk=commitment.pk)
        raise StaleVersionError(current=current, expected_version=read_version)
    for name, value in fields.items():
        setattr(commitment, name, value)
    commitment.version = read_version + increment
    commitment.updated_at = now
    _audit(commitment, author=author)


def _audit(commitment: Commitment, *, author=None) -> None:
    """Record the commitment as it now is in its audit trail (django-simple-history).

    Needed because the conditional UPDATE above bypasses ``save()``, which the library
    watches; without an author, the user of the current request is recorded.
    """
    current = Commitment.all_objects.get(pk=commitment.pk)
    Commitment.history.bulk_history_create([current], update=True, default_user=author)


def _latest_entry(commitment: Commitment) -> StatusChange | None:
    return commitment.status_changes.order_by("-effective_date", "-created_at", "-pk").first()


def check_status_change(
    *,
    commitment: Commitment,
    new_status: str,
    effective_date: datetime.date | None,
    note: str = "",
    today: datetime.date | None = None,
) -> None:
    """Raise the ``ValidationError`` that :func:`change_status` would raise, writing nothing.

    Forms call it in ``clean()`` so that bad input comes back at the field.
    """
    latest = _latest_entry(commitment) if commitment.pk else None
    _validate_status_change(
        previous_status=commitment.status if latest else "",
        latest_effective_date=latest.effective_date if latest else None,
        new_status=new_status,
        effective_date=effective_date,
        note=note,
        today=today or timezone.localdate(),
    )


def _validate_status_change(
    *,
    previous_status: str,
    latest_effective_date: datetime.date | None,
    new_status: str,
    effective_date: datetime.date | None,
    note: str,
    today: datetime.date,
) -> None:
    errors: dict[str, list[ValidationError]] = {}
    if new_status not in Commitment.Status.values:
        errors["new_status"] = [
            ValidationError(
                _("“%(value)s” is not a known status."),
                code="invalid_status",
                params={"value": new_status},
            )
        ]
    elif new_status == previous_status:
        errors["new_status"] = [
            ValidationError(_("The commitment already has this status."), code="unchanged")
        ]
    if effective_date is None:
        errors["effective_date"] = [
            ValidationError(_("An effective date is required."), code="required")
        ]
    elif effective_date > today:
        errors["effective_date"] = [
            ValidationError(
                _("The effective date cannot be in the future."), code="effective_date_in_future"
            )
        ]
    elif latest_effective_date and effective_date < latest_effective_date:
        errors["effective_date"] = [
            ValidationError(
                _("The effective date cannot be before that of the latest change (%(date)s)."),
                code="effective_date_before_latest",
                params={"date": latest_effective_date},
            )
        ]
    if len(note or "") > NOTE_MAX_LENGTH:
        errors["note"] = [
            ValidationError(
                _("The note is too long (%(length)d characters, at most %(max)d)."),
                code="max_length",
                params={"length": len(note), "max": NOTE_MAX_LENGTH},
            )
        ]
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def change_status(
    *,
    commitment: Commitment,
    new_status: str,
    effective_date: datetime.date,
    author=None,
    note: str = "",
    sources: Iterable[Source] = (),
    expected_version: int | None = None,
    origin: str = StatusChange.Origin.WEB,
    today: datetime.date | None = None,
) -> StatusChange:
    """Record a status change: the history entry and the new current status, atomically.

    ``expected_version`` is the version the caller read; if the commitment changed since,
    :class:`StaleVersionError` is raised and nothing is written. The first entry of a
    commitment has no previous status. The effective date may not lie in the future (as of
    ``today``) nor before the latest entry's, so the history stays in order and the status
    as of any date can be rebuilt from it. Invalid input raises ``ValidationError`` with a
    code, per field.
    """
    today = today or timezone.localdate()
    locked = Commitment.all_objects.select_for_update().get(pk=commitment.pk)
    _check_version(locked, expected_version)

    latest = _latest_entry(locked)
    previous_status = locked.status if latest else ""
    _validate_status_change(
        previous_status=previous_status,
        latest_effective_date=latest.effective_date if latest else None,
        new_status=new_status,
        effective_date=effective_date,
        note=note,
        today=today,
    )

    entry = StatusChange.objects.create(
        commitment=locked,
        previous_status=previous_status,
        new_status=new_status,
        effective_date=effective_date,
        note=note,
        author=author,
        origin=origin,
    )
    entry.sources.set(sources)
    # The first entry completes the commitment's creation: it is not a new version.
    _bump_version(
        commitment=commitment,
        read_version=locked.version,
        author=author,
        increment=1 if latest else 0,
        status=new_status,
    )
    return entry


@transaction.atomic
def commitment_create(
    *,
    author=None,
    status: str,
    effective_date: datetime.date,
    note: str = "",
    status_sources: Iterable[Source] = (),
    tags: Iterable[Tag] = (),
    origin: str = StatusChange.Origin.WEB,
    today: datetime.date | None = None,
    **fields: Any,
) -> Commitment:
    """Create a commitment and its first history entry, which sets its status."""
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise TypeError(f"commitment_create() got unexpected fields: {sorted(unknown)}")
    commitment = Commitment(**fields)
    commitment.full_clean(exclude=["status"])
    if author is not None:
        commitment._history_user = author  # the audit trail's author for the creation
    commitment.save()
    commitment.tags.set(tags)
    change_status(
        commitment=commitment,
        new_status=status,
        effective_date=effective_date,
        author=author,
        note=note,
        sources=status_sources,
        origin=origin,
        today=today,
    )
    return commitment


@transaction.atomic
def commitment_update(
    *,
    commitment: Commitment,
    expected_version: int | None,
    author=None,
    tags: Iterable[Tag] | None = None,
    **fields: Any,
) -> Commitment:
    """Change a commitment's descriptive fields (never its status), refusing stale writes."""
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise TypeError(f"commitment_update() got unexpected fields: {sorted(unknown)}")
    locked = Commitment.all_objects.select_for_update().get(pk=commitment.pk)
    _check_version(locked, expected_version)
    for name, value in fields.items():
        setattr(commitment, name, value)
    commitment.status = locked.status
    commitment.full_clean(exclude=["status"], validate_unique=True)
    _bump_version(commitment=commitment, read_version=locked.version, author=author, **fields)
    if tags is not None:
        commitment.tags.set(tags)
    return commitment


@transaction.atomic
def commitment_archive(
    *, commitment: Commitment, expected_version: int | None = None, author=None
) -> Commitment:
    """Take a commitment out of the lists, keeping it and its history (never a deletion)."""
    locked = Commitment.all_objects.select_for_update().get(pk=commitment.pk)
    _check_version(locked, expected_version)
    if locked.archived_at is None:
        _bump_version(
            commitment=commitment,
            read_version=locked.version,
            author=author,
            archived_at=timezone.now(),
        )
    return commitment


@transaction.atomic
def commitment_restore(
    *, commitment: Commitment, expected_version: int | None = None, author=None
) -> Commitment:
    """Bring an archived commitment back into the lists."""
    locked = Commitment.all_objects.select_for_update().get(pk=commitment.pk)
    _check_version(locked, expected_version)
    if locked.archived_at is not None:
        _bump_version(
            commitment=commitment, read_version=locked.version, author=author, archived_at=None
        )
    return commitment
