"""What an anonymous login attempt can make the server store or log is bounded: an oversized
username is a form error, checked before any authentication (no lock-out record, no 500)."""

import logging

import pytest
from axes.models import AccessAttempt
from django.urls import reverse

from ..factories import UserFactory


@pytest.mark.parametrize("length", [151, 256, 300, 1_000_000])
@pytest.mark.parametrize("url", [reverse("login"), reverse("admin:login")])
def test_an_oversized_username_is_a_clear_form_error(client, db, caplog, url, length):
    caplog.set_level(logging.INFO, logger="vigie.security")
    response = client.post(url, {"username": "x" * length, "password": "whatever"})
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert "150" in " ".join(errors["username"])
    assert not AccessAttempt.objects.exists()
    assert all(len(record.getMessage()) < 1000 for record in caplog.records)


def test_a_username_at_the_limit_is_checked_as_usual(client, db):
    UserFactory(username="c" * 150)
    response = client.post(reverse("login"), {"username": "c" * 150, "password": "wrong"})
    assert response.status_code == 200
    assert "username" not in response.context["form"].errors
    assert AccessAttempt.objects.get().username == "c" * 150


def test_what_axes_records_is_bounded_whatever_the_way_in(rf, db):
    """Defence in depth, for a way in that skips the login form (``authenticate()`` called
    with a raw username): the lock-out record keeps at most 255 characters."""
    from django.contrib.auth import authenticate

    request = rf.post("/accounts/login/")
    request.session = {}
    assert authenticate(request, username="y" * 100_000, password="wrong") is None
    assert AccessAttempt.objects.get().username == "y" * 255
