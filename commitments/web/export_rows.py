"""The commitments an export writes, read in bounded batches in the list's order.

The filtered, ordered queryset is read once for its ids only (the order's index, not the
rows and their annotations), then the rows ``EXPORT_BATCH_SIZE`` ids at a time, each batch
as plain values with only what the export shows: the bodies and governing deadline joined,
the annotations computed for those rows alone, their latest changes and the changes' sources
in two more queries. At 100,000 commitments no query carries a 35,000-id IN list or computes
an annotation for a row it does not send, no model instance is built per row (the Python
cost of an export was mostly that), and memory holds one batch (and the ids) whatever the
number of rows.
"""

from __future__ import annotations

import datetime
import functools
from collections import defaultdict
from collections.abc import Iterator, Sequence

from django.db.models import F, QuerySet

from commitments.models import Commitment, Source, StatusChange

# Rows read from the database at a time, each batch with its latest changes.
EXPORT_BATCH_SIZE = 500

# What ``exports.rows`` reads of a commitment, its bodies and its governing deadline.
EXPORT_FIELDS = (
    "pk",
    "title",
    "status",
    "category",
    "due_date",
    "responsible_body__name",
    "responsible_body__acronym",
    "monitoring_body_id",
    "monitoring_body__name",
    "monitoring_body__acronym",
    "governing_deadline_id",
    "governing_deadline__window_start",
    "governing_deadline__precision",
    "governing_deadline__bound",
    "governing_deadline__basis",
    "governing_deadline__disputed",
    # The annotations below.
    "days_overdue",
    "state_claimed_status",
    "diverging",
    "outstanding_since",
    "asks_count",
    "last_news_on",
    "latest_change_id",
)


SOURCE_NAME_FIELDS = ("kind", "title", "publication_date", "date_precision")


def _source_names():
    """``str(source)`` for a source's ``SOURCE_NAME_FIELDS``, worked out once for each: per
    export (the names are translated), for the last few thousand (memory stays flat)."""

    @functools.lru_cache(maxsize=4096)
    def source_name(kind, title, publication_date, date_precision) -> str:
        return str(
            Source(
                kind=kind,
                title=title,
                publication_date=publication_date,
                date_precision=date_precision,
            )
        )

    return source_name


def _records_of(ids: Sequence[int], as_of: datetime.date) -> list[dict]:
    """The commitments ``ids``, in that order, as dicts of ``EXPORT_FIELDS``."""
    records = (
        Commitment.all_objects.filter(pk__in=ids)
        .with_days_overdue(as_of)
        .with_state_claim()
        .with_asks()
        .with_latest_change_id()
        .order_by()
        .values(*EXPORT_FIELDS)
    )
    by_id = {record["pk"]: record for record in records}
    return [by_id[pk] for pk in ids if pk in by_id]


def _attach_latest_changes(records: Sequence[dict], source_name) -> None:
    """Give each record its latest change's ``change_date``, ``change_note`` and
    ``change_sources`` (the sources' names, in the order the change lists them): two
    queries."""
    ids = [record["latest_change_id"] for record in records if record["latest_change_id"]]
    changes = {}
    sources = defaultdict(list)
    if ids:
        changes = {
            pk: (date, note)
            for pk, date, note in StatusChange.objects.filter(pk__in=ids).values_list(
                "pk", "effective_date", "note"
            )
        }
        # The change's sources in ``Source.Meta.ordering``, as ``change.sources.all()``, as
        # the fields their name is made of: one name per distinct source (``source_name``).
        cited = (
            Source.objects.filter(status_changes__in=ids)
            .annotate(change_id=F("status_changes__id"))
            .values_list("change_id", *SOURCE_NAME_FIELDS)
        )
        for change_id, *fields in cited:
            sources[change_id].append(source_name(*fields))
    for record in records:
        change = changes.get(record["latest_change_id"])
        record["change_date"], record["change_note"] = change or (None, "")
        record["change_sources"] = sources.get(record["latest_change_id"], []) if change else None


def export_records(
    queryset: QuerySet, *, as_of: datetime.date, batch_size: int | None = None
) -> Iterator[dict]:
    """The rows of ``queryset`` (filtered and ordered as the list is), in its order, read
    ``batch_size`` at a time, as dicts of what ``exports.rows`` shows. Nothing is read
    before the first row is asked for."""
    batch_size = batch_size or EXPORT_BATCH_SIZE
    source_name = _source_names()
    ids = list(queryset.values_list("pk", flat=True))
    for start in range(0, len(ids), batch_size):
        batch = _records_of(ids[start : start + batch_size], as_of)
        _attach_latest_changes(batch, source_name)
        yield from batch
