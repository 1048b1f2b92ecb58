"""Two-factor authentication (TOTP, with django-otp): setup, verification, recovery codes,
removal.

Any logged-in user may enable it on ``/accounts/two-factor/`` (linked from the profile). Once a
user has a confirmed device, every login must be completed by a code from it
(``TwoFactorRequiredMiddleware`` holds the session at the verification page until then), and
the admin site requires a verified session from staff (``accounts.two_factor_admin``) unless
``OTP_ADMIN_REQUIRED=0``. Setting it up also gives ``OTP_RECOVERY_CODES`` recovery codes
(django-otp's static device, ``services.recovery_codes_replace``): shown once, each accepted
once at the verification step in place of a code from the phone, regenerable from a verified
session (the old ones then stop working).
"""

import logging
import re
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
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST
from django_otp import devices_for_user, user_has_device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from tracker.http import client_ip, safe_next

from .services import recovery_codes_replace

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


# A code from the app is six digits; a recovery code eight letters and digits (base 32).
TOTP_CODE = re.compile(r"[0-9]{6}")
RECOVERY_CODE = re.compile(r"[a-z2-7]{8}")


class VerifyForm(forms.Form):
    token = forms.CharField(
        label=gettext_lazy("Code"),
        help_text=gettext_lazy(
            "The six digits your authenticator app shows now, e.g. 123456; or, if you lost "
            "your phone, one of your recovery codes, e.g. abcd2345."
        ),
        max_length=20,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "autocapitalize": "none", "autofocus": True}
        ),
    )

    def clean_token(self):
        token = re.sub(r"[\s-]", "", self.cleaned_data["token"]).lower()
        if not (TOTP_CODE.fullmatch(token) or RECOVERY_CODE.fullmatch(token)):
            raise forms.ValidationError(
                _("Enter the six digits shown by the app, or a recovery code of eight characters."),
                code="invalid",
            )
        return token

    @property
    def is_recovery_code(self) -> bool:
        return not TOTP_CODE.fullmatch(self.cleaned_data["token"])


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
    if user_has_device(user) and not is_verified(user):
        return redirect(url_with_next("two_factor:verify", next_url or request.path))
    confirmed = list(TOTPDevice.objects.filter(user=user, confirmed=True))
    if confirmed:
        return render(
            request,
            "accounts/two_factor_setup.html",
            {
                "enabled": True,
                "devices": confirmed,
                "codes_left": StaticToken.objects.filter(device__user=user).count(),
                "required": _admin_requires(user),
            },
        )

    device, _created = TOTPDevice.objects.get_or_create(
        user=user, confirmed=False, defaults={"name": _("Authenticator app")}
    )
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            device = TOTPDevice.objects.select_for_update().get(pk=device.pk)
            allowed, _info = device.verify_is_allowed()
            # TOTPDevice.verify_token applies django-otp's throttling itself.
            if device.verify_token(form.cleaned_data["token"]):
                device.confirmed = True
                device.save(update_fields=["confirmed"])
                _complete_verification(request, device)
                _log("two-factor enabled", request)
                codes = recovery_codes_replace(user=user, client_ip=client_ip(request) or "-")
                messages.success(request, _("Two-factor authentication is now on."))
                return _show_recovery_codes(request, codes, next_url=next_url)
        form.add_error(
            "token",
            _("This code is not valid. Check the time on your phone and try the next code.")
            if allowed
            else _("Too many wrong codes: wait a minute before trying again."),
        )
        _log("two-factor setup code refused", request, warning=True)
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
    form = VerifyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        # A recovery code is checked against the static device only, a code from the app
        # against the app's: a wrong one counts against that device's throttling alone.
        kind = StaticDevice if form.is_recovery_code else TOTPDevice
        candidates = [device for device in devices if isinstance(device, kind)]
        throttled = not any(device.verify_is_allowed()[0] for device in candidates)
        for device in candidates:
            # django_otp.verify_token locks the device row; the device throttles and, for a
            # recovery code, deletes the code it accepts.
            verified = django_otp.verify_token(
                user, device.persistent_id, form.cleaned_data["token"]
            )
            if verified is not None:
                _complete_verification(request, verified)
                if form.is_recovery_code:
                    left = StaticToken.objects.filter(device__user=user).count()
                    _log("two-factor verified with a recovery code", request, codes_left=left)
                    messages.warning(
                        request,
                        ngettext(
                            "You logged in with a recovery code, which now no longer works: "
                            "%(count)d code left. Set up your new phone from your profile.",
                            "You logged in with a recovery code, which now no longer works: "
                            "%(count)d codes left. Set up your new phone from your profile.",
                            left,
                        )
                        % {"count": left},
                    )
                else:
                    _log("two-factor verified", request)
                return redirect(next_url)
        _log("two-factor code refused", request, warning=True)
        form.add_error(
            "token",
            _("Too many wrong codes: wait a minute before trying again.")
            if throttled
            else _("This code is not valid. Check the time on your phone and try the next code.")
            if not form.is_recovery_code
            else _("This recovery code is not valid, or was already used."),
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
    StaticDevice.objects.filter(user=user).delete()  # the recovery codes with it
    _log("two-factor disabled", request, warning=True)
    messages.success(request, _("Two-factor authentication is now off."))
    return redirect("two_factor:setup")


@never_cache
@require_POST
def recovery_codes(request):
    """Replace the recovery codes (the old ones stop working) and show the new ones, once: only
    from a verified session, with two-factor authentication on."""
    user = request.user
    if not is_verified(user):
        return redirect(url_with_next("two_factor:verify", reverse("two_factor:setup")))
    if not TOTPDevice.objects.filter(user=user, confirmed=True).exists():
        return redirect("two_factor:setup")
    codes = recovery_codes_replace(user=user, client_ip=client_ip(request) or "-")
    return _show_recovery_codes(request, codes, next_url="")


def _show_recovery_codes(request, codes: list[str], *, next_url: str):
    # Rendered in the response to the POST, never stored: they are shown this once.
    return render(
        request,
        "accounts/two_factor_recovery_codes.html",
        {"codes": codes, "next": next_url or reverse("accounts:profile")},
    )


def _log(event: str, request, *, warning: bool = False, **fields) -> None:
    extra = "".join(f" {name}={value!r}" for name, value in fields.items())
    (security_log.warning if warning else security_log.info)(
        "%s: username=%r%s ip=%s path=%s",
        event,
        request.user.get_username(),
        extra,
        client_ip(request) or "-",
        request.path,
    )


def _admin_requires(user) -> bool:
    return bool(settings.OTP_ADMIN_REQUIRED and user.is_staff)
