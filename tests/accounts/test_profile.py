"""The profile page: a logged-in user sees, creates, regenerates and revokes their API token."""

import logging

import pytest
from django.test import Client
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from accounts import roles

from ..factories import UserFactory

URL = reverse("accounts:profile")


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def user(db):
    return UserFactory(username="camille", groups=[roles.VIEWERS])


@pytest.fixture
def logged_in(client, user):
    client.force_login(user)
    return client


def test_anonymous_is_sent_to_login(client, db):
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    assert client.post(URL, {"action": "generate"}).status_code == 302
    assert not Token.objects.exists()


def test_profile_shows_role_and_no_token(logged_in, user):
    response = logged_in.get(URL, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    html = response.content.decode()
    assert "camille" in html
    assert "Viewer: reads everything, changes nothing" in html
    assert "You have no API token." in html
    assert "no-store" in response["Cache-Control"]  # the page may show a secret


def test_create_shows_the_key_once_and_it_works(logged_in, user):
    response = logged_in.post(URL, {"action": "generate"}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    token = Token.objects.get(user=user)
    assert token.key in response.content.decode()
    assert "it will not be shown again" in response.content.decode()
    # Later visits show only the beginning of the key.
    later = logged_in.get(URL).content.decode()
    assert token.key not in later and token.key[:6] in later
    # The key authenticates API calls as this user.
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    assert api.get(reverse("api:commitment-list")).status_code == 200


def test_regenerate_replaces_the_old_key(logged_in, user):
    old = Token.objects.create(user=user).key
    response = logged_in.post(URL, {"action": "generate"})
    assert response.status_code == 200
    new = Token.objects.get(user=user).key
    assert new != old
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {old}")
    assert api.get(reverse("api:commitment-list")).status_code == 401


def test_revoke(logged_in, user, caplog):
    key = Token.objects.create(user=user).key
    with caplog.at_level(logging.INFO, logger="vigie.security"):
        response = logged_in.post(URL, {"action": "revoke"}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 302 and response["Location"] == URL
    assert not Token.objects.filter(user=user).exists()
    assert "api token revoked: username='camille'" in caplog.text
    assert key not in caplog.text
    page = logged_in.get(URL, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Your API token was revoked" in page


def test_revoke_without_a_token_is_a_form_error(logged_in, user):
    response = logged_in.post(URL, {"action": "revoke"}, HTTP_ACCEPT_LANGUAGE="fr")
    assert response.status_code == 400
    assert "Vous n’avez aucun jeton d’API à révoquer." in response.content.decode()


@pytest.mark.parametrize("data", [{}, {"action": "steal"}])
def test_unknown_action_is_400(logged_in, user, data):
    assert logged_in.post(URL, data).status_code == 400
    assert not Token.objects.exists()


def test_only_ones_own_token(logged_in, user):
    other = UserFactory(username="other")
    other_key = Token.objects.create(user=other).key
    logged_in.post(URL, {"action": "generate"})
    assert Token.objects.get(user=other).key == other_key
    assert other_key not in logged_in.get(URL).content.decode()


def test_csrf_is_required(user):
    csrf_client = Client(enforce_csrf_checks=True)
    csrf_client.force_login(user)
    assert csrf_client.post(URL, {"action": "generate"}).status_code == 403
    assert not Token.objects.exists()


def test_page_is_in_french_by_default(logged_in, user):
    html = logged_in.get(URL, HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "Votre profil" in html and "Créer un jeton" in html


def test_an_administrator_revokes_a_token_in_the_admin(admin_client, user):
    """The admin lists who holds a token and can revoke one: the key stops working at once."""
    key = Token.objects.create(user=user).key
    changelist = admin_client.get(reverse("admin:authtoken_tokenproxy_changelist"))
    assert changelist.status_code == 200
    assert "camille" in changelist.content.decode()
    delete_url = reverse("admin:authtoken_tokenproxy_delete", args=[user.pk])
    response = admin_client.post(delete_url, {"post": "yes"})
    assert response.status_code == 302
    assert not Token.objects.filter(user=user).exists()
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert api.get("/api/commitments/").status_code == 401
