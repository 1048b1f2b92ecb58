"""Admin data entry: every page renders, and a status change made there writes history."""

import datetime

import pytest
from django.urls import reverse

from commitments.models import Body, Commitment, Source, Status, StatusChange, Tag
from commitments.services.status import status_change_record

from ..factories import BodyFactory, SourceFactory, TagFactory, make_commitment

TODAY = datetime.date(2026, 11, 23)


@pytest.fixture
def data(db):
    body = BodyFactory()
    source = SourceFactory()
    TagFactory()
    commitment = make_commitment(responsible_body=body, due_date=datetime.date(2022, 10, 18))
    return {"body": body, "source": source, "commitment": commitment}


# What the admin offers per model, by design: history entries are never added by hand.
ADMIN_MODELS = {Body: True, Source: True, Commitment: True, Tag: True, StatusChange: False}


def _prefix(model):
    return f"admin:{model._meta.app_label}_{model._meta.model_name}"


@pytest.mark.parametrize("model", ADMIN_MODELS, ids=lambda model: model._meta.label)
def test_changelist_add_and_change_pages_render(admin_client, data, model):
    prefix = _prefix(model)
    response = admin_client.get(reverse(f"{prefix}_changelist"))
    assert response.status_code == 200
    response = admin_client.get(reverse(f"{prefix}_add"))
    assert response.status_code == (200 if ADMIN_MODELS[model] else 403)
    instance = model._default_manager.first()
    assert instance is not None
    response = admin_client.get(reverse(f"{prefix}_change", args=[instance.pk]))
    assert response.status_code == 200


@pytest.mark.parametrize("model", ADMIN_MODELS, ids=lambda model: model._meta.label)
def test_administrator_opens_every_list_and_viewer_is_turned_away(
    client, administrator, viewer, data, model
):
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    url = reverse(f"{_prefix(model)}_changelist")
    client.force_login(viewer)
    response = client.get(url)
    assert response.status_code == 302 and "/login/" in response["Location"]

    client.force_login(administrator)
    device = TOTPDevice.objects.create(user=administrator, name="test", confirmed=True)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    assert client.get(url).status_code == 200
    add = client.get(reverse(f"{_prefix(model)}_add"))
    assert add.status_code == (200 if ADMIN_MODELS[model] else 403)


def test_status_history_cannot_be_added_in_the_admin(admin_client, data):
    response = admin_client.get(reverse("admin:commitments_statuschange_add"))
    assert response.status_code == 403


def test_changelist_filters_and_shows_days_overdue(admin_client, data, time_machine):
    time_machine.move_to(datetime.datetime(2022, 10, 28, 12, 0))
    url = reverse("admin:commitments_commitment_changelist")
    response = admin_client.get(url, {"overdue": "yes", "status__exact": Status.NOT_STARTED})
    assert response.status_code == 200
    assert list(response.context["cl"].queryset) == [data["commitment"]]
    assert response.context["cl"].queryset[0].days_overdue == 10
    response = admin_client.get(url, {"overdue": "no"})
    assert list(response.context["cl"].queryset) == []


def _change_form(commitment, **overrides):
    form = {
        "title": commitment.title,
        "key": commitment.key,
        "summary": commitment.summary,
        "category": commitment.category,
        "responsible_body": commitment.responsible_body_id,
        "monitoring_body": "",
        "owner": "",
        "due_date": commitment.due_date.isoformat() if commitment.due_date else "",
        "due_date_note": "",
        "status": commitment.status,
        "status_effective_date": "",
        "status_note": "",
        "expected_version": commitment.version,
        "citations-TOTAL_FORMS": "0",
        "citations-INITIAL_FORMS": "0",
        "status_changes-TOTAL_FORMS": "0",
        "status_changes-INITIAL_FORMS": "0",
        # The deadlines, claims and asks shown read-only (edited on their own pages).
        "deadlines-TOTAL_FORMS": "0",
        "deadlines-INITIAL_FORMS": "0",
        "claims-TOTAL_FORMS": "0",
        "claims-INITIAL_FORMS": "0",
        "asks-TOTAL_FORMS": "0",
        "asks-INITIAL_FORMS": "0",
    }
    form.update(overrides)
    return form


def test_status_change_in_admin_goes_through_the_domain(admin_client, admin_user, data):
    commitment = data["commitment"]
    url = reverse("admin:commitments_commitment_change", args=[commitment.pk])
    response = admin_client.post(
        url,
        _change_form(
            commitment,
            status=Status.ANNOUNCED,
            status_effective_date="2022-07-29",
            status_note="Annoncé par le ministre",
            status_sources=[data["source"].pk],
        ),
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    commitment.refresh_from_db()
    assert commitment.status == Status.ANNOUNCED
    entry = commitment.status_changes.latest()
    assert (entry.previous_status, entry.new_status) == (Status.NOT_STARTED, Status.ANNOUNCED)
    assert entry.author == admin_user
    assert entry.origin == StatusChange.Origin.ADMIN
    assert entry.note == "Annoncé par le ministre"
    assert list(entry.sources.all()) == [data["source"]]


def test_status_change_without_source_is_refused_at_the_field(admin_client, data):
    commitment = data["commitment"]
    url = reverse("admin:commitments_commitment_change", args=[commitment.pk])
    response = admin_client.post(
        url,
        _change_form(commitment, status=Status.ANNOUNCED, status_effective_date="2022-07-29"),
        HTTP_ACCEPT_LANGUAGE="fr",
    )
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert errors["status_sources"][0].startswith("Citez au moins une source")
    commitment.refresh_from_db()
    assert (commitment.status, commitment.version) == (Status.NOT_STARTED, 1)
    assert commitment.status_changes.count() == 1


def test_editing_other_fields_writes_no_history(admin_client, data):
    commitment = data["commitment"]
    url = reverse("admin:commitments_commitment_change", args=[commitment.pk])
    response = admin_client.post(url, _change_form(commitment, title="Titre corrigé"))
    assert response.status_code == 302
    commitment.refresh_from_db()
    assert commitment.title == "Titre corrigé"
    assert commitment.version == 2
    assert commitment.status_changes.count() == 1


def test_stale_admin_form_is_refused_and_saves_nothing(admin_client, data):
    commitment = data["commitment"]
    url = reverse("admin:commitments_commitment_change", args=[commitment.pk])
    stale_form = _change_form(commitment, title="Ma version")
    admin_client.post(url, _change_form(commitment, title="Leur version"))

    response = admin_client.post(url, stale_form)

    assert response.status_code == 200
    assert "Quelqu’un d’autre a modifié cet engagement" in str(
        response.context["adminform"].form.errors
    )
    commitment.refresh_from_db()
    assert commitment.title == "Leur version"


def test_bad_status_change_comes_back_at_the_field(admin_client, data):
    commitment = data["commitment"]
    url = reverse("admin:commitments_commitment_change", args=[commitment.pk])
    response = admin_client.post(
        url, _change_form(commitment, status=Status.MET, status_effective_date="2999-01-01")
    )
    assert response.status_code == 200
    assert "status_effective_date" in response.context["adminform"].form.errors
    commitment.refresh_from_db()
    assert commitment.status == Status.NOT_STARTED


def test_adding_a_commitment_in_admin_records_its_first_status(admin_client, data):
    response = admin_client.post(
        reverse("admin:commitments_commitment_add"),
        {
            **_change_form(data["commitment"]),
            "title": "Nouvel engagement",
            "key": "nouvel-engagement",
            "status": Status.ANNOUNCED,
            "expected_version": "",
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    created = Commitment.objects.get(key="nouvel-engagement")
    assert created.status == Status.ANNOUNCED
    assert created.version == 1
    entry = created.status_changes.get()
    assert (entry.previous_status, entry.new_status) == ("", Status.ANNOUNCED)


def test_history_inline_shows_entries_and_offers_no_editing(admin_client, data):
    commitment = data["commitment"]
    status_change_record(
        commitment=commitment,
        expected_version=commitment.version,
        new_status=Status.ANNOUNCED,
        effective_date=datetime.date(2022, 7, 29),
        note="Annonce du ministre",
        sources=[SourceFactory()],
    )
    response = admin_client.get(
        reverse("admin:commitments_commitment_change", args=[commitment.pk])
    )
    inline = next(
        formset
        for formset in response.context["inline_admin_formsets"]
        if formset.formset.model is StatusChange
    )
    # Both entries are shown, newest first, and nothing in the inline is an input.
    shown = [form.instance for form in inline.formset.initial_forms]
    assert [entry.new_status for entry in shown] == [Status.ANNOUNCED, Status.NOT_STARTED]
    html = response.content.decode()
    assert "Annonce du ministre" in html
    assert 'name="status_changes-0-note"' not in html
    assert 'name="status_changes-0-DELETE"' not in html
    assert "status_changes-empty" not in html
    assert inline.formset.extra == 0 and inline.formset.max_num == 0


def test_the_admin_lists_each_model_with_its_own_columns(admin_client, data):
    """Every model is reachable from the admin index, with the columns chosen for it."""
    index = admin_client.get(reverse("admin:index")).content.decode()
    for model in ADMIN_MODELS:
        assert reverse(f"{_prefix(model)}_changelist") in index
    response = admin_client.get(reverse("admin:commitments_commitment_changelist"))
    assert "days_overdue_display" in response.context["cl"].list_display
