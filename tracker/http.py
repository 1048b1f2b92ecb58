"""Small helpers about the HTTP request that any app may use (this module imports no app).

- ``safe_next``: where to send the user after a POST, from a ``next`` parameter that must
  stay on this site;
- ``client_ip``: the client's address, for the security log and the login lock-out.
"""

from axes.helpers import get_client_ip_address
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


def client_ip(request) -> str:
    """The client's address, as django-axes sees it (``NUM_PROXIES`` trusted proxies)."""
    if request is None:
        return "-"
    return get_client_ip_address(request) or "-"
