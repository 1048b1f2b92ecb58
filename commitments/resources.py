"""Spreadsheet import and export (CSV, XLSX) of bodies, sources and commitments.

Built on django-import-export: the admin shows a preview with per-row errors and what will be
created or updated, and only a clean file can be confirmed; the import runs in one transaction
and each row is logged in the admin history with the user who imported it.

A commitment row goes through the domain services like any other write: a new commitment is
created with its first history entry, and a status that differs from the current one is
recorded by ``services.change_status`` (origin "import", author the importing user). An
optional ``version`` column (exported with every row) refuses rows about a commitment that
changed since the file was exported.
"""

import datetime
import re
from io import BytesIO

import tablib
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from import_export import fields, resources, widgets
from import_export.formats import base_formats

from . import services
from .exports import neutralise
from .models import Body, Commitment, Source, StatusChange, Tag
from .seeding import BODY_FIELDS, SOURCE_FIELDS

# A cell a spreadsheet would run: "=…", or "+…", "-…", "@…" followed by a function call.
FORMULA = re.compile(r"^\s*(=|[+\-@]\s*[A-Za-z_][\w.]*\s*\()")

# Service field names, as the file's columns call them.
SERVICE_TO_COLUMN = {
    "new_status": "status",
    "effective_date": "status_effective_date",
    "note": "status_note",
}


class XLSXWithFormulae(base_formats.XLSX):
    """Reads formula cells as their formula text, so that an import can refuse them.

    The library's reader takes the cached result instead, which hides a formula (and is empty
    for files no spreadsheet has computed).
    """

    def create_dataset(self, in_stream):
        import openpyxl

        book = openpyxl.load_workbook(BytesIO(in_stream), read_only=True, data_only=False)
        rows = book.active.iter_rows(values_only=True)
        dataset = tablib.Dataset()
        dataset.headers = [str(value) if value is not None else "" for value in next(rows, ())]
        for row in rows:
            if any(value not in (None, "") for value in row):
                # An empty cell is an empty text, as in a CSV file.
                dataset.append(["" if value is None else value for value in row])
        book.close()
        return dataset


IMPORT_FORMATS = [base_formats.CSV, XLSXWithFormulae]
EXPORT_FORMATS = [base_formats.CSV, base_formats.XLSX]


class SafeSpreadsheetResource(resources.ModelResource):
    """Refuses formula cells, duplicate keys and unknown columns; neutralises on export."""

    required_columns: tuple[str, ...] = ("key",)

    def before_import(self, dataset, **kwargs):
        headers = [header for header in (dataset.headers or []) if header]
        known = {field.column_name for field in self.get_import_fields()}
        unknown = sorted(set(headers) - known)
        missing = [column for column in self.required_columns if column not in headers]
        problems = []
        if missing:
            problems.append(_("missing column(s): %(columns)s") % {"columns": ", ".join(missing)})
        if unknown:
            problems.append(_("unknown column(s): %(columns)s") % {"columns": ", ".join(unknown)})
        if problems:
            raise ValueError(
                _("The file's columns do not match (%(problems)s). Expected columns: %(expected)s.")
                % {"problems": "; ".join(problems), "expected": ", ".join(sorted(known))}
            )
        self._rows_by_key: dict[str, int] = {}
        super().before_import(dataset, **kwargs)

    def before_import_row(self, row, **kwargs):
        errors = {}
        for column, value in row.items():
            if isinstance(value, str) and FORMULA.match(value):
                errors[column] = _(
                    "This cell holds a spreadsheet formula (%(value)s); enter the value itself."
                ) % {"value": value[:40]}
        key = row.get("key")
        if key:
            number = kwargs.get("row_number")
            first = self._rows_by_key.setdefault(str(key), number)
            if first != number:
                errors["key"] = _(
                    "The key “%(key)s” appears twice (rows %(first)s and %(row)s)."
                ) % {
                    "key": key,
                    "first": first,
                    "row": number,
                }
        if errors:
            raise ValidationError(errors)
        super().before_import_row(row, **kwargs)

    def export(self, *args, **kwargs):
        dataset = super().export(*args, **kwargs)
        safe = tablib.Dataset(headers=dataset.headers)
        for row in dataset:
            safe.append([neutralise(value) for value in row])
        return safe


class BodyResource(SafeSpreadsheetResource):
    required_columns = ("key", "name")

    class Meta:
        model = Body
        import_id_fields = ["key"]
        fields = BODY_FIELDS
        export_order = fields
        skip_unchanged = True
        report_skipped = True
        clean_model_instances = True


class SourceResource(SafeSpreadsheetResource):
    required_columns = ("key", "title")

    class Meta:
        model = Source
        import_id_fields = ["key"]
        fields = SOURCE_FIELDS
        export_order = fields
        skip_unchanged = True
        report_skipped = True
        clean_model_instances = True


class KeyListWidget(widgets.ManyToManyWidget):
    """Comma-separated keys, e.g. “collectif-2022, mae-2022”; an unknown key is an error."""

    def clean(self, value, row=None, **kwargs):
        keys = [key.strip() for key in str(value or "").split(self.separator) if key.strip()]
        found = {
            getattr(obj, self.field): obj
            for obj in self.model.objects.filter(**{f"{self.field}__in": keys})
        }
        unknown = [key for key in keys if key not in found]
        if unknown:
            raise ValueError(_("Unknown key(s): %(keys)s") % {"keys": ", ".join(unknown)})
        return [found[key] for key in keys]


class KeyWidget(widgets.ForeignKeyWidget):
    """A related record given by its key; an unknown key is an error, not a silent blank."""

    def clean(self, value, row=None, **kwargs):
        if value in (None, ""):
            return None
        try:
            return super().clean(value, row, **kwargs)
        except self.model.DoesNotExist as error:
            raise ValueError(_("Unknown key: %(key)s") % {"key": value}) from error


class CommitmentResource(SafeSpreadsheetResource):
    required_columns = ("key", "title", "responsible_body", "status")

    responsible_body = fields.Field(
        attribute="responsible_body",
        column_name="responsible_body",
        widget=KeyWidget(Body, field="key"),
    )
    monitoring_body = fields.Field(
        attribute="monitoring_body",
        column_name="monitoring_body",
        widget=KeyWidget(Body, field="key"),
    )
    owner = fields.Field(
        attribute="owner",
        column_name="owner",
        widget=KeyWidget(Commitment._meta.get_field("owner").related_model, field="username"),
    )
    tags = fields.Field(
        attribute="tags", column_name="tags", widget=KeyListWidget(Tag, field="slug", separator=",")
    )
    # Exported, and checked on import, but never written from the file.
    version = fields.Field(attribute="version", column_name="version", readonly=True)
    status_effective_date = fields.Field(column_name="status_effective_date")
    status_note = fields.Field(column_name="status_note")
    status_sources = fields.Field(column_name="status_sources")

    class Meta:
        model = Commitment
        import_id_fields = ["key"]
        fields = [
            "key",
            "title",
            "summary",
            "category",
            "responsible_body",
            "monitoring_body",
            "due_date",
            "due_date_note",
            "owner",
            "tags",
            "is_public",
            "status",
            "status_effective_date",
            "status_note",
            "status_sources",
            "version",
        ]
        export_order = fields
        skip_unchanged = True
        report_skipped = True
        clean_model_instances = True

    def get_export_queryset(self, request=None):
        return (
            super()
            .get_export_queryset(request)
            .select_related("responsible_body", "monitoring_body", "owner")
            .prefetch_related("tags")
        )

    def dehydrate_status_effective_date(self, commitment):
        return ""

    def dehydrate_status_note(self, commitment):
        return ""

    def dehydrate_status_sources(self, commitment):
        return ""

    def import_instance(self, instance, row, **kwargs):
        # The version column states what the file was based on; it is checked, never written.
        super().import_instance(instance, row, **kwargs)
        errors = {}
        # Tags are written after the row is saved; check them now so a bad key is a row error.
        try:
            self.fields["tags"].clean(row)
        except ValueError as error:
            errors["tags"] = str(error)
        version = row.get("version")
        if version not in (None, ""):
            try:
                version = int(version)
            except (TypeError, ValueError):
                errors["version"] = _("The version must be a whole number.")
            else:
                if instance.pk and version != instance.version:
                    errors["version"] = _(
                        "This commitment changed since the file was exported (version %(file)s, "
                        "now %(current)s): export it again and redo the change."
                    ) % {"file": version, "current": instance.version}
        if errors:
            raise ValidationError(errors)

    def save_instance(self, instance, is_create, row, **kwargs):
        user = kwargs.get("user")
        new_status = instance.status
        status_kwargs = self._status_change_arguments(row)
        data = {name: getattr(instance, name) for name in services.EDITABLE_FIELDS}
        try:
            if is_create:
                created = services.commitment_create(
                    status=new_status,
                    author=user,
                    origin=StatusChange.Origin.IMPORT,
                    effective_date=status_kwargs["effective_date"],
                    note=status_kwargs["note"],
                    status_sources=status_kwargs["sources"],
                    **data,
                )
                # The row's instance stands for the created record from now on (tags are
                # set on it next).
                for field in Commitment._meta.concrete_fields:
                    setattr(instance, field.attname, getattr(created, field.attname))
                instance._state.adding = False
                return
            current_status = Commitment.all_objects.values_list("status", flat=True).get(
                pk=instance.pk
            )
            services.commitment_update(
                commitment=instance, expected_version=instance.version, author=user, **data
            )
            if new_status != current_status:
                services.change_status(
                    commitment=instance,
                    new_status=new_status,
                    author=user,
                    origin=StatusChange.Origin.IMPORT,
                    expected_version=instance.version,
                    **status_kwargs,
                )
        except services.StaleVersionError as error:
            raise ValidationError(
                {"version": _("This commitment was changed by someone else during the import.")}
            ) from error
        except ValidationError as error:
            raise ValidationError(
                {
                    SERVICE_TO_COLUMN.get(field, field): messages
                    for field, messages in error.error_dict.items()
                }
            ) from error

    def _status_change_arguments(self, row) -> dict:
        errors = {}
        raw_date = row.get("status_effective_date")
        effective_date = timezone.localdate()
        if isinstance(raw_date, datetime.datetime):
            effective_date = raw_date.date()
        elif isinstance(raw_date, datetime.date):
            effective_date = raw_date
        elif raw_date not in (None, ""):
            try:
                effective_date = datetime.date.fromisoformat(str(raw_date).strip())
            except ValueError:
                errors["status_effective_date"] = _(
                    "“%(value)s” is not a date (expected YYYY-MM-DD)."
                ) % {"value": raw_date}
        try:
            sources = KeyListWidget(Source, field="key", separator=",").clean(
                row.get("status_sources")
            )
        except ValueError as error:
            errors["status_sources"] = str(error)
            sources = []
        if errors:
            raise ValidationError(errors)
        return {
            "effective_date": effective_date,
            "note": str(row.get("status_note") or ""),
            "sources": sources,
        }
