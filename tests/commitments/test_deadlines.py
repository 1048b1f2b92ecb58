"""The deadline rules at their boundaries: in Python, in SQL, and the instance mirror."""

import datetime

import pytest

from commitments import deadlines
from commitments.models import COMMITMENT_DEADLINE, Body, Commitment, Status

from ..factories import make_commitment

AS_OF = datetime.date(2026, 12, 1)
TODAY = AS_OF
YESTERDAY = AS_OF - datetime.timedelta(days=1)
TOMORROW = AS_OF + datetime.timedelta(days=1)


class TestPureFunctions:
    def test_due_today_is_not_overdue(self):
        assert not deadlines.is_overdue(TODAY, AS_OF)
        assert deadlines.days_overdue(TODAY, AS_OF) is None
        assert deadlines.days_left(TODAY, AS_OF) == 0

    def test_due_yesterday_is_one_day_overdue(self):
        assert deadlines.is_overdue(YESTERDAY, AS_OF)
        assert deadlines.days_overdue(YESTERDAY, AS_OF) == 1
        assert deadlines.days_left(YESTERDAY, AS_OF) is None

    def test_due_tomorrow_has_one_day_left(self):
        assert not deadlines.is_overdue(TOMORROW, AS_OF)
        assert deadlines.days_left(TOMORROW, AS_OF) == 1

    def test_undated_is_never_overdue_nor_counted_down(self):
        assert not deadlines.is_overdue(None, AS_OF)
        assert deadlines.days_overdue(None, AS_OF) is None
        assert deadlines.days_left(None, AS_OF) is None


@pytest.fixture
def dated(db):
    """One open commitment per interesting day, and a met one due long ago."""
    return {
        "yesterday": make_commitment(due_date=YESTERDAY, effective_date=YESTERDAY),
        "today": make_commitment(due_date=TODAY, effective_date=YESTERDAY),
        "in_30": make_commitment(due_date=AS_OF + datetime.timedelta(days=30)),
        "in_31": make_commitment(due_date=AS_OF + datetime.timedelta(days=31)),
        "undated": make_commitment(due_date=None),
        "met": make_commitment(
            due_date=datetime.date(2020, 1, 1), status=Status.MET, effective_date=YESTERDAY
        ),
    }


def _keys(queryset, dated):
    names = {commitment.pk: name for name, commitment in dated.items()}
    return {names[pk] for pk in queryset.values_list("pk", flat=True)}


class TestQuerySet:
    def test_overdue_excludes_due_today_and_final(self, dated):
        assert _keys(Commitment.objects.overdue(AS_OF), dated) == {"yesterday"}

    def test_not_overdue_is_the_complement(self, dated):
        assert _keys(Commitment.objects.not_overdue(AS_OF), dated) == set(dated) - {"yesterday"}

    def test_due_within_includes_both_ends(self, dated):
        assert _keys(Commitment.objects.due_within(30, AS_OF), dated) == {"today", "in_30"}
        assert _keys(Commitment.objects.due_within(0, AS_OF), dated) == {"today"}

    def test_days_overdue_in_sql_matches_python(self, dated):
        rows = dict(Commitment.objects.with_days_overdue(AS_OF).values_list("pk", "days_overdue"))
        for commitment in dated.values():
            assert rows[commitment.pk] == commitment.get_days_overdue(AS_OF), commitment.due_date
        assert rows[dated["yesterday"].pk] == 1

    def test_instance_mirrors_the_query(self, dated):
        overdue = set(Commitment.objects.overdue(AS_OF).values_list("pk", flat=True))
        for commitment in dated.values():
            assert commitment.is_overdue(AS_OF) == (commitment.pk in overdue)

    def test_days_left_is_none_when_final_or_past(self, dated):
        assert dated["today"].get_days_left(AS_OF) == 0
        assert dated["in_30"].get_days_left(AS_OF) == 30
        assert dated["yesterday"].get_days_left(AS_OF) is None
        assert dated["met"].get_days_left(AS_OF) is None

    def test_rules_count_across_a_relation(self, dated):
        body = dated["yesterday"].responsible_body
        counted = Body.objects.filter(
            commitments_owed__in=Commitment.objects.filter(COMMITMENT_DEADLINE.overdue_q(AS_OF))
        )
        prefixed = Body.objects.filter(COMMITMENT_DEADLINE.overdue_q(AS_OF, "commitments_owed__"))
        assert list(counted) == list(prefixed) == [body]

    def test_per_year_chart_splits_at_as_of(self, dated):
        years = {row["year"]: row for row in Commitment.objects.deadlines_per_year(AS_OF)}
        assert years[2020] == {"year": 2020, "final": 1, "overdue": 0, "upcoming": 0}
        assert years[2026] == {"year": 2026, "final": 0, "overdue": 1, "upcoming": 2}
