"""A commitment's deadline: lapsed (due strictly before the day), and approaching (lead times).

Built on the commitment queries (``overdue``, ``due_within``), so "lapsed" here means what
"overdue" means everywhere else. These alerts are standing: closed once the commitment is
final or its due date moves, because the new date raises its own.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping, Sequence

from django.conf import settings
from django.db.models import Case, F, IntegerField, QuerySet, Value, When
from django.utils.translation import gettext_lazy as _

from commitments.models import Commitment

from ..models import Alert, AlertKind, CloseReason
from .base import Run, alert_rows


def lead_days_setting() -> tuple[int, ...]:
    """The configured lead times, largest first, e.g. ``(30, 7)``."""
    return tuple(sorted({int(days) for days in settings.ALERT_LEAD_DAYS}, reverse=True))


def _nearest_lead(lead_days: Sequence[int], as_of: datetime.date) -> Case:
    """SQL: the smallest lead time L with ``due_date <= as_of + L`` (the nearest threshold)."""
    return Case(
        *[
            When(due_date__lte=as_of + datetime.timedelta(days=days), then=Value(days))
            for days in sorted(lead_days)
        ],
        output_field=IntegerField(),
    )


class CommitmentDeadlines:
    """Lapsed and due-soon alerts on open commitments with a due date."""

    kinds = (AlertKind.LAPSED.value, AlertKind.DUE_SOON.value)
    standing = True
    digest_titles = {
        AlertKind.LAPSED.value: _("Deadlines lapsed"),
        AlertKind.DUE_SOON.value: _("Deadlines approaching"),
    }

    def __init__(self, *, lead_days: Sequence[int] | None = None) -> None:
        # None: read settings.ALERT_LEAD_DAYS at each run, so a changed setting applies.
        self._lead_days = None if lead_days is None else tuple(lead_days)

    @property
    def lead_days(self) -> tuple[int, ...]:
        return lead_days_setting() if self._lead_days is None else self._lead_days

    def close_stale(self, *, now: datetime.datetime) -> dict[str, int]:
        """Close open deadline alerts that no longer apply; returns counts per reason.

        A commitment that reached a final status (met, abandoned) owes nothing more; an alert
        about a due date the commitment no longer has (moved or removed) is obsolete: the new
        date raises its own alerts.
        """
        open_alerts = Alert.objects.open().filter(kind__in=self.kinds)
        final = Commitment.objects.final().values("pk")
        closed_final = open_alerts.filter(commitment__in=final).update(
            closed_at=now, closed_reason=CloseReason.FINAL_STATUS
        )
        moved = (
            open_alerts.exclude(commitment__due_date=F("due_date"))
            .exclude(commitment__in=final)
            .update(closed_at=now, closed_reason=CloseReason.DUE_DATE_MOVED)
        )
        return {CloseReason.FINAL_STATUS: closed_final, CloseReason.DUE_DATE_MOVED: moved}

    def alert_rows(self, *, run: Run) -> Iterable[QuerySet]:
        """Lapsed: open commitments due strictly before ``as_of`` (due today is not lapsed).

        Due soon: for lead time L the alert is due when ``due_date - L <= as_of <= due_date``.
        Only the nearest threshold reached is raised: a run on D-5 after runs were missed since
        D-31 raises the 7-day alert, not also the 30-day one (one alert per deadline per run,
        never noise). Because the nearest threshold only gets nearer, a larger lead is never
        raised after a smaller one, and a missed run is caught up by the next one, once.
        """
        yield alert_rows(
            Commitment.objects.overdue(run.as_of),
            run=run,
            kind=AlertKind.LAPSED.value,
            commitment=F("pk"),
            due_date=F("due_date"),
        )
        lead_days = self.lead_days
        if lead_days:
            yield alert_rows(
                Commitment.objects.due_within(max(lead_days), run.as_of),
                run=run,
                kind=AlertKind.DUE_SOON.value,
                commitment=F("pk"),
                due_date=F("due_date"),
                lead_days=_nearest_lead(lead_days, run.as_of),
            )

    def describe(self, raised: Mapping[str, Mapping[int, int]]) -> str:
        """E.g. ``1 lapsed, 3 due soon (1 at 7 days, 2 at 30 days)``."""
        lapsed = sum(raised.get(AlertKind.LAPSED.value, {}).values())
        due_soon = raised.get(AlertKind.DUE_SOON.value, {})
        detail = ", ".join(f"{count} at {days} days" for days, count in sorted(due_soon.items()))
        return f"{lapsed} lapsed, {sum(due_soon.values())} due soon" + (
            f" ({detail})" if detail else ""
        )
