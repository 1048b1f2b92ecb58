"""A commitment: who owes what to whom, by when, and where it stands; its domain queries.

"Overdue" is never stored: it is derived from the due date, the status and an as-of date, in
the database by ``CommitmentQuerySet`` and in Python by the mirroring instance methods.
"""

import calendar
import datetime
import functools

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Coalesce
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from commitments import deadlines

from .evidence import Body, Source, Tag


class Category(models.TextChoices):
    INSTITUTIONAL_MECHANISM = "institutional_mechanism", _("Institutional mechanism")
    ACTION_PLAN = "action_plan", _("National action plan")
    REPORT = "report", _("Report owed to an international body")
    LEGISLATION = "legislation", _("Legislation")
    STRATEGY = "strategy", _("Strategy")
    INTERNATIONAL_COOPERATION = "international_cooperation", _("International cooperation")
    AWARENESS = "awareness", _("Awareness campaign")
    OTHER = "other", _("Other")


class Status(models.TextChoices):
    """Where a commitment stands, in the vocabulary of advocacy."""

    NOT_STARTED = "not_started", _("Not started")
    ANNOUNCED = "announced", _("Announced")
    IN_PROGRESS = "in_progress", _("In progress")
    PARTIALLY_MET = "partially_met", _("Partially met")
    MET = "met", _("Met")
    ABANDONED = "abandoned", _("Abandoned")
    SUPERSEDED = "superseded", _("Superseded")

    @classmethod
    def final_values(cls) -> tuple[str, ...]:
        """Statuses after which nothing more is owed: never overdue, never alerted. A
        superseded commitment was replaced by another (the first plan by the second)."""
        return (cls.MET.value, cls.ABANDONED.value, cls.SUPERSEDED.value)

    @classmethod
    def open_values(cls) -> tuple[str, ...]:
        return tuple(value for value in cls.values if value not in cls.final_values())


STATUS_VALUES = [value for value, _label in Status.choices]

# A commitment's deadline: its due date, owed while its status is not final.
COMMITMENT_DEADLINE = deadlines.DeadlineRules(
    date_field="due_date",
    # The final statuses written into the SQL (``expressions.IsOneOf``): the partial index of
    # the open commitments by due date repeats this condition, and SQLite uses it only then.
    is_open=lambda prefix="": ~Q(**{f"{prefix}status__is_one_of": Status.final_values()}),
)


# Diverging: the state's latest claimed status (kept on the commitment,
# ``commitments.advocacy_facts``) differs from the status of record; without such a claim, never.
DIVERGING = Q(state_claimed_status__isnull=False) & ~Q(state_claimed_status=models.F("status"))


class CommitmentQuerySet(deadlines.DeadlineQuerySetMixin, models.QuerySet):
    """Every domain query on commitments. Views, the API and the alert job use these only.

    ``overdue``, ``not_overdue``, ``due_within`` and ``with_days_overdue`` come from the
    deadline rules (``commitments.deadlines``), on the due date.
    """

    deadline_rules = COMMITMENT_DEADLINE

    def get_by_natural_key(self, key):
        """Look a commitment up by its ``key`` (fixtures and backups refer to it that way)."""
        return self.get(key=key)

    def open(self):
        """Commitments whose status is not final (still owed)."""
        return self.exclude(status__in=Status.final_values())

    def final(self):
        """Commitments whose status is final (met or abandoned)."""
        return self.filter(status__in=Status.final_values())

    def public(self):
        """Commitments marked public: what partners and anonymous callers may read."""
        return self.filter(is_public=True)

    def search(self, text: str | None):
        """Commitments where every word of ``text`` is found (case and accents ignored) in
        their title, key, summary, bodies, history notes, citations or cited sources, most
        relevant first; annotated ``search_rank``. The rule: ``commitments/search.py``."""
        from commitments.search import search_queryset

        return (
            search_queryset(self, text).order_by(
                "-search_rank", *(self.query.order_by or self.model._meta.ordering)
            )
            if text and text.strip()
            else self
        )

    def for_body(self, body):
        """Commitments that ``body`` owes or monitors."""
        return self.filter(Q(responsible_body=body) | Q(monitoring_body=body))

    def with_status_as_of(self, as_of: datetime.date):
        """Annotate ``status_as_of``: the status in force at the end of day ``as_of``.

        Rebuilt from the history's effective dates; NULL for a commitment with no entry yet
        effective on that day (it was not tracked then).
        """
        from .history import StatusChange  # history depends on this module

        latest_entry = StatusChange.objects.filter(
            commitment=models.OuterRef("pk"), effective_date__lte=as_of
        ).latest_first()
        return self.annotate(status_as_of=models.Subquery(latest_entry.values("new_status")[:1]))

    def with_relations(self):
        """Load what every list shows in the same query: bodies, owner, governing deadline."""
        return self.select_related(
            "responsible_body", "monitoring_body", "owner", "governing_deadline"
        )

    # Advocacy knowledge: what the state claims, how long asks have waited, news. ---------

    def with_state_claim(self):
        """Annotate ``diverging``: the state's latest claimed status (``state_claimed_status``,
        NULL without one) differs from the coalition's status of record."""
        return self.annotate(
            diverging=models.Case(
                models.When(DIVERGING, then=models.Value(True)),
                default=models.Value(False),
                output_field=models.BooleanField(),
            )
        )

    def diverging(self):
        """Commitments whose state's latest claimed status is not the coalition's."""
        return self.with_state_claim().filter(DIVERGING)

    def with_asks(self):
        """Annotate ``outstanding_since`` (earliest ask, for open commitments), ``asks_count``
        and ``asking_bodies`` (how many bodies asked)."""
        from .asks import Ask

        asks = Ask.objects.filter(commitment=models.OuterRef("pk")).order_by()
        counts = asks.values("commitment").annotate(
            total=models.Count("pk"), bodies=models.Count("body", distinct=True)
        )
        return self.annotate(
            outstanding_since=models.Case(
                models.When(COMMITMENT_DEADLINE.open_q(), then=models.F("first_asked_on")),
                default=None,
                output_field=models.DateField(),
            ),
            asks_count=Coalesce(models.Subquery(counts.values("total")[:1]), 0),
            asking_bodies=Coalesce(models.Subquery(counts.values("bodies")[:1]), 0),
        )

    def waiting(self):
        """Open commitments with an ask: each waits since its earliest (``first_asked_on``),
        read from the index of the listed open commitments by it."""
        return self.filter(COMMITMENT_DEADLINE.open_q(), first_asked_on__isnull=False)

    def waiting_longest_first(self):
        """Open commitments with asks, the longest outstanding first, then the rest."""
        return self.with_asks().order_by(models.F("outstanding_since").asc(nulls_last=True), "pk")

    def to_check(self, as_of: datetime.date, months: int | None = None):
        """Open commitments with no news (status change or claim) for ``months`` (the
        ``NO_NEWS_MONTHS`` setting, 12 by default) before ``as_of``: some news, none since
        the threshold (``last_news_on``, read from the index of the open commitments by it)."""
        return self.filter(
            COMMITMENT_DEADLINE.open_q(), last_news_on__lt=no_news_threshold(as_of, months)
        )

    def with_disputed(self):
        from .deadlines import Deadline

        disputed = Deadline.objects.filter(commitment=models.OuterRef("pk"), disputed=True)
        return self.annotate(has_disputed_deadline=models.Exists(disputed))

    def disputed(self):
        """Commitments with a deadline the sources disagree on."""
        return self.with_disputed().filter(has_disputed_deadline=True)

    def with_advocacy(self, as_of: datetime.date):
        """Every advocacy annotation a list row shows, in the same query."""
        return self.with_state_claim().with_asks().with_disputed()

    def archived(self):
        """Commitments taken out of the lists (never deleted once they have history)."""
        return self.filter(archived_at__isnull=False)

    def count_by_status(self) -> dict[str, int]:
        """Number of commitments per status, every status present (zero when none)."""
        counts = dict.fromkeys(Status.values, 0)
        for row in self.order_by().values("status").annotate(total=models.Count("pk")):
            counts[row["status"]] = row["total"]
        return counts

    def for_dashboard(self, as_of: datetime.date):
        """What every dashboard and list row shows: bodies, owner and ``days_overdue``."""
        return self.with_relations().with_days_overdue(as_of)

    def with_latest_change_id(self):
        """Annotate ``latest_change_id``: the entry that set the current status.

        The newest by effective date, then by time recorded (``StatusChangeQuerySet.latest_first``);
        NULL for a commitment without history.
        """
        from .history import StatusChange  # history depends on this module

        latest_entry = StatusChange.objects.filter(commitment=models.OuterRef("pk")).latest_first()
        return self.annotate(latest_change_id=models.Subquery(latest_entry.values("pk")[:1]))

    def deadlines_per_year(self, as_of: datetime.date) -> list[dict]:
        """Dated commitments counted per year of their due date, split into final, overdue
        (open and due strictly before ``as_of``) and upcoming (open, due on or after it)."""
        from django.db.models.functions import ExtractYear

        rules = self.deadline_rules
        rows = (
            self.filter(due_date__isnull=False)
            .order_by()
            .annotate(year=ExtractYear("due_date"))
            .values("year")
            .annotate(
                final=models.Count("pk", filter=~rules.open_q()),
                overdue=models.Count("pk", filter=rules.overdue_q(as_of)),
                upcoming=models.Count("pk", filter=rules.upcoming_q(as_of)),
            )
            .order_by("year")
        )
        return list(rows)

    def dashboard_tallies(self, as_of: datetime.date, *, soon: int = 30, later: int = 90) -> dict:
        """Every count the dashboard shows about these commitments, in one grouped statement.

        Grouped by status and due date (no function of the date in SQL: on SQLite, extracting
        the year calls Python once per row, twice the time of the grouping itself); the bands
        and years are then counted here, over at most one row per status and day. Returns
        ``by_status`` (every status, zero when none), ``total``, ``overdue``, ``due_soon`` and
        ``due_later`` (open, due within ``soon`` days, then from ``soon + 1`` to ``later``
        days) and ``years`` (as ``deadlines_per_year`` gives them).
        """
        rows = self.order_by().values_list("status", "due_date").annotate(total=models.Count("pk"))
        by_status = dict.fromkeys(Status.values, 0)
        overdue = due_soon = due_later = 0
        years: dict[int, dict] = {}
        final = set(Status.final_values())
        for status, due, total in rows:
            by_status[status] = by_status.get(status, 0) + total
            if due is None:
                continue
            year = years.setdefault(
                due.year, {"year": due.year, "final": 0, "overdue": 0, "upcoming": 0}
            )
            if status in final:
                year["final"] += total
                continue
            days = (due - as_of).days
            if days < 0:
                year["overdue"] += total
                overdue += total
                continue
            year["upcoming"] += total
            if days <= soon:
                due_soon += total
            elif days <= later:
                due_later += total
        return {
            "by_status": by_status,
            "total": sum(by_status.values()),
            "overdue": overdue,
            "due_soon": due_soon,
            "due_later": due_later,
            "years": [years[year] for year in sorted(years)],
        }


def no_news_threshold(as_of: datetime.date, months: int | None = None) -> datetime.date:
    """The day before which the last news makes a commitment "to check"."""
    months = settings.NO_NEWS_MONTHS if months is None else months
    year, month = divmod(as_of.year * 12 + as_of.month - 1 - months, 12)
    last_day = calendar.monthrange(year, month + 1)[1]
    return datetime.date(year, month + 1, min(as_of.day, last_day))


def lacks_news(*, is_final: bool, last_news_on: datetime.date | None, threshold) -> bool:
    """Whether a commitment is "to check": open, and no news since before ``threshold``
    (``no_news_threshold``). The rule of ``Commitment.is_to_check`` and of the exports."""
    return not is_final and last_news_on is not None and last_news_on < threshold


class ActiveCommitmentManager(models.Manager.from_queryset(CommitmentQuerySet)):
    """Commitments that are not archived."""

    def get_queryset(self):
        return super().get_queryset().filter(archived_at__isnull=True)


# A list of 200 rows, or the alert job's thousands of digest lines, asked reverse() for the same
# address again and again: it is reversed once per URL configuration and script prefix, then
# the commitment's id filled in.
_PK_PLACEHOLDER = "2147483647"


@functools.lru_cache(maxsize=16)
def _detail_path(root_urlconf: str, urlconf: str | None, script_prefix: str) -> str:
    return reverse("commitments:detail", args=[int(_PK_PLACEHOLDER)], urlconf=urlconf)


class Commitment(models.Model):
    """Something the state promised or owes, to whom, by when, and where it stands."""

    Status = Status

    Category = Category

    key = models.SlugField(
        _("key"),
        max_length=80,
        unique=True,
        help_text=_("Stable identifier used by seed files and imports, e.g. “troisieme-plan”."),
    )
    title = models.CharField(
        _("title"),
        max_length=255,
        help_text=_("What is owed, e.g. “Troisième plan national de lutte contre la traite”."),
    )
    summary = models.TextField(
        _("summary"),
        blank=True,
        help_text=_("A few sentences in your own words: what is owed, by whom, what is at stake."),
    )
    category = models.CharField(
        _("category"),
        max_length=32,
        choices=Category.choices,
        default=Category.OTHER,
        help_text=_("e.g. “National action plan”."),
    )
    responsible_body = models.ForeignKey(
        Body,
        on_delete=models.PROTECT,
        related_name="commitments_owed",
        verbose_name=_("responsible body"),
        help_text=_("Who owes it, e.g. the Prime Minister's office."),
    )
    monitoring_body = models.ForeignKey(
        Body,
        on_delete=models.PROTECT,
        related_name="commitments_monitored",
        null=True,
        blank=True,
        verbose_name=_("monitoring body"),
        help_text=_("Who monitors or receives it, e.g. GRETA. Optional."),
    )
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=Status.choices,
        default=Status.NOT_STARTED,
        help_text=_("Current status; changed only through a recorded status change."),
    )
    due_date = models.DateField(
        _("due date"),
        null=True,
        blank=True,
        db_index=True,
        help_text=_(
            "Deadline, e.g. 2022-10-18. Leave empty when none has been set. Writing it sets the "
            "final deadline; read, it is the last possible day of the governing deadline."
        ),
    )
    due_date_note = models.TextField(
        _("due date note"),
        blank=True,
        help_text=_("Where the deadline comes from, e.g. “derived from the end of the 2nd plan”."),
    )
    governing_deadline = models.ForeignKey(
        "commitments.Deadline",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
        verbose_name=_("governing deadline"),
        help_text=_(
            "The open deadline that lapses first; the due date and its note are its own. Kept "
            "by the deadline services."
        ),
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="owned_commitments",
        verbose_name=_("staff owner"),
        help_text=_("Staff member who follows this commitment."),
    )
    tags = models.ManyToManyField(
        Tag,
        blank=True,
        related_name="commitments",
        verbose_name=_("tags"),
        help_text=_("Themes, e.g. “victimes”, “plan-national”."),
    )
    sources = models.ManyToManyField(
        Source,
        through="Citation",
        blank=True,
        related_name="commitments",
        verbose_name=_("sources"),
    )
    is_public = models.BooleanField(
        _("public"),
        default=False,
        help_text=_("Shown to partners and anonymous API callers when ticked."),
    )
    version = models.PositiveIntegerField(
        _("version"),
        default=1,
        editable=False,
        help_text=_("Incremented on every change, to detect concurrent edits."),
    )
    archived_at = models.DateTimeField(
        _("archived at"),
        null=True,
        blank=True,
        editable=False,
        help_text=_("Set when the commitment is archived: it leaves the lists but is kept."),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    # Derived from the history, the claims and the asks (``commitments.advocacy_facts``), kept
    # beside them for the "to check", "diverging" and "waiting" counts, filters and columns:
    # not the commitment's own data, so not in its version, its audit trail or its forms.
    last_news_on = models.DateField(
        _("last news"),
        null=True,
        blank=True,
        editable=False,
        help_text=_("The latest effective date of its status changes and date of its claims."),
    )
    # NULL, not "", without a claim: what the state never claimed cannot diverge.
    state_claimed_status = models.CharField(  # noqa: DJ001
        _("status the state claims"),
        max_length=16,
        choices=Status.choices,
        null=True,
        blank=True,
        editable=False,
        help_text=_("The status of the state's latest claim of a status."),
    )
    first_asked_on = models.DateField(
        _("first asked on"),
        null=True,
        blank=True,
        editable=False,
        help_text=_("The date of its earliest ask."),
    )

    # ``objects`` is what every page, list, the API and the alert job see: archived
    # commitments left them. ``all_objects`` reaches them too (the admin, the history,
    # the commitment page, imports and seeds, which must never create a duplicate).
    objects = ActiveCommitmentManager()
    all_objects = CommitmentQuerySet.as_manager()
    history = HistoricalRecords(
        verbose_name=_("historical commitment"),
        m2m_fields=["tags"],
        excluded_fields=["last_news_on", "state_claimed_status", "first_asked_on"],
    )

    class Meta:
        verbose_name = _("commitment")
        verbose_name_plural = _("commitments")
        default_manager_name = "all_objects"
        base_manager_name = "all_objects"
        # The primary key breaks ties, so that a page boundary never moves (pagination).
        ordering = ["due_date", "title", "pk"]
        indexes = [
            # The lists and the API (the archived left them): their default order, the
            # overdue list's (most days overdue first is the earliest due date first), the
            # same order within a status or a responsible body (the filters staff use most).
            # Partial, so that the list's count and a deep page read the index only.
            models.Index(
                fields=["due_date", "title", "id"],
                name="commitment_list_order",
                condition=Q(archived_at__isnull=True),
            ),
            models.Index(
                fields=["status", "due_date", "title", "id"],
                name="commitment_status_list",
                condition=Q(archived_at__isnull=True),
            ),
            # The status last, after the order it serves: the dashboard's figures per body
            # read this index alone (on SQLite, 160 ms down to 40 at 100,000 commitments).
            models.Index(
                fields=["responsible_body", "due_date", "title", "id", "status"],
                name="commitment_body_list",
                condition=Q(archived_at__isnull=True),
            ),
            # The overdue list, its count, its exports and the API's ``?overdue=true``: the
            # open commitments in the lists by due date, their condition written as the
            # overdue rule writes it (a database uses a partial index only for a query that
            # repeats its condition). Without it, SQLite read every row dated before today
            # to check its status: 145 ms for the count at 100,000 commitments.
            models.Index(
                fields=["due_date", "title", "id"],
                name="commitment_open_by_due_date",
                condition=Q(archived_at__isnull=True) & COMMITMENT_DEADLINE.open_q(),
            ),
            # "Diverging" (``DIVERGING``): the commitments the state claimed a status of, read
            # from this index alone.
            models.Index(
                fields=["state_claimed_status", "status"],
                name="commitment_claimed_by_state",
                # Listed only (not archived), as the lists and the dashboard count them: no
                # row to read for that (PostgreSQL read the whole table rather than 12,000).
                condition=Q(state_claimed_status__isnull=False, archived_at__isnull=True),
            ),
            # "Waiting" (``waiting``): the listed open commitments by their earliest ask, the
            # longest waiting first; the condition written as that rule writes it.
            models.Index(
                fields=["first_asked_on", "id"],
                name="commitment_waiting_longest",
                condition=Q(archived_at__isnull=True, first_asked_on__isnull=False)
                & COMMITMENT_DEADLINE.open_q(),
            ),
            # "To check" (``to_check``): the open commitments by their last news, the condition
            # written as that rule writes it.
            models.Index(
                fields=["last_news_on"],
                name="commitment_open_by_last_news",
                condition=COMMITMENT_DEADLINE.open_q(),
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=STATUS_VALUES), name="commitment_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(category__in=[v for v, _label in Category.choices]),
                name="commitment_category_valid",
            ),
            models.CheckConstraint(condition=Q(version__gte=1), name="commitment_version_positive"),
        ]
        permissions = [
            ("change_commitment_status", _("Can record a status change on a commitment")),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return _detail_path(settings.ROOT_URLCONF, get_urlconf(), get_script_prefix()).replace(
            _PK_PLACEHOLDER, str(self.pk)
        )

    def natural_key(self):
        return (self.key,)

    @property
    def is_archived(self) -> bool:
        return self.archived_at is not None

    @property
    def is_final(self) -> bool:
        return self.status in Status.final_values()

    def is_overdue(self, as_of: datetime.date | None = None) -> bool:
        """Mirror of ``CommitmentQuerySet.overdue``: due strictly before ``as_of`` and open."""
        as_of = as_of or timezone.localdate()
        return not self.is_final and deadlines.is_overdue(self.due_date, as_of)

    def get_days_overdue(self, as_of: datetime.date | None = None) -> int | None:
        """Days since the due date when overdue, else ``None``."""
        as_of = as_of or timezone.localdate()
        return None if self.is_final else deadlines.days_overdue(self.due_date, as_of)

    def lateness(self, as_of: datetime.date | None = None):
        """How late the governing deadline is, as precisely as its date is known."""
        as_of = as_of or timezone.localdate()
        deadline = self.governing_deadline
        if deadline is None or self.is_final:
            return None
        return deadlines.lateness(self.due_date, deadline.precision, as_of)

    def is_to_check(self, as_of: datetime.date | None = None, months: int | None = None) -> bool:
        """Mirror of ``CommitmentQuerySet.to_check``: open, and no news since before the
        threshold."""
        as_of = as_of or timezone.localdate()
        return lacks_news(
            is_final=self.is_final,
            last_news_on=self.last_news_on,
            threshold=no_news_threshold(as_of, months),
        )

    def get_days_left(self, as_of: datetime.date | None = None) -> int | None:
        """Days until the due date when open and not past (0 on the day), else ``None``."""
        as_of = as_of or timezone.localdate()
        return None if self.is_final else deadlines.days_left(self.due_date, as_of)
