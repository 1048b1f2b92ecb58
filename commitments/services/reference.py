"""Bodies, sources and tags: created and changed by staff, with a check for concurrent edits.

These records carry no version column. A caller states the *fingerprint* of the record as it
read it (:func:`record_fingerprint`, a hash of its editable values); the save locks the row,
computes the fingerprint again and refuses with :class:`StaleRecordError` if it differs, so
someone else's change is never silently overwritten. Bad input raises ``ValidationError``
(per field) and writes nothing.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

from django.db import models, transaction

from commitments.fields import BODY_FIELDS, SOURCE_FIELDS
from commitments.models import Body, Source, Tag

# What staff may write on each record, the one list per shape (tags have no exchange format).
TAG_FIELDS = ("slug", "name")
EDITABLE_FIELDS: dict[type[models.Model], tuple[str, ...]] = {
    Body: BODY_FIELDS,
    Source: SOURCE_FIELDS,
    Tag: TAG_FIELDS,
}


class StaleRecordError(Exception):
    """The record changed since the caller read it: nothing was written. Carries it as it is
    now (``current``)."""

    def __init__(self, *, current: models.Model):
        self.current = current
        super().__init__(f"{type(current).__name__} {current.pk} was changed by someone else.")


def record_state(record: models.Model) -> dict[str, str]:
    """The record's editable values as text, as a form read them."""
    fields = EDITABLE_FIELDS[type(record)]
    return {name: "" if (value := getattr(record, name)) is None else str(value) for name in fields}


def record_fingerprint(record: models.Model) -> str:
    """A hash of the record's editable values: what a caller states it read."""
    return state_fingerprint(record_state(record))


def state_fingerprint(state: Mapping[str, str]) -> str:
    payload = json.dumps(dict(state), sort_keys=True, ensure_ascii=False).encode()
    return hashlib.sha256(payload).hexdigest()


@transaction.atomic
def _record_save(
    *,
    model: type[models.Model],
    record: models.Model | None,
    data: Mapping[str, Any],
    expected_fingerprint: str | None,
    author=None,
) -> models.Model:
    unknown = set(data) - set(EDITABLE_FIELDS[model])
    if unknown:
        raise TypeError(f"{model.__name__} save got fields it may not write: {sorted(unknown)}")
    if record is None:
        record = model()
    else:
        if expected_fingerprint is None:
            raise TypeError("expected_fingerprint is required: state what you read")
        locked = model.objects.select_for_update().get(pk=record.pk)
        if record_fingerprint(locked) != expected_fingerprint:
            raise StaleRecordError(current=locked)
        record = locked
    for name, value in data.items():
        setattr(record, name, value)
    record.full_clean()
    if author is not None and hasattr(model, "history"):
        record._history_user = author  # the audit trail's author
    record.save()
    return record


def body_save(
    *, body: Body | None, data: Mapping[str, Any], expected_fingerprint: str | None, author=None
) -> Body:
    """Create a body (``body=None``) or change one read with ``expected_fingerprint``."""
    return _record_save(
        model=Body, record=body, data=data, expected_fingerprint=expected_fingerprint, author=author
    )


def source_save(
    *,
    source: Source | None,
    data: Mapping[str, Any],
    expected_fingerprint: str | None,
    author=None,
) -> Source:
    """Create a source (``source=None``) or change one read with ``expected_fingerprint``."""
    return _record_save(
        model=Source,
        record=source,
        data=data,
        expected_fingerprint=expected_fingerprint,
        author=author,
    )


def tag_save(
    *, tag: Tag | None, data: Mapping[str, Any], expected_fingerprint: str | None, author=None
) -> Tag:
    """Create a tag (``tag=None``) or change one read with ``expected_fingerprint``."""
    return _record_save(
        model=Tag, record=tag, data=data, expected_fingerprint=expected_fingerprint, author=author
    )
