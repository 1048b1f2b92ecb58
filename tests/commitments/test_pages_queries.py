"""The pages issue the same number of queries with 5 and with 200 commitments.

Each page is measured at both sizes with ``django_assert_num_queries`` and the exact count
below; a query per row would make the 200-row run fail.
"""

import datetime
import zoneinfo

import pytest
import time_machine
from django.urls import reverse

from commitments.models import Commitment
from commitments.services.status import status_change_record

from ..factories import BodyFactory, SourceFactory, TagFactory, make_commitment

PARIS = zoneinfo.ZoneInfo("Europe/Paris")
TODAY = datetime.date(2024, 6, 15)


@pytest.fixture(autouse=True)
def frozen_today():
    with time_machine.travel(datetime.datetime(2024, 6, 15, 10, 0, tzinfo=PARIS), tick=False):
        yield


def populate(count: int, editor) -> Commitment:
    """``count`` commitments over three bodies, half overdue, every other one with a second
    history entry citing a source, all tagged and cited: every relation a page shows."""
    bodies = [BodyFactory() for _n in range(3)]
    tags = [TagFactory(), TagFactory()]
    source = SourceFactory()
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
        first = first or commitment
    return first


# Measured counts. Shared by every request: session and user (2); the permission check loads
# the user's permissions and group permissions (2); the unacknowledged alerts in the
# navigation bar (1).
PAGES = {
    # counts by status, overdue top 10, overdue count, 90 days, latest changes + their
    # sources, per body, deadlines per year; the user's lapsed alerts to acknowledge
    "dashboard": (lambda c: reverse("commitments:dashboard"), 14),
    # count, page, tags; filter form choices: bodies x2, owners, tags; bulk form sources
    "list": (lambda c: reverse("commitments:list"), 13),
    # count, page, latest changes + their sources; filter form choices x4
    "overdue": (lambda c: reverse("commitments:overdue"), 13),
    # commitment, tags, citations, timeline + its sources; form: sources, latest entry;
    # whether the user watches it
    "detail": (lambda c: c.get_absolute_url(), 12),
    # rows, latest changes + their sources
    "export": (lambda c: reverse("commitments:overdue_export", args=["csv"]), 7),
    "export_xlsx": (lambda c: reverse("commitments:export", args=["xlsx"]), 7),
}


@pytest.mark.parametrize("size", [5, 200])
@pytest.mark.parametrize("page", list(PAGES))
def test_query_count_does_not_grow(editor_client, editor, django_assert_num_queries, page, size):
    first = populate(size, editor)
    url_of, expected = PAGES[page]
    url = url_of(first)
    with django_assert_num_queries(expected):
        response = editor_client.get(url)
    assert response.status_code == 200
    if page in ("list", "overdue"):
        assert len(response.context["commitments"]) == min(
            size if page == "list" else size // 2, 25 if page == "list" else 200
        )
