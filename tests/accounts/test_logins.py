"""Login throttling (django-axes, keyed on username and address, with a cool-off) and the
security log: every login, failure, lock-out and refused access, with who, where and what."""

import datetime
import logging
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from accounts import roles

from ..factories import DEFAULT_PASSWORD, UserFactory, make_commitment

START = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC)
OFFICE = "203.0.113.10"
ELSEWHERE = "198.51.100.7"


@pytest.fixture
def staff_member(db):
    return UserFactory(username="camille", groups=[roles.EDITORS])


def _login(client, username, password, ip=OFFICE, **extra):
    return client.post(
        reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=ip, **extra
    )


def _logged_in(client) -> bool:
    return "_auth_user_id" in client.session


class TestLockout:
    def test_locked_after_the_failure_limit_for_that_username_and_address(
        self, client, staff_member, time_machine
    ):
        time_machine.move_to(START, tick=False)
        for _attempt in range(settings.AXES_FAILURE_LIMIT - 1):
            assert _login(client, "camille", "wrong").status_code == 200
        response = _login(client, "camille", "wrong")
        assert response.status_code == 429
        # Even the right password is refused during the cool-off.
        response = _login(client, "camille", DEFAULT_PASSWORD)
        assert response.status_code == 429
        assert not _logged_in(client)

    def test_lockout_page_is_in_the_users_language(self, client, staff_member, time_machine):
        time_machine.move_to(START, tick=False)
        for _attempt in range(settings.AXES_FAILURE_LIMIT):
            response = _login(client, "camille", "wrong")
        assert response.status_code == 429
        page = response.content.decode()
        assert "Trop d’échecs de connexion" in page
        assert "Réessayez dans 15 minutes" in page
        english = _login(client, "camille", "wrong", HTTP_ACCEPT_LANGUAGE="en")
        assert "Try again in 15 minutes" in english.content.decode()

    def test_same_username_from_another_address_can_still_log_in(
        self, client, staff_member, time_machine
    ):
        time_machine.move_to(START, tick=False)
        for _attempt in range(settings.AXES_FAILURE_LIMIT):
            _login(client, "camille", "wrong", ip=ELSEWHERE)
        colleague = Client()
        response = _login(colleague, "camille", DEFAULT_PASSWORD, ip=OFFICE)
        assert response.status_code == 302
        assert _logged_in(colleague)

    def test_another_username_from_the_same_address_is_not_locked(
        self, client, staff_member, time_machine
    ):
        UserFactory(username="dominique")
        time_machine.move_to(START, tick=False)
        for _attempt in range(settings.AXES_FAILURE_LIMIT):
            _login(client, "camille", "wrong")
        response = _login(Client(), "dominique", DEFAULT_PASSWORD)
        assert response.status_code == 302

    def test_cool_off_ends_the_lockout(self, client, staff_member, time_machine):
        time_machine.move_to(START, tick=False)
        for _attempt in range(settings.AXES_FAILURE_LIMIT):
            _login(client, "camille", "wrong")
        time_machine.move_to(START + settings.AXES_COOLOFF_TIME - datetime.timedelta(minutes=1))
        assert _login(Client(), "camille", DEFAULT_PASSWORD).status_code == 429
        time_machine.move_to(START + settings.AXES_COOLOFF_TIME + datetime.timedelta(seconds=1))
        response = _login(client, "camille", DEFAULT_PASSWORD)
        assert response.status_code == 302
        assert _logged_in(client)

    def test_a_success_resets_the_count(self, client, staff_member, time_machine):
        time_machine.move_to(START, tick=False)
        for _attempt in range(settings.AXES_FAILURE_LIMIT - 1):
            _login(client, "camille", "wrong")
        assert _login(Client(), "camille", DEFAULT_PASSWORD).status_code == 302
        for _attempt in range(settings.AXES_FAILURE_LIMIT - 1):
            assert _login(client, "camille", "wrong").status_code == 200

    def test_failure_limit_is_a_setting(self, client, staff_member, settings, time_machine):
        settings.AXES_FAILURE_LIMIT = 2
        time_machine.move_to(START, tick=False)
        assert _login(client, "camille", "wrong").status_code == 200
        assert _login(client, "camille", "wrong").status_code == 429


def test_admin_requires_login(client, db):
    response = client.get("/admin/")
    assert response.status_code == 302
    assert "/login/" in response["Location"]


def test_no_test_uses_client_login():
    """django-axes makes ``client.login()`` raise without a request: tests use force_login
    (or post the login form, as the browser tests do)."""
    offenders = [
        str(path)
        for path in Path(__file__).parent.parent.rglob("*.py")
        if "client.login(" in path.read_text(encoding="utf-8") and path.name != Path(__file__).name
    ]
    assert offenders == []


class TestSecurityLog:
    @pytest.fixture(autouse=True)
    def _capture(self, caplog):
        caplog.set_level(logging.INFO, logger="vigie.security")
        self.caplog = caplog

    def messages(self):
        return [r.getMessage() for r in self.caplog.records if r.name == "vigie.security"]

    def test_login_success_is_logged_with_username_address_and_path(self, client, staff_member):
        _login(client, "camille", DEFAULT_PASSWORD)
        assert "login succeeded: username='camille' ip=203.0.113.10 path=/accounts/login/" in (
            self.messages()
        )

    def test_login_failure_is_logged_without_the_password(self, client, staff_member):
        _login(client, "camille", "hunter2-secret")
        assert "login failed: username='camille' ip=203.0.113.10 path=/accounts/login/" in (
            self.messages()
        )
        assert all("hunter2-secret" not in record.getMessage() for record in self.caplog.records)
        assert all("hunter2-secret" not in str(record.args) for record in self.caplog.records)

    def test_lockout_is_logged(self, client, staff_member):
        for _attempt in range(settings.AXES_FAILURE_LIMIT):
            _login(client, "camille", "wrong")
        assert (
            "login locked out: username='camille' ip=203.0.113.10 path=/accounts/login/"
            in self.messages()
        )

    def test_permission_denied_is_logged(self, viewer_client, viewer):
        commitment = make_commitment()
        url = reverse("commitments:status_update", args=[commitment.pk])
        response = viewer_client.get(url, REMOTE_ADDR=OFFICE)
        assert response.status_code == 403
        assert (
            f"access refused: status=403 username='viewer' ip=203.0.113.10 method=GET path={url}"
            in self.messages()
        )

    def test_admin_refusal_is_logged(self, viewer_client):
        response = viewer_client.get(reverse("admin:commitments_commitment_changelist"))
        assert response.status_code == 302  # not staff: the admin sends to its login page
        viewer_client.get(reverse("admin:login"))
        # Logging in to the admin as non-staff is refused by its form, not by a 403.
        assert all("access refused" not in message for message in self.messages())

    def test_csrf_failure_is_logged(self, staff_member):
        client = Client(enforce_csrf_checks=True)
        client.force_login(staff_member)
        response = client.post(reverse("logout"), REMOTE_ADDR=OFFICE)
        assert response.status_code == 403
        assert (
            "access refused: status=403 username='camille' ip=203.0.113.10 method=POST "
            "path=/accounts/logout/" in self.messages()
        )

    def test_anonymous_api_write_is_logged(self, client, db):
        response = client.post("/api/commitments/", {}, REMOTE_ADDR=ELSEWHERE)
        assert response.status_code == 401
        assert any(
            message.startswith("authentication required: status=401 username=None ip=198.51")
            for message in self.messages()
        )

    def test_an_allowed_request_logs_nothing(self, viewer_client):
        viewer_client.get(reverse("commitments:dashboard"))
        assert self.messages() == []
