"""The version rule: a write on an existing commitment states the version its caller read.

A caller that read an older version is refused with :class:`StaleVersionError` and nothing is
written. There is no "skip the check": ``expected_version`` is a required keyword of every
write service on an existing commitment, and ``None`` is refused.
"""

from typing import Any

from django.db.models import F
from django.utils import timezone

from commitments import figures, search_index
from commitments.models import Commitment, StatusChange


class StaleVersionError(Exception):
    """The commitment changed since the caller read it: the write was refused, nothing saved.

    Carries the commitment as it is now and its latest status change, so the caller can show
    the other person's change.
    """

    def __init__(self, *, current: Commitment, expected_version: int):
        self.current = current
        self.expected_version = expected_version
        self.latest_change = (
            StatusChange.objects.filter(commitment=current)
            .select_related("author")
            .latest_first()
            .first()
        )
        super().__init__(
            f"Commitment {current.pk} is at version {current.version}, "
            f"not {expected_version}: it was changed by someone else."
        )


def commitment_lock(*, commitment: Commitment, expected_version: int) -> Commitment:
    """The commitment's row, locked for the transaction, if it is still at ``expected_version``.

    Call inside a transaction. Raises :class:`StaleVersionError` otherwise.
    """
    if expected_version is None:
        raise TypeError("expected_version is required: state the version you read")
    locked = Commitment.all_objects.select_for_update().get(pk=commitment.pk)
    if locked.version != expected_version:
        raise StaleVersionError(current=locked, expected_version=expected_version)
    return locked


def commitment_write(
    *, commitment: Commitment, read_version: int, author=None, increment: int = 1, **fields: Any
) -> None:
    """Write ``fields`` and bump the version, only if nobody bumped it since ``read_version``
    was read, then add the new state to the audit trail.

    The conditional UPDATE is what makes this safe on every backend, locked row or not.
    """
    now = timezone.now()
    updated = Commitment.all_objects.filter(pk=commitment.pk, version=read_version).update(
        version=F("version") + increment, updated_at=now, **fields
    )
    if updated != 1:
        current = Commitment.all_objects.get(pk=commitment.pk)
        raise StaleVersionError(current=current, expected_version=read_version)
    for name, value in fields.items():
        setattr(commitment, name, value)
    commitment.version = read_version + increment
    commitment.updated_at = now
    figures.data_changed()  # the UPDATE above sends no signal
    if search_index.SEARCHED_FIELDS & fields.keys():
        # The UPDATE above sends no signal: what a search reads of it changed here.
        search_index.stale([commitment.pk])
    _audit(commitment, author=author)


def _audit(commitment: Commitment, *, author=None) -> None:
    """Record the commitment as it now is in its audit trail (django-simple-history).

    Needed because the conditional UPDATE above bypasses ``save()``, which the library
    watches; without an author, the user of the current request is recorded.
    """
    current = Commitment.all_objects.get(pk=commitment.pk)
    Commitment.history.bulk_history_create([current], update=True, default_user=author)
