"""The project's last-resort error pages (``handler400/403/404/500`` in ``tracker.urls``).

Two promises live here: a request that fails because the database is busy (SQLite gave up
waiting for the write lock, PostgreSQL chose it as a deadlock or serialisation victim) is
answered 503 "try again" with what the user typed kept, never a bare 500; and every error
under ``/api/`` is JSON, whatever raised it: a path no API view matches (``/api/x%0A``), a
request Django itself refuses (a body too large, a disallowed host), a permission refused
outside DRF. The API's own views answer their errors through ``api.exceptions``.
"""

import sys

from django.db import OperationalError
from django.http import JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views import defaults
from django.views.decorators.csrf import requires_csrf_token

# SQLSTATEs of PostgreSQL errors that mean "another transaction was in the way; retry".
RETRYABLE_SQLSTATES = {"40001", "40P01", "55P03"}
RETRY_AFTER_SECONDS = 2
# Only these many characters of each typed field are sent back: enough for any note a form
# accepts, bounded for anything an attacker posts.
KEPT_VALUE_LIMIT = 20_000


def is_database_busy(exc: BaseException | None) -> bool:
    """Whether ``exc`` says the database was busy rather than that something is wrong."""
    if not isinstance(exc, OperationalError):
        return False
    sqlstate = getattr(exc.__cause__, "sqlstate", None) or getattr(exc.__cause__, "pgcode", None)
    if sqlstate in RETRYABLE_SQLSTATES:
        return True
    message = str(exc).lower()
    return "database is locked" in message or "database table is locked" in message


def is_api(request) -> bool:
    return request.path.startswith("/api/")


def _typed_fields(request) -> list[tuple[str, str]]:
    """What the user posted, to send back unchanged (files cannot be: the page says so)."""
    if request.method != "POST":
        return []
    try:
        items = request.POST.lists()
        return [
            (name, value[:KEPT_VALUE_LIMIT])
            for name, values in items
            if name != "csrfmiddlewaretoken"
            for value in values
        ]
    except Exception:  # an unreadable body: nothing to keep, the page still answers
        return []


def database_busy(request):
    """503: the change was not saved because the database was busy; offer to send it again."""
    if is_api(request):
        response = JsonResponse(
            {
                "detail": _(
                    "The database is busy and nothing was saved. Send the same request again "
                    "in a few seconds."
                ),
                "code": "database_busy",
            },
            status=503,
        )
    else:
        response = render(
            request,
            "busy.html",
            {
                "fields": _typed_fields(request),
                "had_files": bool(request.method == "POST" and request.FILES),
                "action": request.get_full_path(),
            },
            status=503,
        )
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


@requires_csrf_token
def server_error(request):
    """handler500: the busy answer when that is what happened, JSON under /api/, else 500.html."""
    exc = sys.exc_info()[1]
    if is_database_busy(exc):
        return database_busy(request)
    if is_api(request):
        return JsonResponse(
            {
                "detail": _("Server error: nothing was saved by this request."),
                "code": "server_error",
            },
            status=500,
        )
    return render(request, "500.html", status=500)


def _api_error(detail: str, code: str, status: int) -> JsonResponse:
    """The shape of every API error: ``detail`` in words (translated), a stable ``code``."""
    return JsonResponse({"detail": detail, "code": code}, status=status)


@requires_csrf_token
def bad_request(request, exception):
    """handler400: a request Django refused before any view (e.g. a body too large)."""
    if is_api(request):
        return _api_error(_("The request is malformed."), "bad_request", 400)
    return defaults.bad_request(request, exception)


@requires_csrf_token
def permission_denied(request, exception):
    """handler403: JSON under /api/, else Django's page."""
    if is_api(request):
        return _api_error(
            _("You do not have permission to perform this action."), "permission_denied", 403
        )
    return defaults.permission_denied(request, exception)


@requires_csrf_token
def page_not_found(request, exception):
    """handler404: under /api/, a path that no API view answers is a JSON 404 too."""
    if is_api(request):
        return _api_error(_("Not found."), "not_found", 404)
    return defaults.page_not_found(request, exception)
