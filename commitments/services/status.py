"""Validating and recording a status change: the only way a commitment's status changes.

:func:`status_change_record` writes the history entry and the new current status in one
transaction and bumps the version. The effective date may not lie in the future nor before
the latest entry's, so the history stays in order and the status as of any date can be
rebuilt from it. Every change cites at least one source (a document or an exchange): the
product's promise that every status is backed by evidence. A commitment's first entry, written
with the commitment itself, is exempt (its evidence is its citations), and so is the history
recorded before the rule.
"""

import dataclasses
import datetime
from collections.abc import Sequence

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from commitments import search_index
from commitments.models import Commitment, Source, StatusChange

from .versions import commitment_lock, commitment_write

NOTE_MAX_LENGTH = 4000


@dataclasses.dataclass(frozen=True)
class StatusChangeInput:
    """What a status change needs from its caller (author and origin aside)."""

    new_status: str
    effective_date: datetime.date | None
    note: str = ""
    sources: Sequence[Source] = ()


def status_change_validate(
    *,
    commitment: Commitment,
    new_status: str,
    effective_date: datetime.date | None,
    note: str = "",
    sources: Sequence[Source] = (),
    today: datetime.date | None = None,
) -> None:
    """Raise the ``ValidationError`` that :func:`status_change_record` would raise, writing
    nothing (the version aside: that is checked by the write)."""
    latest = commitment.status_changes.latest_first().first() if commitment.pk else None
    _validate(
        previous_status=commitment.status if latest else "",
        latest_effective_date=latest.effective_date if latest else None,
        change=StatusChangeInput(new_status, effective_date, note, tuple(sources)),
        today=today or timezone.localdate(),
    )


def _validate(
    *,
    previous_status: str,
    latest_effective_date: datetime.date | None,
    change: StatusChangeInput,
    today: datetime.date,
) -> None:
    errors: dict[str, list[ValidationError]] = {}
    new_status, effective_date, note = change.new_status, change.effective_date, change.note
    if new_status not in Commitment.Status.values:
        errors["new_status"] = [
            ValidationError(
                _("“%(value)s” is not a known status."),
                code="invalid_status",
                params={"value": new_status},
            )
        ]
    elif new_status == previous_status:
        errors["new_status"] = [
            ValidationError(_("The commitment already has this status."), code="unchanged")
        ]
    if effective_date is None:
        errors["effective_date"] = [
            ValidationError(_("An effective date is required."), code="required")
        ]
    elif effective_date > today:
        errors["effective_date"] = [
            ValidationError(
                _("The effective date cannot be in the future."), code="effective_date_in_future"
            )
        ]
    elif latest_effective_date and effective_date < latest_effective_date:
        errors["effective_date"] = [
            ValidationError(
                _("The effective date cannot be before that of the latest change (%(date)s)."),
                code="effective_date_before_latest",
                params={"date": latest_effective_date},
            )
        ]
    if len(note or "") > NOTE_MAX_LENGTH:
        errors["note"] = [
            ValidationError(
                _("The note is too long (%(length)d characters, at most %(max)d)."),
                code="max_length",
                params={"length": len(note), "max": NOTE_MAX_LENGTH},
            )
        ]
    if previous_status and not change.sources:
        # Only the first entry, written with the commitment, has no previous status.
        errors["sources"] = [
            ValidationError(
                _(
                    "Cite at least one source: an existing one, or a new document or exchange "
                    "(a meeting, a call, a letter, an e-mail)."
                ),
                code="sources_required",
            )
        ]
    if errors:
        raise ValidationError(errors)


@transaction.atomic
@search_index.refreshed_once()
def status_change_record(
    *,
    commitment: Commitment,
    new_status: str,
    effective_date: datetime.date | None,
    expected_version: int,
    author=None,
    note: str = "",
    sources: Sequence[Source] = (),
    origin: str = StatusChange.Origin.WEB,
    today: datetime.date | None = None,
) -> StatusChange:
    """Record a status change: the history entry and the new current status, atomically.

    ``expected_version`` is the version the caller read; if the commitment changed since,
    ``StaleVersionError`` is raised and nothing is written. The first entry of a commitment
    has no previous status. Invalid input raises ``ValidationError`` with a code, per field.
    """
    locked = commitment_lock(commitment=commitment, expected_version=expected_version)
    return status_change_write(
        commitment=commitment,
        locked=locked,
        change=StatusChangeInput(new_status, effective_date, note, tuple(sources)),
        author=author,
        origin=origin,
        today=today or timezone.localdate(),
    )


def status_change_write(
    *,
    commitment: Commitment,
    locked: Commitment,
    change: StatusChangeInput,
    author,
    origin: str,
    today: datetime.date,
) -> StatusChange:
    """Validate and write a change on a row already locked at the version the caller read.

    For the services only (``status_change_record``, ``commitment_save``), inside their
    transaction.
    """
    latest = locked.status_changes.latest_first().first()
    previous_status = locked.status if latest else ""
    _validate(
        previous_status=previous_status,
        latest_effective_date=latest.effective_date if latest else None,
        change=change,
        today=today,
    )
    entry = StatusChange.objects.create(
        commitment=locked,
        previous_status=previous_status,
        new_status=change.new_status,
        effective_date=change.effective_date,
        note=change.note,
        author=author,
        origin=origin,
    )
    entry.sources.set(change.sources)
    # The first entry completes the commitment's creation: it is not a new version.
    commitment_write(
        commitment=commitment,
        read_version=locked.version,
        author=author,
        increment=1 if latest else 0,
        status=change.new_status,
    )
    return entry
