"""Spreadsheet import and export (CSV, XLSX) of bodies, sources and commitments.

Built on django-import-export: the admin shows a preview with per-row errors and what will be
created or updated, and only a clean file can be confirmed; the import runs in one transaction
and each row is logged in the admin history with the user who imported it.

A commitment row goes through the domain services like any other write: a new commitment is
created with its first history entry, and a status that differs from the current one is
recorded, all through ``commitment_save`` (origin "import", author the importing user). The
``version`` column (exported with every row) is required on a row about an existing commitment:
a row about a commitment that changed since the file was exported is refused.

The admin's import pages (``SpreadsheetMixin``) live here too, beside the resources they use.
"""

import datetime
import re
from io import BytesIO

import tablib
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from import_export import fields, resources, widgets
from import_export.admin import ImportExportMixin
from import_export.formats import base_formats

from commitments.fields import (
    BODY_FIELDS,
    COMMITMENT_COLUMNS,
    COMMITMENT_EDITABLE_FIELDS,
    SOURCE_FIELDS,
    STATUS_CHANGE_COLUMNS,
)
from commitments.models import Body, Commitment, Source, StatusChange, Tag
from commitments.services.lifecycle import commitment_save
from commitments.services.status import StatusChangeInput
from commitments.services.versions import StaleVersionError

from .formulas import neutralise

# A cell a spreadsheet would run: "=…", or "+…", "-…", "@…" followed by a function call.
FORMULA = re.compile(r"^\s*(=|[+\-@]\s*[A-Za-z_][\w.]*\s*\()")


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
        fields = COMMITMENT_COLUMNS
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
        # The version column states what the file was based on: parsed here, checked by the
        # save service, never written.
        super().import_instance(instance, row, **kwargs)
        errors = {}
        # Tags are written after the row is saved; check them now so a bad key is a row error.
        try:
            self.fields["tags"].clean(row)
        except ValueError as error:
            errors["tags"] = str(error)
        try:
            self._expected_version(row, existing=instance.pk is not None)
        except ValidationError as error:
            errors.update(error.message_dict)
        if errors:
            raise ValidationError(errors)

    @staticmethod
    def _expected_version(row, *, existing: bool) -> int | None:
        """The version the file was exported at: required for a commitment that exists."""
        version = row.get("version")
        if version in (None, ""):
            if existing:
                raise ValidationError(
                    {
                        "version": _(
                            "A version is required for a commitment that already exists: "
                            "export the file again and redo the change."
                        )
                    }
                )
            return None
        try:
            return int(version)
        except (TypeError, ValueError):
            raise ValidationError({"version": _("The version must be a whole number.")}) from None

    def save_instance(self, instance, is_create, row, **kwargs):
        change = StatusChangeInput(new_status=instance.status, **self._status_change_arguments(row))
        data = {
            name: getattr(instance, name) for name in COMMITMENT_EDITABLE_FIELDS if name != "tags"
        }
        if "tags" in row:
            data["tags"] = self.fields["tags"].clean(row)
        try:
            saved = commitment_save(
                commitment=None if is_create else instance,
                data=data,
                expected_version=self._expected_version(row, existing=not is_create),
                status_change=change,
                author=kwargs.get("user"),
                origin=StatusChange.Origin.IMPORT,
            )
        except StaleVersionError as error:
            raise ValidationError(
                {
                    "version": _(
                        "This commitment changed since the file was exported (version %(file)s, "
                        "now %(current)s): export it again and redo the change."
                    )
                    % {"file": error.expected_version, "current": error.current.version}
                }
            ) from error
        except ValidationError as error:
            raise ValidationError(
                {
                    STATUS_CHANGE_COLUMNS.get(field, field): messages
                    for field, messages in error.error_dict.items()
                }
            ) from error
        if is_create:
            # The row's instance stands for the created record from now on (tags are set on
            # it next).
            for field in Commitment._meta.concrete_fields:
                setattr(instance, field.attname, getattr(saved, field.attname))
            instance._state.adding = False

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


class SpreadsheetMixin(ImportExportMixin):
    """CSV and XLSX import (with a preview) and export, from the admin's list pages.

    All or nothing: a row that turns out invalid when the import is confirmed (someone changed
    the data since the preview) rolls the whole file back, and the rows' errors are shown.
    """

    import_formats = IMPORT_FORMATS
    export_formats = EXPORT_FORMATS

    def get_import_data_kwargs(self, **kwargs):
        return {**super().get_import_data_kwargs(**kwargs), "rollback_on_validation_errors": True}

    def process_result(self, result, request):
        if not (result.has_errors() or result.has_validation_errors()):
            return super().process_result(result, request)
        self.message_user(
            request,
            _(
                "The import was cancelled and nothing was written: the data changed since "
                "the preview. Here are the rows' errors; correct the file and import it "
                "again."
            ),
            messages.ERROR,
        )
        resource_classes = self.get_import_resource_classes(request)
        form = self.get_import_form_class(request)(self.get_import_formats(), resource_classes)
        context = {
            **self.admin_site.each_context(request),
            "title": _("Import"),
            "form": form,
            "opts": self.model._meta,
            "media": self.media + form.media,
            "result": result,
            "import_error_display": self.import_error_display,
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, [self.import_template_name], context)
