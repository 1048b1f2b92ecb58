"""Sessions: a new key at login, an end after an idle hour, and deactivating a user ends all
their sessions (from the service, the admin's change form and the admin action)."""

import datetime

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts import roles
from accounts.models import UserSession
from accounts.services import user_deactivate

from ..factories import DEFAULT_PASSWORD, UserFactory

START = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC)
DASHBOARD = "/"


def logged_in_client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def is_let_in(client) -> bool:
    return client.get(DASHBOARD).status_code == 200


@pytest.fixture
def camille(db):
    return UserFactory(username="camille", groups=[roles.EDITORS])


def test_login_issues_a_new_session_key(client, camille):
    session = client.session
    session["before_login"] = "anonymous visit"
    session.save()
    anonymous_key = session.session_key
    client.cookies[settings.SESSION_COOKIE_NAME] = anonymous_key

    response = client.post(reverse("login"), {"username": "camille", "password": DEFAULT_PASSWORD})

    assert response.status_code == 302
    assert client.session.session_key != anonymous_key
    assert not UserSession.objects.filter(session_key=anonymous_key).exists()
    assert UserSession.objects.get(session_key=client.session.session_key).user == camille


def test_session_records_its_user_and_expires_after_an_hour(camille, time_machine):
    time_machine.move_to(START, tick=False)
    client = logged_in_client(camille)
    row = UserSession.objects.get(session_key=client.session.session_key)
    assert row.user == camille
    assert row.expire_date == START + datetime.timedelta(hours=1)


def test_an_idle_hour_ends_the_session(camille, time_machine):
    time_machine.move_to(START, tick=False)
    client = logged_in_client(camille)
    time_machine.move_to(START + datetime.timedelta(minutes=59))
    assert is_let_in(client)
    time_machine.move_to(START + datetime.timedelta(minutes=59 + 61))
    response = client.get(DASHBOARD)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_activity_keeps_the_session_alive(camille, time_machine):
    time_machine.move_to(START, tick=False)
    client = logged_in_client(camille)
    for minutes in (45, 90, 135, 180):
        time_machine.move_to(START + datetime.timedelta(minutes=minutes))
        assert is_let_in(client), f"logged out after {minutes} minutes of activity"


def test_expiry_is_pushed_back_at_most_once_a_minute(camille, time_machine):
    time_machine.move_to(START, tick=False)
    client = logged_in_client(camille)
    client.get(DASHBOARD)
    key = client.session.session_key
    assert UserSession.objects.get(pk=key).expire_date == START + datetime.timedelta(hours=1)
    time_machine.move_to(START + datetime.timedelta(seconds=30))
    client.get(DASHBOARD)
    assert UserSession.objects.get(pk=key).expire_date == START + datetime.timedelta(hours=1)
    later = START + datetime.timedelta(minutes=10)
    time_machine.move_to(later)
    client.get(DASHBOARD)
    assert UserSession.objects.get(pk=key).expire_date == later + datetime.timedelta(hours=1)


class TestDeactivation:
    def test_ends_every_session_of_that_user_only(self, camille):
        colleague = UserFactory(username="dominique", groups=[roles.EDITORS])
        laptop, phone = logged_in_client(camille), logged_in_client(camille)
        other = logged_in_client(colleague)
        assert is_let_in(laptop) and is_let_in(phone)

        ended = user_deactivate(user=camille)

        assert ended == 2
        camille.refresh_from_db()
        assert not camille.is_active
        assert not UserSession.objects.filter(user=camille).exists()
        assert not is_let_in(laptop)
        assert not is_let_in(phone)
        assert is_let_in(other)

    def test_an_inactive_user_is_refused_even_with_a_session_left(self, camille):
        """Django's ModelBackend already refuses an inactive user on each request."""
        client = logged_in_client(camille)
        type(camille).objects.filter(pk=camille.pk).update(is_active=False)
        assert UserSession.objects.filter(user=camille).exists()
        assert not is_let_in(client)

    def test_an_inactive_user_cannot_log_in(self, client, camille):
        user_deactivate(user=camille)
        response = client.post(
            reverse("login"), {"username": "camille", "password": DEFAULT_PASSWORD}
        )
        assert response.status_code == 200
        assert "_auth_user_id" not in client.session

    def test_unticking_active_in_the_admin_ends_the_sessions(self, admin_client, camille):
        session = logged_in_client(camille)
        url = reverse("admin:accounts_user_change", args=[camille.pk])
        form = admin_client.get(url).context["adminform"].form
        data = {}
        for name, field in form.fields.items():
            value = form[name].value()
            if field.disabled or value is None:
                continue
            if isinstance(value, list | tuple):
                data[name] = [str(item) for item in value]
            elif isinstance(value, bool):
                if value:
                    data[name] = "on"
            else:
                data[name] = value
        data["date_joined_0"], data["date_joined_1"] = (
            timezone.localtime(camille.date_joined).strftime("%Y-%m-%d %H:%M:%S").split()
        )
        data.pop("date_joined", None)
        data.pop("last_login", None)
        data.pop("is_active")

        response = admin_client.post(url, data)

        assert response.status_code == 302, response.context["adminform"].form.errors
        camille.refresh_from_db()
        assert not camille.is_active
        assert not UserSession.objects.filter(user=camille).exists()
        assert not is_let_in(session)

    def test_admin_action_deactivates_the_selection(self, admin_client, camille):
        colleague = UserFactory(username="dominique")
        sessions = [logged_in_client(camille), logged_in_client(colleague)]
        response = admin_client.post(
            reverse("admin:accounts_user_changelist"),
            {"action": "deactivate_users", "_selected_action": [camille.pk, colleague.pk]},
        )
        assert response.status_code == 302
        assert not type(camille).objects.filter(pk__in=[camille.pk, colleague.pk], is_active=True)
        assert not any(is_let_in(client) for client in sessions)
        assert UserSession.objects.filter(user__username="admin").exists()

    def test_admin_action_refuses_to_deactivate_oneself(self, admin_client, admin_user):
        admin_client.post(
            reverse("admin:accounts_user_changelist"),
            {"action": "deactivate_users", "_selected_action": [admin_user.pk]},
        )
        admin_user.refresh_from_db()
        assert admin_user.is_active
