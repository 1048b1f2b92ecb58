"""The API's commitments list at 100,000 rows (issue 12): page numbers as before, read by
deferred join, and a cursor walk that neither counts nor skips with OFFSET."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from commitments.models import Commitment

from ..factories import BodyFactory

LIST = reverse("api:commitment-list")


@pytest.fixture
def many(db):
    body = BodyFactory()
    Commitment.objects.bulk_create(
        Commitment(key=f"c-{i:03d}", title=f"C {i % 7}", responsible_body=body, is_public=True)
        for i in range(23)
    )
    return list(Commitment.objects.order_by("pk").values_list("key", flat=True))


def test_a_cursor_walk_reaches_every_row_once_in_creation_order(viewer_api, many):
    seen, url, params = [], LIST, {"cursor": "", "page_size": 5}
    with CaptureQueriesContext(connection) as queries:
        while url:
            page = viewer_api.get(url, params).json()
            assert "count" not in page
            seen += [row["key"] for row in page["results"]]
            url, params = page["next"], None
    assert seen == many
    sql = [q["sql"].upper() for q in queries.captured_queries]
    assert not any('"__COUNT"' in q for q in sql)  # Django's count()
    assert not any(" OFFSET " in q for q in sql)


def test_page_numbers_still_work_and_ties_are_broken_by_id(viewer_api, many):
    keys = []
    for number in (1, 2, 3):
        page = viewer_api.get(LIST, {"page": number, "page_size": 10, "ordering": "title"})
        assert page.json()["count"] == 23
        keys += [row["key"] for row in page.json()["results"]]
    expected = list(Commitment.objects.order_by("title", "pk").values_list("key", flat=True))
    assert keys == expected


def test_the_schema_documents_the_cursor(viewer_api, db):
    schema = viewer_api.get(reverse("api:schema"), {"format": "json"}).json()
    parameters = schema["paths"]["/api/commitments/"]["get"]["parameters"]
    assert "cursor" in [parameter["name"] for parameter in parameters]
