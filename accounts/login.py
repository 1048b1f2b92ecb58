"""Logging in: the login forms, and what django-axes records and shows about failed logins.

What an anonymous login attempt may make the server store is bounded: a username longer than
the user model allows is a form error before any authentication (so nothing is recorded or
looked up for it), and whatever reaches django-axes by another way is cut to the length of
its column (``lockout_username``).
"""

import logging

from django.conf import settings
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm
from django.core.validators import MaxLengthValidator
from django.shortcuts import render
from django.utils.translation import gettext as _

from tracker.http import client_ip

security_log = logging.getLogger("vigie.security")

# Longest username django-axes records (its ``username`` columns are 255 characters).
RECORDED_USERNAME_MAX = 255


class BoundedUsernameMixin:
    """Refuse a username longer than the user model's, before authentication.

    Django's ``AuthenticationForm`` sets the field's ``max_length`` after the field is built,
    so the length is never validated: an oversized username reached ``authenticate()``,
    django-axes and the security log (and, on PostgreSQL, a 500).
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["username"]
        field.validators.append(MaxLengthValidator(field.max_length))


class LoginForm(BoundedUsernameMixin, AuthenticationForm):
    """The login page's form."""


class AdminLoginForm(BoundedUsernameMixin, AdminAuthenticationForm):
    """The admin site's login form."""


def recorded_username(username: str | None) -> str | None:
    """A username as the lock-out records and the security log keep it: bounded."""
    return username[:RECORDED_USERNAME_MAX] if username else username


def lockout_username(request, credentials=None) -> str | None:
    """The username django-axes counts failures for (``AXES_USERNAME_CALLABLE``): axes' own
    rule (the credentials, else the posted form), cut to its column's length."""
    field = settings.AXES_USERNAME_FORM_FIELD
    username = credentials.get(field) if credentials else request.POST.get(field)
    return recorded_username(username)


def lockout_response(request, original_response=None, credentials=None):
    """The page shown to a locked-out login (``AXES_LOCKOUT_CALLABLE``): log the lock-out and
    answer ``AXES_HTTP_RESPONSE_CODE``."""
    credentials = credentials or {}
    username = credentials.get(settings.AXES_USERNAME_FORM_FIELD) or request.POST.get(
        settings.AXES_USERNAME_FORM_FIELD
    )
    security_log.warning(
        "login locked out: username=%r ip=%s path=%s",
        recorded_username(username),
        client_ip(request) or "-",
        request.path,
    )
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    return render(
        request,
        "accounts/lockout.html",
        {
            "title": _("Too many failed logins"),
            "failure_limit": settings.AXES_FAILURE_LIMIT,
            "cooloff_minutes": minutes,
        },
        status=settings.AXES_HTTP_RESPONSE_CODE,
    )
