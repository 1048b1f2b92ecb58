import datetime

from commitments.models import Commitment

from .factories import make_commitment


def test_days_overdue_annotation(db):
    make_commitment(due_date=datetime.date(2022, 10, 18))
    row = Commitment.objects.with_days_overdue(datetime.date(2022, 10, 28)).get()
    assert row.days_overdue == 10
