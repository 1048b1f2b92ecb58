"""What each side claims about a commitment, beside the coalition's own assessment.

The status of record (``Commitment.status`` and its history) is the coalition's finding. A claim
is what another side asserts — the state (a ministry's statement), a monitoring body (a GRETA
or OSCE report) — dated and sourced: a status ("the comments were sent"), a period ("the second
plan runs 2019-2023") or a statement. Vigie says when the state's claimed status and the
coalition's assessment diverge.
"""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from commitments import deadlines as rules
from commitments.deadlines import DatePrecision

from .commitment import Commitment, Status
from .evidence import Body, Source


class Side(models.TextChoices):
    STATE = "state", _("The state")
    MONITORING_BODY = "monitoring_body", _("A monitoring body")
    COALITION = "coalition", _("The coalition")
    OTHER = "other", _("Other")


class ClaimQuerySet(models.QuerySet):
    def by_state(self):
        return self.filter(side=Side.STATE)

    def about_status(self):
        return self.filter(kind=Claim.Kind.STATUS)

    def periods(self):
        """Claims of a period with an end: the readings a successor deadline counts from."""
        return self.filter(kind=Claim.Kind.PERIOD, period_end__isnull=False)

    def latest_first(self):
        return self.order_by("-made_on", "-pk")


class Claim(models.Model):
    """One side's dated, sourced assertion about a commitment."""

    Side = Side

    class Kind(models.TextChoices):
        STATUS = "status", _("A status")
        PERIOD = "period", _("A period")
        STATEMENT = "statement", _("A statement")

    commitment = models.ForeignKey(
        Commitment, on_delete=models.CASCADE, related_name="claims", verbose_name=_("commitment")
    )
    side = models.CharField(_("side"), max_length=16, choices=Side.choices)
    body = models.ForeignKey(
        Body,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="claims",
        verbose_name=_("who claims it"),
        help_text=_("e.g. MIPROF, the Ministry for Europe and Foreign Affairs, GRETA."),
    )
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    text = models.TextField(
        _("what is claimed"),
        help_text=_("In a sentence, e.g. “France's comments were sent to the OSCE”."),
    )
    claimed_status = models.CharField(
        _("claimed status"),
        max_length=16,
        choices=Status.choices,
        blank=True,
        help_text=_("For a status claim: the status this side asserts."),
    )
    period_start = models.DateField(_("period start"), null=True, blank=True)
    period_end = models.DateField(
        _("period end"), null=True, blank=True, help_text=_("e.g. 2021-01-01 with “year” for 2021.")
    )
    period_precision = models.CharField(
        _("period precision"),
        max_length=8,
        choices=DatePrecision.choices,
        default=DatePrecision.YEAR,
    )
    made_on = models.DateField(_("claimed on"), help_text=_("When it was said or published."))
    made_on_precision = models.CharField(
        _("precision of that date"),
        max_length=8,
        choices=DatePrecision.choices,
        default=DatePrecision.DAY,
    )
    source = models.ForeignKey(
        Source, on_delete=models.PROTECT, related_name="claims", verbose_name=_("source")
    )
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    objects = ClaimQuerySet.as_manager()
    history = HistoricalRecords(verbose_name=_("historical claim"))

    class Meta:
        verbose_name = _("claim")
        verbose_name_plural = _("claims")
        ordering = ["made_on", "pk"]
        indexes = [
            # The state's latest claim of a status, per commitment
            # (``advocacy_facts.state_claimed_status``): one probe per commitment, read from
            # the index alone, instead of reading and sorting each of its claims.
            models.Index(
                fields=["commitment", "-made_on", "-id", "claimed_status"],
                name="claim_state_status_latest",
                condition=Q(side="state", kind="status"),
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(kind="status") | Q(claimed_status__in=Status.values),
                name="claim_status_has_status",
            ),
            models.CheckConstraint(
                condition=~Q(kind="period") | Q(period_end__isnull=False),
                name="claim_period_has_end",
            ),
            models.CheckConstraint(condition=Q(side__in=Side.values), name="claim_side_valid"),
        ]

    def __str__(self) -> str:
        return self.text

    @property
    def made_on_display(self) -> str:
        return rules.format_approximate(self.made_on, self.made_on_precision)

    @property
    def period_end_window(self):
        """The first and last day the claimed end may be."""
        if self.period_end is None:
            return None
        return rules.window(self.period_end, self.period_precision)

    @property
    def period_display(self) -> str:
        start = rules.format_approximate(self.period_start, self.period_precision)
        end = rules.format_approximate(self.period_end, self.period_precision)
        return f"{start} – {end}" if start else end
