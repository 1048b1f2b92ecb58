"""Two-factor authentication (TOTP, with django-otp): setup, verification, removal.

Any logged-in user may enable it on ``/accounts/two-factor/``. Once a user has a confirmed
device, every login must be completed by a code from it (``TwoFactorRequiredMiddleware``
holds the session at the verification page until then), and the admin site requires a
verified session from staff (``accounts.two_factor_admin``) unless ``OTP_ADMIN_REQUIRED=0``.
"""

import logging
from urllib.parse import urlencode

import django_otp
import segno
from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.db import transaction
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST
from django_otp import devices_for_user, user_has_device
from django_otp.plugins.otp_totp.models import TOTPDevice

from tracker.http import client_ip, safe_next

security_log = logging.getLogger("vigie.security")

# Session flag: this login still has to be completed by a one-time code.
PENDING_SESSION_KEY = "vigie_two_factor_pending"

# Views an unverified session may still reach (by URL name).
EXEMPT_VIEWS = {
    "two_factor:verify",
    "logout",
    "set_language",
    "commitments:set_language",
    "healthz",
    "admin:logout",
}


def require_verification_at_login(sender, request, user, **kwargs):
    """At every login, a user with a confirmed device must still give a code."""
    if request is not None and hasattr(request, "session") and user_has_device(user):
        request.session[PENDING_SESSION_KEY] = True


def is_verified(user) -> bool:
    return bool(getattr(user, "is_verified", None) and user.is_verified())


def url_with_next(url_name: str, next_url: str | None) -> str:
    url = reverse(url_name)
    return f"{url}?{urlencode({REDIRECT_FIELD_NAME: next_url})}" if next_url else url


class TwoFactorRequiredMiddleware:
    """Hold a session whose login still needs a one-time code at the verification page.

    Reads a flag set in the session at login: no query unless the flag is set.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if not request.session.get(PENDING_SESSION_KEY):
            return None
        if not request.user.is_authenticated or is_verified(request.user):
            request.session.pop(PENDING_SESSION_KEY, None)
            return None
        match = request.resolver_match
        if match is not None and match.view_name in EXEMPT_VIEWS:
            return None
        return redirect(url_with_next("two_factor:verify", request.get_full_path()))


class TokenForm(forms.Form):
    token = forms.CharField(
        label=gettext_lazy("Code from your authenticator app"),
        help_text=gettext_lazy("Six digits, e.g. 123456. A new code appears every 30 seconds."),
        max_length=10,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "inputmode": "numeric",
                "pattern": "[0-9 ]*",
                "autofocus": True,
            }
        ),
    )

    def clean_token(self):
        token = self.cleaned_data["token"].replace(" ", "")
        if not token.isdigit():
            raise forms.ValidationError(_("Enter the digits shown by the app."), code="invalid")
        return token


def _qr_svg(uri: str) -> str:
    """The otpauth URI as an inline SVG QR code, drawn on the server (no script, no image)."""
    svg = segno.make(uri, error="m").svg_inline(
        scale=5, border=4, title=_("QR code to scan with your authenticator app")
    )
    return mark_safe(svg)  # segno's own markup; the URI is ours, not user input.


def _complete_verification(request, device) -> None:
    django_otp.login(request, device)
    request.session.pop(PENDING_SESSION_KEY, None)


@never_cache
def setup(request):
    """Enable two-factor authentication: scan the QR code, confirm with a first code.

    For any logged-in user. The device stays unconfirmed (and unused) until a code from it
    is accepted. A user who already has a confirmed device but whose session is not verified
    is sent to the verification page, so that nobody adds a device on a half-logged-in session.
    """
    user = request.user
    next_url = safe_next(request, "")
    confirmed = list(devices_for_user(user, confirmed=True))
    if confirmed:
        if not is_verified(user):
            return redirect(url_with_next("two_factor:verify", next_url or request.path))
        return render(
            request,
            "accounts/two_factor_setup.html",
            {"enabled": True, "devices": confirmed, "required": _admin_requires(user)},
        )

    device, _created = TOTPDevice.objects.get_or_create(
        user=user, confirmed=False, defaults={"name": _("Authenticator app")}
    )
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            device = TOTPDevice.objects.select_for_update().get(pk=device.pk)
            allowed, _info = device.verify_is_allowed()
            if allowed and device.verify_token(form.cleaned_data["token"]):
                device.confirmed = True
                device.save(update_fields=["confirmed"])
                _complete_verification(request, device)
                security_log.info(
                    "two-factor enabled: username=%r ip=%s path=%s",
                    user.get_username(),
                    client_ip(request),
                    request.path,
                )
                messages.success(request, _("Two-factor authentication is now on."))
                return redirect(next_url or reverse("two_factor:setup"))
        form.add_error(
            "token",
            _("This code is not valid. Check the time on your phone and try the next code.")
            if allowed
            else _("Too many wrong codes: wait a minute before trying again."),
        )
        security_log.warning(
            "two-factor setup code refused: username=%r ip=%s path=%s",
            user.get_username(),
            client_ip(request),
            request.path,
        )
    uri = device.config_url
    return render(
        request,
        "accounts/two_factor_setup.html",
        {
            "enabled": False,
            "form": form,
            "qr_svg": _qr_svg(uri),
            "otpauth_uri": uri,
            "secret": uri.split("secret=", 1)[1].split("&", 1)[0],
            "next": next_url,
            "required": _admin_requires(user),
        },
    )


@never_cache
def verify(request):
    """Complete a login, or enter the admin, with a code from the user's confirmed device."""
    user = request.user
    next_url = safe_next(request, reverse("commitments:dashboard"))
    if is_verified(user):
        request.session.pop(PENDING_SESSION_KEY, None)
        return redirect(next_url)
    devices = list(devices_for_user(user, confirmed=True))
    if not devices:
        return redirect(url_with_next("two_factor:setup", next_url))
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        throttled = False
        for device in devices:
            # django_otp.verify_token locks the device row and applies its throttling.
            allowed, _info = device.verify_is_allowed()
            throttled = throttled or not allowed
            verified = django_otp.verify_token(
                user, device.persistent_id, form.cleaned_data["token"]
            )
            if verified is not None:
                _complete_verification(request, verified)
                security_log.info(
                    "two-factor verified: username=%r ip=%s path=%s",
                    user.get_username(),
                    client_ip(request),
                    request.path,
                )
                return redirect(next_url)
        security_log.warning(
            "two-factor code refused: username=%r ip=%s path=%s",
            user.get_username(),
            client_ip(request),
            request.path,
        )
        form.add_error(
            "token",
            _("Too many wrong codes: wait a minute before trying again.")
            if throttled
            else _("This code is not valid. Check the time on your phone and try the next code."),
        )
    return render(
        request,
        "accounts/two_factor_verify.html",
        {"form": form, "next": next_url},
    )


@never_cache
@require_POST
def disable(request):
    """Remove the user's devices: only from a verified session."""
    user = request.user
    if not is_verified(user):
        return redirect(url_with_next("two_factor:verify", reverse("two_factor:setup")))
    TOTPDevice.objects.filter(user=user).delete()
    security_log.warning(
        "two-factor disabled: username=%r ip=%s path=%s",
        user.get_username(),
        client_ip(request),
        request.path,
    )
    messages.success(request, _("Two-factor authentication is now off."))
    return redirect("two_factor:setup")


def _admin_requires(user) -> bool:
    return bool(settings.OTP_ADMIN_REQUIRED and user.is_staff)
