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
from commitments.models import Status

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
        # Added after the existing columns, so that spreadsheets built on them keep working:
        # the governing deadline as advocacy knows it, what to know before quoting it, the
        # state's claim, the asks and the news.
        _("Due date (as known)"),
        _("Precision"),
        _("Bound"),
        _("Basis"),
        _("Caveat"),
        _("Lateness"),
        _("State's claim"),
        _("Divergence"),
        _("Outstanding since"),
        _("Asks"),
        _("Last news"),
        _("To check"),
    ]


def _yes_no(value) -> str:
    return _("Yes") if value else _("No")


def rows(commitments: Iterable, *, base_url: str, as_of: datetime.date) -> Iterable[list]:
    """One row per commitment; dates and numbers keep their types (XLSX shows them as such).

    The commitments carry ``with_advocacy`` annotations and their governing deadline (the
    FilterSet and ``with_relations`` provide both, in the list's one query)."""
    for commitment in commitments:
        change = getattr(commitment, "latest_change", None)
        deadline = commitment.governing_deadline
        lateness = commitment.lateness(as_of)
        claimed = getattr(commitment, "state_claimed_status", None)
        last_news = getattr(commitment, "last_news_on", None)
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
            deadline.date_display if deadline else "",
            deadline.get_precision_display() if deadline else "",
            deadline.get_bound_display() if deadline else "",
            deadline.get_basis_display() if deadline else "",
            deadline.caveat if deadline else "",
            str(lateness) if lateness else "",
            str(Status(claimed).label) if claimed else "",
            _yes_no(getattr(commitment, "diverging", False)),
            getattr(commitment, "outstanding_since", None),
            getattr(commitment, "asks_count", 0),
            last_news,
            _yes_no(commitment.is_to_check(as_of)),
        ]


def to_csv(commitments, *, base_url: str, as_of: datetime.date) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";")  # the separator French spreadsheets expect
    writer.writerow([neutralise(h) for h in headers()])
    for row in rows(commitments, base_url=base_url, as_of=as_of):
        writer.writerow(
            [
                value.strftime("%d/%m/%Y")
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
    from openpyxl.utils import get_column_letter

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = _("Commitments")[:31]
    sheet.append([neutralise(h) for h in headers()])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows(commitments, base_url=base_url, as_of=as_of):
        sheet.append([xlsx_value(value) for value in row])
        for cell in sheet[sheet.max_row]:
            if isinstance(cell.value, datetime.date):
                cell.number_format = "dd/mm/yyyy"
    widths = [60, 16, 24, 36, 36, 12, 10, 14, 60, 50, 40]
    widths += [18, 10, 16, 24, 40, 28, 16, 10, 14, 8, 14, 10]
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
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
            to_csv(commitments, base_url=base_url, as_of=as_of),
            content_type="text/csv; charset=utf-8",
        )
    else:
        response = HttpResponse(
            to_xlsx(commitments, base_url=base_url, as_of=as_of), content_type=XLSX_CONTENT_TYPE
        )
    response["Content-Disposition"] = f'attachment; filename="{filename}.{fmt}"'
    return response
