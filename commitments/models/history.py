"""A commitment's status history: append-only entries, written by the status service."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .commitment import STATUS_VALUES, Commitment, Status
from .evidence import Source


class StatusChangeQuerySet(models.QuerySet):
    def latest_first(self):
        """The history newest first: by effective date, then by time recorded (the reverse of
        ``Meta.get_latest_by``); the first is the entry that set the current status."""
        return self.order_by(*(f"-{name}" for name in self.model._meta.get_latest_by))

    def chronological(self):
        """The history in the order it happened (``Meta.get_latest_by``): the last entry set
        the current status."""
        return self.order_by(*self.model._meta.get_latest_by)

    def recorded_latest_first(self):
        """Newest recorded first (what changed lately), with the commitment and author loaded."""
        return self.select_related("commitment", "author").order_by("-created_at", "-pk")


class StatusChange(models.Model):
    """One append-only entry of a commitment's status history.

    Written only by ``commitments.services.status.status_change_record``; never edited or deleted.
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
        indexes = [
            # The dashboard's latest changes (newest effective date first).
            models.Index(fields=["effective_date", "created_at", "id"], name="statuschange_latest"),
            # A commitment's latest entry (its status as of a day, its last news, the change
            # that set its status): one index probe per commitment, never a scan.
            models.Index(
                fields=["commitment", "effective_date", "created_at", "id"],
                name="statuschange_commitment_latest",
            ),
            # The alert job's window of changes recorded lately.
            models.Index(fields=["created_at"], name="statuschange_recorded"),
        ]
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
