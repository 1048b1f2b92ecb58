"""Receivers of Django's auth signals, connected in ``AccountsConfig.ready()``.

They are the one hook that sees every way in (the login page, the admin login, the test
client alike). They log to ``vigie.security`` (one line per event, with the username, the
client address and the path, never a password) and start the idle timer of a new session;
they change no domain data (house style: no signals for domain logic). The two-factor check
at login lives with the rest of two-factor (``two_factor.require_verification_at_login``).
"""

import logging

from django.conf import settings

from tracker.http import client_ip

from .login import recorded_username
from .middleware import mark_session_refreshed

security_log = logging.getLogger("vigie.security")


def _path(request) -> str:
    return request.path if request is not None else "-"


def log_login(sender, request, user, **kwargs):
    security_log.info(
        "login succeeded: username=%r ip=%s path=%s",
        user.get_username(),
        client_ip(request) or "-",
        _path(request),
    )


def log_login_failure(sender, credentials, request=None, **kwargs):
    # Django has already replaced the password in ``credentials`` by stars; log the name only.
    username = credentials.get(settings.AXES_USERNAME_FORM_FIELD) or credentials.get("username")
    security_log.warning(
        "login failed: username=%r ip=%s path=%s",
        recorded_username(username),
        client_ip(request) or "-",
        _path(request),
    )


def log_logout(sender, request, user, **kwargs):
    username = user.get_username() if user is not None and user.is_authenticated else None
    security_log.info(
        "logout: username=%r ip=%s path=%s", username, client_ip(request) or "-", _path(request)
    )


def mark_refreshed_at_login(sender, request, user, **kwargs):
    """A new login starts a fresh idle period."""
    if request is not None and hasattr(request, "session"):
        mark_session_refreshed(request.session)
