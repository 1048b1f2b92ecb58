"""Project-wide middleware: the log of refused accesses.

Every 401 or 403 response, whatever produced it (``PermissionDenied`` in a view or the admin,
a CSRF failure, the API's permission classes), goes to the ``vigie.security`` logger with the
username, the client address, the method and the path. Placed outside ``CsrfViewMiddleware``
so that CSRF refusals are seen too. Logins, failures and lock-outs are logged by ``accounts``
(``accounts/signals.py``, ``accounts/login.py``).
"""

import logging

from .http import client_ip

security_log = logging.getLogger("vigie.security")

REFUSED_STATUSES = {401: "authentication required", 403: "access refused"}


class RefusedAccessLogMiddleware:
    """Log every 401 and 403 response: who was refused what, and from where."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        reason = REFUSED_STATUSES.get(response.status_code)
        if reason:
            user = getattr(request, "user", None)
            security_log.warning(
                "%s: status=%d username=%r ip=%s method=%s path=%s",
                reason,
                response.status_code,
                user.get_username() if user is not None and user.is_authenticated else None,
                client_ip(request) or "-",
                request.method,
                request.path,
            )
        return response
