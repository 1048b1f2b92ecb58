"""Deadlines as advocacy knows them: precision, bounds, bases, events, successors, and the
governing deadline a commitment's due date comes from."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from commitments import deadlines as rules
from commitments.models import Claim, Commitment, Deadline
from commitments.services.deadlines import deadline_delete, deadline_save, event_save, readings
from commitments.services.evidence import ask_record, claim_record
from commitments.services.lifecycle import commitment_save
from commitments.services.versions import StaleVersionError

from ..factories import BodyFactory, SourceFactory, make_commitment

D = datetime.date


class TestWindowsAndLateness:
    def test_a_month_is_its_first_to_last_day(self):
        assert rules.window(D(2022, 9, 14), "month") == (D(2022, 9, 1), D(2022, 9, 30))
        assert rules.window(D(2024, 2, 3), "month") == (D(2024, 2, 1), D(2024, 2, 29))
        assert rules.window(D(2021, 6, 1), "year") == (D(2021, 1, 1), D(2021, 12, 31))
        assert rules.window(D(2022, 10, 18), "day") == (D(2022, 10, 18), D(2022, 10, 18))

    def test_the_last_day_of_a_month_precision_deadline_is_not_late(self):
        assert rules.lateness(D(2022, 3, 31), "month", D(2022, 3, 31)) is None
        late = rules.lateness(D(2022, 3, 31), "month", D(2022, 4, 1))
        assert (late.days, late.since, late.months) == (1, D(2022, 4, 1), 0)

    @pytest.mark.parametrize(
        ("window_end", "precision", "as_of", "label"),
        [
            (D(2025, 12, 31), "day", D(2026, 12, 1), "335 days late"),
            (D(2026, 11, 30), "day", D(2026, 12, 1), "1 day late"),
            (D(2022, 3, 31), "month", D(2022, 4, 20), "at least 20 days late"),
            (D(2022, 3, 31), "month", D(2022, 8, 1), "more than 4 months late"),
            (D(2022, 3, 31), "month", D(2026, 12, 1), "more than 4 years late"),
            (D(2021, 12, 31), "year", D(2026, 12, 1), "more than 4 years late"),
            (D(2021, 12, 31), "year", D(2023, 1, 1), "more than 1 year late"),
        ],
    )
    def test_lateness_is_said_no_more_precisely_than_the_date_is_known(
        self, window_end, precision, as_of, label
    ):
        with translation.override("en"):
            assert str(rules.lateness(window_end, precision, as_of)) == label

    def test_more_than_n_years_only_once_n_years_have_fully_passed(self):
        # Certainly late from 1 April 2022: on 31 March 2026 that is not yet four full years.
        with translation.override("en"):
            assert str(rules.lateness(D(2022, 3, 31), "month", D(2026, 3, 31))) == (
                "more than 3 years late"
            )
            assert str(rules.lateness(D(2022, 3, 31), "month", D(2026, 4, 1))) == (
                "more than 4 years late"
            )

    def test_dates_are_shown_as_precisely_as_known(self):
        with translation.override("fr"):
            assert rules.format_approximate(D(2022, 9, 1), "month") == "septembre 2022"
            assert rules.format_approximate(D(2021, 1, 1), "year") == "2021"


@pytest.fixture
def source(db):
    return SourceFactory(key="collectif")


@pytest.fixture
def commitment(db):
    return make_commitment(key="rapport")


def save(commitment, **data):
    commitment.refresh_from_db()
    sources = data.pop("sources", None)
    data.setdefault("label", "Rapport remis")
    return deadline_save(
        commitment=commitment,
        data=data,
        sources=sources,
        expected_version=commitment.version,
        today=D(2026, 12, 1),
    )


class TestDeadlineRows:
    def test_a_month_precision_deadline_governs_with_its_last_day(self, commitment, source):
        deadline = save(
            commitment, basis="expected", date=D(2022, 3, 1), precision="month", sources=[source]
        )
        commitment.refresh_from_db()
        assert (deadline.window_start, deadline.window_end) == (D(2022, 3, 1), D(2022, 3, 31))
        assert commitment.governing_deadline == deadline
        assert commitment.due_date == D(2022, 3, 31)
        assert list(Commitment.objects.overdue(D(2022, 3, 31))) == []
        assert list(Commitment.objects.overdue(D(2022, 4, 1))) == [commitment]
        assert list(Deadline.objects.overdue(D(2022, 4, 1))) == [deadline]
        with translation.override("en"):
            assert "not official" in deadline.caveat
            assert str(commitment.lateness(D(2026, 12, 1))) == "more than 4 years late"

    def test_the_open_deadline_that_lapses_first_governs(self, commitment):
        later = save(commitment, label="Final", date=D(2023, 1, 1))
        earlier = save(commitment, label="Step", kind="step", date=D(2022, 6, 1))
        commitment.refresh_from_db()
        assert commitment.governing_deadline == earlier
        deadline_save(
            commitment=commitment,
            deadline=earlier,
            data={"met_on": D(2022, 5, 20)},
            expected_version=commitment.version,
            today=D(2026, 12, 1),
        )
        commitment.refresh_from_db()
        assert commitment.governing_deadline == later
        assert commitment.due_date == D(2023, 1, 1)

    def test_a_not_before_date_never_lapses(self, commitment):
        floor = save(commitment, bound="not_before", date=D(2020, 1, 1))
        assert floor.lateness(D(2026, 12, 1)) is None
        assert list(Deadline.objects.overdue(D(2026, 12, 1))) == []

    def test_every_write_needs_the_version_read(self, commitment):
        stale = commitment.version
        save(commitment, date=D(2022, 1, 1))
        with pytest.raises(StaleVersionError):
            deadline_save(
                commitment=commitment,
                data={"label": "Autre", "date": D(2022, 2, 1)},
                expected_version=stale,
            )
        assert commitment.deadlines.count() == 1

    def test_a_no_later_than_deadline_without_a_date_is_refused(self, commitment):
        with translation.override("fr"), pytest.raises(ValidationError) as error:
            save(commitment, bound="no_later_than", basis="text", date=None)
        assert error.value.error_dict["date"][0].code == "date_required"
        assert "au plus tard" in str(error.value.message_dict["date"][0]).lower()
        assert not Deadline.objects.exists()

    def test_a_successor_of_itself_or_in_a_loop_is_refused(self, commitment):
        with pytest.raises(ValidationError) as error:
            save(commitment, basis="successor", predecessor=commitment)
        assert error.value.error_dict["predecessor"][0].code == "successor_of_itself"
        other = make_commitment(key="autre")
        save(other, basis="successor", predecessor=commitment)
        with pytest.raises(ValidationError) as error:
            save(commitment, basis="successor", predecessor=other)
        assert error.value.error_dict["predecessor"][0].code == "successor_loop"
        assert commitment.deadlines.count() == 0

    def test_deleting_the_governing_deadline_hands_over(self, commitment):
        first = save(commitment, label="A", date=D(2022, 1, 1))
        save(commitment, label="B", date=D(2023, 1, 1))
        commitment.refresh_from_db()
        deadline_delete(deadline=first, expected_version=commitment.version)
        commitment.refresh_from_db()
        assert commitment.due_date == D(2023, 1, 1)

    def test_writing_the_due_date_sets_the_final_deadline(self, commitment):
        commitment_save(
            commitment=commitment,
            data={"due_date": D(2026, 6, 30), "due_date_note": "Fixée par le décret"},
            expected_version=commitment.version,
            author=None,
            origin="web",
        )
        final = commitment.deadlines.get()
        assert (final.kind, final.basis, final.precision) == ("final", "text", "day")
        assert final.reasoning == "Fixée par le décret"
        commitment.refresh_from_db()
        assert commitment.due_date == D(2026, 6, 30)
        commitment_save(
            commitment=commitment,
            data={"due_date": None},
            expected_version=commitment.version,
            author=None,
            origin="web",
        )
        commitment.refresh_from_db()
        assert commitment.due_date is None
        assert not commitment.deadlines.exists()


class TestEvents:
    def test_a_deadline_follows_its_event_when_it_moves(self, commitment, source):
        session = event_save(
            data={
                "key": "session",
                "name": "Session",
                "date": D(2022, 9, 1),
                "date_precision": "month",
            },
        )
        deadline = save(commitment, basis="event", event=session, offset_days=0)
        assert deadline.window_end == D(2022, 9, 30)
        version = Commitment.objects.get(pk=commitment.pk).version
        event_save(
            event=session,
            data={"date": D(2023, 1, 1)},
            expected_version=session.version,
        )
        deadline.refresh_from_db()
        commitment.refresh_from_db()
        assert deadline.window_end == D(2023, 1, 31)
        assert commitment.due_date == D(2023, 1, 31)
        assert commitment.version == version + 1  # a form opened before the move is stale

    def test_an_event_in_a_loop_is_refused(self, db):
        first = event_save(data={"key": "a", "name": "A", "date": D(2022, 1, 1)})
        second = event_save(data={"key": "b", "name": "B", "follows": first, "offset_days": 30})
        assert second.date == D(2022, 1, 31)
        with pytest.raises(ValidationError) as error:
            event_save(event=first, data={"follows": second}, expected_version=first.version)
        assert error.value.error_dict["follows"][0].code == "event_loop"
        first.refresh_from_db()
        assert first.follows is None

    def test_a_stale_event_edit_is_refused(self, db):
        event = event_save(data={"key": "a", "name": "A", "date": D(2022, 1, 1)})
        event_save(event=event, data={"name": "A1"}, expected_version=1)
        with pytest.raises(ValidationError):
            event_save(event=event, data={"name": "A2"}, expected_version=1)


class TestSuccessor:
    @pytest.fixture
    def plans(self, db, source):
        second = make_commitment(key="deuxieme")
        third = make_commitment(key="troisieme")
        for end, made_on in ((D(2021, 1, 1), D(2020, 7, 31)), (D(2023, 1, 1), D(2022, 7, 1))):
            second.refresh_from_db()
            claim_record(
                commitment=second,
                data={
                    "side": "state",
                    "kind": "period",
                    "text": f"Jusqu'en {end.year}",
                    "period_start": D(2019, 1, 1),
                    "period_end": end,
                    "period_precision": "year",
                    "made_on": made_on,
                    "source": source,
                },
                expected_version=second.version,
            )
        return second, third

    def test_counts_from_the_earliest_reading_and_is_disputed(self, plans):
        second, third = plans
        deadline = save(third, basis="successor", predecessor=second, label="Troisième plan")
        assert deadline.disputed
        assert deadline.window_end == D(2021, 12, 31)
        assert [r.period_end.year for r in readings(deadline)] == [2021, 2023]
        assert list(Commitment.objects.disputed()) == [third]

    def test_staff_may_count_from_another_reading(self, plans):
        second, third = plans
        later = Claim.objects.get(period_end=D(2023, 1, 1))
        deadline = save(
            third, basis="successor", predecessor=second, counted_reading=later, label="T"
        )
        assert deadline.window_end == D(2023, 12, 31)

    def test_a_new_reading_moves_the_successor(self, plans, source):
        second, third = plans
        deadline = save(third, basis="successor", predecessor=second, label="T")
        second.refresh_from_db()
        claim_record(
            commitment=second,
            data={
                "side": "coalition",
                "kind": "period",
                "text": "2019-2020",
                "period_end": D(2020, 1, 1),
                "made_on": D(2022, 1, 1),
                "source": source,
            },
            expected_version=second.version,
        )
        deadline.refresh_from_db()
        assert deadline.window_end == D(2020, 12, 31)


class TestClaimsAndAsks:
    def test_a_state_claim_that_differs_is_diverging(self, commitment, source):
        body = BodyFactory(key="miprof")
        claim_record(
            commitment=commitment,
            data={
                "side": "state",
                "body": body,
                "kind": "status",
                "claimed_status": "met",
                "text": "Transmis",
                "made_on": D(2022, 7, 1),
                "source": source,
            },
            expected_version=commitment.version,
        )
        row = Commitment.objects.with_state_claim().get(pk=commitment.pk)
        assert (row.state_claimed_status, row.diverging) == ("met", True)
        assert list(Commitment.objects.diverging()) == [commitment]

    def test_a_status_claim_needs_its_status(self, commitment, source):
        with pytest.raises(ValidationError) as error:
            claim_record(
                commitment=commitment,
                data={
                    "side": "state",
                    "kind": "status",
                    "text": "?",
                    "made_on": D(2022, 7, 1),
                    "source": source,
                },
                expected_version=commitment.version,
            )
        assert error.value.error_dict["claimed_status"][0].code == "status_required"
        assert not Claim.objects.exists()

    def test_asks_say_how_long_a_commitment_has_waited(self, commitment, source):
        coalition, greta = BodyFactory(key="collectif"), BodyFactory(key="greta")
        for body, day in (
            (coalition, D(2022, 7, 1)),
            (greta, D(2019, 3, 1)),
            (coalition, D(2023, 1, 1)),
        ):
            commitment.refresh_from_db()
            ask_record(
                commitment=commitment,
                data={"body": body, "text": "Créer le mécanisme", "made_on": day, "source": source},
                expected_version=commitment.version,
            )
        row = Commitment.objects.with_asks().get(pk=commitment.pk)
        assert (row.outstanding_since, row.asks_count, row.asking_bodies) == (D(2019, 3, 1), 3, 2)
        quiet = make_commitment(key="sans-demande")
        assert list(Commitment.objects.waiting_longest_first()) == [commitment, quiet]

    def test_no_news_for_a_year_is_to_check(self, commitment):
        # make_commitment's history entry is dated 2020-01-01.
        assert list(Commitment.objects.to_check(D(2021, 1, 1))) == []
        assert list(Commitment.objects.to_check(D(2021, 1, 2))) == [commitment]
        assert list(Commitment.objects.to_check(D(2021, 1, 2), months=24)) == []


class TestDivergingRule:
    """``diverging()`` (the filter, the dashboard's count) and the ``diverging`` column agree:
    the state's latest claim of a status decides; no such claim is never diverging."""

    @pytest.fixture
    def cases(self, db, source):
        def claim(commitment, day, status, side="state", kind="status"):
            Claim.objects.create(
                commitment=commitment,
                side=side,
                kind=kind,
                claimed_status=status if kind == "status" else "",
                period_end=D(2021, 1, 1) if kind == "period" else None,
                text="…",
                made_on=day,
                source=source,
            )

        made = {
            name: make_commitment(status="in_progress")
            for name in (
                "no claim",
                "coalition differs",
                "state agrees",
                "state differs",
                "latest agrees",
                "latest differs",
                "a period only",
            )
        }
        claim(made["coalition differs"], D(2022, 1, 1), "met", side="coalition")
        claim(made["state agrees"], D(2022, 1, 1), "in_progress")
        claim(made["state differs"], D(2022, 1, 1), "met")
        claim(made["latest agrees"], D(2021, 1, 1), "met")
        claim(made["latest agrees"], D(2022, 1, 1), "in_progress")
        claim(made["latest differs"], D(2021, 1, 1), "in_progress")
        claim(made["latest differs"], D(2022, 1, 1), "met")
        claim(made["a period only"], D(2022, 1, 1), "", kind="period")
        return made

    def test_the_filter_and_the_column_agree(self, cases):
        expected = {cases["state differs"].pk, cases["latest differs"].pk}
        assert set(Commitment.objects.diverging().values_list("pk", flat=True)) == expected
        column = Commitment.objects.with_state_claim().values_list("pk", "diverging")
        assert {pk for pk, diverging in column if diverging} == expected
        assert len(column) == len(cases)

    def test_reading_it_reads_no_claim(self, cases):
        """The state's latest claimed status is kept on the commitment (``advocacy_facts``)."""
        sql = str(Commitment.objects.diverging().values("pk").query)
        assert 'FROM "commitments_claim"' not in sql, sql
