"""Evidence on every change (issue 11, item 2): a status change cites at least one source, a
source can be an exchange (a meeting, a call, a letter, an e-mail), and the commitment's page
lists every source behind it, once each, with what cites it."""

import datetime
import zoneinfo

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse

from commitments.models import Commitment, Source, StatusChange
from commitments.services.status import status_change_record, status_change_validate

from ..factories import (
    BodyFactory,
    SourceFactory,
    make_ask,
    make_claim,
    make_commitment,
    make_deadline,
)

PARIS = zoneinfo.ZoneInfo("Europe/Paris")
TODAY = datetime.date(2024, 6, 15)
Status = Commitment.Status
SOURCE_REQUIRED_FR = "Citez au moins une source"


@pytest.fixture(autouse=True)
def frozen_today():
    with time_machine.travel(datetime.datetime(2024, 6, 15, 10, 0, tzinfo=PARIS), tick=False):
        yield


@pytest.fixture
def commitment(db):
    return make_commitment(title="Mécanisme national d'orientation")


def snapshot(commitment):
    commitment.refresh_from_db()
    return (
        commitment.status,
        commitment.version,
        StatusChange.objects.count(),
        Source.objects.count(),
    )


# The service ---------------------------------------------------------------------------


def test_the_service_refuses_a_change_without_source(commitment):
    before = snapshot(commitment)
    with pytest.raises(ValidationError) as refused:
        status_change_record(
            commitment=commitment,
            new_status=Status.ANNOUNCED,
            effective_date=TODAY,
            note="Annoncé, sans preuve",
            expected_version=commitment.version,
            today=TODAY,
        )
    assert refused.value.error_dict["sources"][0].code == "sources_required"
    assert snapshot(commitment) == before
    with pytest.raises(ValidationError) as validated:
        status_change_validate(
            commitment=commitment, new_status=Status.ANNOUNCED, effective_date=TODAY
        )
    assert list(validated.value.error_dict) == ["sources"]
    status_change_validate(
        commitment=commitment,
        new_status=Status.ANNOUNCED,
        effective_date=TODAY,
        sources=[SourceFactory()],
    )


def test_the_first_entry_and_earlier_history_stay_valid(commitment):
    # The first entry is written with the commitment (its evidence is its citations); an
    # entry recorded before the rule, without source, still counts and is still shown.
    assert commitment.status_changes.get().sources.count() == 0
    source = SourceFactory()
    status_change_record(
        commitment=commitment,
        new_status=Status.ANNOUNCED,
        effective_date=TODAY,
        sources=[source],
        expected_version=commitment.version,
        today=TODAY,
    )
    assert commitment.status_changes.count() == 2


# The status form -----------------------------------------------------------------------


def post_status(client, commitment, **data):
    payload = {
        "new_status": Status.ANNOUNCED,
        "effective_date": "2024-06-10",
        "note": "La MIPROF nous a indiqué que le décret est à la signature.",
        "expected_version": commitment.version,
        "new_source-kind": "document",
    }
    payload.update(data)
    return client.post(
        reverse("commitments:status_update", args=[commitment.pk]),
        payload,
        HTTP_ACCEPT_LANGUAGE="fr",
    )


def test_status_form_refuses_a_change_without_source(editor_client, commitment):
    before = snapshot(commitment)
    response = post_status(editor_client, commitment)
    assert response.status_code == 400
    form = response.context["form"]
    assert form.errors["sources"][0].startswith(SOURCE_REQUIRED_FR)
    page = response.content.decode()
    assert SOURCE_REQUIRED_FR in page
    # What the user typed is kept.
    assert "le décret est à la signature" in page
    assert snapshot(commitment) == before


def test_an_exchange_recorded_from_the_status_form_shows_on_the_page(editor_client, commitment):
    miprof = BodyFactory(key="miprof", name="Mission interministérielle", acronym="MIPROF")
    response = post_status(
        editor_client,
        commitment,
        **{
            "new_source-kind": "call",
            "new_source-title": "Point téléphonique sur le mécanisme national",
            "new_source-said_by": "Mme Martin",
            "new_source-said_by_body": miprof.pk,
            "new_source-publication_date": "2024-06-10",
        },
    )
    assert response.status_code == 302, response.context["form"].errors
    source = Source.objects.get(title="Point téléphonique sur le mécanisme national")
    assert (source.kind, source.said_by, source.said_by_body) == ("call", "Mme Martin", miprof)
    assert source.publication_date == datetime.date(2024, 6, 10)
    entry = commitment.status_changes.latest()
    assert list(entry.sources.all()) == [source]

    page = editor_client.get(commitment.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="fr")
    evidence = page.context["backing_sources"]
    assert [item["source"] for item in evidence] == [source]
    html = page.content.decode()
    section = html[html.index('id="evidence"') : html.index('id="deadlines"')]
    assert "Point téléphonique sur le mécanisme national" in section
    assert "Appel" in section and "Mme Martin (MIPROF)" in section
    assert "Changement de statut vers « Annoncé »" in section


def test_an_exchange_needs_its_date_and_who_said_it(editor_client, commitment):
    before = snapshot(commitment)
    response = post_status(
        editor_client,
        commitment,
        **{"new_source-kind": "meeting", "new_source-title": "Réunion à Matignon"},
    )
    assert response.status_code == 400
    errors = response.context["form"].new_source_form.errors
    assert errors["publication_date"] == ["Indiquez la date de l’échange."]
    assert errors["said_by"] == ["Dites qui l’a dit : une personne, un organisme, ou les deux."]
    assert snapshot(commitment) == before


def test_a_new_document_alone_is_enough(editor_client, commitment):
    response = post_status(
        editor_client, commitment, **{"new_source-title": "Communiqué du 10 juin"}
    )
    assert response.status_code == 302
    source = commitment.status_changes.latest().sources.get()
    assert (source.title, source.kind) == ("Communiqué du 10 juin", "document")


# The bulk form -------------------------------------------------------------------------


def test_bulk_form_refuses_a_change_without_source(editor_client, commitment):
    other = make_commitment(title="Délégation interministérielle")
    before = [snapshot(commitment), snapshot(other)]
    response = editor_client.post(
        reverse("commitments:bulk_update"),
        {
            "bulk-commitments": [commitment.pk, other.pk],
            f"version-{commitment.pk}": commitment.version,
            f"version-{other.pk}": other.version,
            "bulk-new_status": Status.ANNOUNCED,
            "bulk-effective_date": "2024-06-10",
        },
        HTTP_ACCEPT_LANGUAGE="fr",
    )
    assert response.status_code == 400
    form = response.context["form"]
    # Said once, at the field, not once per commitment.
    assert len(form.errors["sources"]) == 1
    assert form.errors["sources"][0].startswith(SOURCE_REQUIRED_FR)
    assert response.context["row_errors"] == []
    assert [snapshot(commitment), snapshot(other)] == before


# The page: every source behind the commitment ------------------------------------------


def test_every_source_behind_the_commitment_once_with_what_cites_it(viewer_client, commitment):
    shared = SourceFactory(title="Rapport du GRETA")
    letter = Source.objects.create(
        key="courrier-miprof",
        kind="letter",
        title="Courrier de la MIPROF",
        said_by="La MIPROF",
        publication_date=datetime.date(2024, 5, 2),
    )
    commitment.citations.create(source=shared, claim="mécanisme promis en 2019")
    status_change_record(
        commitment=commitment,
        new_status=Status.ANNOUNCED,
        effective_date=datetime.date(2024, 5, 2),
        sources=[shared, letter],
        expected_version=commitment.version,
        today=TODAY,
    )
    make_claim(commitment, kind="status", claimed_status="met", source=letter, today=TODAY)
    make_ask(commitment, source=shared, today=TODAY)

    response = viewer_client.get(commitment.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="fr")

    evidence = response.context["backing_sources"]
    assert [item["source"] for item in evidence] == [shared, letter]
    uses = {item["source"].key: [use["text"] for use in item["uses"]] for item in evidence}
    assert uses[shared.key][0] == "Cité : « mécanisme promis en 2019 »"
    assert uses[shared.key][1].startswith("Changement de statut vers « Annoncé » le 2 mai 2024")
    assert len(uses[shared.key]) == 3  # and the ask
    assert len(uses[letter.key]) == 2  # the change and the claim
    html = response.content.decode()
    assert html.count("Courrier de la MIPROF") >= 1
    assert "Toutes les sources de cet engagement" in html


def populate_sources(commitment, count: int) -> None:
    """``count`` sources, each cited by the commitment, a history entry, a claim, an ask and a
    deadline; half of them exchanges said by a body."""
    bodies = [BodyFactory() for _n in range(2)]
    for n in range(count):
        exchange = n % 2 == 1
        source = Source.objects.create(
            key=f"source-{count}-{n}",
            kind="call" if exchange else "document",
            title=f"Source {n}",
            said_by=f"Personne {n}" if exchange else "",
            said_by_body=bodies[n % 2] if exchange else None,
            publication_date=datetime.date(2024, 1, 1),
        )
        commitment.citations.create(source=source, claim=f"claim {n}")
        make_claim(commitment, kind="status", claimed_status="met", source=source, today=TODAY)
        make_ask(commitment, body=bodies[0], source=source, today=TODAY)
        make_deadline(
            commitment,
            label=f"Étape {n}",
            date=datetime.date(2025, 1, 1),
            sources=[source],
            today=TODAY,
        )
        status_change_record(
            commitment=commitment,
            new_status=Status.ANNOUNCED if n % 2 == 0 else Status.IN_PROGRESS,
            effective_date=TODAY,
            sources=[source],
            expected_version=commitment.version,
            today=TODAY,
        )
        commitment.refresh_from_db()


@pytest.mark.parametrize("size", [2, 30])
def test_sources_section_query_count_is_constant(
    viewer_client, commitment, django_assert_num_queries, size
):
    populate_sources(commitment, size)
    # session, user, permissions (2), alerts in the navigation; the commitment, tags,
    # deadlines (+ their sources, readings), claims, asks, citations, timeline + its sources;
    # whether the user watches it. A viewer sees no status form.
    with django_assert_num_queries(15):
        response = viewer_client.get(commitment.get_absolute_url())
    assert len(response.context["backing_sources"]) == size
    assert response.content.decode().count('class="badge badge-exchange"') == size // 2
