"""The staff import: a table read by ``reading.py`` checked row by row, then written all or
nothing.

Every row is tried through the domain's own writes (``commitment_save`` for commitments, with
the version the file was exported at for an existing one; the models' validation for bodies
and sources), each in a savepoint, inside one transaction. The preview (``commit=False``)
always rolls that transaction back, so it reports exactly what the confirmation would refuse;
the confirmation commits only if no row has an error. A row's errors name its line in the
file, the column (its heading in the user's language) and the reason, in the user's language.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from commitments import search_index
from commitments.fields import COMMITMENT_EDITABLE_FIELDS, STATUS_CHANGE_COLUMNS
from commitments.models import Commitment, StatusChange
from commitments.services.lifecycle import commitment_save
from commitments.services.status import StatusChangeInput
from commitments.services.versions import StaleVersionError

from .columns import KEY, KEYS, CellError, Column, Sheet, _text

CREATE, UPDATE, UNCHANGED, ERROR = "create", "update", "unchanged", "error"
ACTION_LABELS = {
    CREATE: gettext_lazy("New"),
    UPDATE: gettext_lazy("Changed"),
    UNCHANGED: gettext_lazy("Unchanged"),
    ERROR: gettext_lazy("Error"),
}


@dataclass
class RowError:
    line: int
    column: str  # the column's heading, "" for the row as a whole
    message: str


@dataclass
class RowResult:
    line: int
    key: str
    action: str = ERROR
    errors: list[RowError] = field(default_factory=list)

    @property
    def action_label(self) -> str:
        return str(ACTION_LABELS[self.action])


@dataclass
class ImportResult:
    rows: list[RowResult] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # the file's, before any row is read
    written: bool = False

    @property
    def errors(self) -> list[RowError]:
        return [error for row in self.rows for error in row.errors]

    @property
    def ok(self) -> bool:
        return not self.problems and not self.errors

    def count(self, action: str) -> int:
        return sum(1 for row in self.rows if row.action == action)

    @property
    def counts(self) -> dict[str, int]:
        return {action: self.count(action) for action in ACTION_LABELS}


def import_table(
    *,
    sheet: Sheet,
    header: list,
    rows: list[tuple[int, list]],
    user,
    commit: bool,
    today: datetime.date | None = None,
) -> ImportResult:
    """Check (``commit=False``) or import (``commit=True``) the rows; all or nothing."""
    matched, problems = sheet.match_header(header)
    if problems:
        return ImportResult(problems=problems)
    if not rows:
        return ImportResult(problems=[_("The file has no row below its header.")])
    today = today or timezone.localdate()
    # The search documents of every row written rebuilt once, at the end.
    with transaction.atomic(), search_index.refreshed_once():
        result = ImportResult(rows=_import_rows(sheet, matched, rows, user=user, today=today))
        if commit and result.ok:
            result.written = True
        else:
            transaction.set_rollback(True)
    return result


def _known(column: Column, matched: list, rows) -> dict:
    """The records the rows name in ``column``, by the name the cells use, in one query."""
    index = matched.index(column)
    names = set()
    for _line, cells in rows:
        raw = cells[index]
        if raw in (None, ""):
            continue
        if column.kind == KEYS:
            names.update(part.strip() for part in str(raw).replace(";", ",").split(","))
        else:
            names.add(_text(raw))
    names.discard("")
    found = column.model.objects.filter(**{f"{column.lookup}__in": names})
    return {getattr(record, column.lookup): record for record in found}


def _import_rows(sheet: Sheet, matched: list, rows, *, user, today) -> list[RowResult]:
    known = {
        column.name: _known(column, matched, rows)
        for column in matched
        if column is not None and column.kind in (KEY, KEYS)
    }
    key_index = next(i for i, column in enumerate(matched) if column and column.name == "key")
    keys = {_text(cells[key_index]) for _line, cells in rows if cells[key_index] not in (None, "")}
    existing = sheet.model.objects.filter(key__in=keys)
    if sheet.model is Commitment:
        existing = existing.select_related("responsible_body", "monitoring_body", "owner")
        existing = existing.prefetch_related("tags")
    existing = {record.key: record for record in existing}
    first_line: dict[str, int] = {}
    results = []
    for line, cells in rows:
        parsed, errors = {}, []
        for column, raw in zip(matched, cells, strict=True):
            if column is None:
                continue
            try:
                parsed[column.name] = column.read(raw, known.get(column.name))
            except CellError as error:
                errors.append(RowError(line, column.heading, str(error)))
        key = parsed.get("key") or ""
        row = RowResult(line=line, key=key)
        results.append(row)
        key_heading = sheet.column("key").heading
        if not key and not any(e.column == key_heading for e in errors):
            errors.append(RowError(line, key_heading, _("Every row needs a key, e.g. “miprof”.")))
        elif key and first_line.setdefault(key, line) != line:
            errors.append(
                RowError(
                    line,
                    key_heading,
                    _("The key “%(key)s” is already on line %(first)s.")
                    % {"key": key, "first": first_line[key]},
                )
            )
        if sheet.model is Commitment and key not in existing and not parsed.get("status"):
            heading = sheet.column("status").heading
            if not any(e.column == heading for e in errors):
                errors.append(RowError(line, heading, _("A new commitment needs its status.")))
        if errors:
            row.errors = errors
            continue
        writer = _write_commitment if sheet.model is Commitment else _write_record
        try:
            with transaction.atomic():
                row.action = writer(sheet, parsed, existing.get(key), user=user, today=today)
        except ValidationError as error:
            row.action = ERROR
            row.errors = _row_errors(sheet, line, error)
        except IntegrityError:
            # A record written meanwhile by someone else (the same key, the same name).
            row.action = ERROR
            row.errors = [
                RowError(
                    line,
                    "",
                    _("This row conflicts with a record saved meanwhile: check the file again."),
                )
            ]
        except StaleVersionError as error:
            row.action = ERROR
            row.errors = [
                RowError(
                    line,
                    sheet.column("version").heading,
                    _(
                        "This commitment changed since the file was exported (version "
                        "%(file)s, now %(current)s): export it again and redo the change."
                    )
                    % {"file": error.expected_version, "current": error.current.version},
                )
            ]
    return results


def _row_errors(sheet: Sheet, line: int, error: ValidationError) -> list[RowError]:
    headings = {column.name: column.heading for column in sheet.columns}
    if not hasattr(error, "error_dict"):
        return [RowError(line, "", message) for message in error.messages]
    found = []
    for name, messages in error.message_dict.items():
        column = STATUS_CHANGE_COLUMNS.get(name, name)
        heading = "" if name == NON_FIELD_ERRORS else headings.get(column, column)
        found.extend(RowError(line, heading, message) for message in messages)
    return found


def _without_empty_defaults(model, parsed: dict) -> dict:
    """An empty cell for a field with a default leaves the field as it is (or its default)."""
    values = {}
    for name, value in parsed.items():
        try:
            model_field = model._meta.get_field(name)
        except Exception:
            model_field = None
        if value in (None, "") and model_field is not None and model_field.has_default():
            continue
        values[name] = value
    return values


def _same(record, name: str, value) -> bool:
    if name == "tags":
        return {tag.pk for tag in record.tags.all()} == {tag.pk for tag in value}
    current = getattr(record, name)
    if isinstance(current, str) and value is None:
        value = ""
    return current == value


def _write_commitment(sheet, parsed, existing, *, user, today) -> str:
    data = _without_empty_defaults(
        Commitment, {k: v for k, v in parsed.items() if k in COMMITMENT_EDITABLE_FIELDS}
    )
    status = parsed.get("status")
    change = None
    if status and (existing is None or status != existing.status):
        change = StatusChangeInput(
            new_status=status,
            effective_date=parsed.get("status_effective_date") or today,
            note=parsed.get("status_note") or "",
            sources=parsed.get("status_sources") or [],
        )
    if existing is None:
        commitment_save(
            commitment=None,
            data=data,
            expected_version=None,
            status_change=change,
            author=user,
            origin=StatusChange.Origin.IMPORT,
            today=today,
        )
        return CREATE
    if change is None and all(_same(existing, name, value) for name, value in data.items()):
        return UNCHANGED
    version = parsed.get("version")
    if version is None:
        raise ValidationError(
            {
                "version": _(
                    "A version is required to change a commitment that already exists: "
                    "export the file again and redo the change."
                )
            }
        )
    commitment_save(
        commitment=existing,
        data=data,
        expected_version=version,
        status_change=change,
        author=user,
        origin=StatusChange.Origin.IMPORT,
        today=today,
    )
    return UPDATE


def _write_record(sheet, parsed, existing, *, user, today) -> str:
    """A body or a source: created by anyone who may import it; changed by an
    administrator only (editors may add bodies and sources, not change them)."""
    model = sheet.model
    values = _without_empty_defaults(model, parsed)
    if existing is None:
        record = model(**values)
        action = CREATE
    else:
        changed = [name for name, value in values.items() if not _same(existing, name, value)]
        if not changed:
            return UNCHANGED
        if not user.has_perm(f"{model._meta.app_label}.change_{model._meta.model_name}"):
            raise ValidationError(
                _(
                    "“%(key)s” already exists, and only an administrator may change it "
                    "(columns changed: %(columns)s)."
                )
                % {
                    "key": existing.key,
                    "columns": ", ".join(sheet.column(name).heading for name in changed),
                }
            )
        record = existing
        for name, value in values.items():
            setattr(record, name, value)
        action = UPDATE
    record.full_clean()
    record._history_user = user
    record.save()
    return action
