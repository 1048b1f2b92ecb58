"""Admin data entry: every page renders, and a status change made there writes history."""

import datetime

import pytest
from django.contrib import admin
from django.urls import reverse

from commitments.models import Body, Commitment, Source, Status, StatusChange, Tag

from .factories import BodyFactory, SourceFactory, TagFactory, make_commitment

TODAY = datetime.date(2026, 11, 23)


@pytest.fixture
def data(db):
    body = BodyFactory()
    source = SourceFactory()
    TagFactory()
    commitment = make_commitment(responsible_body=body, due_date=datetime.date(2022, 10, 18))
    return {"body": body, "source": source, "commitment": commitment}


def _admin_models():
    return [model for model in admin.site._registry]


@pytest.mark.parametrize("model", _admin_models(), ids=lambda model: model._meta.label)
def test_changelist_add_and_change_pages_render(admin_client, data, model):
    prefix = f"admin:{model._meta.app_label}_{model._meta.model_name}"
    response = admin_client.get(reverse(f"{prefix}_changelist"))
    assert response.status_code == 200
    response = admin_client.get(reverse(f"{prefix}_add"))
    assert response.status_code in (200, 403)  # 403 only where adding is refused by design
    instance = model._default_manager.first()
    if instance is not None:
        response = admin_client.get(reverse(f"{prefix}_change", args=[instance.pk]))
        assert response.status_code == 200


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


def test_history_inline_is_read_only(admin_client, data):
    commitment = data["commitment"]
    response = admin_client.get(
        reverse("admin:commitments_commitment_change", args=[commitment.pk])
    )
    inline = next(
        formset
        for formset in response.context["inline_admin_formsets"]
        if formset.formset.model is StatusChange
    )
    assert not inline.has_add_permission
    assert not inline.has_change_permission
    assert not inline.has_delete_permission


def test_models_are_all_registered():
    for model in (Body, Source, Commitment, StatusChange, Tag):
        assert model in admin.site._registry
