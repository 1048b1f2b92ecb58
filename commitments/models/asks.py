"""Asks: requests and recommendations made by a body about a commitment, and how long they wait.

The coalition, GRETA, the Committee on the Rights of the Child, the UN's Universal Periodic
Review, the OSCE or Parliament ask the state for something; while the commitment is open, every
ask is waiting. A commitment is outstanding since its earliest ask, which is how commitments
without any deadline still age.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from commitments import deadlines as rules
from commitments.deadlines import DatePrecision

from .commitment import Commitment
from .evidence import Body, Source


class Ask(models.Model):
    """A dated, sourced request or recommendation by a body about a commitment."""

    class Kind(models.TextChoices):
        REQUEST = "request", _("Request")
        RECOMMENDATION = "recommendation", _("Recommendation")

    commitment = models.ForeignKey(
        Commitment,
        on_delete=models.CASCADE,
        related_name="asks",
        verbose_name=_("commitment"),
        db_index=False,  # ``ask_commitment_first`` begins with it
    )
    body = models.ForeignKey(
        Body,
        on_delete=models.PROTECT,
        related_name="asks",
        verbose_name=_("asked by"),
        help_text=_("e.g. the coalition, GRETA, the Committee on the Rights of the Child."),
    )
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.REQUEST)
    text = models.TextField(
        _("what is asked"),
        help_text=_("e.g. “Create a national referral mechanism for victims”."),
    )
    made_on = models.DateField(_("asked on"))
    made_on_precision = models.CharField(
        _("precision of that date"),
        max_length=8,
        choices=DatePrecision.choices,
        default=DatePrecision.DAY,
    )
    source = models.ForeignKey(
        Source, on_delete=models.PROTECT, related_name="asks", verbose_name=_("source")
    )
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    history = HistoricalRecords(verbose_name=_("historical ask"))

    class Meta:
        verbose_name = _("ask")
        verbose_name_plural = _("asks")
        ordering = ["made_on", "pk"]
        indexes = [
            # A commitment's asks by date: the earliest one ("outstanding since", the asks
            # waiting longest) is the first entry, not the least of all its asks.
            models.Index(fields=["commitment", "made_on"], name="ask_commitment_first"),
        ]

    def __str__(self) -> str:
        return self.text

    @property
    def made_on_display(self) -> str:
        return rules.format_approximate(self.made_on, self.made_on_precision)
