"""What the web servers check before serving (called by ``wsgi.py`` and ``asgi.py``)."""

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

INSECURE_KEY_MESSAGE = (
    "SECRET_KEY is not set and DEBUG is off. Refusing to start with an insecure key: "
    "set the SECRET_KEY environment variable (for example with "
    "`python -c 'import secrets; print(secrets.token_urlsafe(50))'`), "
    "or set DEBUG=1 for local development."
)


def refuse_insecure_start() -> None:
    """Refuse to serve in production mode without a secret key."""
    if not settings.DEBUG and not settings._wrapped.SECRET_KEY:
        raise ImproperlyConfigured(INSECURE_KEY_MESSAGE)
