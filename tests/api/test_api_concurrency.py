"""No lost updates: every write path (field update, status change, a deadline, a claim, an ask)
needs the version read;
missing -> 428, stale field -> 409, stale If-Match -> 412, each with the current state."""

import datetime
import json

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from accounts import roles
from commitments.models import StatusChange
from commitments.services.status import status_change_record

from ..factories import SourceFactory, UserFactory


def detail(commitment):
    return reverse("api:commitment-detail", args=[commitment.pk])


def history(commitment):
    return reverse("api:commitment-history", args=[commitment.pk])


def deadlines(commitment):
    return reverse("api:commitment-deadlines", args=[commitment.pk])


def final_deadline(commitment):
    deadline = commitment.deadlines.get()  # set from its due date
    return reverse("api:commitment-deadline-detail", args=[commitment.pk, deadline.pk])


def claims(commitment):
    return reverse("api:commitment-claims", args=[commitment.pk])


def asks(commitment):
    return reverse("api:commitment-asks", args=[commitment.pk])


def evidence(commitment) -> dict:
    return {
        "body": commitment.responsible_body_id,
        "source": SourceFactory(key="concurrence").pk,
        "text": "Les commentaires ont été envoyés",
        "made_on": "2026-03-01",
    }


# (method, url builder, payload without version, or a function of the commitment giving it)
PATHS = {
    "patch": ("PATCH", detail, {"title": "Titre concurrent"}),
    "put": ("PUT", detail, {"title": "Titre concurrent", "key": "troisieme-plan"}),
    "history": (
        "POST",
        history,
        lambda commitment: {
            "new_status": "in_progress",
            "effective_date": "2026-03-10",
            "sources": [SourceFactory(key="annonce").pk],
        },
    ),
    "deadline-add": (
        "POST",
        deadlines,
        {"label": "Rapport", "basis": "expected", "date": "2026-09-01", "precision": "month"},
    ),
    "deadline-change": ("PATCH", final_deadline, {"date": "2026-04-01"}),
    "deadline-remove": ("DELETE", final_deadline, {}),
    "claim": ("POST", claims, lambda c: {**evidence(c), "side": "state", "kind": "statement"}),
    "ask": ("POST", asks, evidence),
}


def send(client, path, commitment, *, version=None, if_match=None):
    method, url, payload = PATHS[path]
    payload = dict(payload(commitment) if callable(payload) else payload)
    if path == "put":
        payload["responsible_body"] = commitment.responsible_body_id
    if version is not None:
        payload["version"] = version
    headers = {"HTTP_IF_MATCH": if_match} if if_match is not None else {}
    return client.generic(
        method,
        url(commitment),
        data=json.dumps(payload),
        content_type="application/json",
        **headers,
    )


def someone_else_changes(commitment):
    """Another editor records a change meanwhile: the version moves on."""
    status_change_record(
        commitment=commitment,
        new_status="announced",
        effective_date=datetime.date(2026, 3, 1),
        expected_version=commitment.version,
        sources=[SourceFactory()],
    )


def unchanged_except_other_edit(commitment, read_version):
    commitment.refresh_from_db()
    assert commitment.version == read_version + 1  # only the other person's change
    assert commitment.title == "Troisième plan national"
    assert commitment.status == "announced"
    assert StatusChange.objects.filter(commitment=commitment).count() == 2


@pytest.mark.parametrize("path", PATHS)
class TestBothWritePaths:
    def test_missing_version_is_428(self, editor_api, public_commitment, path):
        response = send(editor_api, path, public_commitment)
        assert response.status_code == 428
        assert response.json()["code"] == "version_required"

    def test_if_match_star_is_not_a_version(self, editor_api, public_commitment, path):
        assert send(editor_api, path, public_commitment, if_match="*").status_code == 428

    def test_current_version_field_succeeds(self, editor_api, public_commitment, path):
        response = send(editor_api, path, public_commitment, version=public_commitment.version)
        assert response.status_code in (200, 201, 204), response.content
        public_commitment.refresh_from_db()
        assert response["ETag"] == f'W/"{public_commitment.pk}-{public_commitment.version}"'

    def test_current_if_match_succeeds(self, editor_api, public_commitment, path):
        etag = editor_api.get(detail(public_commitment))["ETag"]
        response = send(editor_api, path, public_commitment, if_match=etag)
        assert response.status_code in (200, 201, 204), response.content

    def test_stale_version_field_is_409_with_current_state(
        self, editor_api, public_commitment, path
    ):
        read_version = public_commitment.version
        someone_else_changes(public_commitment)
        response = send(editor_api, path, public_commitment, version=read_version)
        assert response.status_code == 409
        body = response.json()
        assert body["code"] == "stale_version"
        assert body["current"]["version"] == read_version + 1
        assert body["current"]["status"] == "announced"
        assert body["latest_change"]["new_status"] == "announced"
        assert response["ETag"] == f'W/"{public_commitment.pk}-{read_version + 1}"'
        unchanged_except_other_edit(public_commitment, read_version)

    def test_stale_if_match_is_412_with_current_state(self, editor_api, public_commitment, path):
        stale_etag = editor_api.get(detail(public_commitment))["ETag"]
        read_version = public_commitment.version
        someone_else_changes(public_commitment)
        response = send(editor_api, path, public_commitment, if_match=stale_etag)
        assert response.status_code == 412
        assert response.json()["current"]["version"] == read_version + 1
        unchanged_except_other_edit(public_commitment, read_version)

    def test_etag_of_another_commitment_is_412(
        self, editor_api, public_commitment, private_commitment, path
    ):
        other = editor_api.get(detail(private_commitment))["ETag"]
        assert send(editor_api, path, public_commitment, if_match=other).status_code == 412

    def test_field_and_header_disagreeing_is_400(self, editor_api, public_commitment, path):
        etag = editor_api.get(detail(public_commitment))["ETag"]
        response = send(
            editor_api,
            path,
            public_commitment,
            version=public_commitment.version + 5,
            if_match=etag,
        )
        assert response.status_code == 400
        assert "version" in response.json()

    @pytest.mark.parametrize("bad", ["abc", 0, -1, True])
    def test_malformed_version_is_400(self, editor_api, public_commitment, path, bad):
        response = send(editor_api, path, public_commitment, version=bad)
        assert response.status_code == 400
        assert "version" in response.json()


def test_two_editors_reading_the_same_version(public_commitment):
    """The second of two editors who read version N is refused, not silently applied."""
    from rest_framework.test import APIClient

    editors = Group.objects.filter(name=roles.EDITORS)
    first, second = APIClient(), APIClient()
    first.force_authenticate(UserFactory(username="alice", groups=[roles.EDITORS]))
    second.force_authenticate(UserFactory(username="bruno", groups=[roles.EDITORS]))
    assert editors.get().user_set.count() == 2
    version = first.get(detail(public_commitment)).json()["version"]
    assert second.get(detail(public_commitment)).json()["version"] == version
    ok = first.patch(detail(public_commitment), {"title": "A", "version": version}, format="json")
    assert ok.status_code == 200
    refused = second.patch(
        detail(public_commitment), {"title": "B", "version": version}, format="json"
    )
    assert refused.status_code == 409
    assert refused.json()["current"]["title"] == "A"
    public_commitment.refresh_from_db()
    assert public_commitment.title == "A"
