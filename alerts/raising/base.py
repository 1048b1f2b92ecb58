"""What every alert source offers the runner, and the row shape they all build.

A source never writes: it returns ``values_list`` querysets shaped by :func:`alert_rows`,
which the runner turns into ``INSERT … SELECT … ON CONFLICT DO NOTHING`` statements, so
raising stays set-based (one statement per query a source returns, whatever the data).
"""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Protocol

from django.db.models import (
    BigIntegerField,
    DateField,
    DateTimeField,
    Expression,
    F,
    QuerySet,
    UUIDField,
    Value,
)
from django.db.models.functions import Cast


@dataclass(frozen=True)
class Run:
    """One run of the job: the day it checks as of, its id (stamped on what it raises), now."""

    as_of: datetime.date
    run_id: uuid.UUID
    now: datetime.datetime


class AlertSource(Protocol):
    """One kind of fact worth telling, raised as of a day.

    ``standing`` alerts (deadlines) stay true while open: they reach whoever follows the
    commitment when deliveries are made, a new follower included. Other alerts are news
    (status changes): they reach the followers of the moment they are raised, once.
    """

    #: The :class:`~alerts.models.AlertKind` values this source raises, in digest order.
    kinds: tuple[str, ...]
    standing: bool
    #: The digest's section title per kind, e.g. "Deadlines lapsed".
    digest_titles: Mapping[str, str]

    def close_stale(self, *, now: datetime.datetime) -> dict[str, int]:
        """Close this source's open alerts that no longer apply; counts per close reason."""
        ...

    def alert_rows(self, *, run: Run) -> Iterable[QuerySet]:
        """The alerts due as of ``run.as_of``, as querysets shaped by :func:`alert_rows`."""
        ...

    def describe(self, raised: Mapping[str, Mapping[int, int]]) -> str:
        """What was raised (kind -> lead days -> count), for the command's report."""
        ...


# A typed NULL: PostgreSQL reads an untyped NULL parameter in a SELECT list as text.
NULL_ID = Cast(Value(None), output_field=BigIntegerField())
NO_LEAD = Value(0)

#: The columns :func:`alert_rows` yields, in order, for ``insert_from_select``.
ALERT_COLUMNS = (
    "commitment",
    "deadline",
    "kind",
    "due_date",
    "lead_days",
    "status_change",
    "raised_as_of",
    "run_id",
    "created_at",
    "closed_reason",
)


def alert_rows(
    queryset: QuerySet,
    *,
    run: Run,
    kind: str,
    commitment: Expression | F,
    due_date: Expression | F,
    deadline: Expression | F = NULL_ID,
    lead_days: Expression | Value = NO_LEAD,
    status_change: Expression | F = NULL_ID,
) -> QuerySet:
    """Shape ``queryset`` into rows of :data:`ALERT_COLUMNS`, one alert of ``kind`` per row."""
    return (
        queryset.order_by()
        .annotate(
            _commitment=commitment,
            _deadline=deadline,
            _kind=Value(kind),
            _due_date=due_date,
            _lead_days=lead_days,
            _status_change=status_change,
            _raised_as_of=Value(run.as_of, output_field=DateField()),
            _run_id=Value(run.run_id, output_field=UUIDField()),
            _created_at=Value(run.now, output_field=DateTimeField()),
            _closed_reason=Value(""),
        )
        .values_list(
            "_commitment",
            "_deadline",
            "_kind",
            "_due_date",
            "_lead_days",
            "_status_change",
            "_raised_as_of",
            "_run_id",
            "_created_at",
            "_closed_reason",
        )
    )
