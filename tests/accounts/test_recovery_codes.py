"""Recovery codes: given at two-factor setup, shown once, each accepted once at the
verification step in place of a code from the phone, regenerable (the old ones then fail)."""

import logging

import pytest
from django.test import Client
from django.urls import reverse
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import roles

from ..factories import DEFAULT_PASSWORD, UserFactory
from .test_two_factor import code

SETUP = reverse("two_factor:setup")
VERIFY = reverse("two_factor:verify")
REGENERATE = reverse("two_factor:recovery_codes")
DASHBOARD = reverse("commitments:dashboard")


@pytest.fixture
def user(db):
    return UserFactory(username="sacha", groups=[roles.EDITORS])


@pytest.fixture
def codes(client, user):
    """Two-factor set up through the pages; returns the recovery codes shown."""
    client.force_login(user)
    client.get(SETUP)
    device = TOTPDevice.objects.get(user=user)
    response = client.post(SETUP, {"token": code(device)})
    assert response.status_code == 200
    client.logout()
    return response.context["codes"]


def log_in(user) -> Client:
    browser = Client()
    response = browser.post(
        reverse("login"), {"username": user.username, "password": DEFAULT_PASSWORD}
    )
    assert response.status_code == 302
    assert browser.get(DASHBOARD)["Location"].startswith(VERIFY)  # held at the second step
    return browser


def test_setup_shows_ten_distinct_codes_once(client, user):
    client.force_login(user)
    client.get(SETUP)
    device = TOTPDevice.objects.get(user=user)
    response = client.post(SETUP, {"token": code(device)}, HTTP_ACCEPT_LANGUAGE="fr")
    page = response.content.decode()
    shown = response.context["codes"]
    assert len(set(shown)) == 10
    assert all(f"<code>{token}</code>" in page for token in shown)
    assert "ils ne seront plus affichés" in page
    assert "no-store" in response["Cache-Control"]
    later = (
        client.get(SETUP).content.decode()
        + client.get(reverse("accounts:profile")).content.decode()
    )
    assert not any(token in later for token in shown)
    assert "il vous reste 10 codes de secours" in later


def test_a_recovery_code_logs_in_once_not_twice(user, codes, caplog, settings):
    browser = log_in(user)
    with caplog.at_level(logging.INFO, logger="vigie.security"):
        response = browser.post(VERIFY, {"token": codes[0].upper(), "next": DASHBOARD})
    assert response.status_code == 302
    assert response["Location"] == DASHBOARD
    assert browser.get(DASHBOARD).status_code == 200
    assert "two-factor verified with a recovery code: username='sacha' codes_left=9" in caplog.text
    assert StaticToken.objects.filter(device__user=user).count() == 9

    again = log_in(user)
    with caplog.at_level(logging.WARNING, logger="vigie.security"):
        response = again.post(VERIFY, {"token": codes[0]}, HTTP_ACCEPT_LANGUAGE="fr")
    assert response.status_code == 200
    assert "Ce code de secours n’est pas valide ou a déjà servi." in response.content.decode()
    assert DEVICE_ID_SESSION_KEY not in again.session
    assert again.get(DASHBOARD)["Location"].startswith(VERIFY)
    assert "two-factor code refused: username='sacha'" in caplog.text
    # Another code still works, once django-otp's pause after a wrong code is over.
    settings.OTP_STATIC_THROTTLE_FACTOR = 0
    assert again.post(VERIFY, {"token": codes[1]}).status_code == 302
    assert again.get(DASHBOARD).status_code == 200


def test_regenerating_invalidates_the_old_codes(client, user, codes, caplog, settings):
    browser = log_in(user)
    assert browser.post(VERIFY, {"token": codes[0]}).status_code == 302
    assert browser.get(REGENERATE).status_code == 405  # POST only
    with caplog.at_level(logging.INFO, logger="vigie.security"):
        response = browser.post(REGENERATE)
    assert response.status_code == 200
    new_codes = response.context["codes"]
    assert len(new_codes) == 10 and not set(new_codes) & set(codes)
    assert "two-factor recovery codes regenerated: username='sacha' count=10" in caplog.text
    assert StaticDevice.objects.filter(user=user).count() == 1

    other = log_in(user)
    assert other.post(VERIFY, {"token": codes[1]}).status_code == 200  # old: refused
    settings.OTP_STATIC_THROTTLE_FACTOR = 0  # no pause after that wrong code
    assert other.post(VERIFY, {"token": new_codes[0]}).status_code == 302


def test_regenerating_needs_a_verified_session(user, codes):
    browser = log_in(user)
    response = browser.post(REGENERATE)
    assert response.status_code == 302
    assert response["Location"].startswith(VERIFY)
    assert StaticToken.objects.filter(device__user=user, token=codes[0]).exists()


def test_regenerating_without_two_factor_gives_no_codes(client, user):
    client.force_login(user)
    response = client.post(REGENERATE)
    assert response.status_code == 302
    assert not StaticDevice.objects.filter(user=user).exists()


def test_turning_two_factor_off_removes_the_codes(user, codes):
    browser = log_in(user)
    browser.post(VERIFY, {"token": codes[0]})
    browser.post(reverse("two_factor:disable"))
    assert not StaticDevice.objects.filter(user=user).exists()
    assert not TOTPDevice.objects.filter(user=user).exists()


@pytest.mark.parametrize(
    "token", ["", "abc", "12345", "zzzzzzzz1", "éééééééé", "1" * 30, "\x00" * 8]
)
def test_malformed_codes_are_a_french_form_error(user, codes, token):
    browser = log_in(user)
    response = browser.post(VERIFY, {"token": token}, HTTP_ACCEPT_LANGUAGE="fr")
    assert response.status_code == 200
    assert "Le formulaire contient des erreurs" in response.content.decode()
    assert StaticToken.objects.filter(device__user=user).count() == 10


def test_wrong_recovery_codes_are_throttled(user, codes):
    browser = log_in(user)
    for _i in range(3):
        browser.post(VERIFY, {"token": "aaaaaaaa"})
    response = browser.post(VERIFY, {"token": codes[0]}, HTTP_ACCEPT_LANGUAGE="fr")
    assert response.status_code == 200
    assert "Trop de codes erronés" in response.content.decode()
