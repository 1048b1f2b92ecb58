"""Errors: translated field messages, JSON everywhere, throttling, and a schema without warnings."""

import io

import pytest
from django.core.management import call_command
from django.test import override_settings
from django.urls import reverse

from api.throttling import AnonymousThrottle

LIST = reverse("api:commitment-list")
ROOT = reverse("api:api-root")


def test_field_errors_in_french_and_english(editor_api, db):
    fr = editor_api.post(LIST, {}, format="json", HTTP_ACCEPT_LANGUAGE="fr")
    en = editor_api.post(LIST, {}, format="json", HTTP_ACCEPT_LANGUAGE="en")
    assert fr.status_code == en.status_code == 400
    assert fr.json()["title"] == ["Ce champ est obligatoire."]
    assert en.json()["title"] == ["This field is required."]


def test_service_errors_are_translated_too(editor_api, public_commitment):
    url = reverse("api:commitment-history", args=[public_commitment.pk])
    payload = {
        "new_status": "met",
        "effective_date": "2030-01-01",
        "version": public_commitment.version,
    }
    en = editor_api.post(url, payload, format="json", HTTP_ACCEPT_LANGUAGE="en")
    fr = editor_api.post(url, payload, format="json", HTTP_ACCEPT_LANGUAGE="fr")
    assert en.json()["effective_date"] == ["The effective date cannot be in the future."]
    assert fr.status_code == 400
    assert fr.json()["effective_date"] != en.json()["effective_date"]


def test_our_own_messages_are_translated(editor_api, public_commitment):
    url = reverse("api:commitment-detail", args=[public_commitment.pk])
    fr = editor_api.patch(url, {"title": "x"}, format="json", HTTP_ACCEPT_LANGUAGE="fr")
    en = editor_api.patch(url, {"title": "x"}, format="json", HTTP_ACCEPT_LANGUAGE="en")
    assert fr.status_code == en.status_code == 428
    assert en.json()["detail"].startswith("Send the version you read")
    assert fr.json()["detail"].startswith("Envoyez la version")


def test_not_found_and_method_not_allowed_are_json(viewer_api, db):
    missing = viewer_api.get(reverse("api:commitment-detail", args=[424242]))
    assert missing.status_code == 404 and missing["Content-Type"] == "application/json"
    wrong = viewer_api.delete(LIST)
    assert wrong.status_code == 405
    assert wrong.json()["code"] == "method_not_allowed"


def test_unauthenticated_write_says_how_to_authenticate(anonymous_client, db):
    response = anonymous_client.post(LIST, {}, format="json")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"


def _rates(settings, **rates):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], **rates},
    }


def test_anonymous_callers_are_throttled(settings, anonymous_client, viewer_api, db):
    _rates(settings, anon="3/minute")
    statuses = [anonymous_client.get(LIST).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    throttled = anonymous_client.get(LIST)
    assert throttled.json()["code"] == "throttled"
    assert int(throttled["Retry-After"]) > 0
    # Authenticated callers have their own, separate budget.
    assert viewer_api.get(LIST).status_code == 200


def test_authenticated_callers_are_throttled_per_user(settings, viewer_api, editor_api, db):
    _rates(settings, user="2/minute")
    assert [viewer_api.get(LIST).status_code for _ in range(3)] == [200, 200, 429]
    assert editor_api.get(LIST).status_code == 200


def test_shipped_anonymous_rate_is_enforced(settings, anonymous_client, db):
    """Without any override, anonymous callers get the configured budget, then 429 in JSON."""
    allowed, _seconds = AnonymousThrottle().parse_rate(
        settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["anon"]
    )
    statuses = {anonymous_client.get(ROOT).status_code for _ in range(allowed)}
    assert statuses == {200}
    throttled = anonymous_client.get(ROOT)
    assert throttled.status_code == 429
    assert throttled["Content-Type"] == "application/json"
    assert throttled.json()["code"] == "throttled"


def test_rates_are_read_at_each_request(settings, anonymous_client, db):
    """A rate changed in the settings applies from the next request, not at the next start."""
    assert anonymous_client.get(ROOT).status_code == 200
    with override_settings(
        REST_FRAMEWORK={
            **settings.REST_FRAMEWORK,
            "DEFAULT_THROTTLE_RATES": {"anon": "2/hour", "user": None},
        }
    ):
        # The call made before the override counts against the new budget too.
        assert [anonymous_client.get(ROOT).status_code for _ in range(2)] == [200, 429]
        assert anonymous_client.get(ROOT).json()["code"] == "throttled"
    assert anonymous_client.get(ROOT).status_code == 200


@pytest.mark.parametrize("language", ["en", "fr"])
def test_schema_is_valid_without_warnings(language, settings, db):
    settings.LANGUAGE_CODE = language
    output = io.StringIO()
    call_command(
        "spectacular", "--validate", "--fail-on-warn", "--file", "/dev/null", stdout=output
    )


def test_schema_documents_every_error_status(anonymous_client, db):
    schema = anonymous_client.get(reverse("api:schema"), {"format": "json"}).json()
    history_post = schema["paths"]["/api/commitments/{id}/history/"]["post"]["responses"]
    assert {"201", "400", "401", "403", "404", "409", "412", "428"} <= set(history_post)
    patch = schema["paths"]["/api/commitments/{id}/"]["patch"]["responses"]
    assert {"200", "400", "401", "403", "404", "409", "412", "428"} <= set(patch)
    # Anonymous reads are documented as allowed without credentials.
    assert {} in schema["paths"]["/api/commitments/"]["get"]["security"]
    assert {} not in schema["paths"]["/api/alerts/"]["get"]["security"]
