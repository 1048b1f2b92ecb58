"""Inviting new staff by e-mail: administrators only; a one-time link to set a password."""

import logging
import re

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.test import Client
from django.urls import reverse

from accounts import roles
from accounts.tokens import invitation_tokens

from ..factories import UserFactory

INVITE = reverse("accounts:invite")
PASSWORD = "Une-phrase-de-passe-2026"
User = get_user_model()


@pytest.fixture(autouse=True)
def _mail(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.SITE_URL = "https://vigie.example.org"


def invitation(**changes):
    return {
        "first_name": "Inès",
        "last_name": "Martin",
        "email": "ines.martin@example.org",
        "role": roles.EDITORS,
        **changes,
    }


def link_in(message) -> str:
    match = re.search(r"https://vigie\.example\.org(/accounts/invitations/\S+/)", message.body)
    assert match, message.body
    return match.group(1)


def test_anonymous_is_sent_to_login(client, db):
    response = client.get(INVITE)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("fixture", ["viewer", "editor"])
def test_viewers_and_editors_are_refused(client, request, fixture):
    client.force_login(request.getfixturevalue(fixture))
    assert client.get(INVITE).status_code == 403
    assert client.post(INVITE, invitation()).status_code == 403
    assert not User.objects.filter(email="ines.martin@example.org").exists()
    assert mail.outbox == []
    assert INVITE not in client.get(reverse("accounts:profile")).content.decode()


def test_a_member_of_the_administrators_group_without_staff_access_is_refused(client, db):
    client.force_login(UserFactory(username="half-admin", groups=[roles.ADMINISTRATORS]))
    assert client.get(INVITE).status_code == 403


def test_invitation_end_to_end(client, administrator, caplog):
    client.force_login(administrator)
    assert INVITE in client.get(reverse("accounts:profile")).content.decode()
    assert client.get(INVITE).status_code == 200
    with caplog.at_level(logging.INFO, logger="vigie.security"):
        response = client.post(INVITE, invitation())
    assert response.status_code == 302
    assert "user invited: username='ines.martin@example.org' role=editors" in caplog.text
    user = User.objects.get(email="ines.martin@example.org")
    assert (user.username, user.get_full_name(), user.is_staff) == (
        "ines.martin@example.org",
        "Inès Martin",
        False,
    )
    assert list(user.groups.values_list("name", flat=True)) == [roles.EDITORS]
    assert not user.has_usable_password()
    page = client.get(INVITE).content.decode()
    assert "Invitation envoyée à Inès Martin" in page
    assert "ines.martin@example.org" in page  # listed as waiting

    [message] = mail.outbox
    assert message.to == ["ines.martin@example.org"]
    assert message.subject == "Votre compte Vigie : choisissez votre mot de passe"
    assert "Éditeur : enregistre" in message.body
    link = link_in(message)

    newcomer = Client()
    response = newcomer.get(link)
    assert response.status_code == 302
    form_url = response["Location"]
    page = newcomer.get(form_url).content.decode()
    assert "Bienvenue sur Vigie, Inès Martin" in page
    with caplog.at_level(logging.INFO, logger="vigie.security"):
        response = newcomer.post(form_url, {"new_password1": PASSWORD, "new_password2": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == reverse("login")
    assert "invitation accepted: username='ines.martin@example.org'" in caplog.text
    login = newcomer.post(
        reverse("login"), {"username": "ines.martin@example.org", "password": PASSWORD}
    )
    assert login.status_code == 302
    assert newcomer.get(reverse("commitments:list")).status_code == 200

    # Used: the link now says so, clearly, in French, and sets nothing.
    again = Client().get(link, HTTP_ACCEPT_LANGUAGE="fr")
    assert again.status_code == 200
    assert "Ce lien ne fonctionne plus" in again.content.decode()
    assert "a déjà servi, a expiré" in again.content.decode()


def test_an_administrator_invitee_gets_the_admin_site(client, administrator):
    client.force_login(administrator)
    client.post(INVITE, invitation(role=roles.ADMINISTRATORS))
    user = User.objects.get(email="ines.martin@example.org")
    assert user.is_staff and not user.is_superuser


def test_an_expired_link_is_refused(client, administrator, settings):
    client.force_login(administrator)
    client.post(INVITE, invitation())
    link = link_in(mail.outbox[0])
    settings.INVITATION_TIMEOUT = -1
    response = Client().get(link, HTTP_ACCEPT_LANGUAGE="fr")
    assert "Ce lien ne fonctionne plus" in response.content.decode()


def test_a_password_reset_token_is_no_invitation(client, administrator):
    from django.contrib.auth.tokens import default_token_generator

    client.force_login(administrator)
    client.post(INVITE, invitation())
    user = User.objects.get(email="ines.martin@example.org")
    assert invitation_tokens.check_token(user, invitation_tokens.make_token(user))
    assert not invitation_tokens.check_token(user, default_token_generator.make_token(user))


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"email": "pas-une-adresse"}, "Saisissez une adresse e-mail valide."),
        ({"email": "VIEWER@example.org"}, "Un compte existe déjà avec cette adresse e-mail."),
        ({"role": "superusers"}, "Sélectionnez un choix valide."),
        ({"first_name": ""}, "Ce champ est obligatoire."),
        ({"email": "a" * 140 + "@example.org"}, "Assurez-vous que cette valeur"),
        ({"first_name": ["a", "b"], "last_name": "\x00"}, "Le caractère nul n’est pas autorisé."),
    ],
)
def test_bad_input_is_refused_in_french_and_creates_nothing(
    client, administrator, viewer, changes, message
):
    client.force_login(administrator)
    before = User.objects.count()
    response = client.post(INVITE, invitation(**changes), HTTP_ACCEPT_LANGUAGE="fr")
    assert response.status_code == 400
    assert message in response.content.decode()
    assert User.objects.count() == before
    assert mail.outbox == []


def test_an_e_mail_that_cannot_be_sent_leaves_no_account(client, administrator, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 2
    client.force_login(administrator)
    response = client.post(INVITE, invitation(), HTTP_ACCEPT_LANGUAGE="fr")
    assert response.status_code == 400
    assert "aucun compte n’a été créé" in response.content.decode()
    assert not User.objects.filter(email="ines.martin@example.org").exists()


@pytest.mark.parametrize("pending", [1, 12])
def test_the_invitation_page_makes_a_constant_number_of_queries(
    client, administrator, django_assert_num_queries, pending
):
    for n in range(pending):
        user = UserFactory(username=f"invited{n}")
        user.set_unusable_password()
        user.save()
    client.force_login(administrator)
    # session, user, role, unread alerts, pending invitations; the user's and their groups'
    # permissions for the header's editor links (2).
    with django_assert_num_queries(7):  # the same at both sizes
        response = client.get(INVITE)
    assert response.content.decode().count("@example.org") >= pending
