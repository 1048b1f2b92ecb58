"""Constant queries whatever the page size: lists load relations in bulk, never per row."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from commitments.models import Citation
from commitments.services.status import status_change_record

from ..factories import BodyFactory, SourceFactory, TagFactory, make_commitment


def populate(count: int) -> None:
    ministry, greta = BodyFactory(), BodyFactory()
    tags = [TagFactory(), TagFactory()]
    source = SourceFactory()
    for i in range(count):
        commitment = make_commitment(
            responsible_body=ministry,
            monitoring_body=greta,
            due_date=datetime.date(2026, 1, 1) + datetime.timedelta(days=i % 150),
            tags=tags,
            is_public=True,
        )
        Citation.objects.create(commitment=commitment, source=source, claim=f"claim {i}")


def queries_for(client, url, params) -> int:
    with CaptureQueriesContext(connection) as context:
        response = client.get(url, params)
    assert response.status_code == 200, response.content
    return len(context.captured_queries)


# Measured once: token + user (1), the user's and groups' permissions (2), count (1),
# page (1), tags (1), citations with their sources (1).
LIST_QUERIES = 7


@pytest.mark.parametrize("size", [5, 200])
def test_commitment_list_queries_do_not_grow(viewer_api, size):
    populate(size)
    url = reverse("api:commitment-list")
    assert queries_for(viewer_api, url, {"page_size": size}) == LIST_QUERIES
    # CSV: no pagination count and no citations (not in the rows).
    assert (
        queries_for(viewer_api, url, {"format": "csv"}) == LIST_QUERIES - 2
    )  # no count, no citations


@pytest.mark.parametrize("size", [5, 200])
def test_anonymous_list_queries_do_not_grow(anonymous_client, db, size):
    populate(size)
    # No token, no permissions: count, page, tags, citations.
    assert queries_for(anonymous_client, reverse("api:commitment-list"), {"page_size": size}) == 4


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
