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
They keep the technical column names; staff import from their own pages
(``commitments/web/spreadsheets.py``: ``columns.py``, ``reading.py``, ``importing.py``,
``writing.py``), with French or English headings. Both read files within ``bounds.py``.
"""

import datetime
import logging
import re
from io import BytesIO

import tablib
from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.template.defaultfilters import filesizeformat
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from import_export import fields, resources, widgets
from import_export.admin import ImportExportMixin
from import_export.formats import base_formats
from import_export.forms import ImportForm

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

from . import bounds
from .formulas import neutralise
from .reading import separator

logger = logging.getLogger(__name__)

# A cell a spreadsheet would run: "=…", or "+…", "-…", "@…" followed by a function call.
FORMULA = re.compile(r"^\s*(=|[+\-@]\s*[A-Za-z_][\w.]*\s*\()")


class BoundedCSV(base_formats.CSV):
    """CSV read line by line as UTF-8, within the import's bounds (``bounds.py``).

    Binary for the admin, which then hands over the bytes undecoded: decoding the whole file
    first would fail on a bad byte anywhere, and spend the time a refusal should save.
    """

    def is_binary(self):
        return True

    def get_read_mode(self):
        return "rb"

    def create_dataset(self, in_stream):
        bounds.check_size(len(in_stream))
        rows = bounds.csv_rows(in_stream, delimiter=separator(in_stream))
        return _dataset(*bounds.table(rows))


class XLSXWithFormulae(base_formats.XLSX):
    """Reads formula cells as their formula text, so that an import can refuse them.

    The library's reader takes the cached result instead, which hides a formula (and is empty
    for files no spreadsheet has computed). The archive is checked before openpyxl opens it,
    and reading stops at the first row beyond the limit.
    """

    def create_dataset(self, in_stream):
        import openpyxl

        bounds.check_size(len(in_stream))
        bounds.check_archive(in_stream)
        try:
            book = openpyxl.load_workbook(BytesIO(in_stream), read_only=True, data_only=False)
        except Exception:
            # Whatever openpyxl finds wrong in the parts (missing, not XML, not a workbook).
            raise bounds.not_xlsx() from None
        try:
            rows = enumerate(book.active.iter_rows(values_only=True), start=1)
            return _dataset(*bounds.table(rows))
        except bounds.ImportRefused:
            raise
        except Exception:
            raise bounds.not_xlsx() from None
        finally:
            book.close()


def _dataset(header: list[str], rows: list[list]) -> tablib.Dataset:
    dataset = tablib.Dataset(headers=header)
    for row in rows:
        dataset.append(row)
    return dataset


IMPORT_FORMATS = [BoundedCSV, XLSXWithFormulae]
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

    def handle_import_error(self, result, error, raise_errors=False):
        # The page shows the message only: an unexpected failure's traceback goes to the log.
        if not isinstance(error, ValueError):
            logger.error("Import failed", exc_info=error)
        super().handle_import_error(result, error, raise_errors)

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


class SpreadsheetImportForm(ImportForm):
    """The library's import form, which refuses an oversize file before it is read."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["import_file"].help_text = _(
            "CSV (UTF-8) or XLSX, at most %(size)s and %(rows)s rows."
        ) % {"size": filesizeformat(settings.IMPORT_MAX_BYTES), "rows": settings.IMPORT_MAX_ROWS}

    def clean_import_file(self):
        import_file = self.cleaned_data["import_file"]
        try:
            bounds.check_size(import_file.size)
        except bounds.ImportRefused as error:
            raise forms.ValidationError(str(error), code="too_large") from None
        return import_file


class SpreadsheetMixin(ImportExportMixin):
    """CSV and XLSX import (with a preview) and export, from the admin's list pages.

    All or nothing: a row that turns out invalid when the import is confirmed (someone changed
    the data since the preview) rolls the whole file back, and the rows' errors are shown.
    """

    import_formats = IMPORT_FORMATS
    export_formats = EXPORT_FORMATS
    import_form_class = SpreadsheetImportForm
    # The library's page, without the tracebacks it shows under a file's errors.
    import_template_name = "admin/commitments/import.html"

    def add_data_read_fail_error_to_form(self, form, e):
        """A file that cannot be read: its reason, or a plain message (never an exception name)."""
        if isinstance(e, bounds.ImportRefused):
            form.add_error("import_file", str(e))
            return
        logger.error("An uploaded file could not be read", exc_info=e)
        form.add_error(
            "import_file",
            _(
                "The file could not be read. Check that the chosen format matches the file "
                "(CSV UTF-8 or XLSX)."
            ),
        )

    def process_import(self, request, **kwargs):
        """The confirmation: a file already imported (a second click) or gone is a message."""
        format_index = request.POST.get("format", "")
        if format_index.isdigit() and int(format_index) < len(self.get_import_formats()):
            try:
                return super().process_import(request, **kwargs)
            except (FileNotFoundError, bounds.ImportRefused):
                pass
        self.message_user(
            request,
            _(
                "This file is no longer available: it was already imported, or the preview "
                "expired. Nothing was written; choose the file again."
            ),
            messages.ERROR,
        )
        return HttpResponseRedirect(
            reverse(
                f"admin:{self.model._meta.app_label}_{self.model._meta.model_name}_import",
                current_app=self.admin_site.name,
            )
        )

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
