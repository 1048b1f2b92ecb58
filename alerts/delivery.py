"""Who receives an alert, and acknowledging what one received.

The one rule: an alert goes to the followers of its commitment (see ``watching``: the owner
unless they opted out, plus the watchers), active users only, never to the person who caused
it (the author of the status change it reports).
"""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Collection

from django.db.models import DateTimeField, Exists, F, OuterRef, Q, QuerySet, Value
from django.utils import timezone

from .models import Alert, Delivery, Watch
from .sql import insert_from_select

_DELIVERY_COLUMNS = ("alert", "user", "created_at")


def deliveries_create(
    *,
    run_id: uuid.UUID,
    now: datetime.datetime,
    standing_kinds: Collection[str],
    news_kinds: Collection[str],
) -> int:
    """Give the alerts to their recipients; returns how many deliveries were created.

    Open standing alerts (``standing_kinds``: deadlines) go to everyone following the
    commitment now, so someone who starts watching receives its open alerts too. News
    (``news_kinds``: status changes) raised by run ``run_id`` go to the followers of the
    moment. Two statements, whatever the number of alerts; existing deliveries are left as
    they are.
    """
    now_value = Value(now, output_field=DateTimeField())
    to_deliver = Q(kind__in=standing_kinds, closed_at__isnull=True) | Q(
        kind__in=news_kinds, run_id=run_id
    )

    # The owner, unless they opted out.
    owner_opted_out = Watch.objects.opted_out().filter(
        commitment=OuterRef("commitment"), user=OuterRef("commitment__owner")
    )
    owners = (
        Alert.objects.filter(to_deliver)
        .filter(commitment__owner__isnull=False, commitment__owner__is_active=True)
        .exclude(Exists(owner_opted_out))
        .annotate(_author=F("status_change__author"))
        .filter(Q(_author__isnull=True) | ~Q(_author=F("commitment__owner")))
        .order_by()
        .annotate(_alert=F("pk"), _user=F("commitment__owner"), _created_at=now_value)
        .values_list("_alert", "_user", "_created_at")
    )
    inserted = insert_from_select(Delivery, _DELIVERY_COLUMNS, owners)

    # The watchers. One join watch -> commitment -> alert, reused by the annotations below:
    # each row is one (watch, alert) pair of the same commitment.
    watchers = (
        Watch.objects.watching()
        .filter(user__is_active=True)
        .filter(
            Q(
                commitment__alerts__kind__in=standing_kinds,
                commitment__alerts__closed_at__isnull=True,
            )
            | Q(commitment__alerts__kind__in=news_kinds, commitment__alerts__run_id=run_id)
        )
        .annotate(
            _alert=F("commitment__alerts__pk"),
            _author=F("commitment__alerts__status_change__author"),
        )
        .filter(Q(_author__isnull=True) | ~Q(_author=F("user")))
        .order_by()
        .annotate(_user=F("user"), _created_at=now_value)
        .values_list("_alert", "_user", "_created_at")
    )
    inserted += insert_from_select(Delivery, _DELIVERY_COLUMNS, watchers)
    return inserted


def deliveries_acknowledge(*, user, deliveries: QuerySet | None = None) -> int:
    """Mark ``user``'s unacknowledged deliveries (all, or those in ``deliveries``) as seen."""
    queryset = Delivery.objects.for_user(user).filter(acknowledged_at__isnull=True)
    if deliveries is not None:
        queryset = queryset.filter(pk__in=deliveries.values("pk"))
    return queryset.update(acknowledged_at=timezone.now())
