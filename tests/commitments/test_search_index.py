"""The search documents (issue 12): every write that changes what a search looks into keeps
them true, whichever way it comes; a batch rebuilds them once; the command rebuilds them all."""

import datetime

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils.datastructures import MultiValueDict

from commitments import search_index
from commitments.models import Commitment, SearchDocument, Source, StatusChange
from commitments.services.citations import citations_set
from commitments.services.lifecycle import commitment_save
from commitments.services.reference import body_save, record_fingerprint, source_save
from commitments.services.status import status_change_record
from commitments.web.forms import BulkStatusForm

from ..factories import BodyFactory, SourceFactory, make_commitment


def found(text: str) -> set[str]:
    return {c.key for c in Commitment.objects.search(text)}


def document_rebuilds(queries) -> int:
    """How many times the documents were written (one DELETE per rebuilt chunk)."""
    return sum(
        1
        for query in queries.captured_queries
        if query["sql"].startswith("DELETE") and "commitments_searchdocument" in query["sql"]
    )


@pytest.fixture
def commitment(db):
    return make_commitment(key="mnr", title="Mécanisme national d'orientation")


def test_every_commitment_gets_its_document_when_created(commitment):
    document = SearchDocument.objects.get(commitment=commitment)
    assert document.title == "mecanisme national d orientation"
    assert document.key == "mnr"
    assert found("orientation") == {"mnr"}


def test_words_are_folded_and_kept_once_in_order():
    assert search_index.words("Mécanisme, mécanisme ; Œuvre", None, "l'État") == (
        "mecanisme oeuvre l etat"
    )


def test_a_title_changed_through_the_service_is_found_at_once(commitment, editor):
    commitment_save(
        commitment=commitment,
        data={"title": "Délégation interministérielle"},
        expected_version=commitment.version,
        author=editor,
        origin=StatusChange.Origin.WEB,
    )
    assert found("delegation") == {"mnr"}
    assert found("orientation") == set()


def test_a_renamed_body_finds_its_commitments_under_the_new_name(commitment, editor):
    body = commitment.responsible_body
    body_save(
        body=body,
        data={"name": "Mission interministérielle", "acronym": "MIPROF"},
        expected_fingerprint=record_fingerprint(body),
        author=editor,
    )
    assert found("miprof") == {"mnr"}
    assert found("interministerielle") == {"mnr"}


def test_a_body_saved_without_a_new_name_rebuilds_nothing(commitment, editor):
    body = commitment.responsible_body
    with CaptureQueriesContext(connection) as queries:
        body_save(
            body=body,
            data={"description": "Rattachée au Premier ministre"},
            expected_fingerprint=record_fingerprint(body),
            author=editor,
        )
    assert document_rebuilds(queries) == 0


def test_a_renamed_source_is_found_in_citations_and_history(commitment, editor):
    cited = SourceFactory(title="Rapport annuel")
    in_history = SourceFactory(title="Compte rendu", publisher="Collectif")
    other = make_commitment(key="other")
    citations_set(
        commitment=commitment, citations=[(cited, "")], expected_version=commitment.version
    )
    status_change_record(
        commitment=other,
        new_status=Commitment.Status.IN_PROGRESS,
        effective_date=datetime.date(2022, 3, 12),
        author=editor,
        sources=[in_history],
        expected_version=other.version,
    )
    assert found("rapport") == {"mnr"}
    assert found("collectif") == {"other"}
    for source, title in ((cited, "Entretien Brunet"), (in_history, "Lettre du Sénat")):
        source_save(
            source=source,
            data={"title": title},
            expected_fingerprint=record_fingerprint(source),
            author=editor,
        )
    assert found("brunet") == {"mnr"}
    assert found("senat") == {"other"}
    assert found("rapport") == set()


def test_a_citation_removed_is_no_longer_found(commitment):
    source = SourceFactory(title="Rapport annuel")
    citations_set(
        commitment=commitment,
        citations=[(source, "Prévu pour 2021 selon le ministère.")],
        expected_version=commitment.version,
    )
    assert found("ministere") == {"mnr"}
    commitment.refresh_from_db()
    citations_set(commitment=commitment, citations=[], expected_version=commitment.version)
    assert found("ministere") == set()


def test_a_citation_written_directly_through_the_orm_is_found(commitment):
    commitment.citations.create(source=SourceFactory(title="Communiqué"), claim="Calendrier")
    assert found("calendrier communique") == {"mnr"}


def test_a_source_deleted_leaves_the_history_it_was_cited_in(commitment, editor):
    source = SourceFactory(title="Entretien téléphonique")
    status_change_record(
        commitment=commitment,
        new_status=Commitment.Status.IN_PROGRESS,
        effective_date=datetime.date(2022, 3, 12),
        author=editor,
        sources=[source],
        expected_version=commitment.version,
    )
    assert found("telephonique") == {"mnr"}
    Source.objects.filter(pk=source.pk).get().delete()
    assert found("telephonique") == set()


def test_a_refused_change_leaves_the_document_as_it_was(commitment, editor):
    from django.core.exceptions import ValidationError

    before = SearchDocument.objects.get(commitment=commitment).history
    with pytest.raises(ValidationError):
        status_change_record(
            commitment=commitment,
            new_status=Commitment.Status.IN_PROGRESS,
            effective_date=datetime.date(2022, 3, 12),
            note="Jamais enregistrée",
            author=editor,
            sources=[],  # the evidence rule: a change cites a source
            expected_version=commitment.version,
        )
    assert SearchDocument.objects.get(commitment=commitment).history == before
    assert found("jamais") == set()


def test_a_bulk_status_change_rebuilds_the_documents_once(db, editor):
    made = [make_commitment(key=f"bulk-{n}") for n in range(3)]
    source = SourceFactory(title="Courrier du ministère")
    data = MultiValueDict(
        {
            "bulk-commitments": [str(c.pk) for c in made],
            "bulk-new_status": [Commitment.Status.IN_PROGRESS],
            "bulk-effective_date": ["2022-03-12"],
            "bulk-note": ["Relance collective"],
            "bulk-sources": [source.key],
            **{f"version-{c.pk}": [str(c.version)] for c in made},
        }
    )
    form = BulkStatusForm(
        data,
        prefix="bulk",
        today=datetime.date(2024, 6, 15),
    )
    assert form.is_valid(), form.errors
    with CaptureQueriesContext(connection) as queries:
        entries = form.save(author=editor)
    assert len(entries) == 3, form.errors
    assert document_rebuilds(queries) == 1
    assert found("relance") == {c.key for c in made}


def test_the_command_rebuilds_what_was_written_behind_djangos_back(commitment):
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE commitments_commitment SET title = %s WHERE id = %s",
            ["Plan d'action national", commitment.pk],
        )
    assert found("plan") == set()
    before = {
        d.pk: d.history for d in SearchDocument.objects.all()
    }  # the rest must come out the same
    SearchDocument.objects.filter(pk=commitment.pk).delete()
    call_command("rebuild_search_index", stdout=open("/dev/null", "w"))
    assert found("plan") == {"mnr"}
    assert {d.pk: d.history for d in SearchDocument.objects.all()} == before


def test_an_archived_commitment_keeps_its_document(commitment, administrator):
    from commitments.services.lifecycle import commitment_archive, commitment_restore

    archived = commitment_archive(
        commitment=commitment, expected_version=commitment.version, author=administrator
    )
    assert SearchDocument.objects.filter(commitment=commitment).exists()
    assert found("orientation") == set()  # the lists leave archived commitments out
    commitment_restore(commitment=archived, expected_version=archived.version, author=administrator)
    assert found("orientation") == {"mnr"}


def test_search_documents_body_words_include_the_monitoring_body(db):
    make_commitment(
        key="watched", monitoring_body=BodyFactory(name="Groupe d'experts", acronym="GRETA")
    )
    assert SearchDocument.objects.get(commitment__key="watched").bodies.endswith(
        "groupe d experts greta"
    )
    assert found("greta") == {"watched"}
