"""Deadlines, events, claims and asks entered in the admin go through their services."""

import datetime

import pytest
from django.urls import reverse

from commitments.models import Claim, Commitment, Deadline, Event

from ..factories import SourceFactory, make_commitment

D = datetime.date


@pytest.fixture
def commitment(db):
    return make_commitment(key="rapport-osce")


def _deadline_post(commitment, **overrides):
    data = {
        "commitment": commitment.pk,
        "kind": "step",
        "label": "Commentaires transmis",
        "bound": "no_later_than",
        "basis": "expected",
        "date": "2022-03-01",
        "precision": "month",
        "offset_days": "0",
        "reasoning": "Plus de quatre mois avant juillet 2022",
    }
    data.update(overrides)
    return data


def test_an_administrator_adds_a_month_precision_deadline(admin_client, commitment):
    response = admin_client.post(
        reverse("admin:commitments_deadline_add"), _deadline_post(commitment)
    )
    assert response.status_code == 302, response.content[:2000]
    deadline = Deadline.objects.get()
    assert (deadline.window_start, deadline.window_end) == (D(2022, 3, 1), D(2022, 3, 31))
    commitment.refresh_from_db()
    assert commitment.due_date == D(2022, 3, 31)
    page = admin_client.get(reverse("admin:commitments_commitment_change", args=[commitment.pk]))
    assert "Commentaires transmis" in page.content.decode()


def test_a_deadline_without_its_date_is_refused_with_a_message(admin_client, commitment):
    response = admin_client.post(
        reverse("admin:commitments_deadline_add"),
        _deadline_post(commitment, basis="text", date=""),
        HTTP_ACCEPT_LANGUAGE="fr",
    )
    assert response.status_code == 200
    assert "date" in response.context["adminform"].form.errors
    assert not Deadline.objects.exists()


def test_a_stale_deadline_form_is_refused(admin_client, commitment):
    admin_client.post(reverse("admin:commitments_deadline_add"), _deadline_post(commitment))
    deadline = Deadline.objects.get()
    read_version = Commitment.objects.get(pk=commitment.pk).version
    # Someone else changes the commitment meanwhile.
    admin_client.post(
        reverse("admin:commitments_deadline_change", args=[deadline.pk]),
        _deadline_post(commitment, label="Autre libellé", expected_version=read_version),
    )
    response = admin_client.post(
        reverse("admin:commitments_deadline_change", args=[deadline.pk]),
        _deadline_post(commitment, label="Mon libellé", expected_version=read_version),
    )
    assert response.status_code == 200
    deadline.refresh_from_db()
    assert deadline.label == "Autre libellé"
    missing = _deadline_post(commitment, label="Sans version")
    response = admin_client.post(
        reverse("admin:commitments_deadline_change", args=[deadline.pk]), missing
    )
    assert response.status_code == 200
    deadline.refresh_from_db()
    assert deadline.label == "Autre libellé"


def test_an_event_loop_is_refused_in_the_admin(admin_client, db):
    url = reverse("admin:commitments_event_add")
    admin_client.post(
        url,
        {
            "key": "a",
            "name": "A",
            "kind": "session",
            "date": "2022-09-01",
            "date_precision": "month",
            "offset_days": "0",
        },
    )
    first = Event.objects.get(key="a")
    admin_client.post(
        url,
        {
            "key": "b",
            "name": "B",
            "kind": "other",
            "follows": first.pk,
            "date_precision": "day",
            "offset_days": "-30",
        },
    )
    second = Event.objects.get(key="b")
    assert second.date == D(2022, 8, 1)
    response = admin_client.post(
        reverse("admin:commitments_event_change", args=[first.pk]),
        {
            "key": "a",
            "name": "A",
            "kind": "session",
            "date": "2022-09-01",
            "date_precision": "month",
            "offset_days": "0",
            "follows": second.pk,
            "expected_version": first.version,
        },
    )
    assert response.status_code == 200
    assert "follows" in response.context["adminform"].form.errors
    first.refresh_from_db()
    assert first.follows is None


def test_a_state_claim_is_added_in_the_admin(admin_client, commitment):
    source = SourceFactory()
    response = admin_client.post(
        reverse("admin:commitments_claim_add"),
        {
            "commitment": commitment.pk,
            "side": "state",
            "kind": "status",
            "claimed_status": "met",
            "text": "Transmis selon la MIPROF",
            "made_on": "2022-07-01",
            "made_on_precision": "month",
            "period_precision": "year",
            "source": source.pk,
        },
    )
    assert response.status_code == 302, response.content[:2000]
    assert Claim.objects.get().claimed_status == "met"
    assert list(Commitment.objects.diverging()) == [commitment]
