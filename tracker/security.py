"""Security log and login lock-out page.

Everything security-relevant goes to the ``vigie.security`` logger, one line per event, with
the username, the client address and the path, never a password:

- login successes and failures (Django's ``user_logged_in`` / ``user_login_failed`` auth
  signals, connected in ``accounts.apps``: they are the one hook that sees every way in,
  the login page, the admin login and the test client alike; they log, they change no data);
- refused accesses: every 401 or 403 response, whatever produced it (``PermissionDenied``
  in a view or the admin, a CSRF failure, the API's permission classes), by a middleware
  placed outside ``CsrfViewMiddleware``;
- lock-outs after too many failures (django-axes calls ``lockout_response``).
"""

import logging

from axes.helpers import get_client_ip_address
from django.conf import settings
from django.shortcuts import render
from django.utils.translation import gettext as _

security_log = logging.getLogger("vigie.security")

REFUSED_STATUSES = {401: "authentication required", 403: "access refused"}


def client_ip(request) -> str:
    """The client's address, as django-axes sees it (``NUM_PROXIES`` trusted proxies)."""
    if request is None:
        return "-"
    return get_client_ip_address(request) or "-"


def _username(user) -> str | None:
    if user is None or not user.is_authenticated:
        return None
    return user.get_username()


def _path(request) -> str:
    return request.path if request is not None else "-"


def log_login(sender, request, user, **kwargs):
    security_log.info(
        "login succeeded: username=%r ip=%s path=%s",
        user.get_username(),
        client_ip(request),
        _path(request),
    )


def log_login_failure(sender, credentials, request=None, **kwargs):
    # Django has already replaced the password in ``credentials`` by stars; log the name only.
    username = credentials.get(settings.AXES_USERNAME_FORM_FIELD) or credentials.get("username")
    security_log.warning(
        "login failed: username=%r ip=%s path=%s", username, client_ip(request), _path(request)
    )


def log_logout(sender, request, user, **kwargs):
    security_log.info(
        "logout: username=%r ip=%s path=%s", _username(user), client_ip(request), _path(request)
    )


class RefusedAccessLogMiddleware:
    """Log every 401 and 403 response: who was refused what, and from where."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        reason = REFUSED_STATUSES.get(response.status_code)
        if reason:
            security_log.warning(
                "%s: status=%d username=%r ip=%s method=%s path=%s",
                reason,
                response.status_code,
                _username(getattr(request, "user", None)),
                client_ip(request),
                request.method,
                request.path,
            )
        return response


def lockout_response(request, original_response=None, credentials=None):
    """The page shown to a locked-out username and address (django-axes' lockout callable)."""
    credentials = credentials or {}
    username = credentials.get(settings.AXES_USERNAME_FORM_FIELD) or request.POST.get(
        settings.AXES_USERNAME_FORM_FIELD
    )
    security_log.warning(
        "login locked out: username=%r ip=%s path=%s", username, client_ip(request), request.path
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
