"""Claims (what each side asserts) and asks (what bodies request): recorded, corrected or
removed on a commitment with the version its caller read, sourced, dated, validated once here."""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from commitments.models import Ask, Claim, Commitment

from .deadlines import successors_refresh
from .versions import commitment_lock, commitment_write


def _not_in_future(errors: dict, field: str, day: datetime.date | None, today) -> None:
    if day and day > today:
        errors.setdefault(field, []).append(
            ValidationError(_("This date cannot be in the future."), code="future")
        )


def _validate_claim(claim: Claim, *, today: datetime.date) -> None:
    errors: dict[str, list[ValidationError]] = {}
    if claim.kind == Claim.Kind.STATUS and not claim.claimed_status:
        errors["claimed_status"] = [
            ValidationError(_("Say which status this side claims."), code="status_required")
        ]
    if claim.kind == Claim.Kind.PERIOD:
        if claim.period_end is None:
            errors["period_end"] = [
                ValidationError(_("A period needs its end, e.g. 2021."), code="end_required")
            ]
        elif claim.period_start and claim.period_start > claim.period_end:
            errors["period_start"] = [
                ValidationError(_("The period cannot start after it ends."), code="start_after_end")
            ]
    _not_in_future(errors, "made_on", claim.made_on, today)
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def claim_record(
    *,
    commitment: Commitment,
    data: Mapping[str, Any],
    expected_version: int,
    claim: Claim | None = None,
    author=None,
    today: datetime.date | None = None,
) -> Claim:
    """Record (or correct) what a side claims about ``commitment``. A claimed period moves the
    deadlines of the commitments that succeed it."""
    locked = commitment_lock(commitment=commitment, expected_version=expected_version)
    claim = claim or Claim(commitment=commitment)
    for name, value in data.items():
        setattr(claim, name, value)
    _validate_claim(claim, today=today or timezone.localdate())
    claim.full_clean(exclude=["commitment"])
    claim.save()
    commitment_write(commitment=commitment, read_version=locked.version, author=author)
    if claim.kind == Claim.Kind.PERIOD:
        successors_refresh(predecessor=commitment, author=author)
    return claim


@transaction.atomic
def ask_record(
    *,
    commitment: Commitment,
    data: Mapping[str, Any],
    expected_version: int,
    ask: Ask | None = None,
    author=None,
    today: datetime.date | None = None,
) -> Ask:
    """Record (or correct) a request or recommendation a body made about ``commitment``."""
    locked = commitment_lock(commitment=commitment, expected_version=expected_version)
    ask = ask or Ask(commitment=commitment)
    for name, value in data.items():
        setattr(ask, name, value)
    errors: dict[str, list[ValidationError]] = {}
    _not_in_future(errors, "made_on", ask.made_on, today or timezone.localdate())
    if errors:
        raise ValidationError(errors)
    ask.full_clean(exclude=["commitment"])
    ask.save()
    commitment_write(commitment=commitment, read_version=locked.version, author=author)
    return ask


@transaction.atomic
def claim_delete(*, claim: Claim, expected_version: int, author=None) -> None:
    """Remove a claim recorded in error; a claimed period no longer moves the successors'
    deadlines. The claim's history keeps it."""
    commitment = claim.commitment
    locked = commitment_lock(commitment=commitment, expected_version=expected_version)
    was_period = claim.kind == Claim.Kind.PERIOD
    if author is not None:
        claim._history_user = author  # the audit trail's author for the removal
    claim.delete()
    commitment_write(commitment=commitment, read_version=locked.version, author=author)
    if was_period:
        successors_refresh(predecessor=commitment, author=author)


@transaction.atomic
def ask_delete(*, ask: Ask, expected_version: int, author=None) -> None:
    """Remove an ask recorded in error. The ask's history keeps it."""
    commitment = ask.commitment
    locked = commitment_lock(commitment=commitment, expected_version=expected_version)
    if author is not None:
        ask._history_user = author  # the audit trail's author for the removal
    ask.delete()
    commitment_write(commitment=commitment, read_version=locked.version, author=author)
