"""The benchmark's generator writes what the services would: checked on 50 commitments."""

import datetime

import pytest
from django.db import connection, transaction
from django.utils import timezone

from alerts.models import Alert, Delivery
from bench.generate import DETAIL_KEY, generate
from commitments.models import Claim, Commitment, Deadline, Status, StatusChange
from commitments.services import deadlines as deadline_services

pytestmark = pytest.mark.django_db

SIZE = 50


@pytest.fixture
def generated():
    return generate(SIZE, seed=3)


def test_every_foreign_key_points_at_a_row(generated):
    """The rows refer to each other by the ids the generator chose: all of them exist (checked
    here, as the test's transaction never commits)."""
    connection.check_constraints()


def test_every_commitment_and_its_history(generated):
    commitments = list(Commitment.all_objects.order_by("pk"))
    assert len(commitments) == SIZE
    finals = 0
    for commitment in commitments:
        entries = list(commitment.status_changes.chronological())
        assert 4 <= len(entries) <= 50
        # The status of record is the latest entry's; each entry starts where the last ended.
        assert commitment.status == entries[-1].new_status
        assert commitment.status_changes.latest_first().first() == entries[-1]
        assert entries[0].previous_status == ""
        for before, after in zip(entries, entries[1:], strict=False):
            assert after.previous_status == before.new_status != after.new_status
            assert after.effective_date > before.effective_date
            assert after.created_at > before.created_at
        assert entries[-1].effective_date <= timezone.localdate()
        # 1, plus one per later status change and one per deadline written by the services.
        assert commitment.version == len(entries) + commitment.deadlines.count()
        commitment.full_clean()
        for entry in entries:
            entry.full_clean()
        finals += commitment.is_final
    assert 0 < finals < SIZE
    assert Commitment.all_objects.get(key=DETAIL_KEY).status_changes.count() == 50
    assert 400 <= StatusChange.objects.count() <= 16 * SIZE + 50


def test_deadlines_are_derived_as_the_services_derive_them(generated):
    deadlines = list(Deadline.objects.select_related("commitment", "event"))
    assert {d.basis for d in deadlines} >= {"text", "event", "successor"}
    assert {d.precision for d in deadlines} == {"day", "month", "year"}
    assert {d.bound for d in deadlines} >= {"on", "no_later_than"}
    for deadline in deadlines:
        stored = (deadline.date, deadline.precision, deadline.window_start, deadline.window_end)
        disputed = deadline.disputed
        deadline_services._derive_window(deadline)
        assert (
            deadline.date,
            deadline.precision,
            deadline.window_start,
            deadline.window_end,
        ) == stored
        assert deadline.disputed == disputed
        deadline.full_clean(exclude=["commitment", "sources"])


def test_due_dates_are_those_of_the_governing_deadline(generated):
    """The real service, run on each commitment and rolled back, changes nothing but the version."""
    dated = 0
    for commitment in Commitment.all_objects.order_by("pk"):
        stored = (commitment.governing_deadline_id, commitment.due_date, commitment.due_date_note)
        with transaction.atomic():
            deadline_services.governing_deadline_refresh(
                commitment=commitment, read_version=commitment.version
            )
            commitment.refresh_from_db()
            derived = (
                commitment.governing_deadline_id,
                commitment.due_date,
                commitment.due_date_note,
            )
            transaction.set_rollback(True)
        assert derived == stored
        dated += stored[1] is not None
    assert dated > SIZE // 2
    today = timezone.localdate()
    assert Commitment.objects.overdue(today).exists()
    assert Commitment.objects.not_overdue(today).filter(due_date__isnull=False).exists()


def test_claims_asks_alerts_and_owners(generated):
    assert Claim.objects.filter(kind=Claim.Kind.PERIOD).exists()
    assert Claim.objects.filter(kind=Claim.Kind.STATUS).exists()
    for claim in Claim.objects.all():
        claim.full_clean()
    owners = Commitment.all_objects.filter(owner__isnull=False).values("owner").distinct()
    assert owners.count() > 1
    raised = list(Alert.objects.select_related("deadline", "commitment"))
    assert raised, "alerts already raised by an earlier run"
    a_week_ago = timezone.localdate() - datetime.timedelta(days=7)
    for alert in raised:
        alert.full_clean()
        assert alert.deadline.commitment_id == alert.commitment_id
        assert alert.due_date == alert.deadline.window_end < a_week_ago
        assert alert.is_closed == (alert.commitment.status in Status.final_values())
        delivery = Delivery.objects.get(alert=alert)
        assert delivery.user_id == alert.commitment.owner_id
        assert delivery.notified_at is not None


def test_each_commitment_s_advocacy_facts_are_kept(generated):
    """As every write through Django would have kept them (``advocacy_facts``)."""
    from commitments import advocacy_facts

    rows = Commitment.all_objects.annotate(
        news=advocacy_facts.last_news(),
        claimed=advocacy_facts.state_claimed_status(),
        asked=advocacy_facts.first_asked_on(),
    ).values_list(
        "last_news_on", "news", "state_claimed_status", "claimed", "first_asked_on", "asked"
    )
    assert all(kept == computed for kept, computed, *_ in rows)
    assert all(kept == computed for _n, _c, kept, computed, *_ in rows)
    assert all(kept == computed for *_, kept, computed in rows)
    assert all(news is not None for news, *_ in rows)
    assert any(claimed is not None for _n, _c, _s, claimed, *_ in rows)
    assert any(asked is not None for *_, asked in rows)
