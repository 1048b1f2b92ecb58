"""Fixtures for the API tests: a client per role, a little data, and a clean throttle cache."""

import datetime

import pytest
import time_machine
from django.core.cache import cache
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from accounts import roles
from commitments.models import Commitment

from ..factories import BodyFactory, SourceFactory, TagFactory, UserFactory, make_commitment

# Tests run on a fixed day so that "overdue" and "days overdue" are known.
TODAY = datetime.date(2026, 3, 15)
ROLES = ["anonymous", "viewer", "editor", "administrator"]


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _fixed_day_and_fresh_throttles():
    cache.clear()  # throttle counters live in the cache
    with time_machine.travel(datetime.datetime(2026, 3, 15, 10, 0), tick=True):
        yield
    cache.clear()


def user_for(role: str):
    """A user of the role, or None for anonymous."""
    if role == "anonymous":
        return None
    if role == "superuser":
        return UserFactory(username="root", is_superuser=True, is_staff=True)
    group = {
        "viewer": roles.VIEWERS,
        "editor": roles.EDITORS,
        "administrator": roles.ADMINISTRATORS,
    }[role]
    return UserFactory(username=role, groups=[group])


def client_for(role: str, *, token: bool = True) -> APIClient:
    """An API client authenticated as ``role`` with a token (or a session), or anonymous."""
    client = APIClient()
    user = user_for(role)
    if user is not None:
        if token:
            key = Token.objects.create(user=user).key
            client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
        else:
            client.force_login(user)
    return client


@pytest.fixture
def anonymous_client():
    return APIClient()


@pytest.fixture
def viewer_api(db):
    return client_for("viewer")


@pytest.fixture
def editor_api(db):
    return client_for("editor")


@pytest.fixture
def admin_api(db):
    return client_for("administrator")


@pytest.fixture
def body(db):
    return BodyFactory(key="miprof", name="Mission interministérielle", acronym="MIPROF")


@pytest.fixture
def public_commitment(body) -> Commitment:
    return make_commitment(
        key="troisieme-plan",
        title="Troisième plan national",
        responsible_body=body,
        due_date=datetime.date(2026, 3, 5),
        is_public=True,
        tags=[TagFactory(slug="plan-national")],
        effective_date=datetime.date(2024, 1, 10),
    )


@pytest.fixture
def private_commitment(body) -> Commitment:
    return make_commitment(
        key="rapport-greta",
        title="Rapport au GRETA",
        responsible_body=body,
        due_date=datetime.date(2026, 6, 1),
        is_public=False,
        effective_date=datetime.date(2024, 1, 10),
    )


@pytest.fixture
def source(db):
    return SourceFactory(key="collectif-2022", title="Rapport du collectif")
