"""Idle-timeout sessions: a logged-in session's expiry is pushed back when it is used."""

import time

from django.conf import settings
from django.contrib.auth import SESSION_KEY

# Session key holding when the session's expiry was last pushed back (Unix seconds).
REFRESHED_AT_KEY = "_vigie_refreshed_at"


def mark_session_refreshed(session) -> None:
    session[REFRESHED_AT_KEY] = int(time.time())


class IdleSessionRefreshMiddleware:
    """Push a logged-in session's expiry back when it is used: an idle-timeout session.

    ``SESSION_COOKIE_AGE`` is the idle time allowed. Rather than write the session on every
    request (``SESSION_SAVE_EVERY_REQUEST``), the expiry is pushed back at most once every
    ``SESSION_REFRESH_SECONDS`` (60 by default): a session ends between ``SESSION_COOKIE_AGE``
    minus that and ``SESSION_COOKIE_AGE`` after its last use, for one write a minute per
    active user instead of one per request. Login marks the session fresh
    (``signals.mark_refreshed_at_login``).
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.interval = getattr(settings, "SESSION_REFRESH_SECONDS", 60)

    def __call__(self, request):
        response = self.get_response(request)
        session = getattr(request, "session", None)
        # Only a session this request used (and so loaded): no query for the others.
        if session is not None and session.accessed and SESSION_KEY in session:
            refreshed_at = session.get(REFRESHED_AT_KEY, 0)
            if time.time() - refreshed_at >= self.interval:
                # Marks the session modified: SessionMiddleware saves it with a new expiry
                # and sends the cookie again.
                mark_session_refreshed(session)
        return response
