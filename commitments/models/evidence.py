"""The evidence and the actors: bodies, sources (the cited documents), what each source says
about a commitment (citations), and tags."""

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from commitments.deadlines import DatePrecision


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


class SourceKind(models.TextChoices):
    """A document, or an exchange: what someone told the coalition, and how."""

    DOCUMENT = "document", _("Document")
    MEETING = "meeting", _("Meeting")
    CALL = "call", _("Phone call")
    LETTER = "letter", _("Letter")
    EMAIL = "email", _("E-mail")


class Source(models.Model):
    """The evidence behind a commitment or a status change: a document, or an exchange (a
    meeting, a call, a letter, an e-mail: “La MIPROF nous a indiqué…”) with its date, in
    ``publication_date``, and who said it."""

    DatePrecision = DatePrecision

    Kind = SourceKind

    key = models.SlugField(
        _("key"),
        max_length=80,
        unique=True,
        help_text=_("Stable identifier used by seed files and imports, e.g. “collectif-2022”."),
    )
    kind = models.CharField(
        _("kind"),
        max_length=16,
        choices=SourceKind.choices,
        default=SourceKind.DOCUMENT,
        help_text=_("A document, or an exchange: a meeting, a call, a letter, an e-mail."),
    )
    title = models.CharField(
        _("title"),
        max_length=500,
        help_text=_(
            "Title of the document, or subject of the exchange, e.g. “Entretien avec "
            "l'ambassadeur…”."
        ),
    )
    said_by = models.CharField(
        _("said by"),
        max_length=255,
        blank=True,
        help_text=_("For an exchange: who said it, e.g. “Mme Martin, MIPROF”."),
    )
    said_by_body = models.ForeignKey(
        Body,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="exchanges",
        verbose_name=_("body that said it"),
        help_text=_("For an exchange: the body that spoke, when it is one we follow."),
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
            models.CheckConstraint(
                condition=Q(kind__in=[v for v, _label in SourceKind.choices]),
                name="source_kind_valid",
            ),
        ]

    def __str__(self) -> str:
        # “Point sur le mécanisme (Appel, 2026-11-05)”; a document: its title and date. Who
        # said it is left to the pages that load it (``speaker``): no query here.
        details = [str(self.get_kind_display())] if self.is_exchange else []
        details = [part for part in (*details, self.publication_date_display) if part]
        return f"{self.title} ({', '.join(details)})" if details else self.title

    def natural_key(self):
        return (self.key,)

    def clean(self):
        """An exchange states when it took place and who said it."""
        super().clean()
        if not self.is_exchange:
            return
        errors = {}
        if not self.publication_date:
            errors["publication_date"] = ValidationError(
                _("Give the date of the exchange."), code="exchange_date_required"
            )
        if not (self.said_by or "").strip() and self.said_by_body_id is None:
            errors["said_by"] = ValidationError(
                _("Say who said it: a person, a body, or both."), code="exchange_said_by_required"
            )
        if errors:
            raise ValidationError(errors)

    @property
    def is_exchange(self) -> bool:
        return self.kind != SourceKind.DOCUMENT

    @property
    def speaker(self) -> str:
        """Who said it, for an exchange: “Mme Martin (MIPROF)”, or either part alone (load
        ``said_by_body`` with the source)."""
        body = self.said_by_body.short_name if self.said_by_body_id else ""
        said_by = (self.said_by or "").strip()
        if said_by and body and body not in said_by:
            return f"{said_by} ({body})"
        return said_by or body

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


class Citation(models.Model):
    """What one source says about one commitment.

    Sources sometimes disagree (the second national plan is 2019-2021 in two documents and
    2019-2023 in another): each citation records its own claim, so both stand side by side.
    """

    commitment = models.ForeignKey(
        "Commitment",
        on_delete=models.CASCADE,
        related_name="citations",
        verbose_name=_("commitment"),
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
