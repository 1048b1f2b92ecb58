"""Constant queries whatever the page size: lists load relations in bulk, never per row."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from commitments.models import Citation
from commitments.services.deadlines import event_save
from commitments.services.status import status_change_record

from ..factories import BodyFactory, SourceFactory, TagFactory, make_commitment
from .advocacy_data import add_ask, add_claim, add_deadline


def populate(count: int) -> None:
    """``count`` commitments, each with a citation, a final deadline and an approximate one
    with a source, a state claim and an ask; every tenth (from the second) also follows the
    previous one (whose end two sources claim) and has a deadline on an event."""
    ministry, greta = BodyFactory(), BodyFactory()
    tags = [TagFactory(), TagFactory()]
    source = SourceFactory()
    session = event_save(
        data={"key": "session", "name": "Session", "date": datetime.date(2026, 9, 1)}
    )
    previous = None
    for i in range(count):
        commitment = make_commitment(
            responsible_body=ministry,
            monitoring_body=greta,
            due_date=datetime.date(2026, 1, 1) + datetime.timedelta(days=i % 150),
            tags=tags,
            is_public=True,
        )
        Citation.objects.create(commitment=commitment, source=source, claim=f"claim {i}")
        add_deadline(
            commitment,
            basis="expected",
            date=datetime.date(2022, 3, 1),
            precision="month",
            sources=[source],
        )
        add_claim(commitment, side="state", kind="status", claimed_status="met", source=source)
        add_ask(commitment, body=greta, source=source, made_on=datetime.date(2022, 7, 1))
        if i % 10 == 1:
            for end in (2021, 2023):
                add_claim(
                    previous,
                    side="state",
                    kind="period",
                    period_end=datetime.date(end, 1, 1),
                    source=source,
                )
            add_deadline(commitment, basis="successor", predecessor=previous)
            add_deadline(commitment, basis="event", event=session, kind="step")
        previous = commitment


def queries_for(client, url, params) -> int:
    with CaptureQueriesContext(connection) as context:
        response = client.get(url, params)
    assert response.status_code == 200, response.content
    return len(context.captured_queries)


# Measured once: token + user (1), the user's and groups' permissions (2), count (1),
# page (1) with the bodies, owner and governing deadline joined and the advocacy annotations
# (diverging, outstanding since, last news, disputed) as subqueries, tags (1), citations with
# their sources (1), then (issue 10, was 7) deadlines with their events and predecessors (1),
# the deadlines' sources (1), the predecessors' claimed periods for the readings (1), claims
# with bodies and sources (1), asks with bodies and sources (1). Issue 12 (was 12): the page
# is read by deferred join, its ids at their OFFSET (1), then those rows (1).
LIST_QUERIES = 13


@pytest.mark.parametrize("size", [5, 200])
def test_commitment_list_queries_do_not_grow(viewer_api, size):
    populate(size)
    url = reverse("api:commitment-list")
    assert queries_for(viewer_api, url, {"page_size": size}) == LIST_QUERIES
    # CSV: no pagination count and no citations, deadlines, claims or asks (not in the rows:
    # the governing deadline's columns come with the page).
    assert queries_for(viewer_api, url, {"format": "csv"}) == LIST_QUERIES - 8
    # A cursor walk: no count, and the page is an index range read at once.
    assert queries_for(viewer_api, url, {"page_size": size, "cursor": ""}) == LIST_QUERIES - 2


@pytest.mark.parametrize("size", [5, 200])
def test_anonymous_list_queries_do_not_grow(anonymous_client, db, size):
    populate(size)
    # No token, no permissions: count, page ids, page, tags, citations, and the five advocacy
    # prefetches.
    url = reverse("api:commitment-list")
    assert queries_for(anonymous_client, url, {"page_size": size}) == 10


@pytest.mark.parametrize("size", [5, 200])
def test_history_queries_do_not_grow(viewer_api, editor, size):
    commitment = make_commitment(effective_date=datetime.date(2020, 1, 1))
    statuses = ["announced", "in_progress"]
    sources = [SourceFactory(), SourceFactory()]
    for i in range(size - 1):
        status_change_record(
            commitment=commitment,
            expected_version=commitment.version,
            new_status=statuses[i % 2],
            effective_date=datetime.date(2020, 1, 2) + datetime.timedelta(days=i),
            author=editor,
            sources=sources,
        )
    url = reverse("api:commitment-history", args=[commitment.pk])
    # token+user, permissions (2), the commitment, count, page with authors, sources
    assert queries_for(viewer_api, url, {"page_size": size}) == 7


@pytest.mark.parametrize("size", [5, 200])
@pytest.mark.parametrize("endpoint", ["api:body-list", "api:source-list"])
def test_body_and_source_lists_do_not_grow(viewer_api, endpoint, size):
    for _ in range(size):
        BodyFactory()
        SourceFactory()
    # token+user, permissions (2, for people's names), count, page
    assert queries_for(viewer_api, reverse(endpoint), {"page_size": size}) == 5


@pytest.mark.parametrize("size", [5, 200])
def test_event_list_does_not_grow(viewer_api, size):
    source = SourceFactory()
    for i in range(size):
        event_save(
            data={"key": f"event-{i}", "name": f"Session {i}", "date": datetime.date(2026, 1, 1)},
            sources=[source],
        )
    # token+user, permissions (2, for people's names), count, page, sources
    assert queries_for(viewer_api, reverse("api:event-list"), {"page_size": size}) == 6


ADVOCACY_QUERIES = [
    {"diverging": "true"},
    {"to_check": "true"},
    {"disputed": "true"},
    {"precision": "month"},
    {"lapsed_since": "2022-01-01"},
    {"due_within": "30"},
    {"ordering": "waiting"},
    {"ordering": "-last_news"},
]


def test_advocacy_filters_add_no_query(viewer_api):
    """Each filter is a condition of the page's query, never one more query."""
    populate(12)
    url = reverse("api:commitment-list")
    for filters in ADVOCACY_QUERIES:
        assert queries_for(viewer_api, url, {"page_size": 50, **filters}) <= LIST_QUERIES, filters
