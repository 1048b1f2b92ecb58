"""The secret token in each user's calendar feed URL (the feed itself is ``feeds``)."""

from __future__ import annotations

from django.db import transaction

from .models import CalendarToken


def calendar_token_get_or_create(*, user) -> CalendarToken:
    """``user``'s calendar token, created on first use."""
    token, _created = CalendarToken.objects.get_or_create(user=user)
    return token


@transaction.atomic
def calendar_token_reset(*, user) -> CalendarToken:
    """Give ``user`` a new calendar token: the old feed URL stops working at once."""
    CalendarToken.objects.filter(user=user).delete()
    return CalendarToken.objects.create(user=user)
