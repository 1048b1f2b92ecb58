"""The page shown to a locked-out login (django-axes' ``AXES_LOCKOUT_CALLABLE``)."""

import logging

from django.conf import settings
from django.shortcuts import render
from django.utils.translation import gettext as _

from tracker.http import client_ip

security_log = logging.getLogger("vigie.security")


def lockout_response(request, original_response=None, credentials=None):
    """Log the lock-out and answer with the lock-out page (``AXES_HTTP_RESPONSE_CODE``)."""
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
