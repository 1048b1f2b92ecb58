"""The API side of evidence on every change (issue 11, item 2): a status change without source
is refused, a source can be an exchange, and the schema says both."""

import datetime

import pytest
from django.urls import reverse

from commitments.models import Source, StatusChange

from ..factories import SourceFactory


def history(commitment):
    return reverse("api:commitment-history", args=[commitment.pk])


def test_status_change_without_source_is_refused_in_french(editor_api, public_commitment):
    before = (public_commitment.version, StatusChange.objects.count())
    response = editor_api.post(
        history(public_commitment),
        {
            "new_status": "in_progress",
            "effective_date": "2024-03-10",
            "version": public_commitment.version,
        },
        format="json",
        headers={"accept-language": "fr"},
    )
    assert response.status_code == 400
    assert response.json()["sources"][0].startswith("Citez au moins une source")
    public_commitment.refresh_from_db()
    assert (public_commitment.version, StatusChange.objects.count()) == before
    assert public_commitment.status == "not_started"


def test_status_change_citing_an_exchange_created_through_the_api(editor_api, public_commitment):
    created = editor_api.post(
        reverse("api:source-list"),
        {
            "key": "appel-miprof-2024-03",
            "kind": "call",
            "title": "Appel avec la MIPROF sur le troisième plan",
            "said_by": "Mme Martin",
            "said_by_body": public_commitment.responsible_body_id,
            "publication_date": "2024-03-08",
        },
        format="json",
    )
    assert created.status_code == 201, created.json()
    body = created.json()
    assert (body["kind"], body["said_by"], body["said_by_body"]) == (
        "call",
        "Mme Martin",
        public_commitment.responsible_body_id,
    )
    response = editor_api.post(
        history(public_commitment),
        {
            "new_status": "in_progress",
            "effective_date": "2024-03-10",
            "sources": [body["id"]],
            "version": public_commitment.version,
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert response.json()["sources"] == [body["id"]]
    source = Source.objects.get(pk=body["id"])
    assert source.is_exchange and source.speaker == "Mme Martin (MIPROF)"
    read = editor_api.get(reverse("api:source-detail", args=[source.pk])).json()
    assert read["kind"] == "call" and read["publication_date"] == "2024-03-08"


def test_an_exchange_without_date_nor_speaker_is_refused(editor_api, db):
    response = editor_api.post(
        reverse("api:source-list"),
        {"key": "reunion", "kind": "meeting", "title": "Réunion"},
        format="json",
        headers={"accept-language": "fr"},
    )
    assert response.status_code == 400
    errors = response.json()
    assert errors["publication_date"] == ["Indiquez la date de l’échange."]
    assert "said_by" in errors
    assert not Source.objects.filter(key="reunion").exists()


def test_changing_a_document_into_an_exchange_checks_the_whole_record(admin_api, db):
    source = SourceFactory(publication_date=datetime.date(2024, 1, 1))
    response = admin_api.patch(
        reverse("api:source-detail", args=[source.pk]), {"kind": "letter"}, format="json"
    )
    assert response.status_code == 400
    assert list(response.json()) == ["said_by"]
    response = admin_api.patch(
        reverse("api:source-detail", args=[source.pk]),
        {"kind": "letter", "said_by": "Le cabinet du Premier ministre"},
        format="json",
    )
    assert response.status_code == 200
    source.refresh_from_db()
    assert source.kind == "letter"


@pytest.mark.parametrize("language", ["en", "fr"])
def test_the_schema_documents_the_rule_and_the_exchanges(anonymous_client, db, settings, language):
    settings.LANGUAGE_CODE = language
    schema = anonymous_client.get(
        reverse("api:schema"), {"format": "json"}, headers={"accept-language": language}
    ).json()
    components = schema["components"]["schemas"]
    sources = components["StatusChangeCreateRequest"]["properties"]["sources"]["description"]
    assert ("at least one" if language == "en" else "au moins une") in sources
    source = components["Source"]["properties"]
    assert {"kind", "said_by", "said_by_body"} <= set(source)
    assert set(components["SourceKindEnum"]["enum"]) >= {"document", "meeting", "call", "letter"}
