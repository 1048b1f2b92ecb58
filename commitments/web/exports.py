"""CSV and XLSX exports of a commitment list, safe to open in a spreadsheet.

Any text cell that begins with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is
prefixed with a single quote, so a spreadsheet never runs it as a formula (CSV injection).
"""

import csv
import datetime
import io
from collections.abc import Iterable
from urllib.parse import urljoin

from django.http import HttpResponse
from django.utils.translation import gettext as _

from commitments.interchange.formulas import neutralise

FORMATS = ("csv", "xlsx")
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def headers() -> list[str]:
    return [
        _("Title"),
        _("Status"),
        _("Category"),
        _("Responsible body"),
        _("Monitoring body"),
        _("Due date"),
        _("Days overdue"),
        _("Last status change"),
        _("Last change note"),
        _("Last change sources"),
        _("Tracker page"),
    ]


def rows(commitments: Iterable, *, base_url: str) -> Iterable[list]:
    """One row per commitment; dates and numbers keep their types (XLSX shows them as such)."""
    for commitment in commitments:
        change = getattr(commitment, "latest_change", None)
        yield [
            commitment.title,
            commitment.get_status_display(),
            commitment.get_category_display(),
            str(commitment.responsible_body),
            str(commitment.monitoring_body) if commitment.monitoring_body else "",
            commitment.due_date,
            getattr(commitment, "days_overdue", None),
            change.effective_date if change else None,
            change.note if change else "",
            "; ".join(str(source) for source in change.sources.all()) if change else "",
            urljoin(base_url, commitment.get_absolute_url()),
        ]


def to_csv(commitments, *, base_url: str) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([neutralise(h) for h in headers()])
    for row in rows(commitments, base_url=base_url):
        writer.writerow(
            [
                value.isoformat()
                if isinstance(value, datetime.date)
                else neutralise(value)
                if value is not None
                else ""
                for value in row
            ]
        )
    # A byte-order mark so that spreadsheets read the accents as UTF-8.
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def to_xlsx(commitments, *, base_url: str, as_of: datetime.date) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = _("Commitments")[:31]
    sheet.append([neutralise(h) for h in headers()])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows(commitments, base_url=base_url):
        sheet.append([xlsx_value(value) for value in row])
    for column in ("F", "H"):
        for cell in sheet[column][1:]:
            cell.number_format = "yyyy-mm-dd"
    widths = {
        "A": 60,
        "B": 16,
        "C": 24,
        "D": 36,
        "E": 36,
        "F": 12,
        "G": 10,
        "H": 14,
        "I": 60,
        "J": 50,
        "K": 40,
    }
    for column, width in widths.items():
        sheet.column_dimensions[column].width = width
    sheet.freeze_panes = "A2"
    workbook.properties.title = _("Vigie export of %(date)s") % {"date": as_of.isoformat()}
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def xlsx_value(value):
    """Neutralised, and without the control characters the XLSX format cannot hold."""
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    if isinstance(value, str):
        value = neutralise(ILLEGAL_CHARACTERS_RE.sub("", value))
    return value


def build_response(
    fmt: str, commitments, *, filename: str, as_of: datetime.date, base_url: str
) -> HttpResponse:
    if fmt == "csv":
        response = HttpResponse(
            to_csv(commitments, base_url=base_url), content_type="text/csv; charset=utf-8"
        )
    else:
        response = HttpResponse(
            to_xlsx(commitments, base_url=base_url, as_of=as_of), content_type=XLSX_CONTENT_TYPE
        )
    response["Content-Disposition"] = f'attachment; filename="{filename}.{fmt}"'
    return response
