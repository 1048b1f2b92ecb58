"""The commitment domain: who owes what to whom, its status, its history and its evidence.

"Overdue" is never stored: it is derived from the due date, the status and an as-of date, in
the database by ``CommitmentQuerySet`` and in Python by the mirroring instance methods.
"""

import datetime

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from . import deadlines


class BodyKind(models.TextChoices):
    GOVERNMENT = "government", _("Government")
    MINISTRY = "ministry", _("Ministry")
    INTERMINISTERIAL_AGENCY = "interministerial_agency", _("Interministerial agency")
    PARLIAMENT = "parliament", _("Parliament")
    INTERNATIONAL_ORGANISATION = "international_organisation", _("International organisation")
    EU_INSTITUTION = "eu_institution", _("European Union institution")
    CIVIL_SOCIETY = "civil_society", _("Civil society")
    OTHER = "other", _("Other")


class BodyLevel(models.TextChoices):
    NATIONAL = "national", _("National")
    EUROPEAN = "european", _("European")
    INTERNATIONAL = "international", _("International")


class DatePrecision(models.TextChoices):
    DAY = "day", _("Day")
    MONTH = "month", _("Month")
    YEAR = "year", _("Year")


class Category(models.TextChoices):
    INSTITUTIONAL_MECHANISM = "institutional_mechanism", _("Institutional mechanism")
    ACTION_PLAN = "action_plan", _("National action plan")
    REPORT = "report", _("Report owed to an international body")
    LEGISLATION = "legislation", _("Legislation")
    STRATEGY = "strategy", _("Strategy")
    INTERNATIONAL_COOPERATION = "international_cooperation", _("International cooperation")
    AWARENESS = "awareness", _("Awareness campaign")
    OTHER = "other", _("Other")


class NaturalKeyManager(models.Manager):
    """Looks records up by their ``key`` slug, so fixtures and seeds never depend on ids."""

    def get_by_natural_key(self, key):
        return self.get(key=key)


class Body(models.Model):
    """An actor: a body that owes a commitment, or one that monitors or receives it."""

    Kind = BodyKind

    Level = BodyLevel

    key = models.SlugField(
        _("key"),
        max_length=80,
        unique=True,
        help_text=_("Stable identifier used by seed files and imports, e.g. “miprof”."),
    )
    name = models.CharField(
        _("name"),
        max_length=255,
        unique=True,
        help_text=_("Full name, e.g. “Mission interministérielle pour la protection des femmes”."),
    )
    acronym = models.CharField(
        _("acronym"), max_length=30, blank=True, help_text=_("Short name, e.g. “MIPROF”.")
    )
    kind = models.CharField(
        _("kind"),
        max_length=32,
        choices=Kind.choices,
        default=Kind.OTHER,
        help_text=_("What sort of actor this is, e.g. “Ministry”."),
    )
    level = models.CharField(
        _("level"),
        max_length=16,
        choices=Level.choices,
        default=Level.NATIONAL,
        help_text=_("Where the body acts, e.g. “International” for a UN committee."),
    )
    country = models.CharField(
        _("country"),
        max_length=2,
        blank=True,
        help_text=_("ISO 3166 code for a national body, e.g. “FR”; empty otherwise."),
    )
    description = models.TextField(
        _("description"),
        blank=True,
        help_text=_("One sentence on the body's role, e.g. “Coordinates the fight against…”."),
    )

    objects = NaturalKeyManager()
    history = HistoricalRecords(verbose_name=_("historical body"))

    class Meta:
        verbose_name = _("body")
        verbose_name_plural = _("bodies")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=[value for value, _label in BodyKind.choices]),
                name="body_kind_valid",
            ),
            models.CheckConstraint(
                condition=Q(level__in=[value for value, _label in BodyLevel.choices]),
                name="body_level_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.acronym})" if self.acronym else self.name

    def natural_key(self):
        return (self.key,)

    @property
    def short_name(self) -> str:
        return self.acronym or self.name


class Source(models.Model):
    """A cited document: the evidence behind a commitment or a status change."""

    DatePrecision = DatePrecision

    key = models.SlugField(
        _("key"),
        max_length=80,
        unique=True,
        help_text=_("Stable identifier used by seed files and imports, e.g. “collectif-2022”."),
    )
    title = models.CharField(
        _("title"),
        max_length=500,
        help_text=_("Title of the document, e.g. “Entretien avec l'ambassadeur…”."),
    )
    publisher = models.CharField(
        _("publisher"),
        max_length=255,
        blank=True,
        help_text=_("Who published it, e.g. “Ministère de l'Europe et des Affaires étrangères”."),
    )
    publication_date = models.DateField(
        _("publication date"),
        null=True,
        blank=True,
        help_text=_("Leave empty when unknown rather than guess, e.g. 2022-07-01."),
    )
    date_precision = models.CharField(
        _("date precision"),
        max_length=8,
        choices=DatePrecision.choices,
        default=DatePrecision.DAY,
        help_text=_("How precise the publication date is: “Month” for “July 2022”."),
    )
    url = models.URLField(
        _("URL"), max_length=500, blank=True, help_text=_("e.g. https://www.diplomatie.gouv.fr/…")
    )
    language = models.CharField(
        _("language"),
        max_length=8,
        default="fr",
        help_text=_("Language code of the document, e.g. “fr”."),
    )
    document = models.CharField(
        _("document reference"),
        max_length=255,
        blank=True,
        help_text=_("Where the coalition keeps the document, e.g. a file name."),
    )
    note = models.TextField(
        _("note"),
        blank=True,
        help_text=_("What the document is, or the passage relied on, e.g. “p. 32, § 2”."),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = NaturalKeyManager()
    history = HistoricalRecords(verbose_name=_("historical source"))

    class Meta:
        verbose_name = _("source")
        verbose_name_plural = _("sources")
        ordering = ["-publication_date", "title"]
        constraints = [
            models.CheckConstraint(
                condition=Q(date_precision__in=[v for v, _label in DatePrecision.choices]),
                name="source_date_precision_valid",
            ),
        ]

    def __str__(self) -> str:
        if self.publication_date:
            return f"{self.title} ({self.publication_date_display})"
        return self.title

    def natural_key(self):
        return (self.key,)

    @property
    def publication_date_display(self) -> str:
        """The date at the precision it is known: “2022”, “07/2022” or the full date."""
        if not self.publication_date:
            return ""
        if self.date_precision == self.DatePrecision.YEAR:
            return f"{self.publication_date:%Y}"
        if self.date_precision == self.DatePrecision.MONTH:
            return f"{self.publication_date:%m/%Y}"
        return self.publication_date.isoformat()


class TagManager(models.Manager):
    def get_by_natural_key(self, slug):
        return self.get(slug=slug)


class Tag(models.Model):
    """A theme used to group commitments, e.g. “victimes” or “union-europeenne”."""

    slug = models.SlugField(
        _("slug"), max_length=60, unique=True, help_text=_("e.g. “plan-national”.")
    )
    name = models.CharField(
        _("name"), max_length=100, help_text=_("Label shown to staff, e.g. “Plan national”.")
    )

    objects = TagManager()

    class Meta:
        verbose_name = _("tag")
        verbose_name_plural = _("tags")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def natural_key(self):
        return (self.slug,)


class Status(models.TextChoices):
    """Where a commitment stands, in the vocabulary of advocacy."""

    NOT_STARTED = "not_started", _("Not started")
    ANNOUNCED = "announced", _("Announced")
    IN_PROGRESS = "in_progress", _("In progress")
    PARTIALLY_MET = "partially_met", _("Partially met")
    MET = "met", _("Met")
    ABANDONED = "abandoned", _("Abandoned")

    @classmethod
    def final_values(cls) -> tuple[str, ...]:
        """Statuses after which nothing more is owed: never overdue, never alerted."""
        return (cls.MET.value, cls.ABANDONED.value)

    @classmethod
    def open_values(cls) -> tuple[str, ...]:
        return tuple(value for value in cls.values if value not in cls.final_values())


STATUS_VALUES = [value for value, _label in Status.choices]

# A commitment's deadline: its due date, owed while its status is not final.
COMMITMENT_DEADLINE = deadlines.DeadlineRules(
    date_field="due_date",
    is_open=lambda prefix="": ~Q(**{f"{prefix}status__in": Status.final_values()}),
)


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

    def for_body(self, body):
        """Commitments that ``body`` owes or monitors."""
        return self.filter(Q(responsible_body=body) | Q(monitoring_body=body))

    def with_status_as_of(self, as_of: datetime.date):
        """Annotate ``status_as_of``: the status in force at the end of day ``as_of``.

        Rebuilt from the history's effective dates; NULL for a commitment with no entry yet
        effective on that day (it was not tracked then).
        """
        latest_entry = StatusChange.objects.filter(
            commitment=models.OuterRef("pk"), effective_date__lte=as_of
        ).latest_first()
        return self.annotate(status_as_of=models.Subquery(latest_entry.values("new_status")[:1]))

    def with_relations(self):
        """Load what every list shows in the same query: bodies and owner."""
        return self.select_related("responsible_body", "monitoring_body", "owner")

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


class ActiveCommitmentManager(models.Manager.from_queryset(CommitmentQuerySet)):
    """Commitments that are not archived."""

    def get_queryset(self):
        return super().get_queryset().filter(archived_at__isnull=True)


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
        help_text=_("Deadline, e.g. 2022-10-18. Leave empty when none has been set."),
    )
    due_date_note = models.TextField(
        _("due date note"),
        blank=True,
        help_text=_("Where the deadline comes from, e.g. “derived from the end of the 2nd plan”."),
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

    # ``objects`` is what every page, list, the API and the alert job see: archived
    # commitments left them. ``all_objects`` reaches them too (the admin, the history,
    # the commitment page, imports and seeds, which must never create a duplicate).
    objects = ActiveCommitmentManager()
    all_objects = CommitmentQuerySet.as_manager()
    history = HistoricalRecords(verbose_name=_("historical commitment"), m2m_fields=["tags"])

    class Meta:
        verbose_name = _("commitment")
        verbose_name_plural = _("commitments")
        default_manager_name = "all_objects"
        base_manager_name = "all_objects"
        ordering = ["due_date", "title"]
        indexes = [models.Index(fields=["status", "due_date"], name="commitment_status_due")]
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
        return reverse("commitments:detail", args=[self.pk])

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

    def get_days_left(self, as_of: datetime.date | None = None) -> int | None:
        """Days until the due date when open and not past (0 on the day), else ``None``."""
        as_of = as_of or timezone.localdate()
        return None if self.is_final else deadlines.days_left(self.due_date, as_of)


class Citation(models.Model):
    """What one source says about one commitment.

    Sources sometimes disagree (the second national plan is 2019-2021 in two documents and
    2019-2023 in another): each citation records its own claim, so both stand side by side.
    """

    commitment = models.ForeignKey(
        Commitment, on_delete=models.CASCADE, related_name="citations", verbose_name=_("commitment")
    )
    source = models.ForeignKey(
        Source, on_delete=models.PROTECT, related_name="citations", verbose_name=_("source")
    )
    claim = models.TextField(
        _("claim"),
        blank=True,
        help_text=_("What this source says, in our words, e.g. “plan couvrant 2019-2021”."),
    )

    history = HistoricalRecords(verbose_name=_("historical citation"))

    class Meta:
        verbose_name = _("citation")
        verbose_name_plural = _("citations")
        ordering = ["commitment", "source__publication_date", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["commitment", "source", "claim"], name="citation_unique_claim"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.commitment} — {self.source}"


class StatusChangeQuerySet(models.QuerySet):
    def latest_first(self):
        """The history newest first: by effective date, then by time recorded (the reverse of
        ``Meta.get_latest_by``); the first is the entry that set the current status."""
        return self.order_by(*(f"-{name}" for name in self.model._meta.get_latest_by))

    def recorded_latest_first(self):
        """Newest recorded first (what changed lately), with the commitment and author loaded."""
        return self.select_related("commitment", "author").order_by("-created_at", "-pk")


class StatusChange(models.Model):
    """One append-only entry of a commitment's status history.

    Written only by ``commitments.services.change_status``; never edited or deleted.
    """

    class Origin(models.TextChoices):
        WEB = "web", _("Web page")
        ADMIN = "admin", _("Administration")
        API = "api", _("API")
        SEED = "seed", _("Seed data")
        IMPORT = "import", _("Import")

    commitment = models.ForeignKey(
        Commitment,
        on_delete=models.PROTECT,
        related_name="status_changes",
        verbose_name=_("commitment"),
    )
    previous_status = models.CharField(
        _("previous status"),
        max_length=16,
        choices=Status.choices,
        blank=True,
        help_text=_("Empty for the first entry of a commitment."),
    )
    new_status = models.CharField(_("new status"), max_length=16, choices=Status.choices)
    effective_date = models.DateField(
        _("effective date"),
        help_text=_("When the change happened (not when it was recorded), e.g. 2022-07-29."),
    )
    note = models.TextField(
        _("note"),
        blank=True,
        help_text=_("Why, e.g. “Le ministre a annoncé le troisième plan”."),
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="status_changes",
        verbose_name=_("author"),
        help_text=_("Who recorded it; empty for seed data."),
    )
    origin = models.CharField(_("origin"), max_length=8, choices=Origin.choices, default=Origin.WEB)
    sources = models.ManyToManyField(
        Source, blank=True, related_name="status_changes", verbose_name=_("sources")
    )
    created_at = models.DateTimeField(_("recorded at"), default=timezone.now, editable=False)

    objects = StatusChangeQuerySet.as_manager()

    class Meta:
        verbose_name = _("status change")
        verbose_name_plural = _("status changes")
        ordering = ["commitment", "effective_date", "created_at", "pk"]
        get_latest_by = ["effective_date", "created_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(new_status__in=STATUS_VALUES), name="statuschange_new_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(previous_status__in=[*STATUS_VALUES, ""]),
                name="statuschange_previous_status_valid",
            ),
            models.CheckConstraint(
                condition=~Q(previous_status=F("new_status")),
                name="statuschange_changes_status",
            ),
        ]

    def __str__(self) -> str:
        return (
            f"{self.commitment}: {self.get_previous_status_display() or '∅'} → "
            f"{self.get_new_status_display()} ({self.effective_date})"
        )
