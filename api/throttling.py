"""Throttles whose rates are read from settings at request time (so tests can override them).

DRF's own classes copy ``DEFAULT_THROTTLE_RATES`` when first imported; these look them up on
every request instead. A missing or empty rate disables the throttle.
"""

from rest_framework.settings import api_settings
from rest_framework.throttling import AnonRateThrottle, UserRateThrottle

from tracker.http import client_ip


class AnonymousThrottle(AnonRateThrottle):
    """Anonymous callers, per client IP: rate ``anon`` (env ``API_ANON_THROTTLE_RATE``)."""

    def get_rate(self):
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)

    def get_ident(self, request):
        # The project's one rule (NUM_PROXIES), not DRF's own reading of X-Forwarded-For.
        return client_ip(request)


class UserThrottle(UserRateThrottle):
    """Authenticated callers, per user: rate ``user`` (env ``API_USER_THROTTLE_RATE``)."""

    def get_rate(self):
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)

    def get_cache_key(self, request, view):
        if not (request.user and request.user.is_authenticated):
            return None  # anonymous callers are AnonymousThrottle's
        return super().get_cache_key(request, view)
