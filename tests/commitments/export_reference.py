"""The exports as they were built before they streamed (main at ec08a46), kept as the
reference the streamed exports must match: every row loaded as a model instance with its
relations, the latest changes looked up by id, the rows made from the instances' methods, the
XLSX written by openpyxl. Only ``reference_commitments`` is new: it is the old view's reading.
"""

import csv
import datetime
import io
from collections.abc import Iterable, Iterator
from urllib.parse import urljoin

from django.utils.translation import gettext as _

from commitments.deadlines import DatePrecision
from commitments.filters import CommitmentFilterSet
from commitments.interchange.formulas import neutralise
from commitments.models import Category, Commitment, Deadline, Status
from commitments.paging import with_tie_break
from commitments.web.lists import attach_latest_changes

# Rows written to the CSV buffer before it is sent: the response streams, whatever the size.
CSV_ROWS_PER_CHUNK = 200


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
    FilterSet and ``with_relations`` provide both, in the list's one query). The labels of
    the choices are looked up once, not once per row."""
    statuses = {value: str(label) for value, label in Status.choices}
    categories = {value: str(label) for value, label in Category.choices}
    precisions = {value: str(label) for value, label in DatePrecision.choices}
    bounds = {value: str(label) for value, label in Deadline.Bound.choices}
    bases = {value: str(label) for value, label in Deadline.Basis.choices}
    for commitment in commitments:
        change = getattr(commitment, "latest_change", None)
        deadline = commitment.governing_deadline
        lateness = commitment.lateness(as_of)
        claimed = getattr(commitment, "state_claimed_status", None)
        last_news = getattr(commitment, "last_news_on", None)
        yield [
            commitment.title,
            statuses.get(commitment.status, commitment.status),
            categories.get(commitment.category, commitment.category),
            str(commitment.responsible_body),
            str(commitment.monitoring_body) if commitment.monitoring_body else "",
            commitment.due_date,
            getattr(commitment, "days_overdue", None),
            change.effective_date if change else None,
            change.note if change else "",
            "; ".join(str(source) for source in change.sources.all()) if change else "",
            urljoin(base_url, commitment.get_absolute_url()),
            deadline.date_display if deadline else "",
            precisions.get(deadline.precision, deadline.precision) if deadline else "",
            bounds.get(deadline.bound, deadline.bound) if deadline else "",
            bases.get(deadline.basis, deadline.basis) if deadline else "",
            deadline.caveat if deadline else "",
            str(lateness) if lateness else "",
            statuses[claimed] if claimed else "",
            _yes_no(getattr(commitment, "diverging", False)),
            getattr(commitment, "outstanding_since", None),
            getattr(commitment, "asks_count", 0),
            last_news,
            _yes_no(commitment.is_to_check(as_of)),
        ]


def csv_chunks(commitments, *, base_url: str, as_of: datetime.date) -> Iterator[bytes]:
    """The CSV file in pieces of ``CSV_ROWS_PER_CHUNK`` rows, so that it streams."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";")  # the separator French spreadsheets expect
    # A byte-order mark so that spreadsheets read the accents as UTF-8.
    buffer.write("\ufeff")
    writer.writerow([neutralise(h) for h in headers()])
    for number, row in enumerate(rows(commitments, base_url=base_url, as_of=as_of), start=1):
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
        if number % CSV_ROWS_PER_CHUNK == 0:
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode("utf-8")


def to_csv(commitments, *, base_url: str, as_of: datetime.date) -> bytes:
    return b"".join(csv_chunks(commitments, base_url=base_url, as_of=as_of))


def to_xlsx(commitments, *, base_url: str, as_of: datetime.date, file=None):
    """The XLSX file, written row by row (openpyxl's write-only mode: memory does not grow
    with the number of rows) into ``file``; into memory, returned as bytes, without one."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("Commitments")[:31])
    widths = [60, 16, 24, 36, 36, 12, 10, 14, 60, 50, 40]
    widths += [18, 10, 16, 24, 40, 28, 16, 10, 14, 8, 14, 10]
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)
    header = []
    for title in headers():
        cell = WriteOnlyCell(sheet, value=neutralise(title))
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    for row in rows(commitments, base_url=base_url, as_of=as_of):
        cells = []
        for value in row:
            cell = WriteOnlyCell(sheet, value=xlsx_value(value))
            if isinstance(value, datetime.date):
                cell.number_format = "dd/mm/yyyy"
            cells.append(cell)
        sheet.append(cells)
    workbook.properties.title = _("Vigie export of %(date)s") % {"date": as_of.isoformat()}
    if file is not None:
        workbook.save(file)
        return file
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def xlsx_value(value):
    """Neutralised, and without the control characters the XLSX format cannot hold."""
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    if isinstance(value, str):
        value = neutralise(ILLEGAL_CHARACTERS_RE.sub("", value))
    return value


def reference_commitments(params=None, *, as_of: datetime.date, overdue: bool = True) -> list:
    """What the export view read before: the filtered list, every row at once."""
    base = Commitment.objects.overdue(as_of) if overdue else Commitment.objects.all()
    filterset = CommitmentFilterSet(
        params or None, queryset=base.with_relations().with_latest_change_id(), as_of=as_of
    )
    if filterset.is_bound and not filterset.is_valid():
        return []
    queryset = filterset.qs
    if not (params or {}).get("ordering"):
        queryset = queryset.order_by("due_date", "title", "pk")
    commitments = list(with_tie_break(queryset))
    attach_latest_changes(commitments)
    return commitments
