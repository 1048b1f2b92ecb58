"""Two-factor authentication (TOTP): setup for any user, verification after login, and the
admin site refused to staff without a verified second factor."""

import datetime

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import roles
from accounts.two_factor import PENDING_SESSION_KEY

from ..factories import DEFAULT_PASSWORD, UserFactory

SETUP = "/accounts/two-factor/"
VERIFY = "/accounts/two-factor/verify/"


def code(device: TOTPDevice) -> str:
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


def wrong_code(device: TOTPDevice) -> str:
    return f"{(int(code(device)) + 1) % 1_000_000:06d}"


@pytest.fixture
def staff(db):
    user = UserFactory(username="claude", groups=[roles.ADMINISTRATORS])
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    return user


@pytest.fixture
def device_of():
    def make(user):
        return TOTPDevice.objects.create(user=user, name="phone", confirmed=True)

    return make


def login_with_form(client, user):
    response = client.post(
        reverse("login"), {"username": user.username, "password": DEFAULT_PASSWORD}
    )
    assert response.status_code == 302, response.content
    return response


class TestSetup:
    def test_needs_login(self, client, db):
        response = client.get(SETUP)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))

    def test_shows_an_inline_svg_qr_code_and_the_otpauth_address(self, viewer_client, viewer):
        response = viewer_client.get(SETUP)
        assert response.status_code == 200
        device = TOTPDevice.objects.get(user=viewer)
        assert not device.confirmed
        page = response.content.decode()
        assert "<svg" in page and "<script" not in page
        assert "otpauth://totp/Vigie%3Aviewer?" in page.replace("&amp;", "&")
        assert response.context["secret"] in device.config_url

    def test_reloading_keeps_the_same_unconfirmed_device(self, viewer_client, viewer):
        viewer_client.get(SETUP)
        viewer_client.get(SETUP)
        assert TOTPDevice.objects.filter(user=viewer).count() == 1

    def test_a_wrong_code_does_not_confirm(self, viewer_client, viewer):
        viewer_client.get(SETUP)
        device = TOTPDevice.objects.get(user=viewer)
        response = viewer_client.post(SETUP, {"token": wrong_code(device)})
        assert response.status_code == 200
        assert "Ce code n’est pas valide" in response.content.decode()
        device.refresh_from_db()
        assert not device.confirmed
        assert DEVICE_ID_SESSION_KEY not in viewer_client.session

    def test_the_right_code_confirms_and_verifies_the_session(self, viewer_client, viewer):
        viewer_client.get(SETUP)
        device = TOTPDevice.objects.get(user=viewer)
        response = viewer_client.post(SETUP, {"token": code(device)})
        # The answer shows the recovery codes, this once.
        assert response.status_code == 200
        assert len(response.context["codes"]) == 10
        device.refresh_from_db()
        assert device.confirmed
        assert viewer_client.session[DEVICE_ID_SESSION_KEY] == device.persistent_id
        page = viewer_client.get(SETUP).content.decode()
        assert "Désactiver l’authentification à deux facteurs" in page

    def test_no_new_device_on_a_session_not_yet_verified(self, client, viewer, device_of):
        device_of(viewer)
        client.force_login(viewer)
        response = client.get(SETUP)
        assert response.status_code == 302
        assert response["Location"].startswith(VERIFY)
        assert TOTPDevice.objects.filter(user=viewer).count() == 1

    def test_disable_needs_a_verified_session(self, client, viewer, device_of):
        device_of(viewer)
        client.force_login(viewer)
        client.post(reverse("two_factor:disable"))
        assert TOTPDevice.objects.filter(user=viewer).exists()

    def test_disable_from_a_verified_session(self, client, viewer, device_of):
        device = device_of(viewer)
        client.force_login(viewer)
        client.post(VERIFY, {"token": code(device)})
        response = client.post(reverse("two_factor:disable"))
        assert response.status_code == 302
        assert not TOTPDevice.objects.filter(user=viewer).exists()


class TestVerificationAfterLogin:
    def test_user_without_device_goes_straight_in(self, client, viewer):
        login_with_form(client, viewer)
        assert PENDING_SESSION_KEY not in client.session
        assert client.get(reverse("commitments:dashboard")).status_code == 200

    def test_user_with_a_device_is_held_until_the_code(
        self, client, viewer, device_of, time_machine
    ):
        device = device_of(viewer)
        login_with_form(client, viewer)
        dashboard = reverse("commitments:dashboard")
        response = client.get(dashboard)
        assert response.status_code == 302
        assert response["Location"] == f"{VERIFY}?next=%2F"
        # Other pages and the API too.
        assert client.get(reverse("commitments:list")).status_code == 302
        assert client.get("/api/commitments/").status_code == 302

        assert client.post(VERIFY, {"token": wrong_code(device), "next": "/"}).status_code == 200
        assert client.get(dashboard).status_code == 302
        # Past django-otp's throttling delay after a failure (1 second).
        time_machine.move_to(timezone.now() + datetime.timedelta(seconds=5))

        response = client.post(VERIFY, {"token": code(device), "next": "/"})
        assert response.status_code == 302
        assert response["Location"] == "/"
        assert client.get(dashboard).status_code == 200

    def test_a_code_cannot_be_used_twice(self, client, viewer, device_of):
        device = device_of(viewer)
        login_with_form(client, viewer)
        token = code(device)
        assert client.post(VERIFY, {"token": token}).status_code == 302
        other = Client()
        login_with_form(other, viewer)
        assert other.post(VERIFY, {"token": token}).status_code == 200

    def test_verify_refuses_an_outside_next(self, client, viewer, device_of):
        device = device_of(viewer)
        login_with_form(client, viewer)
        response = client.post(VERIFY, {"token": code(device), "next": "https://evil.example/"})
        assert response["Location"] == reverse("commitments:dashboard")

    def test_logout_stays_possible(self, client, viewer, device_of):
        device_of(viewer)
        login_with_form(client, viewer)
        response = client.post(reverse("logout"))
        assert response.status_code == 302
        assert "_auth_user_id" not in client.session

    def test_repeated_wrong_codes_are_throttled(self, client, viewer, device_of):
        device = device_of(viewer)
        login_with_form(client, viewer)
        client.post(VERIFY, {"token": wrong_code(device)})
        response = client.post(VERIFY, {"token": code(device)})
        # django-otp's throttling: after a failure, the next try must wait (1 s, then 2, 4…).
        assert response.status_code == 200
        assert "Trop de codes erronés" in response.content.decode()


class TestAdminRequiresSecondFactor:
    def test_staff_without_device_is_sent_to_setup(self, client, staff):
        client.force_login(staff)
        response = client.get("/admin/", follow=True)
        assert response.redirect_chain[-1][0] == f"{SETUP}?next=%2Fadmin%2F"
        assert response.status_code == 200

    def test_staff_with_device_is_sent_to_verify_then_let_in(self, client, staff, device_of):
        device = device_of(staff)
        login_with_form(client, staff)
        response = client.get("/admin/", follow=True)
        assert response.redirect_chain[-1][0] == f"{VERIFY}?next=%2Fadmin%2F"
        response = client.post(VERIFY, {"token": code(device), "next": "/admin/"})
        assert response["Location"] == "/admin/"
        assert client.get("/admin/").status_code == 200

    def test_admin_login_form_then_second_factor(self, client, staff, device_of):
        device = device_of(staff)
        response = client.post(
            "/admin/login/?next=/admin/",
            {"username": staff.username, "password": DEFAULT_PASSWORD, "next": "/admin/"},
            follow=True,
        )
        assert response.redirect_chain[-1][0].startswith(VERIFY)
        client.post(VERIFY, {"token": code(device), "next": "/admin/"})
        assert client.get("/admin/").status_code == 200

    def test_superuser_too(self, client, db):
        admin = get_user_model().objects.create_superuser("root", "root@example.org", "x-Pass-1")
        client.force_login(admin)
        response = client.get("/admin/commitments/commitment/")
        assert response.status_code == 302
        assert client.get(response["Location"])["Location"].startswith(SETUP)

    def test_not_required_when_switched_off(self, client, staff, settings):
        settings.OTP_ADMIN_REQUIRED = False
        client.force_login(staff)
        assert client.get("/admin/").status_code == 200

    def test_admin_client_fixture_is_verified(self, admin_client):
        assert admin_client.get("/admin/").status_code == 200

    def test_non_staff_is_not_let_in_even_verified(self, client, viewer, device_of):
        device = device_of(viewer)
        login_with_form(client, viewer)
        client.post(VERIFY, {"token": code(device)})
        response = client.get("/admin/")
        assert response.status_code == 302
        assert response["Location"].startswith("/admin/login/")
