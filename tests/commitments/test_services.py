"""The write services: recording status changes, saving a commitment, the version rule."""

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

from ..factories import SourceFactory, UserFactory, make_commitment

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
            sources=[SourceFactory()],
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
                sources=[SourceFactory()],
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
                    sources=[SourceFactory()],
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
                sources=[SourceFactory()],
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
            commitment=commitment,
            new_status=Status.MET,
            effective_date=TODAY,
            sources=[SourceFactory()],
            today=TODAY,
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
