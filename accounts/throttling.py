"""A fixed-window counter in the shared cache, for requests that send e-mail to anyone.

Used by the password reset request (``accounts.passwords``): each request counts against the
client address and against the e-mail address typed, so that nobody can flood a colleague's
mailbox from many addresses, nor probe many addresses from one. The cache is the one the
workers share (``CACHES``, also used by the API throttling).
"""

import hashlib

from django.core.cache import cache


def _key(scope: str, ident: str) -> str:
    # Hashed: an e-mail address is neither a safe cache key nor something to keep in clear.
    digest = hashlib.sha256(ident.encode()).hexdigest()
    return f"vigie:throttle:{scope}:{digest}"


def hits_within_limit(*, scope: str, idents: list[str], limit: int, window: int) -> bool:
    """Count one hit for each of ``idents``; False if any has now been hit more than ``limit``
    times in its current window of ``window`` seconds (the window starts at its first hit)."""
    within = True
    for ident in idents:
        key = _key(scope, ident)
        cache.add(key, 0, timeout=window)
        try:
            hits = cache.incr(key)
        except ValueError:  # expired between add() and incr()
            cache.set(key, 1, timeout=window)
            hits = 1
        within = within and hits <= limit
    return within
