"""Alert figures for every page: the navigation bar's count and the dashboard's lapsed list.

Both are memoised callables, which templates call when they first use them: a page that does
not show them issues no query; a page that does issues one query per value, whatever the
number of alerts and however many times the template mentions it.
"""

from collections.abc import Callable
from functools import cache

from .models import Alert, Delivery

#: How many lapsed deadlines the dashboard panel lists (the inbox shows them all).
DASHBOARD_PANEL_SIZE = 10


def unacknowledged_lapsed_deliveries(user, limit: int = DASHBOARD_PANEL_SIZE) -> list[Delivery]:
    """The user's unacknowledged lapsed-deadline alerts, oldest deadline first, in one query."""
    return list(
        Delivery.objects.for_user(user)
        .unacknowledged()
        .filter(alert__kind=Alert.Kind.LAPSED)
        .with_relations()
        .order_by("alert__due_date", "alert__commitment__title", "pk")[:limit]
    )


def unacknowledged_count(user) -> int:
    """How many open alerts ``user`` has not acknowledged (the navigation bar's badge)."""
    return Delivery.objects.for_user(user).unacknowledged().count()


def alerts(request) -> dict[str, Callable]:
    """``unacknowledged_alert_count`` and ``unacknowledged_lapsed_alerts`` for logged-in users."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "unacknowledged_alert_count": cache(lambda: unacknowledged_count(user)),
        "unacknowledged_lapsed_alerts": cache(lambda: unacknowledged_lapsed_deliveries(user)),
    }
