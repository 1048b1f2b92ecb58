"""Raising alerts: boundary days, lead times, catching up, moved dates, closing, the sources."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from alerts.digests import digests_send
from alerts.models import Alert, Delivery, Watch
from alerts.raising.deadlines import Deadlines
from alerts.raising.runner import SOURCES, alerts_raise
from alerts.raising.status_changes import STATUS_CHANGE_LOOKBACK_DAYS, StatusChanges
from alerts.watching import watch_start
from commitments.models import Commitment, StatusChange
from commitments.services.lifecycle import commitment_save
from commitments.services.status import status_change_record

from ..factories import SourceFactory, UserFactory, make_commitment
from .builders import enrich

pytestmark = pytest.mark.django_db

DUE = datetime.date(2024, 6, 15)


def day(offset: int) -> datetime.date:
    """``DUE`` shifted by ``offset`` days (negative: before the deadline)."""
    return DUE + datetime.timedelta(days=offset)


def raise_as_of(as_of):
    return alerts_raise(as_of=as_of)


def alerts_of(commitment, **filters):
    return list(
        Alert.objects.filter(commitment=commitment, **filters)
        .order_by("created_at", "pk")
        .values_list("kind", "due_date", "lead_days")
    )


# --- lapsed -----------------------------------------------------------------------------------


def test_due_today_is_not_lapsed_due_yesterday_is(owner, lead_days):
    commitment = make_commitment(due_date=DUE, owner=owner)

    result = raise_as_of(DUE)
    assert result.count(Alert.Kind.LAPSED) == 0
    assert alerts_of(commitment, kind=Alert.Kind.LAPSED) == []

    result = raise_as_of(day(1))
    assert result.count(Alert.Kind.LAPSED) == 1
    assert alerts_of(commitment, kind=Alert.Kind.LAPSED) == [("lapsed", DUE, 0)]


def test_final_and_undated_commitments_never_lapse(owner, lead_days):
    make_commitment(due_date=DUE, owner=owner, status=Commitment.Status.MET)
    make_commitment(due_date=DUE, owner=owner, status=Commitment.Status.ABANDONED)
    make_commitment(due_date=None, owner=owner)

    result = raise_as_of(day(10))

    assert result.total == 0
    assert Alert.objects.count() == 0


def test_running_twice_raises_once(owner, lead_days):
    commitment = make_commitment(due_date=DUE, owner=owner)
    first = raise_as_of(day(3))
    second = raise_as_of(day(3))
    third = raise_as_of(day(4))

    assert (
        first.count(Alert.Kind.LAPSED),
        second.count(Alert.Kind.LAPSED),
        third.count(Alert.Kind.LAPSED),
    ) == (1, 0, 0)
    assert alerts_of(commitment) == [("lapsed", DUE, 0)]
    assert Delivery.objects.count() == 1
    assert second.deliveries == 0


# --- due soon ---------------------------------------------------------------------------------


def test_lead_time_alerts_on_the_exact_days(owner, lead_days):
    commitment = make_commitment(due_date=DUE, owner=owner)

    assert raise_as_of(day(-31)).total == 0
    assert raise_as_of(day(-30)).raised[Alert.Kind.DUE_SOON] == {30: 1}
    assert raise_as_of(day(-29)).total == 0
    assert raise_as_of(day(-8)).total == 0
    assert raise_as_of(day(-7)).raised[Alert.Kind.DUE_SOON] == {7: 1}
    assert raise_as_of(day(0)).total == 0
    assert raise_as_of(day(1)).count(Alert.Kind.LAPSED) == 1

    assert alerts_of(commitment) == [
        ("due_soon", DUE, 30),
        ("due_soon", DUE, 7),
        ("lapsed", DUE, 0),
    ]


def test_missed_runs_catch_up_with_the_nearest_lead_only_once(owner, lead_days):
    """Runs missed from D-40 to D-5: the D-5 run raises the 7-day alert only, once."""
    commitment = make_commitment(due_date=DUE, owner=owner)

    assert raise_as_of(day(-40)).total == 0
    assert raise_as_of(day(-5)).raised[Alert.Kind.DUE_SOON] == {7: 1}
    assert raise_as_of(day(-4)).total == 0
    assert raise_as_of(day(-1)).total == 0

    assert alerts_of(commitment) == [("due_soon", DUE, 7)]


def test_missed_run_within_the_first_window_catches_up(owner, lead_days):
    commitment = make_commitment(due_date=DUE, owner=owner)

    assert raise_as_of(day(-20)).raised[Alert.Kind.DUE_SOON] == {30: 1}
    assert raise_as_of(day(-20)).total == 0
    assert raise_as_of(day(-2)).raised[Alert.Kind.DUE_SOON] == {7: 1}

    assert alerts_of(commitment) == [("due_soon", DUE, 30), ("due_soon", DUE, 7)]


def test_due_date_set_inside_the_nearest_window_raises_on_its_day(owner, lead_days):
    commitment = make_commitment(due_date=DUE, owner=owner)
    assert raise_as_of(DUE).raised[Alert.Kind.DUE_SOON] == {7: 1}
    assert alerts_of(commitment) == [("due_soon", DUE, 7)]


def test_lead_days_come_from_settings(owner, settings):
    settings.ALERT_LEAD_DAYS = (10,)
    commitment = make_commitment(due_date=DUE, owner=owner)

    assert raise_as_of(day(-30)).total == 0
    assert raise_as_of(day(-10)).raised[Alert.Kind.DUE_SOON] == {10: 1}
    assert alerts_of(commitment) == [("due_soon", DUE, 10)]


def test_several_commitments_raise_each_their_own(owner, lead_days):
    lapsed = make_commitment(due_date=day(-1), owner=owner)
    soon_7 = make_commitment(due_date=day(3), owner=owner)
    soon_30 = make_commitment(due_date=day(20), owner=owner)
    later = make_commitment(due_date=day(31), owner=owner)

    result = raise_as_of(DUE)

    assert (result.count(Alert.Kind.LAPSED), result.raised[Alert.Kind.DUE_SOON]) == (
        1,
        {7: 1, 30: 1},
    )
    assert alerts_of(lapsed) == [("lapsed", day(-1), 0)]
    assert alerts_of(soon_7) == [("due_soon", day(3), 7)]
    assert alerts_of(soon_30) == [("due_soon", day(20), 30)]
    assert alerts_of(later) == []


# --- moved due dates and final statuses ---------------------------------------------------------


def test_moved_due_date_closes_old_alerts_and_raises_its_own(owner, lead_days):
    commitment = make_commitment(due_date=DUE, owner=owner)
    raise_as_of(day(2))
    old = Alert.objects.get(commitment=commitment)

    new_due = day(5)
    commitment_save(
        commitment=commitment,
        data={"due_date": new_due},
        expected_version=commitment.version,
        author=None,
        origin=StatusChange.Origin.WEB,
    )
    result = raise_as_of(day(2))

    old.refresh_from_db()
    assert old.closed_at is not None
    assert old.closed_reason == Alert.CloseReason.DUE_DATE_MOVED
    assert result.closed[Alert.CloseReason.DUE_DATE_MOVED] == 1
    assert result.raised[Alert.Kind.DUE_SOON] == {7: 1}
    assert alerts_of(commitment, closed_at__isnull=True) == [("due_soon", new_due, 7)]

    # The new date lapses in its turn, with its own alert.
    assert raise_as_of(day(6)).count(Alert.Kind.LAPSED) == 1
    assert alerts_of(commitment, kind="lapsed") == [("lapsed", DUE, 0), ("lapsed", new_due, 0)]


def test_removed_due_date_closes_its_alerts_as_its_deadline_is_deleted(owner, lead_days):
    commitment = make_commitment(due_date=DUE, owner=owner)
    raise_as_of(day(2))
    commitment_save(
        commitment=commitment,
        data={"due_date": None},
        expected_version=commitment.version,
        author=None,
        origin=StatusChange.Origin.WEB,
    )

    raise_as_of(day(3))

    alert = Alert.objects.get(commitment=commitment)
    assert alert.deadline is None
    assert alert.closed_reason == Alert.CloseReason.DEADLINE_DELETED


def test_final_status_closes_open_alerts(owner, lead_days, editor):
    commitment = make_commitment(due_date=DUE, owner=owner)
    other = make_commitment(due_date=DUE, owner=owner)
    raise_as_of(day(2))
    status_change_record(
        commitment=commitment,
        expected_version=commitment.version,
        new_status=Commitment.Status.MET,
        effective_date=datetime.date.today(),
        author=editor,
        sources=[SourceFactory()],
    )

    result = raise_as_of(day(3))

    assert result.closed[Alert.CloseReason.FINAL_STATUS] == 1
    lapsed = Alert.objects.get(commitment=commitment, kind=Alert.Kind.LAPSED)
    assert lapsed.closed_reason == Alert.CloseReason.FINAL_STATUS
    assert Alert.objects.get(commitment=other, kind=Alert.Kind.LAPSED).closed_at is None
    # The change itself is news for the owner (as of the day it was recorded), never closed.
    raise_as_of(timezone.localdate())
    status_alert = Alert.objects.get(commitment=commitment, kind=Alert.Kind.STATUS_CHANGED)
    assert status_alert.closed_at is None
    # A closed alert leaves the owner's pending and unacknowledged lists.
    assert not Delivery.objects.pending_notification().filter(alert=lapsed).exists()


# --- status changes -----------------------------------------------------------------------------


def test_status_change_by_someone_else_is_told_to_owner_and_watchers(owner, lead_days, editor):
    watcher = UserFactory(username="watcher")
    commitment = make_commitment(due_date=DUE, owner=owner)
    watch_start(user=watcher, commitment=commitment)
    watch_start(user=editor, commitment=commitment)
    today = timezone.localdate()
    entry = status_change_record(
        commitment=commitment,
        expected_version=commitment.version,
        new_status=Commitment.Status.IN_PROGRESS,
        effective_date=today,
        author=editor,
        sources=[SourceFactory()],
    )

    result = raise_as_of(today)
    again = raise_as_of(today)

    assert result.count(Alert.Kind.STATUS_CHANGED) == 1
    assert again.count(Alert.Kind.STATUS_CHANGED) == 0
    alert = Alert.objects.get(kind=Alert.Kind.STATUS_CHANGED)
    assert alert.status_change == entry
    # The author is a watcher too, but is not told of their own change.
    assert set(alert.recipients.values_list("username", flat=True)) == {"owner", "watcher"}


def test_owner_is_not_told_of_own_status_change(owner, lead_days):
    commitment = make_commitment(due_date=None, owner=owner)
    today = timezone.localdate()
    status_change_record(
        commitment=commitment,
        expected_version=commitment.version,
        new_status=Commitment.Status.ANNOUNCED,
        effective_date=today,
        author=owner,
        sources=[SourceFactory()],
    )
    assert raise_as_of(today).count(Alert.Kind.STATUS_CHANGED) == 1
    assert Delivery.objects.count() == 0


def test_creation_seed_and_old_changes_are_not_news(owner, lead_days):
    today = timezone.localdate()
    commitment = make_commitment(due_date=None, owner=owner)  # creation entry: not news
    status_change_record(
        commitment=commitment,
        expected_version=commitment.version,
        new_status=Commitment.Status.ANNOUNCED,
        effective_date=today,
        origin=StatusChange.Origin.SEED,
        sources=[SourceFactory()],
    )
    old = status_change_record(
        commitment=commitment,
        expected_version=commitment.version,
        new_status=Commitment.Status.IN_PROGRESS,
        effective_date=today,
        sources=[SourceFactory()],
    )
    StatusChange.objects.filter(pk=old.pk).update(
        created_at=timezone.now() - datetime.timedelta(days=STATUS_CHANGE_LOOKBACK_DAYS + 2)
    )

    assert raise_as_of(today).count(Alert.Kind.STATUS_CHANGED) == 0


def test_status_change_without_author_reaches_the_owner(owner, lead_days):
    today = timezone.localdate()
    commitment = make_commitment(due_date=None, owner=owner)
    status_change_record(
        commitment=commitment,
        expected_version=commitment.version,
        new_status=Commitment.Status.ANNOUNCED,
        effective_date=today,
        origin=StatusChange.Origin.IMPORT,
        sources=[SourceFactory()],
    )
    assert raise_as_of(today).count(Alert.Kind.STATUS_CHANGED) == 1
    assert list(Delivery.objects.values_list("user__username", flat=True)) == ["owner"]


# --- set-based: the query count does not grow with the data -------------------------------------


def _populate(count: int, owner, watcher) -> int:
    """``count`` lapsed commitments, half of them watched, with steps, claims and asks;
    returns how many lapsed deadlines (each raises one alert)."""
    lapsed = count
    for index in range(count):
        commitment = make_commitment(due_date=day(-(index % 40) - 1), owner=owner)
        if index % 2:
            Watch.objects.create(user=watcher, commitment=commitment)
        lapsed += enrich(commitment, index, step_date=datetime.date(2024, 4, 1))
    return lapsed


@pytest.mark.parametrize("count", [5, 200])
def test_raising_query_count_is_constant(count, owner, lead_days, django_assert_num_queries):
    watcher = UserFactory(username="watcher")
    lapsed = _populate(count, owner, watcher)

    # close (4) + lapsed, due soon, status changes (3) + deliveries (2) + count (1),
    # inside one transaction (SAVEPOINT and RELEASE under the test's transaction).
    with django_assert_num_queries(12):
        result = alerts_raise(as_of=DUE)

    assert result.count(Alert.Kind.LAPSED) == lapsed
    watched = Alert.objects.filter(commitment__watches__user=watcher).count()
    assert Delivery.objects.count() == lapsed + watched


@pytest.mark.parametrize("count", [5, 200])
def test_whole_run_query_count_is_constant(count, owner, lead_days, mailoutbox):
    watcher = UserFactory(username="watcher")
    lapsed = _populate(count, owner, watcher)

    with CaptureQueriesContext(connection) as queries:
        alerts_raise(as_of=DUE)
        digests = digests_send(as_of=DUE)

    assert digests.sent == 2
    assert digests.alerts == Delivery.objects.count() > lapsed
    # Raising (12) + recipients, with whether a dead run left a claim (1) + per recipient: the
    # claim (savepoint, claim update, release), counting the claimed deliveries per kind,
    # reading the first DIGEST_LINE_LIMIT of them (issue 12: was all of them, with no count),
    # recording them e-mailed.
    assert len(queries) == 12 + 1 + 2 * 6, [query["sql"] for query in queries.captured_queries]


# --- the list of sources ------------------------------------------------------------------------


def test_only_the_sources_given_are_run(owner, lead_days, editor):
    """The runner knows no kind of alert itself: each comes from a source in the list."""
    lapsed = make_commitment(due_date=day(-1), owner=owner)
    make_commitment(due_date=day(3), owner=owner)
    status_change_record(
        commitment=lapsed,
        expected_version=lapsed.version,
        new_status=Commitment.Status.IN_PROGRESS,
        effective_date=DUE,
        author=editor,
        sources=[SourceFactory()],
    )
    today = timezone.localdate()

    result = alerts_raise(as_of=today, sources=(StatusChanges(),))

    assert result.raised == {Alert.Kind.STATUS_CHANGED: {0: 1}}
    assert result.closed == {}
    assert result.summary == "1 status changes"
    assert list(Alert.objects.values_list("kind", flat=True)) == ["status_changed"]
    assert list(Delivery.objects.values_list("user__username", flat=True)) == ["owner"]


def test_a_source_may_carry_its_own_lead_times(owner, lead_days):
    commitment = make_commitment(due_date=DUE, owner=owner)

    result = alerts_raise(as_of=day(-3), sources=(Deadlines(lead_days=(3,)),))

    assert result.raised == {Alert.Kind.LAPSED: {}, Alert.Kind.DUE_SOON: {3: 1}}
    assert result.summary == "0 lapsed, 1 due soon (1 at 3 days)"
    assert alerts_of(commitment) == [("due_soon", DUE, 3)]


def test_every_registered_source_raises_its_own_kinds_with_digest_titles():
    kinds = [kind for source in SOURCES for kind in source.kinds]
    assert sorted(kinds) == sorted(Alert.Kind.values)  # each kind raised by one source
    for source in SOURCES:
        assert set(source.digest_titles) == set(source.kinds)
