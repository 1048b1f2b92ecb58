"""A commitment's life: saved (created or changed, with an optional status change), archived,
restored. Every entry point saves through :func:`commitment_save`.
"""

import datetime
from collections.abc import Mapping
from typing import Any

from django.db import transaction
from django.utils import timezone

from commitments import search_index
from commitments.fields import COMMITMENT_EDITABLE_FIELDS, COMMITMENT_MANY_TO_MANY_FIELDS
from commitments.models import Commitment

from .deadlines import final_deadline_set, governing_deadline_refresh
from .status import StatusChangeInput, status_change_write
from .versions import commitment_lock, commitment_write

# Writing these sets the commitment's final deadline (``final_deadline_set``); reading them
# gives the governing deadline's, which the deadline services keep.
DEADLINE_SHORTHAND = ("due_date", "due_date_note")


def _split(data: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Column values and many-to-many values; a name outside the editable list is a bug."""
    unknown = set(data) - set(COMMITMENT_EDITABLE_FIELDS)
    if unknown:
        raise TypeError(f"commitment_save() got fields it may not write: {sorted(unknown)}")
    values = {k: v for k, v in data.items() if k not in COMMITMENT_MANY_TO_MANY_FIELDS}
    relations = {k: v for k, v in data.items() if k in COMMITMENT_MANY_TO_MANY_FIELDS}
    return values, relations


@transaction.atomic
@search_index.refreshed_once()
def commitment_save(
    *,
    commitment: Commitment | None,
    data: Mapping[str, Any],
    expected_version: int | None,
    author,
    origin: str,
    status_change: StatusChangeInput | None = None,
    today: datetime.date | None = None,
) -> Commitment:
    """Create a commitment (``commitment=None``) or change one, and record a status change,
    all in one transaction.

    ``data`` holds editable fields only (``fields.COMMITMENT_EDITABLE_FIELDS``; a name left
    out keeps its value). A new commitment needs ``status_change``, its first history entry,
    and has no ``expected_version``. An existing one needs the ``expected_version`` its
    caller read (``StaleVersionError`` if it changed since): its fields are written (a new
    version, even if nothing differs) and then ``status_change``, if given and different from
    the current status (a form that always shows the status sends it unchanged). Bad input
    raises ``ValidationError`` and writes nothing.
    """
    today = today or timezone.localdate()
    values, relations = _split(data)
    sets_deadline = "due_date" in values
    due_date = values.pop("due_date", None)
    if commitment is None:
        if status_change is None:
            raise TypeError("a new commitment needs its first status change")
        commitment = Commitment(**values)
        commitment.full_clean(exclude=["status"])
        if author is not None:
            commitment._history_user = author  # the audit trail's author for the creation
        commitment.save()
        _set_relations(commitment, relations)
        if sets_deadline:
            _deadline_from_shorthand(commitment, due_date, increment=0, author=author)
        locked = commitment_lock(commitment=commitment, expected_version=commitment.version)
    else:
        locked = commitment_lock(commitment=commitment, expected_version=expected_version)
        for name, value in values.items():
            setattr(commitment, name, value)
        commitment.status = locked.status
        commitment.full_clean(exclude=["status"], validate_unique=True)
        commitment_write(
            commitment=commitment, read_version=locked.version, author=author, **values
        )
        _set_relations(commitment, relations)
        if sets_deadline:
            _deadline_from_shorthand(commitment, due_date, increment=0, author=author)
        if status_change is None or status_change.new_status == locked.status:
            return commitment
        locked = commitment  # still locked, now at the version just written
    status_change_write(
        commitment=commitment,
        locked=locked,
        change=status_change,
        author=author,
        origin=origin,
        today=today,
    )
    return commitment


def _deadline_from_shorthand(commitment: Commitment, due_date, *, increment: int, author) -> None:
    """``due_date`` (with ``due_date_note``) written as a field: the final deadline follows."""
    final_deadline_set(commitment=commitment, due_date=due_date, note=commitment.due_date_note)
    governing_deadline_refresh(
        commitment=commitment, read_version=commitment.version, author=author, increment=increment
    )


def _set_relations(commitment: Commitment, relations: Mapping[str, Any]) -> None:
    for name, value in relations.items():
        getattr(commitment, name).set(value)


@transaction.atomic
def commitment_archive(*, commitment: Commitment, expected_version: int, author=None) -> Commitment:
    """Take a commitment out of the lists, keeping it and its history (never a deletion)."""
    locked = commitment_lock(commitment=commitment, expected_version=expected_version)
    if locked.archived_at is None:
        commitment_write(
            commitment=commitment,
            read_version=locked.version,
            author=author,
            archived_at=timezone.now(),
        )
    return commitment


@transaction.atomic
def commitment_restore(*, commitment: Commitment, expected_version: int, author=None) -> Commitment:
    """Bring an archived commitment back into the lists."""
    locked = commitment_lock(commitment=commitment, expected_version=expected_version)
    if locked.archived_at is not None:
        commitment_write(
            commitment=commitment, read_version=locked.version, author=author, archived_at=None
        )
    return commitment
