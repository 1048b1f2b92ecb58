"""Deadlines, events, claims and asks for alert tests, written through the domain services.

Each helper reads the commitment's current version, so tests can chain writes.
"""

from __future__ import annotations

import datetime
from typing import Any

from commitments.deadlines import DAY
from commitments.models import Claim, Commitment, Deadline, Event
from commitments.services.deadlines import deadline_delete, deadline_save, event_save
from commitments.services.evidence import ask_record, claim_record

from ..factories import BodyFactory, SourceFactory


def version(commitment: Commitment) -> int:
    return Commitment.all_objects.values_list("version", flat=True).get(pk=commitment.pk)


def add_deadline(commitment: Commitment, **data: Any) -> Deadline:
    """A deadline of ``commitment``: "no later than", a step, set by a text unless told."""
    data.setdefault("kind", Deadline.Kind.STEP)
    data.setdefault("label", "Étape")
    data.setdefault("bound", Deadline.Bound.NO_LATER_THAN)
    data.setdefault("basis", Deadline.Basis.TEXT)
    return deadline_save(
        commitment=commitment,
        data=data,
        expected_version=version(commitment),
        today=datetime.date(2030, 1, 1),
    )


def change_deadline(deadline: Deadline, **data: Any) -> Deadline:
    return deadline_save(
        commitment=deadline.commitment,
        deadline=deadline,
        data=data,
        expected_version=version(deadline.commitment),
        today=datetime.date(2030, 1, 1),
    )


def delete_deadline(deadline: Deadline) -> None:
    deadline_delete(deadline=deadline, expected_version=version(deadline.commitment))


def add_event(key: str, date: datetime.date, precision: str = DAY) -> Event:
    return event_save(data={"key": key, "name": key, "date": date, "date_precision": precision})


def move_event(event: Event, date: datetime.date) -> Event:
    event.refresh_from_db()
    return event_save(event=event, data={"date": date}, expected_version=event.version)


def add_claim(commitment: Commitment, **data: Any) -> Claim:
    """A claim by the state, made in 2022, from a new source, unless told."""
    data.setdefault("side", Claim.Side.STATE)
    data.setdefault("text", "Déclaration")
    data.setdefault("made_on", datetime.date(2022, 7, 1))
    data.setdefault("source", SourceFactory())
    return claim_record(
        commitment=commitment,
        data=data,
        expected_version=version(commitment),
        today=datetime.date(2030, 1, 1),
    )


def add_ask(commitment: Commitment, **data: Any):
    data.setdefault("body", BodyFactory())
    data.setdefault("text", "Créer le mécanisme")
    data.setdefault("made_on", datetime.date(2022, 7, 1))
    data.setdefault("source", SourceFactory())
    return ask_record(
        commitment=commitment,
        data=data,
        expected_version=version(commitment),
        today=datetime.date(2030, 1, 1),
    )


def enrich(commitment: Commitment, index: int, *, step_date: datetime.date) -> int:
    """Give one commitment in three a month-precision step, one in four a claim by the state,
    one in five an ask (the data of the query-count tests); returns the deadlines added."""
    added = 0
    if index % 3 == 0:
        add_deadline(commitment, label=f"Étape {index}", date=step_date, precision="month")
        added += 1
    if index % 4 == 0:
        add_claim(commitment, kind=Claim.Kind.STATUS, claimed_status="met")
    if index % 5 == 0:
        add_ask(commitment)
    return added
