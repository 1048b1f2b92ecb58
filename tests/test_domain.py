"""The commitment domain: status changes, history, overdue derivation, as-of reconstruction."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from commitments.models import Commitment, Status, StatusChange
from commitments.services.lifecycle import commitment_save
from commitments.services.status import (
    NOTE_MAX_LENGTH,
    status_change_record,
    status_change_validate,
)
from commitments.services.versions import StaleVersionError

from .factories import BodyFactory, SourceFactory, UserFactory, make_commitment

DUE = datetime.date(2022, 10, 18)
TODAY = datetime.date(2026, 11, 23)


@pytest.fixture
def commitment(db):
    return make_commitment(due_date=DUE, effective_date=datetime.date(2019, 10, 1))


class TestChangeStatus:
    def test_writes_history_and_status_and_bumps_version(self, commitment):
        author = UserFactory()
        source = SourceFactory()
        entry = status_change_record(
            commitment=commitment,
            new_status=Status.ANNOUNCED,
            effective_date=datetime.date(2022, 7, 29),
            author=author,
            note="Annonce du ministre",
            sources=[source],
            expected_version=1,
            today=TODAY,
        )
        commitment.refresh_from_db()
        assert commitment.status == Status.ANNOUNCED
        assert commitment.version == 2
        assert entry.previous_status == Status.NOT_STARTED
        assert entry.new_status == Status.ANNOUNCED
        assert entry.author == author
        assert entry.note == "Annonce du ministre"
        assert list(entry.sources.all()) == [source]
        assert commitment.status_changes.count() == 2

    def test_first_entry_has_no_previous_status(self, commitment):
        first = commitment.status_changes.get()
        assert first.previous_status == ""
        assert first.new_status == Status.NOT_STARTED

    def test_stale_version_is_refused_and_writes_nothing(self, commitment):
        status_change_record(
            commitment=commitment,
            new_status=Status.ANNOUNCED,
            effective_date=datetime.date(2022, 7, 1),
            expected_version=1,
            today=TODAY,
        )
        stale_copy = Commitment.objects.get(pk=commitment.pk)
        stale_copy.version = 1
        with pytest.raises(StaleVersionError) as caught:
            status_change_record(
                commitment=stale_copy,
                new_status=Status.MET,
                effective_date=datetime.date(2022, 8, 1),
                expected_version=1,
                today=TODAY,
            )
        assert caught.value.current.version == 2
        assert caught.value.latest_change.new_status == Status.ANNOUNCED
        commitment.refresh_from_db()
        assert commitment.status == Status.ANNOUNCED
        assert commitment.status_changes.count() == 2

    def test_history_and_status_are_written_together_or_not_at_all(self, commitment):
        # The status update fails after the history entry was written: both are rolled back.
        with pytest.raises(StaleVersionError):
            with transaction.atomic():
                Commitment.objects.filter(pk=commitment.pk).update(version=7)
                status_change_record(
                    commitment=commitment,
                    new_status=Status.MET,
                    effective_date=datetime.date(2022, 8, 1),
                    expected_version=1,
                    today=TODAY,
                )
        commitment.refresh_from_db()
        assert commitment.status == Status.NOT_STARTED
        assert commitment.status_changes.count() == 1

    @pytest.mark.parametrize(
        ("new_status", "effective_date", "note", "field", "code"),
        [
            ("done", datetime.date(2022, 1, 1), "", "new_status", "invalid_status"),
            (Status.NOT_STARTED, datetime.date(2022, 1, 1), "", "new_status", "unchanged"),
            (
                Status.MET,
                TODAY + datetime.timedelta(days=1),
                "",
                "effective_date",
                "effective_date_in_future",
            ),
            (
                Status.MET,
                datetime.date(2019, 9, 30),
                "",
                "effective_date",
                "effective_date_before_latest",
            ),
            (Status.MET, None, "", "effective_date", "required"),
            (
                Status.MET,
                datetime.date(2022, 1, 1),
                "x" * (NOTE_MAX_LENGTH + 1),
                "note",
                "max_length",
            ),
        ],
    )
    def test_bad_input_is_refused_with_a_coded_error(
        self, commitment, new_status, effective_date, note, field, code
    ):
        with pytest.raises(ValidationError) as caught:
            status_change_record(
                commitment=commitment,
                new_status=new_status,
                effective_date=effective_date,
                note=note,
                today=TODAY,
                expected_version=commitment.version,
            )
        assert [error.code for error in caught.value.error_dict[field]] == [code]
        commitment.refresh_from_db()
        assert commitment.version == 1
        assert commitment.status_changes.count() == 1

    def test_check_status_change_validates_without_writing(self, commitment):
        with pytest.raises(ValidationError):
            status_change_validate(
                commitment=commitment, new_status=Status.NOT_STARTED, effective_date=TODAY
            )
        status_change_validate(
            commitment=commitment, new_status=Status.MET, effective_date=TODAY, today=TODAY
        )
        assert commitment.status_changes.count() == 1

    def test_the_database_refuses_an_unknown_status(self, commitment):
        with pytest.raises(IntegrityError), transaction.atomic():
            Commitment.objects.filter(pk=commitment.pk).update(status="forgotten")

    def test_the_database_refuses_an_entry_that_changes_nothing(self, commitment):
        with pytest.raises(IntegrityError), transaction.atomic():
            StatusChange.objects.create(
                commitment=commitment,
                previous_status=Status.MET,
                new_status=Status.MET,
                effective_date=TODAY,
            )


class TestCommitmentUpdate:
    def test_updates_fields_and_bumps_version(self, commitment):
        commitment_save(
            commitment=commitment,
            expected_version=1,
            data={"title": "Nouveau"},
            author=None,
            origin=StatusChange.Origin.WEB,
        )
        commitment.refresh_from_db()
        assert (commitment.title, commitment.version) == ("Nouveau", 2)

    def test_stale_update_is_refused(self, commitment):
        commitment_save(
            commitment=commitment,
            expected_version=1,
            data={"title": "A"},
            author=None,
            origin=StatusChange.Origin.WEB,
        )
        with pytest.raises(StaleVersionError):
            commitment_save(
                commitment=commitment,
                expected_version=1,
                data={"title": "B"},
                author=None,
                origin=StatusChange.Origin.WEB,
            )
        commitment.refresh_from_db()
        assert commitment.title == "A"

    def test_status_cannot_be_changed_as_a_plain_field(self, commitment):
        with pytest.raises(TypeError):
            commitment_save(
                commitment=commitment,
                expected_version=1,
                data={"status": Status.MET},
                author=None,
                origin=StatusChange.Origin.WEB,
            )


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
        )
        status_change_record(
            commitment=commitment,
            new_status=Status.MET,
            effective_date=datetime.date(2022, 1, 15),
            today=TODAY,
            expected_version=commitment.version,
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
        )
        status_change_record(
            commitment=commitment,
            new_status=Status.IN_PROGRESS,
            effective_date=datetime.date(2022, 3, 1),
            today=TODAY,
            expected_version=commitment.version,
        )
        annotated = Commitment.objects.with_status_as_of(datetime.date(2022, 3, 1)).get()
        assert annotated.status_as_of == Status.IN_PROGRESS

    def test_one_query_for_many_commitments(self, db, django_assert_num_queries):
        for _ in range(20):
            make_commitment()
        with django_assert_num_queries(1):
            rows = list(Commitment.objects.with_status_as_of(TODAY))
        assert len(rows) == 20
