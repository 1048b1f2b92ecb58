"""Links that leave the site (e-mails, calendar feeds) are absolute: one way to build them."""

from django.conf import settings


def absolute_url(path: str) -> str:
    """``path`` on the public site, e.g. ``https://vigie.example.org/alerts/``."""
    return f"{settings.SITE_URL.rstrip('/')}{path}"
