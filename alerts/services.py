"""Raising alerts and e-mailing them: every entry point (the command, tests, the admin) calls these.

Raising is set-based and idempotent. Each kind of alert is one ``INSERT … SELECT … ON CONFLICT
DO NOTHING`` statement built from the shared commitment queries (``overdue``, ``due_within``):
the database's unique constraints, not a read-then-write in Python, decide what already exists,
so a second run, or two runs at the same moment on one PostgreSQL database, raise each alert
once. The number of queries does not depend on the number of commitments.

Sending is exactly-once per delivery: for each recipient, their pending deliveries are locked
(``SELECT … FOR UPDATE SKIP LOCKED``) in a transaction that marks them e-mailed only after the
mail backend accepted the digest. A concurrent run skips the locked rows; a failed send rolls
back, so the next run retries. (A crash between the SMTP server's acceptance and the commit
would send that digest again on the next run: at-least-once in that one case, never lost.)
"""

from __future__ import annotations

import datetime
import logging
import uuid
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMultiAlternatives, get_connection
from django.core.mail.backends.base import BaseEmailBackend
from django.db import connections, router, transaction
from django.db.models import (
    BigIntegerField,
    Case,
    DateField,
    DateTimeField,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    UUIDField,
    Value,
    When,
)
from django.db.models.functions import Cast
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from commitments.models import Commitment, StatusChange

from .models import Alert, AlertKind, CalendarToken, CloseReason, Delivery, Watch

logger = logging.getLogger(__name__)

#: Status changes recorded up to this many days before the as-of date are reported to
#: watchers; older ones are history, not news (this bounds the first run after installation,
#: and lets a run missed for up to this many days catch up).
STATUS_CHANGE_LOOKBACK_DAYS = 30


# --------------------------------------------------------------------------------------------
# Raising


@dataclass
class RaiseResult:
    """What one run of :func:`raise_deadline_alerts` did (or would do, in a dry run)."""

    as_of: datetime.date
    lapsed: int = 0
    due_soon: dict[int, int] = field(default_factory=dict)  # lead days -> alerts raised
    status_changed: int = 0
    closed: dict[str, int] = field(default_factory=dict)  # close reason -> alerts closed
    deliveries: int = 0
    run_id: uuid.UUID | None = None

    @property
    def due_soon_total(self) -> int:
        return sum(self.due_soon.values())

    @property
    def total(self) -> int:
        return self.lapsed + self.due_soon_total + self.status_changed


def lead_days_setting() -> tuple[int, ...]:
    """The configured lead times, largest first, e.g. ``(30, 7)``."""
    return tuple(sorted({int(days) for days in settings.ALERT_LEAD_DAYS}, reverse=True))


def _insert_from_select(model, columns: Sequence[str], queryset: QuerySet) -> int:
    """``INSERT INTO model (columns) SELECT … ON CONFLICT DO NOTHING``; returns rows inserted.

    ``queryset`` is a ``values_list`` whose columns are, in order, the values of ``columns``.
    The database skips rows that would break a unique constraint, atomically, so concurrent
    callers never insert the same row twice and never fail on each other's rows.
    """
    alias = router.db_for_write(model)
    connection = connections[alias]
    sql, params = queryset.using(alias).query.sql_with_params()
    quote = connection.ops.quote_name
    column_sql = ", ".join(quote(model._meta.get_field(name).column) for name in columns)
    # "WHERE 1 = 1" keeps SQLite from reading ON CONFLICT as a join constraint.
    statement = (
        f"INSERT INTO {quote(model._meta.db_table)} ({column_sql}) "
        f"SELECT * FROM ({sql}) AS candidates WHERE 1 = 1 ON CONFLICT DO NOTHING"
    )
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return max(cursor.rowcount, 0)


# A typed NULL: PostgreSQL reads an untyped NULL parameter in a SELECT list as text.
_NULL_ID = Cast(Value(None), output_field=BigIntegerField())

_ALERT_COLUMNS = (
    "commitment",
    "kind",
    "due_date",
    "lead_days",
    "status_change",
    "raised_as_of",
    "run_id",
    "created_at",
    "closed_reason",
)


def _alert_rows(
    queryset: QuerySet,
    *,
    commitment,
    kind: str,
    due_date,
    lead_days,
    status_change,
    as_of: datetime.date,
    run_id: uuid.UUID,
    now: datetime.datetime,
) -> QuerySet:
    """Shape ``queryset`` into rows of ``_ALERT_COLUMNS`` for :func:`_insert_from_select`."""
    return (
        queryset.order_by()
        .annotate(
            _commitment=commitment,
            _kind=Value(kind),
            _due_date=due_date,
            _lead_days=lead_days,
            _status_change=status_change,
            _raised_as_of=Value(as_of, output_field=DateField()),
            _run_id=Value(run_id, output_field=UUIDField()),
            _created_at=Value(now, output_field=DateTimeField()),
            _closed_reason=Value(""),
        )
        .values_list(
            "_commitment",
            "_kind",
            "_due_date",
            "_lead_days",
            "_status_change",
            "_raised_as_of",
            "_run_id",
            "_created_at",
            "_closed_reason",
        )
    )


def close_stale_alerts(*, now: datetime.datetime | None = None) -> dict[str, int]:
    """Close open deadline alerts that no longer apply; returns counts per reason.

    A commitment that reached a final status (met, abandoned) owes nothing more; an alert
    about a due date the commitment no longer has (moved or removed) is obsolete: the new
    date raises its own alerts. Status-change alerts are news and are never closed.
    """
    now = now or timezone.now()
    open_deadline_alerts = Alert.objects.open().deadline()
    final = open_deadline_alerts.filter(
        commitment__in=Commitment.objects.final().values("pk")
    ).update(closed_at=now, closed_reason=CloseReason.FINAL_STATUS)
    moved = (
        open_deadline_alerts.exclude(commitment__due_date=F("due_date"))
        .exclude(commitment__in=Commitment.objects.final().values("pk"))
        .update(closed_at=now, closed_reason=CloseReason.DUE_DATE_MOVED)
    )
    return {CloseReason.FINAL_STATUS: final, CloseReason.DUE_DATE_MOVED: moved}


def _nearest_lead(lead_days: Sequence[int], as_of: datetime.date):
    """SQL: the smallest lead time L with ``due_date <= as_of + L`` (the nearest threshold)."""
    return Case(
        *[
            When(due_date__lte=as_of + datetime.timedelta(days=days), then=Value(days))
            for days in sorted(lead_days)
        ],
        output_field=IntegerField(),
    )


def _raise_lapsed(*, as_of, run_id, now) -> None:
    """A lapsed alert for every open commitment due strictly before ``as_of``."""
    _insert_from_select(
        Alert,
        _ALERT_COLUMNS,
        _alert_rows(
            Commitment.objects.overdue(as_of),
            commitment=F("pk"),
            kind=AlertKind.LAPSED,
            due_date=F("due_date"),
            lead_days=Value(0),
            status_change=_NULL_ID,
            as_of=as_of,
            run_id=run_id,
            now=now,
        ),
    )


def _raise_due_soon(*, as_of, lead_days: Sequence[int], run_id, now) -> None:
    """A due-soon alert for every open commitment due within the largest lead time.

    For lead time L the alert is due when ``due_date - L <= as_of <= due_date``. Only the
    nearest threshold reached is raised: a run on D-5 after runs were missed since D-31 raises
    the 7-day alert, not also the 30-day one (one alert per deadline per run, never noise).
    Because the nearest threshold only gets nearer, a larger lead is never raised after a
    smaller one, and a missed run is caught up by the next one, once.
    """
    if not lead_days:
        return
    _insert_from_select(
        Alert,
        _ALERT_COLUMNS,
        _alert_rows(
            Commitment.objects.due_within(max(lead_days), as_of),
            commitment=F("pk"),
            kind=AlertKind.DUE_SOON,
            due_date=F("due_date"),
            lead_days=_nearest_lead(lead_days, as_of),
            status_change=_NULL_ID,
            as_of=as_of,
            run_id=run_id,
            now=now,
        ),
    )


def _day_start(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def _raise_status_changed(*, as_of, run_id, now) -> None:
    """A status-change alert for each change recorded in the lookback window up to ``as_of``.

    The first entry of a commitment (its creation) and seed-data entries are not news.
    """
    window_start = _day_start(as_of - datetime.timedelta(days=STATUS_CHANGE_LOOKBACK_DAYS))
    window_end = _day_start(as_of + datetime.timedelta(days=1))
    changes = (
        StatusChange.objects.filter(created_at__gte=window_start, created_at__lt=window_end)
        .exclude(previous_status="")
        .exclude(origin=StatusChange.Origin.SEED)
    )
    _insert_from_select(
        Alert,
        _ALERT_COLUMNS,
        _alert_rows(
            changes,
            commitment=F("commitment_id"),
            kind=AlertKind.STATUS_CHANGED,
            due_date=F("commitment__due_date"),
            lead_days=Value(0),
            status_change=F("pk"),
            as_of=as_of,
            run_id=run_id,
            now=now,
        ),
    )


def _create_deliveries(*, run_id: uuid.UUID, now: datetime.datetime) -> int:
    """Give every alert to its recipients: the owner (unless opted out) and the watchers.

    Open deadline alerts go to everyone following the commitment now, so someone who starts
    watching receives its open alerts too. Status-change alerts raised by this run go to the
    followers other than the person who recorded the change. Two statements, whatever the
    number of alerts; existing deliveries are left as they are.
    """
    columns = ("alert", "user", "created_at")
    now_value = Value(now, output_field=DateTimeField())
    deadline_or_new_change = Q(kind__in=AlertKind.deadline_values(), closed_at__isnull=True) | Q(
        kind=AlertKind.STATUS_CHANGED, run_id=run_id
    )

    owner_opted_out = Watch.objects.filter(
        commitment=OuterRef("commitment"), user=OuterRef("commitment__owner"), watching=False
    )
    owners = (
        Alert.objects.filter(deadline_or_new_change)
        .filter(commitment__owner__isnull=False, commitment__owner__is_active=True)
        .exclude(Exists(owner_opted_out))
        .annotate(_author=F("status_change__author"))
        .filter(Q(_author__isnull=True) | ~Q(_author=F("commitment__owner")))
        .order_by()
        .annotate(_alert=F("pk"), _user=F("commitment__owner"), _created_at=now_value)
        .values_list("_alert", "_user", "_created_at")
    )
    inserted = _insert_from_select(Delivery, columns, owners)

    # One join watch -> commitment -> alert, reused by the annotations below: each row is one
    # (watch, alert) pair of the same commitment.
    watchers = (
        Watch.objects.watching()
        .filter(user__is_active=True)
        .filter(
            Q(
                commitment__alerts__kind__in=AlertKind.deadline_values(),
                commitment__alerts__closed_at__isnull=True,
            )
            | Q(
                commitment__alerts__kind=AlertKind.STATUS_CHANGED,
                commitment__alerts__run_id=run_id,
            )
        )
        .annotate(
            _alert=F("commitment__alerts__pk"),
            _author=F("commitment__alerts__status_change__author"),
        )
        .filter(Q(_author__isnull=True) | ~Q(_author=F("user")))
        .order_by()
        .annotate(_user=F("user"), _created_at=now_value)
        .values_list("_alert", "_user", "_created_at")
    )
    inserted += _insert_from_select(Delivery, columns, watchers)
    return inserted


@transaction.atomic
def raise_deadline_alerts(
    *, as_of: datetime.date, lead_days: Sequence[int] | None = None
) -> RaiseResult:
    """Raise every alert due as of ``as_of``, close obsolete ones, and address them.

    - lapsed: open commitments due strictly before ``as_of`` (due today is not lapsed);
    - due soon: see :func:`_raise_due_soon` (lead times from ``settings.ALERT_LEAD_DAYS``);
    - status changed: changes recorded in the last ``STATUS_CHANGE_LOOKBACK_DAYS`` days.

    Idempotent: running it again, or concurrently, raises nothing more. Returns what this call
    raised (alerts another concurrent run inserted first are not counted twice).
    """
    lead_days = lead_days_setting() if lead_days is None else tuple(lead_days)
    now = timezone.now()
    run_id = uuid.uuid4()
    result = RaiseResult(as_of=as_of, run_id=run_id)
    result.closed = close_stale_alerts(now=now)
    _raise_lapsed(as_of=as_of, run_id=run_id, now=now)
    _raise_due_soon(as_of=as_of, lead_days=lead_days, run_id=run_id, now=now)
    _raise_status_changed(as_of=as_of, run_id=run_id, now=now)
    result.deliveries = _create_deliveries(run_id=run_id, now=now)

    # What is new is what carries this run's id: one query, counted per kind and lead time.
    for kind, days, count in _count_by_kind(Alert.objects.filter(run_id=run_id)):
        if kind == AlertKind.LAPSED:
            result.lapsed = count
        elif kind == AlertKind.DUE_SOON:
            result.due_soon[days] = count
        else:
            result.status_changed += count
    return result


def _count_by_kind(queryset: QuerySet) -> Iterable[tuple[str, int, int]]:
    from django.db.models import Count

    rows = (
        queryset.order_by()
        .values_list("kind", "lead_days")
        .annotate(total=Count("pk"))
        .order_by("kind", "-lead_days")
    )
    return list(rows)


# --------------------------------------------------------------------------------------------
# E-mail digests


@dataclass
class DigestFailure:
    user_id: int
    username: str
    error: str


@dataclass
class DigestResult:
    """What :func:`send_alert_digests` did (or would do, in a dry run)."""

    sent: int = 0  # digests accepted by the mail backend
    alerts: int = 0  # deliveries they carried
    failures: list[DigestFailure] = field(default_factory=list)
    dry_run: bool = False


def absolute_url(path: str) -> str:
    """``path`` on the public site, e.g. ``https://vigie.example.org/alerts/``."""
    return f"{settings.SITE_URL.rstrip('/')}{path}"


def _digest_sections(deliveries: Sequence[Delivery], as_of: datetime.date) -> list[dict]:
    """Alerts grouped for the digest: lapsed, then approaching, then status changes."""
    sections = []
    titles = {
        AlertKind.LAPSED: _("Deadlines lapsed"),
        AlertKind.DUE_SOON: _("Deadlines approaching"),
        AlertKind.STATUS_CHANGED: _("Status changes on commitments you watch"),
    }
    for kind in (AlertKind.LAPSED, AlertKind.DUE_SOON, AlertKind.STATUS_CHANGED):
        items = []
        for delivery in deliveries:
            alert = delivery.alert
            if alert.kind != kind:
                continue
            days = (alert.due_date - as_of).days if alert.due_date else None
            items.append(
                {
                    "alert": alert,
                    "commitment": alert.commitment,
                    "url": absolute_url(alert.commitment.get_absolute_url()),
                    "days_overdue": -days if days is not None and days < 0 else None,
                    "days_left": days if days is not None and days >= 0 else None,
                    "status_change": alert.status_change,
                }
            )
        if items:
            sections.append({"kind": kind, "title": titles[kind], "items": items})
    return sections


def build_digest(
    *, user, deliveries: Sequence[Delivery], as_of: datetime.date
) -> EmailMultiAlternatives:
    """The digest e-mail for ``user`` (plain text and HTML), in the user's language."""
    language = getattr(user, "language", "") or settings.LANGUAGE_CODE
    with translation.override(language):
        context = {
            "user": user,
            "as_of": as_of,
            "count": len(deliveries),
            "sections": _digest_sections(deliveries, as_of),
            "inbox_url": absolute_url(reverse("alerts:inbox")),
            "site_url": settings.SITE_URL,
            "language": language,
        }
        subject = ngettext(
            "[Vigie] %(count)d new alert", "[Vigie] %(count)d new alerts", len(deliveries)
        ) % {"count": len(deliveries)}
        text = render_to_string("alerts/emails/digest.txt", context)
        html = render_to_string("alerts/emails/digest.html", context)
    message = EmailMultiAlternatives(
        subject=subject,
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[user.email],
        headers={"Auto-Submitted": "auto-generated", "Content-Language": language},
    )
    message.attach_alternative(html, "text/html")
    return message


class DigestNotAccepted(Exception):
    """The mail backend returned without accepting the message."""


def _pending_recipients() -> QuerySet:
    """Active users with an e-mail address and at least one delivery to e-mail."""
    pending = Delivery.objects.pending_notification().filter(user=OuterRef("pk"))
    return (
        get_user_model()
        .objects.filter(is_active=True)
        .exclude(email="")
        .filter(Exists(pending))
        .order_by("pk")
    )


def _send_one_digest(*, user, as_of: datetime.date, backend: BaseEmailBackend) -> int:
    """Lock ``user``'s pending deliveries, e-mail them, mark them e-mailed; returns how many.

    The recipient's user row is locked first (``FOR NO KEY UPDATE SKIP LOCKED``, which does
    not block inserts referencing the user): a concurrent run skips a recipient being mailed,
    so each gets one digest per run. The delivery rows are locked too, so that even without
    the first lock no delivery can be e-mailed twice. If the backend raises or does not accept
    the message, the transaction rolls back: nothing is marked.
    """
    with transaction.atomic():
        User = get_user_model()
        no_key = connections[router.db_for_write(User)].features.has_select_for_no_key_update
        claimed = (
            User.objects.filter(pk=user.pk)
            .select_for_update(skip_locked=True, no_key=no_key)
            .values_list("pk", flat=True)
        )
        if not list(claimed):
            return 0  # another run is mailing this recipient right now
        deliveries = list(
            Delivery.objects.pending_notification()
            .filter(user=user)
            .with_relations()
            .select_for_update(skip_locked=True, of=("self",))
            .order_by("alert__due_date", "alert__created_at", "pk")
        )
        if not deliveries:
            return 0
        message = build_digest(user=user, deliveries=deliveries, as_of=as_of)
        if backend.send_messages([message]) != 1:
            raise DigestNotAccepted(_("The mail backend did not accept the message."))
        Delivery.objects.filter(pk__in=[delivery.pk for delivery in deliveries]).update(
            notified_at=timezone.now()
        )
        return len(deliveries)


def send_alert_digests(
    *,
    as_of: datetime.date | None = None,
    dry_run: bool = False,
    backend: BaseEmailBackend | None = None,
) -> DigestResult:
    """E-mail each recipient one digest of their pending alerts, exactly once.

    A recipient's failure is recorded and does not stop the others; their deliveries stay
    pending for the next run. ``dry_run`` counts what would be sent and writes nothing.
    """
    as_of = as_of or timezone.localdate()
    result = DigestResult(dry_run=dry_run)
    recipients = list(_pending_recipients())
    if dry_run:
        counts = Counter(
            Delivery.objects.pending_notification()
            .filter(user__in=[user.pk for user in recipients])
            .values_list("user_id", flat=True)
        )
        result.sent = len(counts)
        result.alerts = sum(counts.values())
        return result
    if not recipients:
        return result

    backend = backend or get_connection(fail_silently=False)
    try:
        backend.open()
    except Exception as error:  # noqa: BLE001 - any backend failure must be reported, not raised
        logger.exception("Could not open the mail connection")
        result.failures = [
            DigestFailure(user_id=user.pk, username=user.get_username(), error=str(error))
            for user in recipients
        ]
        return result
    try:
        for user in recipients:
            try:
                sent = _send_one_digest(user=user, as_of=as_of, backend=backend)
            except Exception as error:  # noqa: BLE001 - one recipient's failure must not stop others
                logger.exception("Alert digest to %s failed", user.get_username())
                result.failures.append(
                    DigestFailure(
                        user_id=user.pk,
                        username=user.get_username(),
                        error=f"{type(error).__name__}: {error}",
                    )
                )
                continue
            if sent:
                result.sent += 1
                result.alerts += sent
    finally:
        try:
            backend.close()
        except Exception:  # noqa: BLE001 - closing must not hide the run's outcome
            logger.exception("Could not close the mail connection")
    return result


# --------------------------------------------------------------------------------------------
# Inbox, watching, calendar


def deliveries_acknowledge(*, user, deliveries: QuerySet | None = None) -> int:
    """Mark ``user``'s unacknowledged deliveries (all, or those in ``deliveries``) as seen."""
    queryset = Delivery.objects.for_user(user).filter(acknowledged_at__isnull=True)
    if deliveries is not None:
        queryset = queryset.filter(pk__in=deliveries.values("pk"))
    return queryset.update(acknowledged_at=timezone.now())


def is_watching(*, user, commitment: Commitment) -> bool:
    """Whether ``user`` receives ``commitment``'s alerts (owners do unless they opted out).

    One query (none for an anonymous user).
    """
    if not user.is_authenticated:
        return False
    row = Watch.objects.filter(user=user, commitment=commitment).values_list("watching").first()
    if row is not None:
        return row[0]
    return commitment.owner_id == user.pk


def watch_start(*, user, commitment: Commitment) -> Watch:
    """Follow ``commitment`` (for its owner: cancel an opt-out)."""
    watch, _created = Watch.objects.update_or_create(
        user=user, commitment=commitment, defaults={"watching": True}
    )
    return watch


def watch_stop(*, user, commitment: Commitment) -> None:
    """Stop following ``commitment``; its owner's choice is kept as an opt-out row."""
    if commitment.owner_id == user.pk:
        Watch.objects.update_or_create(
            user=user, commitment=commitment, defaults={"watching": False}
        )
    else:
        Watch.objects.filter(user=user, commitment=commitment).delete()


def followed_commitments(user) -> QuerySet:
    """Commitments ``user`` follows: owned (not opted out) or explicitly watched."""
    watched = Watch.objects.filter(user=user, commitment=OuterRef("pk"), watching=True)
    opted_out = Watch.objects.filter(user=user, commitment=OuterRef("pk"), watching=False)
    return Commitment.objects.filter((Q(owner=user) & ~Exists(opted_out)) | Exists(watched))


@transaction.atomic
def calendar_token_reset(*, user) -> CalendarToken:
    """Give ``user`` a new calendar token: the old feed URL stops working at once."""
    CalendarToken.objects.filter(user=user).delete()
    return CalendarToken.objects.create(user=user)


def calendar_token_for(user) -> CalendarToken:
    token, _created = CalendarToken.objects.get_or_create(user=user)
    return token
