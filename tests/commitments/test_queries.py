"""The domain queries: overdue derivation, due within, counts, status as of a date."""

import datetime

import pytest

from commitments.models import Commitment, Status
from commitments.services.status import (
    status_change_record,
)

from ..factories import BodyFactory, SourceFactory, make_commitment

DUE = datetime.date(2022, 10, 18)
TODAY = datetime.date(2026, 11, 23)


@pytest.fixture
def commitment(db):
    return make_commitment(due_date=DUE, effective_date=datetime.date(2019, 10, 1))


class TestOverdue:
    """Due 18 October 2022: due that day is not overdue, the day after is."""

    @pytest.mark.parametrize(
        ("as_of", "overdue", "days"),
        [
            (DUE - datetime.timedelta(days=1), False, None),
            (DUE, False, None),
            (DUE + datetime.timedelta(days=1), True, 1),
            (DUE + datetime.timedelta(days=400), True, 400),
        ],
    )
    def test_boundaries(self, commitment, as_of, overdue, days):
        assert Commitment.objects.overdue(as_of).exists() is overdue
        assert Commitment.objects.not_overdue(as_of).exists() is not overdue
        annotated = Commitment.objects.with_days_overdue(as_of).get()
        assert annotated.days_overdue == days
        assert commitment.is_overdue(as_of) is overdue
        assert commitment.get_days_overdue(as_of) == days

    def test_without_due_date_never_overdue(self, db):
        undated = make_commitment(due_date=None)
        assert not Commitment.objects.overdue(TODAY).exists()
        assert Commitment.objects.not_overdue(TODAY).get() == undated
        assert Commitment.objects.with_days_overdue(TODAY).get().days_overdue is None
        assert undated.is_overdue(TODAY) is False

    @pytest.mark.parametrize("final_status", Status.final_values())
    def test_final_statuses_never_overdue(self, commitment, final_status):
        status_change_record(
            commitment=commitment,
            new_status=final_status,
            effective_date=datetime.date(2022, 11, 1),
            today=TODAY,
            expected_version=commitment.version,
            sources=[SourceFactory()],
        )
        assert not Commitment.objects.overdue(TODAY).exists()
        assert Commitment.objects.with_days_overdue(TODAY).get().days_overdue is None
        assert commitment.is_overdue(TODAY) is False
        assert list(Commitment.objects.final()) == [commitment]
        assert not Commitment.objects.open().exists()

    @pytest.mark.parametrize("open_status", Status.open_values())
    def test_open_statuses_are_overdue_after_the_deadline(self, db, open_status):
        make_commitment(status=open_status, due_date=DUE)
        assert Commitment.objects.overdue(TODAY).count() == 1


class TestDueWithin:
    @pytest.mark.parametrize(
        ("due_in_days", "expected"), [(-1, False), (0, True), (30, True), (31, False)]
    )
    def test_window_includes_today_and_the_last_day(self, db, due_in_days, expected):
        make_commitment(due_date=TODAY + datetime.timedelta(days=due_in_days))
        assert Commitment.objects.due_within(30, TODAY).exists() is expected

    def test_final_commitments_are_not_due(self, db):
        make_commitment(status=Status.MET, due_date=TODAY)
        assert not Commitment.objects.due_within(30, TODAY).exists()


class TestOtherQueries:
    def test_for_body_covers_responsible_and_monitoring(self, db):
        greta = BodyFactory(key="greta")
        owed = make_commitment()
        monitored = make_commitment(monitoring_body=greta)
        owed_by_greta = make_commitment(responsible_body=greta)
        assert set(Commitment.objects.for_body(greta)) == {monitored, owed_by_greta}
        assert owed not in Commitment.objects.for_body(greta)

    def test_public(self, db):
        public = make_commitment(is_public=True)
        make_commitment(is_public=False)
        assert list(Commitment.objects.public()) == [public]

    def test_count_by_status_lists_every_status(self, db):
        make_commitment(status=Status.ANNOUNCED)
        make_commitment(status=Status.ANNOUNCED)
        counts = Commitment.objects.count_by_status()
        assert counts[Status.ANNOUNCED] == 2
        assert counts[Status.MET] == 0
        assert set(counts) == set(Status.values)


class TestStatusAsOf:
    """The status in force on a past date is rebuilt from the history's effective dates."""

    def test_reconstructs_past_statuses(self, db):
        commitment = make_commitment(
            status=Status.ANNOUNCED, effective_date=datetime.date(2019, 10, 1)
        )
        status_change_record(
            commitment=commitment,
            new_status=Status.IN_PROGRESS,
            effective_date=datetime.date(2020, 6, 1),
            today=TODAY,
            expected_version=commitment.version,
            sources=[SourceFactory()],
        )
        status_change_record(
            commitment=commitment,
            new_status=Status.MET,
            effective_date=datetime.date(2022, 1, 15),
            today=TODAY,
            expected_version=commitment.version,
            sources=[SourceFactory()],
        )

        def status_on(day):
            return Commitment.objects.with_status_as_of(day).get().status_as_of

        assert status_on(datetime.date(2019, 9, 30)) is None
        assert status_on(datetime.date(2019, 10, 1)) == Status.ANNOUNCED
        assert status_on(datetime.date(2020, 5, 31)) == Status.ANNOUNCED
        assert status_on(datetime.date(2020, 6, 1)) == Status.IN_PROGRESS
        assert status_on(datetime.date(2022, 1, 14)) == Status.IN_PROGRESS
        assert status_on(TODAY) == Status.MET

    def test_same_day_changes_take_the_last_recorded(self, db):
        commitment = make_commitment(effective_date=datetime.date(2022, 1, 1))
        status_change_record(
            commitment=commitment,
            new_status=Status.ANNOUNCED,
            effective_date=datetime.date(2022, 3, 1),
            today=TODAY,
            expected_version=commitment.version,
            sources=[SourceFactory()],
        )
        status_change_record(
            commitment=commitment,
            new_status=Status.IN_PROGRESS,
            effective_date=datetime.date(2022, 3, 1),
            today=TODAY,
            expected_version=commitment.version,
            sources=[SourceFactory()],
        )
        annotated = Commitment.objects.with_status_as_of(datetime.date(2022, 3, 1)).get()
        assert annotated.status_as_of == Status.IN_PROGRESS

    def test_one_query_for_many_commitments(self, db, django_assert_num_queries):
        for _ in range(20):
            make_commitment()
        with django_assert_num_queries(1):
            rows = list(Commitment.objects.with_status_as_of(TODAY))
        assert len(rows) == 20


def test_commitment_address_is_the_one_reverse_gives(commitment):
    """Reversed once then filled in (``get_absolute_url``): the same address as ``reverse``,
    for any id, and under the script prefix of a site served below a path."""
    from django.urls import reverse, set_script_prefix

    for pk in (1, 7, 2147483647, commitment.pk):
        commitment.pk = pk
        assert commitment.get_absolute_url() == reverse("commitments:detail", args=[pk])
        assert commitment.get_absolute_url() == f"/commitments/{pk}/"
    set_script_prefix("/vigie/")
    try:
        assert commitment.get_absolute_url() == f"/vigie/commitments/{commitment.pk}/"
    finally:
        set_script_prefix("/")
