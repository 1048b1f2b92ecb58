"""What each commitment's advocacy columns read (``commitments.advocacy_facts``), kept on it
through every write: its last news (the latest of its status changes and claims: "to check"),
the state's latest claimed status ("diverging") and its earliest ask ("waiting")."""

import datetime

import pytest
from django.core.management import call_command
from django.db import connection

from commitments import advocacy_facts
from commitments.models import Claim, Commitment, Status
from commitments.services.evidence import ask_delete, ask_record, claim_delete, claim_record
from commitments.services.status import status_change_record

from ..factories import BodyFactory, SourceFactory, make_commitment

D = datetime.date
TODAY = D(2024, 6, 15)


@pytest.fixture
def commitment(db):
    return make_commitment(effective_date=D(2020, 1, 1))


def last_news(commitment) -> datetime.date | None:
    return Commitment.all_objects.values_list("last_news_on", flat=True).get(pk=commitment.pk)


def state_claim(commitment) -> str | None:
    return Commitment.all_objects.values_list("state_claimed_status", flat=True).get(
        pk=commitment.pk
    )


def record_claim(commitment, made_on, claim=None, side="state", status=None):
    commitment.refresh_from_db()
    return claim_record(
        commitment=commitment,
        claim=claim,
        data={
            "side": side,
            "kind": "status" if status else "statement",
            "claimed_status": status or "",
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


def test_the_state_s_latest_claim_of_a_status(commitment):
    assert state_claim(commitment) is None
    record_claim(commitment, D(2022, 1, 1), status=Status.MET)
    assert state_claim(commitment) == Status.MET
    assert list(Commitment.objects.diverging()) == [commitment]
    # The coalition's claims, and the state's statements, are not the state's status claims.
    record_claim(commitment, D(2023, 1, 1), side="coalition", status=Status.NOT_STARTED)
    record_claim(commitment, D(2023, 2, 1))
    assert state_claim(commitment) == Status.MET
    # A later one decides; corrected to an earlier day, the other decides again.
    later = record_claim(commitment, D(2023, 3, 1), status=Status.NOT_STARTED)
    assert state_claim(commitment) == Status.NOT_STARTED
    assert list(Commitment.objects.diverging()) == []
    record_claim(commitment, D(2021, 1, 1), claim=later, status=Status.NOT_STARTED)
    assert state_claim(commitment) == Status.MET
    # The status of record moves, the claim stays: compared when read.
    record_change(commitment, Status.MET, D(2024, 1, 1))
    assert state_claim(commitment) == Status.MET
    assert list(Commitment.objects.diverging()) == []
    for claim in Claim.objects.all():
        commitment.refresh_from_db()
        claim_delete(claim=claim, expected_version=commitment.version)
    assert state_claim(commitment) is None


def first_asked_on(commitment) -> datetime.date | None:
    return Commitment.all_objects.values_list("first_asked_on", flat=True).get(pk=commitment.pk)


def record_ask(commitment, made_on, ask=None):
    commitment.refresh_from_db()
    return ask_record(
        commitment=commitment,
        ask=ask,
        data={
            "kind": "recommendation",
            "body": BodyFactory(),
            "text": "Créer un mécanisme national d'orientation",
            "made_on": made_on,
            "source": SourceFactory(),
        },
        expected_version=commitment.version,
        today=TODAY,
    )


def test_the_earliest_ask(commitment):
    assert first_asked_on(commitment) is None
    later = record_ask(commitment, D(2023, 3, 1))
    assert first_asked_on(commitment) == D(2023, 3, 1)
    earliest = record_ask(commitment, D(2021, 6, 10))
    assert first_asked_on(commitment) == D(2021, 6, 10)
    record_ask(commitment, D(2022, 1, 1))
    assert first_asked_on(commitment) == D(2021, 6, 10)
    # Corrected: the date given was wrong.
    record_ask(commitment, D(2023, 9, 1), ask=earliest)
    assert first_asked_on(commitment) == D(2022, 1, 1)
    for ask in (later, earliest):
        commitment.refresh_from_db()
        ask_delete(ask=ask, expected_version=commitment.version)
    assert first_asked_on(commitment) == D(2022, 1, 1)
    assert list(Commitment.objects.waiting()) == [commitment]


def test_waiting_is_open_with_an_ask(commitment):
    """ "Open" is read when counted: a commitment met after its ask stops waiting, with no
    refresh of its earliest ask."""
    record_ask(commitment, D(2022, 2, 2))
    never_asked = make_commitment(effective_date=D(2020, 1, 1))
    assert list(Commitment.objects.waiting()) == [commitment]
    record_change(commitment, Status.MET, D(2024, 1, 1))
    assert first_asked_on(commitment) == D(2022, 2, 2)
    assert list(Commitment.objects.waiting()) == []
    assert first_asked_on(never_asked) is None


def test_a_commitment_saved_from_an_older_copy_keeps_its_facts(commitment):
    copy = Commitment.all_objects.get(pk=commitment.pk)
    record_claim(commitment, D(2023, 5, 2), status=Status.MET)
    record_ask(commitment, D(2022, 4, 4))
    copy.is_public = True
    copy.save()
    assert (last_news(commitment), state_claim(commitment)) == (D(2023, 5, 2), Status.MET)
    assert first_asked_on(commitment) == D(2022, 4, 4)


def test_keeping_it_is_no_change_of_the_commitment(commitment):
    """Derived data: no new version, no audit-trail entry, whoever refreshes it."""
    commitment.refresh_from_db()
    version, trail = commitment.version, commitment.history.count()
    advocacy_facts.refresh([commitment.pk])
    advocacy_facts.refresh_all()
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
    record_ask(commitment, D(2022, 4, 4))
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE commitments_commitment SET last_news_on = NULL, state_claimed_status = 'met',"
            " first_asked_on = NULL"
        )
    assert last_news(commitment) is None
    call_command("refresh_advocacy_facts")
    assert last_news(commitment) == D(2020, 1, 1)
    assert state_claim(commitment) is None
    assert first_asked_on(commitment) == D(2022, 4, 4)
    assert "Advocacy facts recomputed for 1 commitments." in capsys.readouterr().out
