"""The API's search (issue 11, item 5): the staff list's, with ``matched_in`` on each result."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from commitments.models import Commitment
from commitments.services.status import status_change_record

from ..factories import BodyFactory, SourceFactory, make_commitment


def keys(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [row["key"] for row in response.json()["results"]]


@pytest.fixture
def cited(db, editor):
    body = BodyFactory(name="Premier ministre", acronym="PM")
    found = make_commitment(key="cited", title="Mécanisme national", responsible_body=body)
    found.citations.create(
        source=SourceFactory(title="Entretien avec l'ambassadeur Olivier Brunet"), claim=""
    )
    status_change_record(
        commitment=found,
        new_status=Commitment.Status.IN_PROGRESS,
        effective_date=datetime.date(2022, 3, 12),
        note="Réunion avec la Délégation.",
        author=editor,
        sources=[SourceFactory(title="Compte rendu interne", publisher="Collectif")],
        expected_version=found.version,
    )
    make_commitment(key="other", title="Autre engagement", responsible_body=body)
    return found


def test_search_is_accent_and_case_insensitive_and_reaches_sources(viewer_api, cited):
    url = reverse("api:commitment-list")
    assert keys(viewer_api.get(url, {"search": "mecanisme"})) == ["cited"]
    assert keys(viewer_api.get(url, {"search": "BRUNET"})) == ["cited"]
    assert keys(viewer_api.get(url, {"search": "delegation"})) == ["cited"]
    assert keys(viewer_api.get(url, {"search": "introuvable"})) == []


def test_matched_in_says_where(viewer_api, cited):
    url = reverse("api:commitment-list")
    response = viewer_api.get(url, {"search": "brunet"}, HTTP_ACCEPT_LANGUAGE="fr")
    [row] = response.json()["results"]
    assert row["matched_in"] == [
        {
            "field": "source_title",
            "label": "Source",
            "excerpt": "Entretien avec l'ambassadeur Olivier Brunet",
        }
    ]
    response = viewer_api.get(url, {"search": "délégation"}, HTTP_ACCEPT_LANGUAGE="fr")
    [row] = response.json()["results"]
    assert row["matched_in"] == [
        {
            "field": "history_note",
            "label": "Note d'historique du 12/03/2022",
            "excerpt": "Réunion avec la Délégation.",
        }
    ]


def test_without_a_search_matched_in_is_null(viewer_api, cited):
    rows = viewer_api.get(reverse("api:commitment-list")).json()["results"]
    assert rows and all(row["matched_in"] is None for row in rows)
    detail = viewer_api.get(reverse("api:commitment-detail", args=[cited.pk])).json()
    assert detail["matched_in"] is None


def test_anonymous_callers_search_public_commitments_only(anonymous_client, cited):
    url = reverse("api:commitment-list")
    assert keys(anonymous_client.get(url, {"search": "brunet"})) == []
    cited.is_public = True  # as the admin writes it (a save: the lists' counts are renewed)
    cited.save(update_fields=["is_public"])
    assert keys(anonymous_client.get(url, {"search": "brunet"})) == ["cited"]


def populate(count: int, editor) -> None:
    body = BodyFactory(name="Premier ministre", acronym="PM")
    source = SourceFactory(title="Entretien avec M. Brunet", publisher="Sénat")
    for n in range(count):
        commitment = make_commitment(title=f"Plan {n}", summary="Mécanisme", responsible_body=body)
        commitment.citations.create(source=source, claim=f"Brunet a dit {n}")
        status_change_record(
            commitment=commitment,
            new_status=Commitment.Status.IN_PROGRESS,
            effective_date=datetime.date(2022, 1, 1),
            author=editor,
            note="Brunet confirme",
            sources=[source],
            expected_version=commitment.version,
        )


@pytest.mark.parametrize("count", [3, 40])
def test_search_queries_do_not_grow(viewer_api, editor, count):
    populate(count, editor)
    url = reverse("api:commitment-list")
    with CaptureQueriesContext(connection) as plain:
        viewer_api.get(url, {"page_size": count})
    with CaptureQueriesContext(connection) as context:
        response = viewer_api.get(url, {"search": "brunet mecanisme", "page_size": count})
    rows = response.json()["results"]
    assert len(rows) == count
    assert all(len(row["matched_in"]) == 4 for row in rows)  # summary, claim, source, note
    # The plain list's (11 here: the page's ids, then its rows; no deadline, so no query for
    # their sources and readings), and where the page matched: citations, history notes,
    # sources cited by the history.
    assert len(plain.captured_queries) == 11
    assert len(context.captured_queries) == 11 + 3
