"""Alerts on commitments: raised once by the daily job, delivered to each recipient once.

- :class:`Alert` is one fact worth telling (a deadline lapsed, a deadline approaches, a
  watched commitment changed status). Database constraints make each fact exist at most once,
  whatever the number of runs of ``check_deadlines`` and however they overlap.
- :class:`Delivery` is that alert for one recipient (the owner or a watcher): when its digest
  e-mail was accepted by the mail backend, and when the recipient acknowledged it.
- :class:`Watch` says who follows which commitment. An owner follows their own commitments
  without a row (implicitly); a row with ``watching=False`` records an owner's opt-out.
- :class:`CalendarToken` is the secret in a user's iCalendar feed URL.
"""

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from commitments.models import Commitment, Deadline, StatusChange


class AlertKind(models.TextChoices):
    LAPSED = "lapsed", _("Deadline lapsed")
    DUE_SOON = "due_soon", _("Deadline approaching")
    STATUS_CHANGED = "status_changed", _("Status changed")

    @classmethod
    def deadline_values(cls) -> tuple[str, ...]:
        """Kinds about one deadline: closed when it is met, moved or deleted, or when its
        commitment is final."""
        return (cls.LAPSED.value, cls.DUE_SOON.value)


class CloseReason(models.TextChoices):
    FINAL_STATUS = "final_status", _("The commitment reached a final status")
    DUE_DATE_MOVED = "due_date_moved", _("The due date changed")
    DEADLINE_MET = "deadline_met", _("The deadline was met")
    DEADLINE_DELETED = "deadline_deleted", _("The deadline was deleted")


class AlertQuerySet(models.QuerySet):
    def open(self):
        """Alerts not closed: still relevant (an acknowledged alert can be open)."""
        return self.filter(closed_at__isnull=True)

    def closed(self):
        return self.filter(closed_at__isnull=False)


class Alert(models.Model):
    """One fact about a commitment worth telling its owner and watchers, raised once.

    A deadline alert is about one of the commitment's deadlines and is identified by (deadline,
    kind, last day of its window, lead days): when the deadline moves, the new window raises its
    own alerts and the old ones are closed. A status-change alert is identified by the status
    change it reports.
    """

    Kind = AlertKind
    CloseReason = CloseReason

    commitment = models.ForeignKey(
        Commitment,
        on_delete=models.CASCADE,
        related_name="alerts",
        verbose_name=_("commitment"),
        help_text=_("The commitment the alert is about."),
    )
    kind = models.CharField(
        _("kind"),
        max_length=16,
        choices=AlertKind.choices,
        help_text=_("What happened, e.g. “Deadline lapsed”."),
    )
    deadline = models.ForeignKey(
        Deadline,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="alerts",
        verbose_name=_("deadline"),
        help_text=_(
            "For a deadline alert: the deadline it is about, e.g. the report due before the "
            "Committee's session (empty once the deadline is deleted: the alert is then closed)."
        ),
    )
    due_date = models.DateField(
        _("due date"),
        null=True,
        blank=True,
        help_text=_(
            "The due date the alert concerns, e.g. 2022-10-18: for a deadline, the last day of "
            "its window when raised (2022-09-30 for “September 2022”); for a status change, the "
            "commitment's due date at the time, empty when it had none."
        ),
    )
    lead_days = models.PositiveSmallIntegerField(
        _("lead time in days"),
        default=0,
        help_text=_("For a deadline approaching: how many days ahead, e.g. 30 or 7; else 0."),
    )
    status_change = models.ForeignKey(
        StatusChange,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="alerts",
        verbose_name=_("status change"),
        help_text=_("For a status-change alert: the history entry it reports."),
    )
    raised_as_of = models.DateField(
        _("raised as of"),
        help_text=_("The day the deadline check ran for, e.g. 2022-10-19."),
    )
    run_id = models.UUIDField(
        _("run"),
        editable=False,
        db_index=True,
        help_text=_("Identifies the check_deadlines run that raised the alert."),
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)
    closed_at = models.DateTimeField(
        _("closed at"),
        null=True,
        blank=True,
        help_text=_("Set automatically when the alert no longer applies."),
    )
    closed_reason = models.CharField(
        _("reason for closing"),
        max_length=16,
        choices=CloseReason.choices,
        blank=True,
        help_text=_("Why it was closed, e.g. “The due date changed”."),
    )
    recipients = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        through="Delivery",
        related_name="alerts",
        verbose_name=_("recipients"),
    )

    objects = AlertQuerySet.as_manager()

    class Meta:
        verbose_name = _("alert")
        verbose_name_plural = _("alerts")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["deadline", "kind", "due_date", "lead_days"],
                condition=Q(kind__in=AlertKind.deadline_values()),
                name="alert_once_per_deadline_window",
            ),
            models.UniqueConstraint(
                fields=["status_change"],
                condition=Q(kind=AlertKind.STATUS_CHANGED),
                name="alert_once_per_status_change",
            ),
            models.CheckConstraint(
                condition=(
                    Q(
                        kind=AlertKind.LAPSED,
                        lead_days=0,
                        due_date__isnull=False,
                        status_change__isnull=True,
                    )
                    | Q(
                        kind=AlertKind.DUE_SOON,
                        lead_days__gt=0,
                        due_date__isnull=False,
                        status_change__isnull=True,
                    )
                    | Q(
                        kind=AlertKind.STATUS_CHANGED,
                        lead_days=0,
                        status_change__isnull=False,
                        deadline__isnull=True,
                    )
                ),
                name="alert_kind_fields_consistent",
            ),
            models.CheckConstraint(
                condition=(
                    Q(closed_at__isnull=True, closed_reason="")
                    | Q(closed_at__isnull=False, closed_reason__in=CloseReason.values)
                ),
                name="alert_closed_reason_consistent",
            ),
        ]
        indexes = [models.Index(fields=["closed_at", "kind"], name="alert_open_kind")]

    def __str__(self) -> str:
        about = f"{self.commitment} — {self.get_kind_display()}"
        if self.kind == AlertKind.DUE_SOON:
            ahead = _("%(days)d days ahead") % {"days": self.lead_days}
            return f"{about} ({ahead})"
        return about

    def get_absolute_url(self) -> str:
        return self.commitment.get_absolute_url()

    @property
    def is_closed(self) -> bool:
        return self.closed_at is not None


class DeliveryQuerySet(models.QuerySet):
    def for_user(self, user):
        return self.filter(user=user)

    def unacknowledged(self):
        """Deliveries of open alerts the recipient has not acknowledged yet."""
        return self.filter(acknowledged_at__isnull=True, alert__closed_at__isnull=True)

    def pending_notification(self):
        """What the next digest carries: open, unacknowledged and not yet e-mailed."""
        return self.unacknowledged().filter(notified_at__isnull=True)

    def unclaimed(self):
        return self.filter(claim__isnull=True)

    def claim_expired(self, *, before):
        """Claimed by a run that did not finish (it died before or after sending)."""
        return self.filter(claim__isnull=False, claimed_at__lt=before)

    def with_relations(self):
        """Load the alert, its commitment, deadline and status change (with author) in the same
        query. The deadline's commitment, which its lateness reads, is the alert's own one: it
        is handed over rather than joined a second time (the digest job runs this query once
        per recipient, and PostgreSQL's planning time grows with every table joined)."""
        queryset = self.select_related(
            "alert__commitment", "alert__deadline", "alert__status_change__author"
        )
        queryset._iterable_class = _DeliveriesWithDeadlineCommitment
        return queryset

    def for_digest(self):
        """``with_relations()`` without the columns a digest never shows (bookkeeping dates,
        long texts, the author's account): the digest job reads 50 of them per recipient, and
        building each row's six models was most of the time it spent reading them."""
        return self.with_relations().defer(
            *(path + name for path, names in _DIGEST_NEVER_SHOWS.items() for name in names)
        )


#: Per relation a digest line reads (``alerts.digests``), the fields it never reads.
_DIGEST_NEVER_SHOWS = {
    "": ("created_at", "notified_at", "acknowledged_at", "claim", "claimed_at"),
    "alert__": ("lead_days", "raised_as_of", "run_id", "created_at", "closed_at", "closed_reason"),
    "alert__commitment__": (
        "summary",
        "category",
        "due_date_note",
        "is_public",
        "version",
        "archived_at",
        "created_at",
        "updated_at",
    ),
    "alert__deadline__": ("reasoning", "created_at", "updated_at"),
    "alert__status_change__": ("note", "origin", "created_at"),
    "alert__status_change__author__": (
        "password",
        "last_login",
        "is_superuser",
        "email",
        "is_staff",
        "is_active",
        "date_joined",
        "language",
        "dashboard_seen_on",
        "dashboard_previous_visit_on",
    ),
}


class _DeliveriesWithDeadlineCommitment(models.query.ModelIterable):
    """Deliveries whose alert's deadline already knows its commitment (``with_relations``)."""

    def __iter__(self):
        set_commitment = Deadline.commitment.field.set_cached_value
        for delivery in super().__iter__():
            alert = delivery.alert
            deadline = alert.deadline
            if deadline is not None and deadline.commitment_id == alert.commitment_id:
                set_commitment(deadline, alert.commitment)
            yield delivery


class Delivery(models.Model):
    """An alert for one recipient: per-person e-mail and acknowledgement state."""

    # No index of their own: ``delivery_once_per_recipient`` (alert, user) and
    # ``delivery_user_ack`` (user, acknowledged_at) begin with them and serve the same lookups.
    # Two indexes fewer to write for every delivery raised and every digest recorded (the
    # alert job writes each delivery three times).
    alert = models.ForeignKey(
        Alert,
        on_delete=models.CASCADE,
        related_name="deliveries",
        verbose_name=_("alert"),
        db_index=False,
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        db_index=False,
        related_name="alert_deliveries",
        verbose_name=_("recipient"),
        help_text=_("The owner or a watcher of the commitment."),
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)
    notified_at = models.DateTimeField(
        _("e-mailed at"),
        null=True,
        blank=True,
        help_text=_(
            "When the digest carrying it was accepted by the mail server; empty until then."
        ),
    )
    acknowledged_at = models.DateTimeField(
        _("acknowledged at"),
        null=True,
        blank=True,
        help_text=_("When the recipient marked it as seen in the alert inbox."),
    )
    claim = models.UUIDField(
        _("digest claim"),
        null=True,
        blank=True,
        editable=False,
        help_text=_("The digest being sent with it; also the digest's Message-ID."),
    )
    claimed_at = models.DateTimeField(
        _("claimed at"),
        null=True,
        blank=True,
        editable=False,
        help_text=_("When a run took it to e-mail; a claim left by a run that died expires."),
    )

    objects = DeliveryQuerySet.as_manager()

    class Meta:
        verbose_name = _("alert delivery")
        verbose_name_plural = _("alert deliveries")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["alert", "user"], name="delivery_once_per_recipient"),
        ]
        indexes = [
            models.Index(fields=["user", "acknowledged_at"], name="delivery_user_ack"),
            models.Index(fields=["notified_at", "user"], name="delivery_pending"),
        ]

    def __str__(self) -> str:
        return f"{self.alert} → {self.user}"

    @property
    def is_acknowledged(self) -> bool:
        return self.acknowledged_at is not None


class WatchQuerySet(models.QuerySet):
    def watching(self):
        """Explicit watches (rows with ``watching=False`` are owners' opt-outs)."""
        return self.filter(watching=True)

    def opted_out(self):
        """Rows with ``watching=False``: on the owner's row, an opt-out; elsewhere, nothing."""
        return self.filter(watching=False)


class Watch(models.Model):
    """A staff member following a commitment, to receive its alerts and status changes.

    The owner of a commitment follows it without a row; ``watching=False`` on the owner's row
    means they opted out. On anyone else's row it means nothing more than no row.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="watches",
        verbose_name=_("staff member"),
    )
    commitment = models.ForeignKey(
        Commitment, on_delete=models.CASCADE, related_name="watches", verbose_name=_("commitment")
    )
    watching = models.BooleanField(
        _("watching"),
        default=True,
        help_text=_("Unticked on the owner's row: the owner asked not to receive its alerts."),
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)

    objects = WatchQuerySet.as_manager()

    class Meta:
        verbose_name = _("watch")
        verbose_name_plural = _("watches")
        ordering = ["commitment", "user"]
        constraints = [
            models.UniqueConstraint(fields=["user", "commitment"], name="watch_once_per_user"),
        ]

    def __str__(self) -> str:
        verb = _("watches") if self.watching else _("does not watch")
        return f"{self.user} {verb} {self.commitment}"


def new_calendar_token() -> str:
    return secrets.token_urlsafe(32)


class CalendarToken(models.Model):
    """The secret in a user's calendar feed URL: whoever has the URL reads the feed.

    Resetting replaces the token, so the old URL stops working (404).
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="calendar_token",
        verbose_name=_("staff member"),
    )
    token = models.CharField(
        _("token"),
        max_length=64,
        unique=True,
        default=new_calendar_token,
        editable=False,
        help_text=_("43 URL-safe random characters, e.g. “pQ3…”; reset to revoke the old URL."),
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("calendar token")
        verbose_name_plural = _("calendar tokens")
        ordering = ["user"]

    def __str__(self) -> str:
        return str(_("Calendar token of %(user)s") % {"user": self.user})


class JobLock(models.Model):
    """One row per job that must never run twice at once (``check_deadlines``).

    A run takes the lock with a conditional UPDATE, which every database serialises (SQLite
    has no row locks), and gives it back at the end; a lock left by a run that died expires.
    """

    name = models.CharField(_("job"), max_length=64, primary_key=True)
    holder = models.UUIDField(_("held by run"), null=True, blank=True)
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True)

    class Meta:
        verbose_name = _("job lock")
        verbose_name_plural = _("job locks")

    def __str__(self) -> str:
        return self.name
