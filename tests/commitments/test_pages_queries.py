"""The pages issue the same number of queries with 5 and with 200 commitments.

Each page is measured at both sizes with ``django_assert_num_queries`` and the exact count
below; a query per row would make the 200-row run fail.
"""

import datetime
import zoneinfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from commitments.models import Commitment
from commitments.services.status import status_change_record

from ..factories import (
    BodyFactory,
    SourceFactory,
    TagFactory,
    make_ask,
    make_claim,
    make_commitment,
    make_deadline,
)

PARIS = zoneinfo.ZoneInfo("Europe/Paris")
TODAY = datetime.date(2024, 6, 15)


@pytest.fixture(autouse=True)
def frozen_today():
    with time_machine.travel(datetime.datetime(2024, 6, 15, 10, 0, tzinfo=PARIS), tick=False):
        yield


def populate(count: int, editor) -> Commitment:
    """``count`` commitments over three bodies, half overdue, every other one with a second
    history entry citing a source, all tagged and cited; every third with a month-precision
    step, every fourth with a state's status claim (diverging), every fifth with asks; the
    first also succeeds a plan whose end is disputed: every relation a page shows."""
    bodies = [BodyFactory() for _n in range(3)]
    tags = [TagFactory(), TagFactory()]
    source = SourceFactory()
    predecessor = make_commitment(title="Plan précédent", responsible_body=bodies[0])
    for year in (2023, 2025):
        make_claim(
            predecessor,
            kind="period",
            period_end=datetime.date(year, 1, 1),
            period_precision="year",
            source=source,
            today=TODAY,
        )
    first = None
    for n in range(count):
        commitment = make_commitment(
            due_date=TODAY + datetime.timedelta(days=n - count // 2),
            responsible_body=bodies[n % 3],
            monitoring_body=bodies[(n + 1) % 3],
            owner=editor,
            tags=tags,
        )
        commitment.citations.create(source=source, claim=f"claim {n}")
        if n % 2:
            status_change_record(
                commitment=commitment,
                new_status=Commitment.Status.IN_PROGRESS,
                effective_date=TODAY,
                author=editor,
                note="note",
                sources=[source],
                expected_version=commitment.version,
            )
        if n % 3 == 0:
            make_deadline(
                commitment,
                date=TODAY.replace(day=1) - datetime.timedelta(days=31 * (n % 7)),
                precision="month",
                basis="expected",
                sources=[source],
                today=TODAY,
            )
        if n % 4 == 0:
            make_claim(
                commitment, kind="status", claimed_status="met", body=bodies[1], source=source
            )
        if n % 5 == 0:
            make_ask(commitment, body=bodies[2], source=source, today=TODAY)
            make_ask(commitment, body=bodies[1], source=source, today=TODAY)
        if first is None:
            make_deadline(commitment, basis="successor", predecessor=predecessor, today=TODAY)
        first = first or commitment
    return first


# Measured counts. Shared by every request: session and user (2); the permission check loads
# the user's permissions and group permissions (2); the unacknowledged alerts in the
# navigation bar (1).
PAGES = {
    # the visit recorded on the user (1, first visit of the day); what to chase: every count
    # in one aggregate (which replaced the overdue count), the asks waiting longest + their
    # asks (2); counts by status, overdue top 10, 90 days, latest changes + their sources,
    # per body, deadlines per year; the user's lapsed alerts to acknowledge; the saved views
    # (1); the permissions for the header's editor links (2). Was 14. The asks waiting longest
    # are their ids (kept with the counts, ``commitments.figures``), then their rows (+1).
    # The commitments without an owner are counted apart, by the index of owners (+1); the
    # overdue ones come from the counts by status and due date. The figures per body are
    # counted from the commitments, then the bodies named (+1).
    "dashboard": (lambda c: reverse("commitments:dashboard"), 26),
    # count, the page's ids, its rows (deferred join), tags; filter form choices: bodies (once
    # for both body filters; was twice), owners, tags; the bodies a new exchange may come from
    # (the bulk form's sources are typed and searched, not listed); saved views. Was 13 (the
    # rows at their OFFSET), then 15.
    "list": (lambda c: reverse("commitments:list"), 14),
    # count, the page's ids, its rows, latest changes + their sources; filter form choices x3
    # (bodies once for both body filters); saved views. Was 13, then 15.
    "overdue": (lambda c: reverse("commitments:overdue"), 14),
    # commitment (with its advocacy annotations), tags, deadlines + their sources + the
    # predecessor's claimed periods, claims, asks, citations, timeline + its sources; form:
    # the bodies a new exchange may come from (sources are typed and searched, not listed),
    # latest entry; whether the user watches it. Was 12 (+5: deadlines, their sources,
    # readings, claims, asks).
    "detail": (lambda c: c.get_absolute_url(), 17),
    # the ordered ids, then per batch of 500: rows, latest changes, their sources. Was 7 (the
    # rows and their annotations at once, read as one set).
    "export": (lambda c: reverse("commitments:overdue_export", args=["csv"]), 8),
    "export_xlsx": (lambda c: reverse("commitments:export", args=["xlsx"]), 8),
}


@pytest.mark.parametrize("size", [5, 200])
@pytest.mark.parametrize("page", list(PAGES))
def test_query_count_does_not_grow(editor_client, editor, django_assert_num_queries, page, size):
    first = populate(size, editor)
    url_of, expected = PAGES[page]
    url = url_of(first)
    with django_assert_num_queries(expected):
        response = editor_client.get(url)
        if response.streaming:  # the exports read their rows as they are sent
            b"".join(response.streaming_content)
    assert response.status_code == 200
    if page in ("list", "overdue"):
        listed = Commitment.objects.all() if page == "list" else Commitment.objects.overdue(TODAY)
        assert len(response.context["commitments"]) == min(
            listed.count(), 25 if page == "list" else 200
        )
        assert listed.count() >= (size if page == "list" else size // 2)


@pytest.mark.parametrize("size", [5, 200])
def test_the_dashboard_counts_once_per_generation_of_the_data(
    editor_client, editor, django_assert_num_queries, size
):
    """Seen again with nothing written since, the dashboard reuses its counts over every
    commitment (what to chase, the commitments without an owner, the tallies, the asks
    waiting longest, the bodies and their names: 6 queries fewer, and the aggregates are not
    run) and the HTML of its panels (the overdue and coming-due lists, the latest changes
    with their sources: 6 fewer); the day's visit, already recorded: 1 fewer."""
    populate(size, editor)
    url = reverse("commitments:dashboard")
    with CaptureQueriesContext(connection) as first_queries:
        first = editor_client.get(url)
    with CaptureQueriesContext(connection) as queries:
        again = editor_client.get(url)
    assert len(queries) == 9
    # What to chase (a count each), the tallies (grouped by status and due date) and the
    # figures per body are not run again.
    rerun = [
        q["sql"]
        for q in queries
        if (q["sql"].startswith("SELECT COUNT(") and '"commitments_' in q["sql"])
        or 'GROUP BY "commitments_commitment"."status", "commitments_commitment"."due_date"'
        in q["sql"]
        or 'GROUP BY "commitments_commitment"."responsible_body_id"' in q["sql"]
    ]
    assert not rerun, rerun
    assert len(first_queries) == 26
    for name in ("chase", "total", "status_rows", "bodies", "years"):
        assert again.context[name] == first.context[name]
