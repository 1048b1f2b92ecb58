"""Deadlines as advocacy knows them, and the events they hang on.

A commitment can carry several deadlines: its final one, and steps such as a report due before
a session. Each says what is due; a date with its precision and bound; and its basis — set by
a text, derived from an event (it follows the event when the event moves), derived from another
commitment's end (the successor rule), or expected by the coalition. The window of days it may
fall on is derived from those facts by the deadline services and stored, so that the database
can tell what has lapsed; how late it is stays derived (``commitments.deadlines.lateness``).
"""

import datetime

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from commitments import deadlines as rules
from commitments.deadlines import DatePrecision

from .commitment import Commitment, Status
from .evidence import Body, NaturalKeyManager, Source


class Event(models.Model):
    """Something dated that deadlines hang on: a treaty-body session, a review, a visit."""

    class Kind(models.TextChoices):
        SESSION = "session", _("Treaty-body session")
        REVIEW = "review", _("Review cycle")
        VISIT = "visit", _("Country visit")
        PUBLICATION = "publication", _("Publication")
        OTHER = "other", _("Other event")

    key = models.SlugField(
        _("key"),
        max_length=80,
        unique=True,
        help_text=_("Stable identifier used by seed files, e.g. “crc-session-2022-09”."),
    )
    name = models.CharField(
        _("name"),
        max_length=255,
        help_text=_("e.g. “Session of the Committee on the Rights of the Child, September 2022”."),
    )
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.OTHER)
    body = models.ForeignKey(
        Body,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="events",
        verbose_name=_("body"),
        help_text=_("Who holds it, e.g. the Committee on the Rights of the Child. Optional."),
    )
    date = models.DateField(
        _("date"),
        null=True,
        blank=True,
        help_text=_("e.g. 2022-09-01 with the precision “month” for September 2022."),
    )
    date_precision = models.CharField(
        _("date precision"), max_length=8, choices=DatePrecision.choices, default=DatePrecision.DAY
    )
    follows = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="followers",
        verbose_name=_("follows event"),
        help_text=_("Set when this event is dated from another one; its date then follows it."),
    )
    offset_days = models.IntegerField(
        _("days after the event it follows"),
        default=0,
        help_text=_("e.g. -90 for three months before. Only with “follows event”."),
    )
    note = models.TextField(
        _("note"),
        blank=True,
        help_text=_("Where the date comes from, e.g. the Committee's calendar."),
    )
    sources = models.ManyToManyField(
        Source, blank=True, related_name="events", verbose_name=_("sources")
    )
    version = models.PositiveIntegerField(
        _("version"),
        default=1,
        editable=False,
        help_text=_("Incremented on every change, to detect concurrent edits."),
    )

    objects = NaturalKeyManager()
    history = HistoricalRecords(verbose_name=_("historical event"))

    class Meta:
        verbose_name = _("event")
        verbose_name_plural = _("events")
        ordering = ["date", "name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(date_precision__in=DatePrecision.values),
                name="event_precision_valid",
            ),
            models.CheckConstraint(
                condition=Q(follows__isnull=True) | ~Q(follows=F("pk")),
                name="event_does_not_follow_itself",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def natural_key(self):
        return (self.key,)

    @property
    def date_display(self) -> str:
        return rules.format_approximate(self.date, self.date_precision)


class DeadlineQuerySet(models.QuerySet):
    """Domain queries on deadlines; the lapse rules are ``commitments.deadlines``'."""

    def open(self):
        """Still owed: not met, its commitment not final, and a real deadline (a "not before"
        date is a floor, never lapsed)."""
        return self.filter(DEADLINE_RULES.open_q())

    def overdue(self, as_of: datetime.date):
        """Open and certainly lapsed: the last day of its window is strictly before ``as_of``."""
        return self.filter(DEADLINE_RULES.overdue_q(as_of))

    def due_within(self, days: int, as_of: datetime.date):
        """Open, with the last day of its window from ``as_of`` to ``as_of + days``."""
        return self.filter(DEADLINE_RULES.due_within_q(days, as_of))

    def lapsed_between(self, start: datetime.date, as_of: datetime.date):
        """Open deadlines that became certainly lapsed after ``start`` (a last visit) and by
        ``as_of``: their window ended on or after ``start - 1`` and before ``as_of``."""
        return self.overdue(as_of).filter(window_end__gte=start - datetime.timedelta(days=1))

    def listed_commitments(self):
        """The ids of the listed commitments (``Commitment.objects``: not archived) these
        deadlines belong to, each once, read from the deadlines: for those still owed, a
        range of their index rather than a look at every commitment."""
        listed = self.filter(commitment__archived_at__isnull=True).order_by()
        return listed.values("commitment").distinct()

    def listed_commitments_count(self) -> int:
        """How many (at 100,000, what comes due in 30 days is counted in 9 ms on SQLite and
        11 on PostgreSQL, rather than 38 and 42 over every commitment)."""
        return self.listed_commitments().count()

    def with_relations(self):
        return self.select_related("commitment", "event", "predecessor")

    def disputed(self):
        return self.filter(disputed=True)


# A deadline row is owed while it is not met, its commitment is open and it is not a floor.
DEADLINE_RULES = rules.DeadlineRules(
    date_field="window_end",
    is_open=lambda prefix="": (
        Q(**{f"{prefix}met_on__isnull": True})
        # Written into the SQL (``is_one_of``): SQLite then knows the index of the deadlines
        # still owed holds no other, and reads no row to check it.
        & ~Q(**{f"{prefix}bound__is_one_of": ["not_before"]})
        & ~Q(**{f"{prefix}commitment__status__in": Status.final_values()})
    ),
)


class Deadline(models.Model):
    """One deadline of a commitment, as precisely as it is known, with where it comes from."""

    class Kind(models.TextChoices):
        FINAL = "final", _("Final deadline")
        STEP = "step", _("Step")

    class Bound(models.TextChoices):
        ON = "on", _("On that date")
        NO_LATER_THAN = "no_later_than", _("No later than")
        NOT_BEFORE = "not_before", _("Not before")

    class Basis(models.TextChoices):
        TEXT = "text", _("Set by a text")
        EVENT = "event", _("Derived from an event")
        SUCCESSOR = "successor", _("Derived from another commitment's end")
        EXPECTED = "expected", _("Expected by the coalition, not official")

    commitment = models.ForeignKey(
        Commitment, on_delete=models.CASCADE, related_name="deadlines", verbose_name=_("commitment")
    )
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices, default=Kind.FINAL)
    label = models.CharField(
        _("what is due"),
        max_length=255,
        help_text=_("e.g. “Report sent to the Committee before its session”."),
    )
    bound = models.CharField(
        _("bound"), max_length=16, choices=Bound.choices, default=Bound.NO_LATER_THAN
    )
    basis = models.CharField(_("basis"), max_length=16, choices=Basis.choices, default=Basis.TEXT)
    date = models.DateField(
        _("date"),
        null=True,
        blank=True,
        help_text=_(
            "e.g. 2022-03-01 with the precision “month” for “March 2022”. Derived, and left "
            "empty, when the deadline follows an event or another commitment."
        ),
    )
    precision = models.CharField(
        _("precision"), max_length=8, choices=DatePrecision.choices, default=DatePrecision.DAY
    )
    event = models.ForeignKey(
        Event,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="deadlines",
        verbose_name=_("event"),
        help_text=_("For a deadline derived from an event, e.g. the Committee's session."),
    )
    offset_days = models.IntegerField(
        _("days after the event"),
        default=0,
        help_text=_("e.g. -1 for the day before the event; 0 for the event itself."),
    )
    predecessor = models.ForeignKey(
        Commitment,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="successor_deadlines",
        verbose_name=_("follows the end of"),
        help_text=_("For a successor: the commitment whose end sets this deadline."),
    )
    counted_reading = models.ForeignKey(
        "commitments.Claim",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="counted_by",
        verbose_name=_("reading counted"),
        help_text=_(
            "Which claim of the predecessor's end Vigie counts from; the earliest when empty."
        ),
    )
    reasoning = models.TextField(
        _("reasoning"),
        blank=True,
        help_text=_("Why this date: e.g. “more than four months before July 2022”."),
    )
    sources = models.ManyToManyField(
        Source, blank=True, related_name="deadlines", verbose_name=_("sources")
    )
    met_on = models.DateField(
        _("met on"),
        null=True,
        blank=True,
        help_text=_("When what was due was done, e.g. the day the report was sent."),
    )
    window_start = models.DateField(_("earliest day"), null=True, editable=False)
    window_end = models.DateField(_("latest day"), null=True, editable=False, db_index=True)
    disputed = models.BooleanField(
        _("disputed"),
        default=False,
        editable=False,
        help_text=_("The sources disagree on the date it is derived from."),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = DeadlineQuerySet.as_manager()
    history = HistoricalRecords(verbose_name=_("historical deadline"))

    class Meta:
        verbose_name = _("deadline")
        verbose_name_plural = _("deadlines")
        ordering = ["window_end", "pk"]
        get_latest_by = ["window_end", "pk"]
        indexes = [
            # The deadlines still owed by the last day of their window, with their commitment:
            # what lapsed since a visit and what comes due (the dashboard's counts, the lists'
            # filters), read as a range. The condition is the row's own part of the rule
            # (``DEADLINE_RULES.open_q``); the commitment's status is read from its row.
            models.Index(
                fields=["window_end", "commitment"],
                name="deadline_owed_by_window_end",
                condition=Q(met_on__isnull=True) & ~Q(bound__is_one_of=["not_before"]),
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(precision__in=DatePrecision.values), name="deadline_precision_valid"
            ),
            models.CheckConstraint(
                condition=~Q(basis__in=["text", "expected"]) | Q(date__isnull=False),
                name="deadline_dated_basis_has_date",
            ),
            models.CheckConstraint(
                condition=~Q(basis="event") | Q(event__isnull=False),
                name="deadline_event_basis_has_event",
            ),
            models.CheckConstraint(
                condition=~Q(basis="successor")
                | (Q(predecessor__isnull=False) & ~Q(predecessor=F("commitment"))),
                name="deadline_successor_of_another",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.label} ({self.date_display})"

    @property
    def date_display(self) -> str:
        """ "septembre 2022", "18 octobre 2022": the date the window says, as known."""
        return rules.format_approximate(self.window_start, self.precision)

    @property
    def is_open(self) -> bool:
        return (
            self.met_on is None
            and self.bound != self.Bound.NOT_BEFORE
            and self.commitment.status not in Status.final_values()
        )

    def lateness(self, as_of: datetime.date) -> "rules.Lateness | None":
        """Mirror of ``DeadlineQuerySet.overdue``: how late it is on ``as_of``, if lapsed."""
        if not self.is_open:
            return None
        return rules.lateness(self.window_end, self.precision, as_of)

    def days_left(self, as_of: datetime.date) -> int | None:
        return rules.days_left(self.window_end, as_of) if self.is_open else None

    @property
    def is_official(self) -> bool:
        return self.basis != self.Basis.EXPECTED

    @property
    def caveat(self) -> str:
        """What a reader must know before quoting the date (exports carry it in a column)."""
        notes = []
        if self.basis == self.Basis.EXPECTED:
            notes.append(str(_("date deduced by the coalition, not official")))
        if self.precision != DatePrecision.DAY:
            notes.append(str(_("approximate date")))
        if self.disputed:
            notes.append(str(_("the sources disagree on this date")))
        return "; ".join(notes)
