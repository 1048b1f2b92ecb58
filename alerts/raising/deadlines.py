"""The deadlines of commitments: lapsed (once per deadline), and approaching (lead times).

Built on the deadline queries (``Deadline.objects.overdue``, ``due_within``), so "lapsed" here
means what it means everywhere else: open and certainly lapsed, the last day of the deadline's
window strictly before the day. A month-precision deadline ("septembre 2022") lapses on the day
after the month's last day; approximate and unofficial deadlines raise alerts like the others
(the digest states their precision and caveat). Undated deadlines (an event without a date, a
successor without a claimed end) and "not before" floors never raise.

These alerts are standing: each points at its deadline and is closed once the deadline is met,
moved (its window's last day changed: the new window raises its own), deleted, no longer a
real deadline, or its commitment final.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping, Sequence

from django.conf import settings
from django.db.models import Case, F, IntegerField, Q, QuerySet, Value, When
from django.utils.translation import gettext_lazy as _

from commitments.models import Commitment, Deadline

from ..models import Alert, AlertKind, CloseReason
from .base import Run, alert_rows


def lead_days_setting() -> tuple[int, ...]:
    """The configured lead times, largest first, e.g. ``(30, 7)``."""
    return tuple(sorted({int(days) for days in settings.ALERT_LEAD_DAYS}, reverse=True))


def _nearest_lead(lead_days: Sequence[int], as_of: datetime.date) -> Case:
    """SQL: the smallest lead time L with ``window_end <= as_of + L`` (the nearest threshold)."""
    return Case(
        *[
            When(window_end__lte=as_of + datetime.timedelta(days=days), then=Value(days))
            for days in sorted(lead_days)
        ],
        output_field=IntegerField(),
    )


def _raisable(deadlines: QuerySet) -> QuerySet:
    """Deadlines of commitments in the lists: archived commitments raise nothing."""
    return deadlines.filter(commitment__archived_at__isnull=True)


class Deadlines:
    """Lapsed and due-soon alerts, one set per deadline row of every open commitment."""

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

        In this order (an alert is closed once, for the first reason that applies): the
        commitment reached a final status (met, abandoned, superseded); the deadline was
        deleted; it was met; it moved (the last day of its window is no longer the one the
        alert was raised for, it lost its date, or it became a "not before" floor). Four
        statements, whatever the number of alerts.
        """

        def close(alerts: QuerySet, reason: str) -> int:
            return alerts.update(closed_at=now, closed_reason=reason)

        def still_open() -> QuerySet:
            return Alert.objects.open().filter(kind__in=self.kinds)

        return {
            CloseReason.FINAL_STATUS: close(
                still_open().filter(commitment__in=Commitment.all_objects.final().values("pk")),
                CloseReason.FINAL_STATUS,
            ),
            CloseReason.DEADLINE_DELETED: close(
                still_open().filter(deadline__isnull=True), CloseReason.DEADLINE_DELETED
            ),
            CloseReason.DEADLINE_MET: close(
                still_open().filter(deadline__met_on__isnull=False), CloseReason.DEADLINE_MET
            ),
            CloseReason.DUE_DATE_MOVED: close(
                still_open().filter(
                    Q(deadline__window_end__isnull=True)
                    | ~Q(deadline__window_end=F("due_date"))
                    | Q(deadline__bound=Deadline.Bound.NOT_BEFORE)
                ),
                CloseReason.DUE_DATE_MOVED,
            ),
        }

    def alert_rows(self, *, run: Run) -> Iterable[QuerySet]:
        """Lapsed: open deadlines certainly lapsed as of ``as_of`` (the last day of the window
        is not lapsed), one alert per deadline and window.

        Due soon: for lead time L the alert is due when ``window_end - L <= as_of <=
        window_end``. Only the nearest threshold reached is raised: a run on D-5 after runs
        were missed since D-31 raises the 7-day alert, not also the 30-day one (one alert per
        deadline per run, never noise). Because the nearest threshold only gets nearer, a
        larger lead is never raised after a smaller one, and a missed run is caught up by the
        next one, once.
        """
        yield alert_rows(
            _raisable(Deadline.objects.overdue(run.as_of)),
            run=run,
            kind=AlertKind.LAPSED.value,
            commitment=F("commitment_id"),
            deadline=F("pk"),
            due_date=F("window_end"),
        )
        lead_days = self.lead_days
        if lead_days:
            yield alert_rows(
                _raisable(Deadline.objects.due_within(max(lead_days), run.as_of)),
                run=run,
                kind=AlertKind.DUE_SOON.value,
                commitment=F("commitment_id"),
                deadline=F("pk"),
                due_date=F("window_end"),
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
