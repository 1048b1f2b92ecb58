"""Accounts in a real headless Chromium: a viewer changes their password, someone who lost
their phone logs in with a recovery code, and every accounts page passes axe-core in French
and English."""

import re

import pytest
from django.contrib.auth.tokens import default_token_generator
from django.core.cache import cache
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect

from accounts import roles
from accounts.services import recovery_codes_replace
from accounts.tokens import invitation_tokens

from ..factories import DEFAULT_PASSWORD, UserFactory

pytestmark = pytest.mark.browser

NEW_PASSWORD = "Une-phrase-de-passe-2026"


@pytest.fixture(autouse=True)
def _private_cache_and_mail(settings):
    settings.CACHES = {
        name: {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": name}
        for name in ("default", "pages")
    }
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    cache.clear()


@pytest.fixture
def viewer(role_groups):
    return UserFactory(
        username="lecteur", first_name="Léa", last_name="Durand", groups=[roles.VIEWERS]
    )


def log_in_with_the_form(page, live_server, username, password):
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Nom d’utilisateur").fill(username)
    page.get_by_label("Mot de passe").fill(password)
    page.get_by_role("button", name="Se connecter").click()


def test_the_login_password_field_looks_like_the_username_field(page, live_server, db):
    page.goto(f"{live_server.url}/accounts/login/")
    style = (
        "el => { const s = getComputedStyle(el); return [s.borderTopWidth, s.borderTopStyle, "
        "s.borderTopColor, s.paddingLeft, s.width, s.borderRadius, s.fontSize]; }"
    )
    username = page.locator("#id_username").evaluate(style)
    password = page.locator("#id_password").evaluate(style)
    assert password == username
    assert username[0] == "2px"


def test_a_viewer_changes_their_password(page, live_server, viewer, assert_accessible):
    log_in_with_the_form(page, live_server, "lecteur", DEFAULT_PASSWORD)
    page.get_by_role("link", name="Léa Durand").click()  # the header's link to the profile
    expect(page.get_by_role("heading", level=1)).to_have_text("Votre profil")
    page.get_by_role("link", name="Modifier votre mot de passe").click()
    assert_accessible(page)

    # A wrong current password: a French error tied to its field, nothing changed.
    page.get_by_label("Ancien mot de passe").fill("pas le bon")
    page.locator("#id_new_password1").fill(NEW_PASSWORD)
    page.get_by_label("Confirmation du nouveau mot de passe").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Modifier mon mot de passe").click()
    expect(page.locator("#form-errors")).to_contain_text("Votre ancien mot de passe est incorrect")
    expect(page.get_by_label("Ancien mot de passe")).to_have_attribute("aria-invalid", "true")
    assert_accessible(page)

    page.get_by_label("Ancien mot de passe").fill(DEFAULT_PASSWORD)
    page.locator("#id_new_password1").fill(NEW_PASSWORD)
    page.get_by_label("Confirmation du nouveau mot de passe").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Modifier mon mot de passe").click()
    expect(page.locator(".messages")).to_contain_text("Votre mot de passe a été modifié.")

    page.get_by_role("button", name="Se déconnecter").click()
    log_in_with_the_form(page, live_server, "lecteur", DEFAULT_PASSWORD)
    expect(page.locator(".form-errors")).to_be_visible()
    log_in_with_the_form(page, live_server, "lecteur", NEW_PASSWORD)
    expect(page.get_by_role("link", name="Léa Durand")).to_be_visible()


def test_someone_who_lost_their_phone_logs_in_with_a_recovery_code(
    page, live_server, viewer, assert_accessible
):
    TOTPDevice.objects.create(user=viewer, name="téléphone perdu", confirmed=True)
    codes = recovery_codes_replace(user=viewer)
    log_in_with_the_form(page, live_server, "lecteur", DEFAULT_PASSWORD)
    expect(page).to_have_url(re.compile(r"/accounts/two-factor/verify/"))
    expect(page.locator("main")).to_contain_text("Téléphone perdu ?")
    assert_accessible(page)
    page.get_by_label("Code").fill(codes[3])
    page.get_by_role("button", name="Vérifier").click()
    expect(page.locator(".messages")).to_contain_text("il vous en reste 9")
    expect(page.get_by_role("link", name="Léa Durand")).to_be_visible()

    # The same code a second time is refused.
    page.get_by_role("button", name="Se déconnecter").click()
    log_in_with_the_form(page, live_server, "lecteur", DEFAULT_PASSWORD)
    page.get_by_label("Code").fill(codes[3])
    page.get_by_role("button", name="Vérifier").click()
    expect(page.locator("#form-errors")).to_contain_text("a déjà servi")
    expect(page).to_have_url(re.compile(r"/accounts/two-factor/verify/"))


@pytest.mark.parametrize("language", ["fr", "en"])
def test_every_accounts_page_is_accessible(
    page, live_server, role_groups, login_as, assert_accessible, language, settings
):
    url = live_server.url
    page.context.add_cookies([{"name": "django_language", "value": language, "url": url}])
    checked = []

    def check(path, heading):
        page.goto(url + path)
        expect(page.get_by_role("heading", level=1)).to_have_text(heading[language])
        assert_accessible(page)
        checked.append(page.url)

    # Anonymous pages: the reset request, its answers, an invalid link.
    reader = UserFactory(username="reader", groups=[roles.VIEWERS])
    check("/accounts/login/", {"fr": "Se connecter", "en": "Log in"})
    check("/accounts/password/reset/", {"fr": "Mot de passe oublié", "en": "Forgotten password"})
    page.get_by_role("textbox").fill("reader@example.org")
    page.get_by_role("button").last.click()
    expect(page).to_have_url(re.compile(r"/sent/$"))
    assert_accessible(page)
    page.goto(url + "/accounts/password/reset/")
    page.get_by_role("button").last.click()  # empty: an error tied to the field
    expect(page.locator("#form-errors")).to_be_visible()
    assert_accessible(page)
    uid = urlsafe_base64_encode(force_bytes(reader.pk))
    check(
        f"/accounts/password/reset/{uid}/{default_token_generator.make_token(reader)}/",
        {"fr": "Choisissez un nouveau mot de passe", "en": "Choose a new password"},
    )
    check(
        f"/accounts/password/reset/{uid}/bad-token/",
        {"fr": "Ce lien ne fonctionne plus", "en": "This link no longer works"},
    )
    check(
        "/accounts/password/reset/done/", {"fr": "Mot de passe modifié", "en": "Password changed"}
    )
    settings.PASSWORD_RESET_LIMIT = 1
    page.goto(url + "/accounts/password/reset/")
    page.get_by_role("textbox").fill("reader@example.org")
    page.get_by_role("button").last.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        {"fr": "Trop de demandes", "en": "Too many requests"}[language]
    )
    assert_accessible(page)

    newcomer = UserFactory(username="newcomer", first_name="Noé", last_name="Petit")
    newcomer.set_unusable_password()
    newcomer.save()
    uid = urlsafe_base64_encode(force_bytes(newcomer.pk))
    check(
        f"/accounts/invitations/{uid}/{invitation_tokens.make_token(newcomer)}/",
        {"fr": "Choisissez votre mot de passe", "en": "Choose your password"},
    )
    check(
        f"/accounts/invitations/{uid}/bad-token/",
        {"fr": "Ce lien ne fonctionne plus", "en": "This link no longer works"},
    )

    # An administrator's pages: profile, password change, invitation, two-factor, codes.
    admin = UserFactory(username="chef", groups=[roles.ADMINISTRATORS])
    admin.is_staff = True
    admin.save()
    login_as(admin)
    check("/accounts/profile/", {"fr": "Votre profil", "en": "Your profile"})
    check(
        "/accounts/password/",
        {"fr": "Modifier votre mot de passe", "en": "Change your password"},
    )
    invite = {"fr": "Inviter un nouveau membre de l’équipe", "en": "Invite a new member of staff"}
    check("/accounts/invitations/", invite)
    page.get_by_role(
        "button", name={"fr": "Envoyer l’invitation", "en": "Send the invitation"}[language]
    ).click()
    expect(page.locator("#form-errors")).to_be_visible()
    assert_accessible(page)
    page.locator("#id_first_name").fill("Inès")
    page.locator("#id_last_name").fill("Martin")
    page.locator("#id_email").fill("ines@example.org")
    page.locator("#id_role_1").check()
    page.get_by_role(
        "button", name={"fr": "Envoyer l’invitation", "en": "Send the invitation"}[language]
    ).click()
    expect(page.locator(".messages")).to_contain_text("ines@example.org")
    assert_accessible(page)

    device = TOTPDevice.objects.create(user=admin, name="phone", confirmed=True)
    recovery_codes_replace(user=admin)
    page.goto(url + "/accounts/two-factor/verify/")
    assert_accessible(page)
    page.locator("#id_token").fill(
        f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"
    )
    page.locator("main form button[type=submit]").click()
    check(
        "/accounts/two-factor/",
        {"fr": "Authentification à deux facteurs", "en": "Two-factor authentication"},
    )
    page.get_by_role(
        "button",
        name={"fr": "Obtenir de nouveaux codes de secours", "en": "Get new recovery codes"}[
            language
        ],
    ).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        {"fr": "Vos codes de secours", "en": "Your recovery codes"}[language]
    )
    expect(page.locator(".recovery-codes li")).to_have_count(10)
    assert_accessible(page)
    assert len(checked) == 11
