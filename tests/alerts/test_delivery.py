"""Who receives an alert (owner unless opted out, plus watchers), and acknowledging it."""

import datetime

import pytest
from django.utils import timezone

from alerts.delivery import deliveries_acknowledge
from alerts.models import Alert, Delivery
from alerts.raising.runner import alerts_raise
from alerts.watching import is_watching, watch_start, watch_stop

from ..factories import UserFactory, make_commitment

pytestmark = pytest.mark.django_db

DUE = datetime.date(2024, 6, 15)


def day(offset: int) -> datetime.date:
    """``DUE`` shifted by ``offset`` days (negative: before the deadline)."""
    return DUE + datetime.timedelta(days=offset)


def raise_as_of(as_of):
    return alerts_raise(as_of=as_of)


def test_owner_and_watchers_receive_deadline_alerts(owner, lead_days):
    watcher = UserFactory(username="watcher")
    inactive = UserFactory(username="gone")
    inactive.is_active = False
    inactive.save()
    bystander = UserFactory(username="bystander")
    commitment = make_commitment(due_date=DUE, owner=owner)
    watch_start(user=watcher, commitment=commitment)
    watch_start(user=inactive, commitment=commitment)

    raise_as_of(day(1))

    alert = Alert.objects.get(commitment=commitment)
    assert set(alert.recipients.values_list("username", flat=True)) == {"owner", "watcher"}
    assert not Delivery.objects.filter(user=bystander).exists()


def test_owner_who_opted_out_receives_nothing(owner, lead_days):
    commitment = make_commitment(due_date=DUE, owner=owner)
    watch_stop(user=owner, commitment=commitment)

    raise_as_of(day(1))

    assert Alert.objects.filter(commitment=commitment).count() == 1
    assert Delivery.objects.count() == 0
    assert not is_watching(user=owner, commitment=commitment)


def test_unowned_commitment_raises_alert_without_recipient(lead_days):
    commitment = make_commitment(due_date=DUE)
    assert raise_as_of(day(1)).count(Alert.Kind.LAPSED) == 1
    assert Alert.objects.get(commitment=commitment).deliveries.count() == 0


def test_new_watcher_receives_open_alerts_not_closed_ones(owner, lead_days):
    commitment = make_commitment(due_date=DUE, owner=owner)
    closed_one = make_commitment(due_date=DUE, owner=owner)
    raise_as_of(day(1))
    Alert.objects.filter(commitment=closed_one).update(
        closed_at=timezone.now(), closed_reason=Alert.CloseReason.DUE_DATE_MOVED
    )
    watcher = UserFactory(username="late-watcher")
    watch_start(user=watcher, commitment=commitment)
    watch_start(user=watcher, commitment=closed_one)

    result = raise_as_of(day(2))

    assert result.total == 0
    assert result.deliveries == 1
    assert list(
        Delivery.objects.filter(user=watcher).values_list("alert__commitment", flat=True)
    ) == [commitment.pk]


# --- acknowledging ------------------------------------------------------------------------------


def test_acknowledge_marks_only_the_users_own_unacknowledged_deliveries(owner, lead_days):
    watcher = UserFactory(username="watcher")
    first = make_commitment(due_date=DUE, owner=owner)
    second = make_commitment(due_date=DUE, owner=owner)
    watch_start(user=watcher, commitment=first)
    raise_as_of(day(1))
    owners_first = Delivery.objects.get(user=owner, alert__commitment=first)

    assert (
        deliveries_acknowledge(user=owner, deliveries=Delivery.objects.filter(pk=owners_first.pk))
        == 1
    )
    # Another user's delivery in the selection is left alone; acknowledging again counts 0.
    assert deliveries_acknowledge(user=owner, deliveries=Delivery.objects.all()) == 1
    assert deliveries_acknowledge(user=owner) == 0

    assert set(
        Delivery.objects.filter(acknowledged_at__isnull=False).values_list(
            "user", "alert__commitment"
        )
    ) == {(owner.pk, first.pk), (owner.pk, second.pk)}
    assert Delivery.objects.get(user=watcher).acknowledged_at is None
