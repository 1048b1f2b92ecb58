"""Staff pages. Every view states who may use it; the server enforces it whatever the UI shows.

Reading (every page and export) needs ``commitments.view_commitment`` (all three roles);
recording status changes needs ``commitments.change_commitment_status`` (editors and
administrators). Login itself is required everywhere by ``LoginRequiredMiddleware``.
"""

import datetime

from django.contrib.auth.decorators import login_not_required
from django.utils import timezone
from django.views import i18n as i18n_views

VIEW_PERMISSION = "commitments.view_commitment"
STATUS_PERMISSION = "commitments.change_commitment_status"
SOURCE_PERMISSION = "commitments.add_source"

# Django's own view, open to anonymous visitors too so the login page can switch language
# (the one mounted at /i18n/ is behind LoginRequiredMiddleware).
set_language = login_not_required(i18n_views.set_language)


def request_as_of(request) -> datetime.date:
    """The request's as-of date ("today"), computed once per request: every view, form and
    query of one page then agrees on it, even across midnight."""
    if not hasattr(request, "_vigie_as_of"):
        request._vigie_as_of = timezone.localdate()
    return request._vigie_as_of
