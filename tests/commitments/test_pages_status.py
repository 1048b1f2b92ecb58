"""Recording status changes from the pages: one at a time and in bulk (issue 3, items 5 and 6)."""

import datetime
import zoneinfo

import pytest
import time_machine
from django.urls import reverse

from commitments.models import Commitment, Source, StatusChange
from commitments.services.status import NOTE_MAX_LENGTH, status_change_record
from commitments.services.versions import StaleVersionError
from commitments.web.forms import BulkStatusForm, StatusChangeForm

from ..factories import SourceFactory, UserFactory, make_commitment

PARIS = zoneinfo.ZoneInfo("Europe/Paris")
TODAY = datetime.date(2024, 6, 15)
Status = Commitment.Status


@pytest.fixture(autouse=True)
def frozen_today():
    with time_machine.travel(datetime.datetime(2024, 6, 15, 10, 0, tzinfo=PARIS), tick=False):
        yield


@pytest.fixture
def commitment(db):
    return make_commitment(title="Troisième plan national", due_date=datetime.date(2022, 10, 18))


def post_status(client, commitment, language="en", **data):
    payload = {
        "new_status": Status.ANNOUNCED,
        "effective_date": "2024-06-10",
        "note": "",
        "expected_version": commitment.version,
    }
    payload.update(data)
    return client.post(
        reverse("commitments:status_update", args=[commitment.pk]),
        payload,
        HTTP_ACCEPT_LANGUAGE=language,
    )


def test_editor_records_a_status_change(editor_client, editor, commitment):
    source = SourceFactory(title="Discours du ministre")
    response = post_status(
        editor_client,
        commitment,
        note="Le ministre a annoncé le troisième plan",
        sources=[source.pk],
    )
    assert response.status_code == 302
    assert response["Location"] == commitment.get_absolute_url() + "#timeline"
    entry = commitment.status_changes.latest()
    assert entry.new_status == Status.ANNOUNCED
    assert entry.previous_status == Status.NOT_STARTED
    assert entry.effective_date == datetime.date(2024, 6, 10)
    assert entry.author == editor
    assert entry.origin == StatusChange.Origin.WEB
    assert list(entry.sources.all()) == [source]
    before = commitment.version
    commitment.refresh_from_db()
    assert commitment.status == Status.ANNOUNCED
    assert commitment.version == before + 1
    page = editor_client.get(response["Location"], HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Le ministre a annoncé le troisième plan" in page
    assert "Status recorded" in page


def test_editor_cites_a_new_source_in_the_same_form(editor_client, commitment):
    response = post_status(
        editor_client,
        commitment,
        **{
            "new_source-title": "Communiqué de presse du 10 juin",
            "new_source-publisher": "Premier ministre",
            "new_source-publication_date": "2024-06-10",
            "new_source-url": "https://www.info.gouv.fr/communique",
        },
    )
    assert response.status_code == 302
    source = Source.objects.get(title="Communiqué de presse du 10 juin")
    assert source.key == "communique-de-presse-du-10-juin"
    assert source.publisher == "Premier ministre"
    assert source.publication_date == datetime.date(2024, 6, 10)
    assert list(commitment.status_changes.latest().sources.all()) == [source]


def test_new_source_keys_stay_unique(editor_client, commitment):
    SourceFactory(key="rapport", title="Rapport")
    post_status(editor_client, commitment, **{"new_source-title": "Rapport"})
    assert Source.objects.filter(key="rapport-2").exists()


BAD_INPUT = [
    ({"effective_date": "2024-02-31"}, "effective_date", "Enter a valid date."),
    ({"effective_date": "hier"}, "effective_date", "Enter a valid date."),
    ({"effective_date": ""}, "effective_date", "This field is required."),
    ({"effective_date": "2024-06-16"}, "effective_date", "cannot be in the future"),
    ({"effective_date": "2019-12-31"}, "effective_date", "before that of the latest change"),
    ({"new_status": "finished"}, "new_status", "Select a valid choice."),
    ({"new_status": ""}, "new_status", "This field is required."),
    ({"new_status": Status.NOT_STARTED}, "new_status", "already has this status"),
    ({"note": "x" * (NOTE_MAX_LENGTH + 1)}, "note", "at most 4000 characters"),
    (
        {"new_source-publisher": "Sans titre"},
        "new_source-title",
        "Give the new source a title",
    ),
    (
        {"new_source-title": "Page", "new_source-url": "pas une adresse"},
        "new_source-url",
        "Enter a valid URL.",
    ),
]


@pytest.mark.parametrize(("data", "field", "message"), BAD_INPUT)
def test_bad_input_comes_back_at_the_field_and_saves_nothing(
    editor_client, commitment, data, field, message
):
    version = commitment.version
    response = post_status(editor_client, commitment, **data)
    assert response.status_code == 400
    form = response.context["form"]
    errors = form.new_source_form.errors if field.startswith("new_source") else form.errors
    key = field.removeprefix("new_source-")
    assert any(message in error for error in errors[key]), errors
    html = response.content.decode()
    assert f'id="id_{field}_error"' in html
    assert "nothing was saved" in html
    commitment.refresh_from_db()
    assert (commitment.version, commitment.status_changes.count()) == (version, 1)
    assert Source.objects.count() == 0


def test_bad_input_in_french(editor_client, commitment):
    response = post_status(editor_client, commitment, language="fr", effective_date="2024-06-16")
    assert response.status_code == 400
    assert "La date d’effet ne peut pas être dans le futur." in response.content.decode()
    response = post_status(editor_client, commitment, language="fr", effective_date="bof")
    assert "Saisissez une date valide." in response.content.decode()


def test_missing_version_is_refused(editor_client, commitment):
    response = post_status(editor_client, commitment, expected_version="")
    assert response.status_code == 400
    assert commitment.status_changes.count() == 1


def test_stale_form_is_refused_with_the_other_change_shown(editor_client, commitment):
    opened_version = commitment.version
    colleague = UserFactory(username="camille", first_name="Camille", last_name="Martin")
    status_change_record(
        commitment=commitment,
        new_status=Status.IN_PROGRESS,
        effective_date=datetime.date(2024, 6, 12),
        author=colleague,
        note="Le groupe de travail a commencé",
        expected_version=commitment.version,
        sources=[SourceFactory()],
    )
    response = post_status(
        editor_client,
        commitment,
        expected_version=opened_version,
        new_status=Status.MET,
        note="Ma note à ne pas perdre",
    )
    assert response.status_code == 409
    html = response.content.decode()
    assert "someone else changed this commitment" in html
    assert "Camille Martin" in html
    assert "In progress" in html
    assert "Le groupe de travail a commencé" in html
    assert "June 12, 2024" in html
    # What the user typed is kept, on the current version, without errors shown yet.
    assert "Ma note à ne pas perdre" in html
    assert f'name="expected_version" value="{opened_version + 1}"' in html
    assert '<option value="met" selected>' in html
    assert commitment.status_changes.count() == 2
    commitment.refresh_from_db()
    assert commitment.status == Status.IN_PROGRESS

    # Resubmitting, having seen the other change, records it on top.
    again = post_status(
        editor_client,
        commitment,
        expected_version=commitment.version,
        new_status=Status.MET,
        effective_date="2024-06-14",
        note="Ma note à ne pas perdre",
        sources=[SourceFactory().pk],
    )
    assert again.status_code == 302
    commitment.refresh_from_db()
    assert commitment.status == Status.MET


def test_change_between_validation_and_save_is_refused_and_rolled_back(editor, commitment):
    form = StatusChangeForm(
        {
            "new_status": Status.ANNOUNCED,
            "effective_date": "2024-06-10",
            "expected_version": commitment.version,
            "new_source-title": "Source qui ne doit pas rester",
        },
        commitment=commitment,
        can_add_source=True,
    )
    assert form.is_valid(), form.errors
    status_change_record(
        commitment=Commitment.objects.get(pk=commitment.pk),
        new_status=Status.IN_PROGRESS,
        effective_date=datetime.date(2024, 6, 12),
        expected_version=Commitment.objects.get(pk=commitment.pk).version,
        sources=[SourceFactory()],
    )
    with pytest.raises(StaleVersionError):
        form.save(author=editor)
    assert not Source.objects.filter(title="Source qui ne doit pas rester").exists()
    assert commitment.status_changes.count() == 2


def test_new_source_needs_the_add_source_permission(db, commitment):
    form = StatusChangeForm(
        {
            "new_status": Status.ANNOUNCED,
            "effective_date": "2024-06-10",
            "expected_version": commitment.version,
            "new_source-title": "Document",
        },
        commitment=commitment,
        can_add_source=False,
    )
    assert not form.is_valid()
    assert "You may not add sources" in str(form.non_field_errors())


# --- Bulk update ---------------------------------------------------------------------------


def bulk_post(client, commitments, language="en", versions=None, **data):
    payload = {
        "bulk-commitments": [c.pk for c in commitments],
        "bulk-new_status": Status.IN_PROGRESS,
        "bulk-effective_date": "2024-06-14",
        "bulk-note": "Circulaire interministérielle",
        "next": reverse("commitments:list") + "?status=not_started",
    }
    for c in commitments:
        payload[f"version-{c.pk}"] = (versions or {}).get(c.pk, c.version)
    payload.update(data)
    return client.post(reverse("commitments:bulk_update"), payload, HTTP_ACCEPT_LANGUAGE=language)


@pytest.fixture
def several(db):
    return [make_commitment(title=f"Engagement {n}") for n in range(3)]


def test_bulk_update_records_one_entry_each(editor_client, editor, several):
    source = SourceFactory()
    response = bulk_post(
        editor_client,
        several,
        **{"bulk-sources": [source.pk], "bulk-new_source-title": "Circulaire du 14 juin"},
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("commitments:list") + "?status=not_started"
    new_source = Source.objects.get(title="Circulaire du 14 juin")
    for commitment in several:
        commitment.refresh_from_db()
        assert commitment.status == Status.IN_PROGRESS
        entry = commitment.status_changes.latest()
        assert (entry.author, entry.note) == (editor, "Circulaire interministérielle")
        assert set(entry.sources.all()) == {source, new_source}
    assert StatusChange.objects.filter(new_status=Status.IN_PROGRESS).count() == 3
    assert Source.objects.filter(title="Circulaire du 14 juin").count() == 1


def test_bulk_update_is_all_or_nothing(editor_client, several):
    status_change_record(
        commitment=several[1],
        new_status=Status.IN_PROGRESS,
        effective_date=TODAY,
        expected_version=several[1].version,
        sources=[SourceFactory()],
    )
    several[1].refresh_from_db()
    response = bulk_post(editor_client, several, **{"bulk-new_source-title": "Jamais créée"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "Nothing was saved: 1 of the selected commitments cannot take this change." in html
    assert "Engagement 1" in html and "already has this status" in html
    assert StatusChange.objects.filter(new_status=Status.IN_PROGRESS).count() == 1
    assert not Source.objects.filter(title="Jamais créée").exists()
    # The selection and what was typed come back.
    assert html.count('name="bulk-commitments"') == 3
    assert "Circulaire interministérielle" in html


def test_bulk_update_refuses_a_stale_row(editor_client, several):
    stale = {several[2].pk: several[2].version}
    status_change_record(
        commitment=several[2],
        new_status=Status.ANNOUNCED,
        effective_date=TODAY,
        expected_version=several[2].version,
        sources=[SourceFactory()],
    )
    response = bulk_post(editor_client, several, versions=stale)
    assert response.status_code == 400
    assert "changed by someone else" in response.content.decode()
    assert StatusChange.objects.filter(new_status=Status.IN_PROGRESS).count() == 0


def test_bulk_update_refuses_a_row_without_its_version(editor_client, several):
    # Regression: a row whose version was not sent used to be overwritten without a check.
    response = bulk_post(editor_client, several, **{f"version-{several[1].pk}": ""})
    assert response.status_code == 400
    html = response.content.decode()
    assert "Nothing was saved: 1 of the selected commitments cannot take this change." in html
    assert "Engagement 1" in html and "reload the page" in html
    assert StatusChange.objects.filter(new_status=Status.IN_PROGRESS).count() == 0


def test_bulk_update_race_at_save_rolls_everything_back(editor, several):
    form = BulkStatusForm(
        {
            "bulk-commitments": [c.pk for c in several],
            "bulk-new_status": Status.IN_PROGRESS,
            "bulk-effective_date": "2024-06-14",
            **{f"version-{c.pk}": c.version for c in several},
        },
        prefix="bulk",
    )
    assert form.is_valid(), form.errors
    status_change_record(
        commitment=Commitment.objects.get(pk=several[2].pk),
        new_status=Status.ANNOUNCED,
        effective_date=TODAY,
        expected_version=Commitment.objects.get(pk=several[2].pk).version,
        sources=[SourceFactory()],
    )
    assert form.save(author=editor) == []
    assert [c.title for c, _errors in form.row_errors] == ["Engagement 2"]
    assert StatusChange.objects.filter(new_status=Status.IN_PROGRESS).count() == 0


def test_bulk_update_needs_a_selection_and_valid_fields(editor_client, several):
    response = bulk_post(editor_client, [], **{"bulk-effective_date": "demain"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "Select at least one commitment." in html
    assert "Enter a valid date." in html


def test_bulk_update_ignores_an_unsafe_next(editor_client, several):
    response = bulk_post(
        editor_client,
        several,
        next="https://evil.example/",
        **{"bulk-sources": [SourceFactory().pk]},
    )
    assert response["Location"] == reverse("commitments:list")
