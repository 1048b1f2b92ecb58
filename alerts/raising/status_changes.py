"""A watched commitment changed status: news for its owner and watchers, never closed.

The person who recorded the change is not told of it (see ``alerts.delivery``); the first
entry of a commitment (its creation) and seed-data entries are not news.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping

from django.db.models import F, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from commitments.models import StatusChange

from ..models import AlertKind
from .base import Run, alert_rows

#: Status changes recorded up to this many days before the as-of date are reported to
#: watchers; older ones are history, not news (this bounds the first run after installation,
#: and lets a run missed for up to this many days catch up).
STATUS_CHANGE_LOOKBACK_DAYS = 30


def _day_start(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


class StatusChanges:
    """A status-change alert for each change recorded in the lookback window up to ``as_of``."""

    kinds = (AlertKind.STATUS_CHANGED.value,)
    standing = False
    digest_titles = {AlertKind.STATUS_CHANGED.value: _("Status changes on commitments you watch")}

    def close_stale(self, *, now: datetime.datetime) -> dict[str, int]:
        """Nothing: a status change stays news until acknowledged."""
        return {}

    def alert_rows(self, *, run: Run) -> Iterable[QuerySet]:
        window_start = _day_start(run.as_of - datetime.timedelta(days=STATUS_CHANGE_LOOKBACK_DAYS))
        window_end = _day_start(run.as_of + datetime.timedelta(days=1))
        changes = (
            StatusChange.objects.filter(created_at__gte=window_start, created_at__lt=window_end)
            .exclude(previous_status="")
            .exclude(origin=StatusChange.Origin.SEED)
        )
        yield alert_rows(
            changes,
            run=run,
            kind=AlertKind.STATUS_CHANGED.value,
            commitment=F("commitment_id"),
            due_date=F("commitment__due_date"),
            status_change=F("pk"),
        )

    def describe(self, raised: Mapping[str, Mapping[int, int]]) -> str:
        """E.g. ``2 status changes``."""
        return f"{sum(raised.get(AlertKind.STATUS_CHANGED.value, {}).values())} status changes"
