"""The permission matrix: every role × every endpoint × every method, one expected status each.

Anonymous callers read public data; viewers read everything; editors create and update;
only administrators delete (and never a commitment with history). A method an endpoint does
not offer is 405 for everyone.
"""

import json

import pytest
from django.urls import reverse

from commitments.models import Body, Commitment, Source
from commitments.services.deadlines import event_save

from ..factories import BodyFactory, SourceFactory
from .conftest import ROLES, TODAY, client_for

M = ["GET", "POST", "PUT", "PATCH", "DELETE"]


def _payload(endpoint: str, method: str, ctx) -> dict:
    if endpoint == "commitment-list":
        return {
            "key": "nouvel-engagement",
            "title": "Nouvel engagement",
            "category": "report",
            "responsible_body": ctx["body"].pk,
            "status": "announced",
            "effective_date": "2026-03-01",
        }
    if endpoint == "commitment-detail":
        payload = {"title": "Titre corrigé", "version": ctx["commitment"].version}
        if method == "PUT":
            payload.update(key=ctx["commitment"].key, responsible_body=ctx["body"].pk)
        return payload
    if endpoint == "commitment-history":
        return {
            "new_status": "in_progress",
            "effective_date": "2026-03-10",
            "note": "Annonce du ministre",
            "sources": [SourceFactory(key="annonce-du-ministre").pk],
            "version": ctx["commitment"].version,
        }
    if endpoint == "commitment-deadlines":
        return {
            "label": "Rapport au Comité",
            "basis": "expected",
            "date": "2026-09-01",
            "precision": "month",
            "version": ctx["commitment"].version,
        }
    if endpoint == "commitment-deadline-detail":
        return {"reasoning": "Date confirmée", "version": ctx["commitment"].version}
    if endpoint == "commitment-claims":
        return {
            "side": "state",
            "kind": "status",
            "claimed_status": "met",
            "text": "C'est fait",
            "made_on": "2026-03-01",
            "source": ctx["unused_source"].pk,
            "version": ctx["commitment"].version,
        }
    if endpoint == "commitment-asks":
        return {
            "body": ctx["body"].pk,
            "text": "Créer le mécanisme",
            "made_on": "2026-03-01",
            "source": ctx["unused_source"].pk,
            "version": ctx["commitment"].version,
        }
    if endpoint == "event-list":
        return {"key": "session-2026", "name": "Session", "date": "2026-09-01"}
    if endpoint == "event-detail":
        payload = {"name": "Session déplacée", "version": ctx["event"].version}
        if method == "PUT":
            payload.update(key=ctx["event"].key, date="2026-10-01")
        return payload
    if endpoint == "body-list":
        return {"key": "greta", "name": "GRETA", "kind": "international_organisation"}
    if endpoint == "body-detail":
        return {"key": "ofii", "name": "Office français de l'immigration", "acronym": "OFII"}
    if endpoint == "source-list":
        return {"key": "cnc-2024", "title": "Rapport 2024"}
    if endpoint == "source-detail":
        return {"key": "unused-source", "title": "Document révisé"}
    raise AssertionError(endpoint)


def _url(endpoint: str, ctx) -> str:
    if endpoint in COMMITMENT_ROUTES:
        return reverse(f"api:{endpoint}", args=[ctx["commitment"].pk])
    if endpoint == "commitment-deadline-detail":
        deadline = ctx["commitment"].deadlines.get()
        return reverse(f"api:{endpoint}", args=[ctx["commitment"].pk, deadline.pk])
    if endpoint == "event-detail":
        return reverse(f"api:{endpoint}", args=[ctx["event"].pk])
    if endpoint == "body-detail":
        return reverse("api:body-detail", args=[ctx["unused_body"].pk])
    if endpoint == "source-detail":
        return reverse("api:source-detail", args=[ctx["unused_source"].pk])
    return reverse(f"api:{endpoint}")


COMMITMENT_ROUTES = {
    "commitment-detail",
    "commitment-history",
    "commitment-deadlines",
    "commitment-claims",
    "commitment-asks",
}
# A deadline, a claim or an ask is part of a commitment: written by whoever may change it.
WRITE_ONCE = {
    "GET": (405, 405, 405, 405),
    "POST": (401, 403, 201, 201),
    "PUT": (405, 405, 405, 405),
    "PATCH": (405, 405, 405, 405),
    "DELETE": (405, 405, 405, 405),
}

# endpoint -> method -> status for (anonymous, viewer, editor, administrator)
MATRIX = {
    "commitment-list": {
        "GET": (200, 200, 200, 200),
        "POST": (401, 403, 201, 201),
        "PUT": (405, 405, 405, 405),
        "PATCH": (405, 405, 405, 405),
        "DELETE": (405, 405, 405, 405),
    },
    "commitment-detail": {
        "GET": (200, 200, 200, 200),
        "POST": (405, 405, 405, 405),
        "PUT": (401, 403, 200, 200),
        "PATCH": (401, 403, 200, 200),
        # Every commitment made through the service has history: never hard-deleted.
        "DELETE": (401, 403, 403, 409),
    },
    "commitment-history": {
        "GET": (200, 200, 200, 200),
        "POST": (401, 403, 201, 201),
        "PUT": (405, 405, 405, 405),
        "PATCH": (405, 405, 405, 405),
        "DELETE": (405, 405, 405, 405),
    },
    "commitment-deadlines": WRITE_ONCE,
    "commitment-deadline-detail": {
        "GET": (405, 405, 405, 405),
        "POST": (405, 405, 405, 405),
        "PUT": (405, 405, 405, 405),
        "PATCH": (401, 403, 200, 200),
        "DELETE": (401, 403, 204, 204),
    },
    "commitment-claims": WRITE_ONCE,
    "commitment-asks": WRITE_ONCE,
    # Events are public; moving one moves commitments' deadlines: editors write them.
    "event-list": {
        "GET": (200, 200, 200, 200),
        "POST": (401, 403, 201, 201),
        "PUT": (405, 405, 405, 405),
        "PATCH": (405, 405, 405, 405),
        "DELETE": (405, 405, 405, 405),
    },
    "event-detail": {
        "GET": (200, 200, 200, 200),
        "POST": (405, 405, 405, 405),
        "PUT": (401, 403, 200, 200),
        "PATCH": (401, 403, 200, 200),
        "DELETE": (405, 405, 405, 405),
    },
    "body-list": {
        "GET": (200, 200, 200, 200),
        "POST": (401, 403, 201, 201),
        "PUT": (405, 405, 405, 405),
        "PATCH": (405, 405, 405, 405),
        "DELETE": (405, 405, 405, 405),
    },
    # Editors correct bodies and sources (as on the staff pages); only administrators delete.
    "body-detail": {
        "GET": (200, 200, 200, 200),
        "POST": (405, 405, 405, 405),
        "PUT": (401, 403, 200, 200),
        "PATCH": (401, 403, 200, 200),
        "DELETE": (401, 403, 403, 204),
    },
    "source-list": {
        "GET": (200, 200, 200, 200),
        "POST": (401, 403, 201, 201),
        "PUT": (405, 405, 405, 405),
        "PATCH": (405, 405, 405, 405),
        "DELETE": (405, 405, 405, 405),
    },
    "source-detail": {
        "GET": (200, 200, 200, 200),
        "POST": (405, 405, 405, 405),
        "PUT": (401, 403, 200, 200),
        "PATCH": (401, 403, 200, 200),
        "DELETE": (401, 403, 403, 204),
    },
}

CELLS = [
    pytest.param(endpoint, method, role, statuses[i], id=f"{endpoint}-{method}-{role}")
    for endpoint, methods in MATRIX.items()
    for method, statuses in methods.items()
    for i, role in enumerate(ROLES)
]


@pytest.mark.parametrize(("endpoint", "method", "role", "expected"), CELLS)
def test_permission_matrix(endpoint, method, role, expected, public_commitment, body):
    ctx = {
        "commitment": public_commitment,
        "body": body,
        "unused_body": BodyFactory(key="unused-body"),
        "unused_source": SourceFactory(key="unused-source"),
        "event": event_save(data={"key": "session", "name": "Session", "date": TODAY}),
    }
    client = client_for(role)
    url = _url(endpoint, ctx)
    # Deleting a deadline states the commitment's version too.
    writes = method in {"POST", "PUT", "PATCH"} or endpoint == "commitment-deadline-detail"
    data = _payload(endpoint, method, ctx) if writes and method != "GET" else None
    body = "" if data is None else json.dumps(data)
    response = client.generic(method, url, data=body, content_type="application/json")
    assert response.status_code == expected, response.content


def test_matrix_covers_every_routed_endpoint():
    """A new route must get a row in the matrix (alerts are covered in their own module)."""
    from api.urls import router

    names = (
        {
            f"{basename}-{suffix}"
            for _prefix, _viewset, basename in router.registry
            for suffix in ("list", "detail")
        }
        | COMMITMENT_ROUTES
        | {"commitment-deadline-detail"}
    )
    assert names - {"alert-list", "alert-detail"} <= set(MATRIX)


def test_writes_really_happen_for_the_allowed_cells(editor_api, admin_api, body):
    editor_api.post(reverse("api:body-list"), {"key": "greta", "name": "GRETA"}, format="json")
    assert Body.objects.filter(key="greta").exists()
    unused = SourceFactory(key="to-delete")
    assert admin_api.delete(reverse("api:source-detail", args=[unused.pk])).status_code == 204
    assert not Source.objects.filter(pk=unused.pk).exists()


def test_private_commitment_is_404_for_anonymous_and_readable_by_staff(
    anonymous_client, viewer_api, private_commitment
):
    for url in (
        reverse("api:commitment-detail", args=[private_commitment.pk]),
        reverse("api:commitment-history", args=[private_commitment.pk]),
    ):
        assert anonymous_client.get(url).status_code == 404
        assert viewer_api.get(url).status_code == 200


def test_superuser_deletes_a_commitment_without_history(body):
    bare = Commitment.objects.create(
        key="sans-historique", title="Brouillon", responsible_body=body
    )
    client = client_for("superuser")
    assert client.delete(reverse("api:commitment-detail", args=[bare.pk])).status_code == 204
    assert not Commitment.objects.filter(pk=bare.pk).exists()


def test_commitment_with_history_cannot_be_deleted_409_not_500(admin_api, public_commitment):
    response = admin_api.delete(reverse("api:commitment-detail", args=[public_commitment.pk]))
    assert response.status_code == 409
    assert response.json()["code"] == "protected"
    assert Commitment.objects.filter(pk=public_commitment.pk).exists()


def test_body_in_use_cannot_be_deleted(admin_api, public_commitment, body):
    response = admin_api.delete(reverse("api:body-detail", args=[body.pk]))
    assert response.status_code == 409
    assert Body.objects.filter(pk=body.pk).exists()


def test_source_cited_by_history_cannot_be_deleted(
    editor_api, admin_api, public_commitment, source
):
    editor_api.post(
        reverse("api:commitment-history", args=[public_commitment.pk]),
        {
            "new_status": "in_progress",
            "effective_date": "2026-03-01",
            "sources": [source.pk],
            "version": public_commitment.version,
        },
        format="json",
    )
    response = admin_api.delete(reverse("api:source-detail", args=[source.pk]))
    assert response.status_code == 409
    assert Source.objects.filter(pk=source.pk).exists()


def test_session_authentication_works_and_needs_csrf_for_writes(body):
    from rest_framework.test import APIClient

    from .conftest import user_for

    client = APIClient(enforce_csrf_checks=True)
    client.force_login(user_for("editor"))
    assert client.get(reverse("api:body-list")).status_code == 200
    response = client.post(reverse("api:body-list"), {"key": "x", "name": "X"}, format="json")
    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]


def test_invalid_token_is_401(anonymous_client, public_commitment):
    anonymous_client.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")
    response = anonymous_client.get(reverse("api:commitment-list"))
    assert response.status_code == 401
    assert response.json()["code"] == "authentication_failed"


def test_api_root_schema_and_docs_are_open(anonymous_client, db):
    assert anonymous_client.get(reverse("api:api-root")).status_code == 200
    assert anonymous_client.get(reverse("api:schema")).status_code == 200
    docs = anonymous_client.get(reverse("api:docs"))
    assert docs.status_code == 200
    html = docs.content.decode()
    assert "swagger-ui" in html
    # Served from the application itself, never from a CDN.
    assert "cdn.jsdelivr.net" not in html and "unpkg.com" not in html
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/" in html


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_unknown_commitment_is_404(editor_api, method, db):
    url = reverse("api:commitment-history", args=[999999])
    response = editor_api.generic(method, url, data="{}", content_type="application/json")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
