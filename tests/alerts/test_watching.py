"""Following a commitment: the one rule, read the same way by every reader of it."""

import datetime

import pytest

from alerts.models import Alert, Watch
from alerts.raising.runner import alerts_raise
from alerts.watching import followed_commitments, is_watching, watch_start, watch_stop

from ..factories import UserFactory, make_commitment

pytestmark = pytest.mark.django_db

DUE = datetime.date(2024, 6, 15)


def test_is_watching_followed_commitments_and_deliveries_agree(owner, lead_days):
    """Owner, opted-out owner, watcher, stale non-owner row, bystander: one answer each."""
    watcher = UserFactory(username="watcher")
    stale = UserFactory(username="stale")
    bystander = UserFactory(username="bystander")
    kept = make_commitment(due_date=DUE, owner=owner)
    dropped = make_commitment(due_date=DUE, owner=owner)
    watch_stop(user=owner, commitment=dropped)
    watch_start(user=watcher, commitment=dropped)
    # A non-owner's watching=False row means nothing more than no row.
    Watch.objects.create(user=stale, commitment=kept, watching=False)

    alerts_raise(as_of=DUE + datetime.timedelta(days=1))

    expected = {
        owner: {kept},
        watcher: {dropped},
        stale: set(),
        bystander: set(),
    }
    for user, followed in expected.items():
        assert set(followed_commitments(user=user)) == followed, user
        for commitment in (kept, dropped):
            assert is_watching(user=user, commitment=commitment) == (commitment in followed)
        delivered = set(
            Alert.objects.filter(deliveries__user=user).values_list("commitment", flat=True)
        )
        assert delivered == {commitment.pk for commitment in followed}, user


def test_watch_stop_keeps_the_owners_opt_out_and_watch_start_cancels_it(owner):
    commitment = make_commitment(due_date=DUE, owner=owner)
    watcher = UserFactory(username="watcher")
    watch_start(user=watcher, commitment=commitment)

    watch_stop(user=owner, commitment=commitment)
    watch_stop(user=watcher, commitment=commitment)
    assert list(Watch.objects.values_list("user__username", "watching")) == [("owner", False)]

    watch_start(user=owner, commitment=commitment)
    assert list(Watch.objects.values_list("user__username", "watching")) == [("owner", True)]
    assert is_watching(user=owner, commitment=commitment)
