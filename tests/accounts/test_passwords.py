"""Changing one's password (every role) and resetting it by e-mail: Django's views with
Vigie's templates, a link that works once, throttling and the security log."""

import logging
import re

import pytest
from django.core import mail
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from accounts import roles

from ..factories import DEFAULT_PASSWORD, UserFactory

CHANGE = reverse("accounts:password_change")
RESET = reverse("accounts:password_reset")
NEW_PASSWORD = "Une-phrase-de-passe-2026"


@pytest.fixture(autouse=True)
def _private_cache(settings):
    # The throttling counters live in the cache: each test starts from none.
    settings.CACHES = {
        name: {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": name}
        for name in ("default", "pages")
    }
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.SITE_URL = "https://vigie.example.org"
    cache.clear()


def user_with_role(role):
    return UserFactory(
        username=f"camille-{role}", email=f"camille.{role}@example.org", groups=[role]
    )


def reset_link(message) -> str:
    match = re.search(r"https://vigie\.example\.org(/accounts/password/reset/\S+/)", message.body)
    assert match, message.body
    return match.group(1)


class TestChange:
    def test_anonymous_is_sent_to_login(self, client, db):
        response = client.get(CHANGE)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))

    @pytest.mark.parametrize("role", [roles.VIEWERS, roles.EDITORS, roles.ADMINISTRATORS])
    def test_every_role_changes_its_password_and_stays_logged_in(self, client, db, role, caplog):
        user = user_with_role(role)
        client.force_login(user)
        assert client.get(CHANGE).status_code == 200
        with caplog.at_level(logging.INFO, logger="vigie.security"):
            response = client.post(
                CHANGE,
                {
                    "old_password": DEFAULT_PASSWORD,
                    "new_password1": NEW_PASSWORD,
                    "new_password2": NEW_PASSWORD,
                },
            )
        assert response.status_code == 302
        assert response["Location"] == reverse("accounts:profile")
        user.refresh_from_db()
        assert user.check_password(NEW_PASSWORD)
        assert client.get(reverse("accounts:profile")).status_code == 200
        assert f"password changed: username='{user.username}'" in caplog.text

    def test_a_wrong_old_password_changes_nothing_and_says_so_in_french(self, client, db):
        user = user_with_role(roles.VIEWERS)
        client.force_login(user)
        response = client.post(
            CHANGE,
            {"old_password": "faux", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
            HTTP_ACCEPT_LANGUAGE="fr",
        )
        assert response.status_code == 200
        page = response.content.decode()
        assert "Votre ancien mot de passe est incorrect" in page
        assert 'aria-invalid="true"' in page
        user.refresh_from_db()
        assert user.check_password(DEFAULT_PASSWORD)

    @pytest.mark.parametrize(
        "data",
        [
            {},
            {"old_password": DEFAULT_PASSWORD, "new_password1": "abc", "new_password2": "abc"},
            {
                "old_password": DEFAULT_PASSWORD,
                "new_password1": NEW_PASSWORD,
                "new_password2": NEW_PASSWORD + "x",
            },
            {"old_password": "\x00" * 5000, "new_password1": "é" * 10000, "new_password2": []},
        ],
    )
    def test_bad_input_is_a_form_error_never_a_500(self, client, db, data):
        user = user_with_role(roles.EDITORS)
        client.force_login(user)
        response = client.post(CHANGE, data)
        assert response.status_code in (200, 400)
        user.refresh_from_db()
        assert user.check_password(DEFAULT_PASSWORD)

    def test_the_other_sessions_end(self, client, db):
        user = user_with_role(roles.VIEWERS)
        other = Client()
        other.force_login(user)
        client.force_login(user)
        client.post(
            CHANGE,
            {
                "old_password": DEFAULT_PASSWORD,
                "new_password1": NEW_PASSWORD,
                "new_password2": NEW_PASSWORD,
            },
        )
        assert other.get(reverse("accounts:profile")).status_code == 302


class TestReset:
    def test_the_login_page_links_to_it_and_it_needs_no_login(self, client, db):
        assert RESET in client.get(reverse("login")).content.decode()
        assert client.get(RESET).status_code == 200

    def test_the_e_mail_carries_a_link_that_works_once(self, client, db, caplog):
        user = user_with_role(roles.VIEWERS)
        with caplog.at_level(logging.INFO, logger="vigie.security"):
            response = client.post(RESET, {"email": "CAMILLE.viewers@example.org"})
        assert response.status_code == 302
        assert response["Location"] == reverse("accounts:password_reset_done")
        assert "password reset requested: email='camille.viewers@example.org'" in caplog.text
        [message] = mail.outbox
        assert message.to == [user.email]
        assert message.subject == "Vigie : choisir un nouveau mot de passe"
        link = reset_link(message)

        response = client.get(link)
        assert response.status_code == 302  # to the same page without the token
        form_url = response["Location"]
        response = client.post(
            form_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
        )
        assert response.status_code == 302
        assert response["Location"] == reverse("accounts:password_reset_complete")
        user.refresh_from_db()
        assert user.check_password(NEW_PASSWORD)
        login = Client().post(
            reverse("login"), {"username": user.username, "password": NEW_PASSWORD}
        )
        assert login.status_code == 302

        # Used: the link now shows a clear page, in French.
        again = Client().get(link, HTTP_ACCEPT_LANGUAGE="fr")
        assert again.status_code == 200
        assert "Ce lien ne fonctionne plus" in again.content.decode()

    def test_an_unknown_address_gets_the_same_answer_and_no_e_mail(self, client, db):
        user_with_role(roles.VIEWERS)
        known = client.post(RESET, {"email": "camille.viewers@example.org"})
        unknown = client.post(RESET, {"email": "personne@example.org"})
        assert (known.status_code, known["Location"]) == (unknown.status_code, unknown["Location"])
        assert len(mail.outbox) == 1

    def test_an_inactive_account_gets_no_e_mail(self, client, db):
        user = user_with_role(roles.VIEWERS)
        user.is_active = False
        user.save()
        client.post(RESET, {"email": user.email})
        assert mail.outbox == []

    def test_throttled_after_the_limit_per_address(self, client, db, settings, caplog):
        settings.PASSWORD_RESET_LIMIT = 3
        user_with_role(roles.VIEWERS)
        for _i in range(3):
            assert client.post(RESET, {"email": "camille.viewers@example.org"}).status_code == 302
        with caplog.at_level(logging.WARNING, logger="vigie.security"):
            response = client.post(
                RESET, {"email": "camille.viewers@example.org"}, HTTP_ACCEPT_LANGUAGE="fr"
            )
        assert response.status_code == 429
        assert "Trop de demandes" in response.content.decode()
        assert len(mail.outbox) == 3
        assert "password reset throttled: email='camille.viewers@example.org'" in caplog.text
        # Another address from the same connection is refused too (per client address)...
        assert client.post(RESET, {"email": "autre@example.org"}).status_code == 429

    def test_throttled_per_e_mail_address_from_many_connections(self, db, settings):
        settings.PASSWORD_RESET_LIMIT = 2
        user_with_role(roles.VIEWERS)
        answers = [
            Client(REMOTE_ADDR=f"192.0.2.{n}")
            .post(RESET, {"email": "camille.viewers@example.org"})
            .status_code
            for n in range(1, 5)
        ]
        assert answers == [302, 302, 429, 429]
        assert len(mail.outbox) == 2

    def test_the_e_mail_is_in_the_recipient_s_language(self, client, db):
        user = user_with_role(roles.VIEWERS)
        user.language = "en"
        user.save()
        client.post(RESET, {"email": user.email}, HTTP_ACCEPT_LANGUAGE="fr")
        assert mail.outbox[0].subject == "Vigie: choose a new password"

    @pytest.mark.parametrize(
        "link",
        [
            "/accounts/password/reset/MQ/abc-def/",
            "/accounts/password/reset/OTk5OTk5OTk5OTk5OTk5OTk5OTk5OTk5OTk5OQ/x-y/",
            "/accounts/password/reset/%00%ff/zz/",
        ],
    )
    def test_a_forged_link_gets_the_clear_page(self, client, db, link):
        user_with_role(roles.VIEWERS)
        response = client.get(link, HTTP_ACCEPT_LANGUAGE="fr")
        assert response.status_code == 200
        assert "Ce lien ne fonctionne plus" in response.content.decode()

    @pytest.mark.parametrize(
        "email", ["", "pas-une-adresse", "a" * 300 + "@example.org", "\x00@x.fr"]
    )
    def test_bad_addresses_are_a_french_form_error(self, client, db, email):
        response = client.post(RESET, {"email": email}, HTTP_ACCEPT_LANGUAGE="fr")
        assert response.status_code == 200
        assert "Le formulaire contient des erreurs" in response.content.decode()
        assert mail.outbox == []


@pytest.mark.parametrize("role", [roles.VIEWERS, roles.EDITORS, roles.ADMINISTRATORS])
def test_the_profile_of_every_role_links_to_password_and_two_factor(client, db, role):
    user = user_with_role(role)
    client.force_login(user)
    page = client.get(reverse("accounts:profile"), HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert f'href="{CHANGE}"' in page
    assert f'href="{reverse("two_factor:setup")}"' in page
    assert "L’authentification à deux facteurs est désactivée." in page
    # The header links to the profile from every page.
    header = client.get(reverse("commitments:dashboard")).content.decode()
    assert f'href="{reverse("accounts:profile")}"' in header
