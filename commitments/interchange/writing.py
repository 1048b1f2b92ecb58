"""The staff spreadsheets written: an export of every record of a shape, or the template (the
headings and one example row), as CSV or XLSX that a French spreadsheet opens as it is.

CSV: semicolon-separated (the separator French spreadsheets expect), UTF-8 with a byte-order
mark, dates as 31/12/2026. XLSX: dates are date cells shown as 31/12/2026. Both carry the
columns of ``columns.SHEETS``, which the import reads back unchanged; text a spreadsheet would
run as a formula is neutralised.
"""

from __future__ import annotations

import csv
import datetime
import io
from collections.abc import Iterable

from django.db.models import Prefetch
from django.utils.translation import gettext as _

from commitments.models import Body, Commitment, Source

from .columns import DATE_FORMAT, XLSX_DATE_FORMAT, Sheet
from .formulas import neutralise

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_CONTENT_TYPE = "text/csv; charset=utf-8"


def export_queryset(sheet: Sheet):
    """Every record of the shape, in one query (two for commitments, with their tags)."""
    if sheet.model is Commitment:
        return (
            Commitment.objects.select_related("responsible_body", "monitoring_body", "owner")
            .prefetch_related(Prefetch("tags"))
            .order_by("key")
        )
    return sheet.model.objects.order_by("key")


def export_rows(sheet: Sheet, records: Iterable) -> Iterable[list]:
    for record in records:
        yield [column.write(_value(record, column.name)) for column in sheet.columns]


def _value(record, name: str):
    if name in ("status_effective_date", "status_note"):
        return None
    if name == "status_sources":
        return []
    if name == "tags":
        return list(record.tags.all())
    return getattr(record, name)


def example_row(sheet: Sheet) -> list:
    """One row showing what each column takes, in the user's language."""
    body = Body.objects.order_by("key").only("key").first()
    source = Source.objects.order_by("key").only("key").first()
    examples = {
        "commitments": {
            "key": "exemple-plan-national",
            "title": _("Example: third national action plan against human trafficking"),
            "summary": _("What is owed, by whom, what is at stake."),
            "category": Commitment.Category.ACTION_PLAN,
            "responsible_body": body,
            "due_date": datetime.date(2026, 12, 31),
            "is_public": False,
            "status": Commitment.Status.ANNOUNCED,
            "status_effective_date": datetime.date(2026, 1, 15),
            "status_note": _("Announced at the interministerial committee."),
            "status_sources": [source] if source else [],
        },
        "bodies": {
            "key": "exemple-organisme",
            "name": _("Example: Interministerial mission"),
            "acronym": "EXEMPLE",
            "kind": Body.Kind.INTERMINISTERIAL_AGENCY,
            "level": Body.Level.NATIONAL,
            "country": "FR",
        },
        "sources": {
            "key": "exemple-rapport-2026",
            "title": _("Example: annual report"),
            "publisher": "MIPROF",
            "publication_date": datetime.date(2026, 12, 31),
            "date_precision": Source.DatePrecision.DAY,
            "language": "fr",
        },
    }[sheet.kind]
    return [column.write(examples.get(column.name)) for column in sheet.columns]


def _csv_cell(value):
    if isinstance(value, datetime.date):
        return value.strftime(DATE_FORMAT)
    return neutralise(value)


def to_csv(sheet: Sheet, rows: Iterable[list]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";")
    writer.writerow([neutralise(heading) for heading in sheet.headings()])
    for row in rows:
        writer.writerow([_csv_cell(value) for value in row])
    # A byte-order mark so that spreadsheets read the accents as UTF-8.
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def to_xlsx(sheet: Sheet, rows: Iterable[list]) -> bytes:
    from openpyxl import Workbook
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    workbook = Workbook()
    worksheet = workbook.active
    worksheet.title = str(sheet.title)[:31]
    worksheet.append([neutralise(heading) for heading in sheet.headings()])
    for cell in worksheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        worksheet.append(
            [neutralise(ILLEGAL_CHARACTERS_RE.sub("", v)) if isinstance(v, str) else v for v in row]
        )
        for cell in worksheet[worksheet.max_row]:
            if isinstance(cell.value, datetime.date):
                cell.number_format = XLSX_DATE_FORMAT
    for index, heading in enumerate(sheet.headings(), start=1):
        worksheet.column_dimensions[get_column_letter(index)].width = max(14, len(heading) + 4)
    worksheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def write(sheet: Sheet, rows: Iterable[list], fmt: str) -> tuple[bytes, str]:
    """The file's bytes and content type."""
    if fmt == "csv":
        return to_csv(sheet, rows), CSV_CONTENT_TYPE
    return to_xlsx(sheet, rows), XLSX_CONTENT_TYPE
