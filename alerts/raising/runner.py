"""Raising: run every registered alert source as of a day, close what is stale, address it all.

Set-based and idempotent: each query a source returns becomes one ``INSERT … SELECT … ON
CONFLICT DO NOTHING`` statement (``alerts.sql``), so a second run, or two runs at the same
moment on one PostgreSQL database, raise each alert once, and the number of queries does not
depend on the number of commitments.
"""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from ..delivery import deliveries_create
from ..models import Alert
from ..sql import insert_from_select
from .base import ALERT_COLUMNS, AlertSource, Run
from .deadlines import Deadlines
from .status_changes import StatusChanges

#: Every kind of alert the job raises, in the digest's order. A new kind: one module in this
#: package, its entry here, and its block in ``alerts/emails/digest.{txt,html}``.
SOURCES: tuple[AlertSource, ...] = (Deadlines(), StatusChanges())


@dataclass
class RaiseResult:
    """What one run of :func:`alerts_raise` did (or would do, in a dry run)."""

    as_of: datetime.date
    run_id: uuid.UUID
    #: kind -> lead days -> alerts raised (lead days 0 for kinds without a lead time).
    raised: dict[str, dict[int, int]] = field(default_factory=dict)
    closed: dict[str, int] = field(default_factory=dict)  # close reason -> alerts closed
    deliveries: int = 0
    #: What was raised, one phrase per source, e.g. "1 lapsed, 0 due soon, 2 status changes".
    summary: str = ""

    def count(self, kind: str) -> int:
        """Alerts of ``kind`` this run raised."""
        return sum(self.raised.get(kind, {}).values())

    @property
    def total(self) -> int:
        return sum(self.count(kind) for kind in self.raised)


@transaction.atomic
def alerts_raise(*, as_of: datetime.date, sources: Sequence[AlertSource] = SOURCES) -> RaiseResult:
    """Raise every alert due as of ``as_of``, close obsolete ones, and address them.

    Each source closes its stale alerts and says what is due (see its module); then every
    open standing alert and every news item of this run is given to its recipients
    (``alerts.delivery``). Idempotent: running it again, or concurrently, raises nothing more.
    Returns what this call raised (alerts another concurrent run inserted first are not
    counted twice).
    """
    run = Run(as_of=as_of, run_id=uuid.uuid4(), now=timezone.now())
    result = RaiseResult(
        as_of=as_of,
        run_id=run.run_id,
        raised={kind: {} for source in sources for kind in source.kinds},
    )
    for source in sources:
        result.closed.update(source.close_stale(now=run.now))
    for source in sources:
        for rows in source.alert_rows(run=run):
            insert_from_select(Alert, ALERT_COLUMNS, rows)
    result.deliveries = deliveries_create(
        run_id=run.run_id,
        now=run.now,
        standing_kinds=[kind for source in sources if source.standing for kind in source.kinds],
        news_kinds=[kind for source in sources if not source.standing for kind in source.kinds],
    )

    # What is new is what carries this run's id: one query, counted per kind and lead time.
    counts = (
        Alert.objects.filter(run_id=run.run_id)
        .order_by()
        .values_list("kind", "lead_days")
        .annotate(total=Count("pk"))
    )
    for kind, lead_days, count in counts:
        result.raised.setdefault(kind, {})[lead_days] = count
    result.summary = ", ".join(source.describe(result.raised) for source in sources)
    return result
