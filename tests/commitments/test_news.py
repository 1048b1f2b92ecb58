"""Each commitment's last news (``commitments.news``): the latest of its status changes and
claims, kept on it through every write, and what "to check" reads."""

import datetime

import pytest
from django.core.management import call_command
from django.db import connection

from commitments import news
from commitments.models import Claim, Commitment, Status
from commitments.services.evidence import claim_delete, claim_record
from commitments.services.status import status_change_record

from ..factories import SourceFactory, make_commitment

D = datetime.date
TODAY = D(2024, 6, 15)


@pytest.fixture
def commitment(db):
    return make_commitment(effective_date=D(2020, 1, 1))


def last_news(commitment) -> datetime.date | None:
    return Commitment.all_objects.values_list("last_news_on", flat=True).get(pk=commitment.pk)


def record_claim(commitment, made_on, claim=None):
    commitment.refresh_from_db()
    return claim_record(
        commitment=commitment,
        claim=claim,
        data={
            "side": "state",
            "kind": "statement",
            "text": "Le plan est en préparation.",
            "made_on": made_on,
            "source": SourceFactory(),
        },
        expected_version=commitment.version,
        today=TODAY,
    )


def record_change(commitment, new_status, effective_date):
    commitment.refresh_from_db()
    return status_change_record(
        commitment=commitment,
        new_status=new_status,
        effective_date=effective_date,
        expected_version=commitment.version,
        sources=[SourceFactory()],
        today=TODAY,
    )


def test_a_new_commitment_s_news_is_its_first_entry(commitment):
    assert last_news(commitment) == D(2020, 1, 1)


def test_the_latest_of_the_history_and_the_claims(commitment):
    record_change(commitment, Status.IN_PROGRESS, D(2022, 3, 1))
    assert last_news(commitment) == D(2022, 3, 1)
    claim = record_claim(commitment, D(2023, 5, 2))
    assert last_news(commitment) == D(2023, 5, 2)
    # An entry dated earlier than the news already known changes nothing.
    record_change(commitment, Status.ANNOUNCED, D(2022, 9, 1))
    assert last_news(commitment) == D(2023, 5, 2)
    # A claim corrected to an earlier day, then deleted: the history decides again.
    record_claim(commitment, D(2021, 1, 1), claim=claim)
    assert last_news(commitment) == D(2022, 9, 1)
    commitment.refresh_from_db()
    claim_delete(claim=Claim.objects.get(), expected_version=commitment.version)
    assert last_news(commitment) == D(2022, 9, 1)


def test_keeping_it_is_no_change_of_the_commitment(commitment):
    """Derived data: no new version, no audit-trail entry, whoever refreshes it."""
    commitment.refresh_from_db()
    version, trail = commitment.version, commitment.history.count()
    news.refresh([commitment.pk])
    news.refresh_all()
    commitment.refresh_from_db()
    assert (commitment.version, commitment.history.count()) == (version, trail)


def test_a_commitment_is_to_check_after_a_year_without_news(commitment):
    quiet = commitment
    lately = make_commitment(effective_date=D(2020, 1, 1))
    record_claim(lately, D(2024, 1, 10))
    done = make_commitment(effective_date=D(2020, 1, 1), status=Status.MET)
    never = Commitment.objects.create(
        key="sans-historique", title="Sans historique", responsible_body=quiet.responsible_body
    )
    assert list(Commitment.objects.to_check(TODAY)) == [quiet]
    assert {c.pk: c.is_to_check(TODAY) for c in Commitment.objects.all()} == {
        quiet.pk: True,
        lately.pk: False,
        done.pk: False,
        never.pk: False,
    }


def test_written_behind_django_s_back_the_command_recomputes_it(commitment, capsys):
    with connection.cursor() as cursor:
        cursor.execute("UPDATE commitments_commitment SET last_news_on = NULL")
    assert last_news(commitment) is None
    call_command("refresh_last_news")
    assert last_news(commitment) == D(2020, 1, 1)
    assert "Last news recomputed for 1 commitments." in capsys.readouterr().out
