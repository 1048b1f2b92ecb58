"""Small helpers about the HTTP request that any app may use (this module imports no app).

- ``safe_next``: where to send the user after a POST, from a ``next`` parameter that must
  stay on this site;
- ``client_ip``: the client's address, the one rule for the login lock-out (django-axes'
  ``AXES_CLIENT_IP_CALLABLE``), the security log and the API's anonymous throttling.
"""

import ipaddress

from django.conf import settings
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.utils.http import url_has_allowed_host_and_scheme


def safe_next(request, default: str) -> str:
    """The ``next`` parameter (POST first, then the query string) if it points to this site
    (same host; HTTPS when the request is HTTPS), else ``default``."""
    target = request.POST.get(REDIRECT_FIELD_NAME) or request.GET.get(REDIRECT_FIELD_NAME)
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


def client_ip(request) -> str | None:
    """The client's address, or None if there is no valid one.

    With ``NUM_PROXIES = 0`` (no reverse proxy) it is ``REMOTE_ADDR`` and
    ``X-Forwarded-For`` is ignored. Behind ``NUM_PROXIES`` trusted proxies, each appends the
    address it received the request from to ``X-Forwarded-For``: the client is the
    ``NUM_PROXIES``-th entry from the right (with one nginx, the last one). Entries further
    left were written by the client and are ignored: anyone can forge them.

    django-ipware's ``proxy_count`` does not fit: it expects the header to hold the proxies
    themselves too, so with one nginx it finds no address in nginx's single entry, and it
    prefers a public address a client wrote over the private one nginx appended.
    """
    if request is None:
        return None
    address = request.META.get("REMOTE_ADDR", "")
    proxies = settings.NUM_PROXIES
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR")
    if proxies and forwarded:
        # At most ``proxies + 1`` parts, however long the header: the right-most ones.
        entries = forwarded.rsplit(",", proxies)
        address = entries[-min(proxies, len(entries))]
    try:
        return str(ipaddress.ip_address(address.strip()))
    except ValueError:
        return None
