"""Writes on accounts that touch more than one row."""

import logging
from collections.abc import Iterable

from django.db import transaction

from .models import User, UserSession

security_log = logging.getLogger("vigie.security")


@transaction.atomic
def users_deactivate(*, users: Iterable[User], by: User | None = None) -> int:
    """Deactivate ``users`` and end every session they have open, in two statements.

    Returns how many sessions were ended. An inactive user is already refused at login and on
    every request (``ModelBackend.get_user`` returns nobody for an inactive account), but
    deleting the sessions also drops what they hold (an OTP verification) and leaves no
    session that a later reactivation would revive.
    """
    user_ids = [user.pk for user in users]
    usernames = sorted(
        User.objects.filter(pk__in=user_ids).values_list(User.USERNAME_FIELD, flat=True)
    )
    User.objects.filter(pk__in=user_ids).update(is_active=False)
    ended, _per_model = UserSession.objects.filter(user_id__in=user_ids).delete()
    security_log.info(
        "users deactivated: usernames=%r by=%r sessions_ended=%d",
        usernames,
        by.get_username() if by else None,
        ended,
    )
    return ended


def user_deactivate(*, user: User, by: User | None = None) -> int:
    """Deactivate one user and end their sessions; returns how many sessions were ended."""
    ended = users_deactivate(users=[user], by=by)
    user.is_active = False
    return ended
