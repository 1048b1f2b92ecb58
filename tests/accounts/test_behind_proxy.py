"""Behind the documented reverse proxy (``NUM_PROXIES=1`` in ``deploy/vigie.env.example``):
the client address is the entry nginx appends to ``X-Forwarded-For``, whatever the client
put before it, for the lock-out, the security log and the API's throttling alike."""

import datetime
import logging
import runpy

import pytest
from django.conf import settings as django_settings
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from accounts import roles

from ..factories import DEFAULT_PASSWORD, UserFactory

START = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC)
NGINX = "127.0.0.1"
OFFICE = "203.0.113.10"
COLLEAGUE = "198.51.100.7"
ATTACKER = "192.0.2.66"


@pytest.fixture
def behind_nginx(settings, monkeypatch):
    """Every setting ``tracker/settings.py`` derives from ``NUM_PROXIES=1`` (whatever their
    names), as it computes them, applied for the test."""
    path = str(django_settings.BASE_DIR / "tracker" / "settings.py")
    monkeypatch.delenv("NUM_PROXIES", raising=False)
    direct = runpy.run_path(path)
    monkeypatch.setenv("NUM_PROXIES", "1")
    proxied = runpy.run_path(path)
    for name, value in proxied.items():
        if name.isupper() and direct.get(name) != value:
            setattr(settings, name, value)
    cache.clear()
    yield settings
    cache.clear()


def via_nginx(client_address: str, sent_by_client: str | None = None) -> dict:
    """The headers nginx sends upstream (``proxy_set_header X-Forwarded-For
    $proxy_add_x_forwarded_for; proxy_set_header X-Real-IP $remote_addr;``): it appends the
    address it sees to whatever ``X-Forwarded-For`` the client sent."""
    forwarded = f"{sent_by_client}, {client_address}" if sent_by_client else client_address
    return {
        "REMOTE_ADDR": NGINX,
        "HTTP_X_FORWARDED_FOR": forwarded,
        "HTTP_X_REAL_IP": client_address,
    }


@pytest.fixture
def camille(db):
    return UserFactory(username="camille", groups=[roles.EDITORS])


def login(client, password, headers, username="camille"):
    return client.post(reverse("login"), {"username": username, "password": password}, **headers)


def test_failures_from_one_client_lock_that_client_only(behind_nginx, camille, time_machine):
    time_machine.move_to(START, tick=False)
    client = Client()
    statuses = [
        login(client, "wrong", via_nginx(OFFICE)).status_code
        for _attempt in range(django_settings.AXES_FAILURE_LIMIT)
    ]
    assert statuses[-1] == 429
    assert login(client, DEFAULT_PASSWORD, via_nginx(OFFICE)).status_code == 429
    # A colleague (or camille herself) elsewhere is not locked out by someone else's failures.
    colleague = Client()
    assert login(colleague, DEFAULT_PASSWORD, via_nginx(COLLEAGUE)).status_code == 302
    assert "_auth_user_id" in colleague.session


def test_a_forged_first_entry_does_not_escape_the_lockout(behind_nginx, camille, time_machine):
    time_machine.move_to(START, tick=False)
    client = Client()
    for attempt in range(15):
        login(client, "wrong", via_nginx(ATTACKER, sent_by_client=f"8.8.{attempt}.{attempt}"))
    response = login(client, DEFAULT_PASSWORD, via_nginx(ATTACKER, sent_by_client="9.9.9.9"))
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_a_forged_entry_naming_a_colleague_does_not_lock_the_colleague(
    behind_nginx, camille, time_machine
):
    time_machine.move_to(START, tick=False)
    for _attempt in range(django_settings.AXES_FAILURE_LIMIT + 2):
        login(Client(), "wrong", via_nginx(ATTACKER, sent_by_client=OFFICE))
    assert login(Client(), DEFAULT_PASSWORD, via_nginx(OFFICE)).status_code == 302


class TestSecurityLog:
    @pytest.fixture(autouse=True)
    def _capture(self, caplog):
        caplog.set_level(logging.INFO, logger="vigie.security")
        self.caplog = caplog

    def messages(self):
        return [r.getMessage() for r in self.caplog.records if r.name == "vigie.security"]

    def test_records_the_address_nginx_saw(self, behind_nginx, camille):
        login(Client(), "wrong", via_nginx(OFFICE))
        login(Client(), "wrong", via_nginx(ATTACKER, sent_by_client="6.6.6.6"))
        assert self.messages() == [
            f"login failed: username='camille' ip={OFFICE} path=/accounts/login/",
            f"login failed: username='camille' ip={ATTACKER} path=/accounts/login/",
        ]

    def test_refused_accesses_record_it_too(self, behind_nginx, db):
        response = Client().post("/api/commitments/", {}, **via_nginx(ATTACKER, "6.6.6.6"))
        assert response.status_code == 401
        assert any(f"ip={ATTACKER} method=POST" in message for message in self.messages())


def test_api_throttling_counts_the_address_nginx_saw(behind_nginx, db):
    behind_nginx.REST_FRAMEWORK = {
        **behind_nginx.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {
            **behind_nginx.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],
            "anon": "3/minute",
        },
    }
    client = Client()
    statuses = [
        client.get("/api/commitments/", **via_nginx(ATTACKER, f"8.8.8.{n}")).status_code
        for n in range(4)
    ]
    assert statuses == [200, 200, 200, 429]
    assert client.get("/api/commitments/", **via_nginx(COLLEAGUE)).status_code == 200
