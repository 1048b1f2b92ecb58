"""CSV and XLSX exports of a commitment list, safe to open in a spreadsheet.

Any text cell that begins with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is
prefixed with a single quote, so a spreadsheet never runs it as a formula (CSV injection).
"""

import csv
import datetime
import functools
import io
from collections.abc import Iterable, Iterator
from urllib.parse import urljoin

from django.http import StreamingHttpResponse
from django.utils import translation
from django.utils.translation import gettext as _

from commitments import deadlines as rules
from commitments.deadlines import DatePrecision
from commitments.interchange.formulas import neutralise
from commitments.models import Body, Category, Commitment, Deadline, Status
from commitments.models.commitment import lacks_news, no_news_threshold

from . import xlsx_stream

FORMATS = ("csv", "xlsx")
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Rows written to the CSV buffer before it is sent: the response streams, whatever the size.
CSV_ROWS_PER_CHUNK = 200
# A commitment id no real one has, replaced in its page's address by each row's id.
MARKER = 987654321987


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


def _memo(function):
    """``function`` remembered for its last few thousand arguments: an export repeats the
    same bodies, deadlines and dates on thousands of rows, and formatting them is most of
    its cost; bounded, so memory stays flat."""
    return functools.lru_cache(maxsize=4096)(function)


def rows(records: Iterable[dict], *, base_url: str, as_of: datetime.date) -> Iterable[list]:
    """One row per commitment (``export_rows.export_records``); dates and numbers keep their
    types (XLSX shows them as such).

    Each value is what the instances' methods gave (``__str__`` of the bodies,
    ``Deadline.date_display`` and ``caveat``, ``Commitment.lateness`` and ``is_to_check``):
    the same rules (``commitments.deadlines``, ``no_news_threshold``) or the methods on
    unsaved instances, worked out once per distinct input rather than once per row (building
    an instance costs more than the rest of a row); the choices' labels looked up once."""
    statuses = {value: str(label) for value, label in Status.choices}
    categories = {value: str(label) for value, label in Category.choices}
    precisions = {value: str(label) for value, label in DatePrecision.choices}
    bounds = {value: str(label) for value, label in Deadline.Bound.choices}
    bases = {value: str(label) for value, label in Deadline.Basis.choices}
    yes_no = {True: _("Yes"), False: _("No")}
    # The commitment page's address, the id put in the place of a marker: one ``reverse``.
    url = urljoin(base_url, Commitment(pk=MARKER).get_absolute_url()).replace(str(MARKER), "{}")

    @_memo
    def body(name, acronym) -> str:
        return str(Body(name=name, acronym=acronym))

    @_memo
    def date_display(window_start, precision) -> str:  # ``Deadline.date_display``
        return rules.format_approximate(window_start, precision)

    @_memo
    def caveat(basis, precision, disputed) -> str:
        return Deadline(basis=basis, precision=precision, disputed=disputed).caveat

    @_memo
    def lateness(due_date, precision) -> str:  # ``Commitment.lateness`` of an open one
        late = rules.lateness(due_date, precision, as_of)
        return str(late) if late else ""

    final = set(Status.final_values())
    # ``Commitment.is_to_check``, the threshold worked out once.
    threshold = no_news_threshold(as_of)

    no_deadline = ["", "", "", "", ""]
    for record in records:
        status = record["status"]
        has_deadline = record["governing_deadline_id"] is not None
        precision = record["governing_deadline__precision"]
        last_news = record["last_news_on"]
        claimed = record["state_claimed_status"]
        sources = record["change_sources"]
        yield [
            record["title"],
            statuses.get(status, status),
            categories.get(record["category"], record["category"]),
            body(record["responsible_body__name"], record["responsible_body__acronym"]),
            body(record["monitoring_body__name"], record["monitoring_body__acronym"])
            if record["monitoring_body_id"] is not None
            else "",
            record["due_date"],
            record["days_overdue"],
            record["change_date"],
            record["change_note"],
            "; ".join(sources) if sources is not None else "",
            url.format(record["pk"]),
            *(
                [
                    date_display(record["governing_deadline__window_start"], precision),
                    precisions.get(precision, precision),
                    bounds.get(
                        record["governing_deadline__bound"], record["governing_deadline__bound"]
                    ),
                    bases.get(
                        record["governing_deadline__basis"], record["governing_deadline__basis"]
                    ),
                    caveat(
                        record["governing_deadline__basis"],
                        precision,
                        record["governing_deadline__disputed"],
                    ),
                ]
                if has_deadline
                else no_deadline
            ),
            lateness(record["due_date"], precision) if has_deadline and status not in final else "",
            statuses[claimed] if claimed else "",
            yes_no[bool(record["diverging"])],
            record["outstanding_since"],
            record["asks_count"],
            last_news,
            yes_no[
                lacks_news(is_final=status in final, last_news_on=last_news, threshold=threshold)
            ],
        ]


def csv_chunks(commitments, *, base_url: str, as_of: datetime.date) -> Iterator[bytes]:
    """The CSV file in pieces of ``CSV_ROWS_PER_CHUNK`` rows, so that it streams."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";")  # the separator French spreadsheets expect
    # A byte-order mark so that spreadsheets read the accents as UTF-8.
    buffer.write("\ufeff")
    writer.writerow([neutralise(h) for h in headers()])
    # The download starts at once, before the rows are read.
    yield buffer.getvalue().encode("utf-8")
    buffer.seek(0)
    buffer.truncate()
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


# Column widths of the XLSX sheet, in characters, in the order of ``headers()``.
XLSX_WIDTHS = (60, 16, 24, 36, 36, 12, 10, 14, 60, 50, 40)
XLSX_WIDTHS += (18, 10, 16, 24, 40, 28, 16, 10, 14, 8, 14, 10)


def xlsx_chunks(commitments, *, base_url: str, as_of: datetime.date) -> Iterator[bytes]:
    """The XLSX file in pieces, written as ``commitments`` are read (``xlsx_stream``): a bold
    header row frozen in view, dates as dates, numbers as numbers, formulas neutralised."""
    return xlsx_stream.xlsx_chunks(
        [neutralise(title) for title in headers()],
        (
            [xlsx_value(value) for value in row]
            for row in rows(commitments, base_url=base_url, as_of=as_of)
        ),
        sheet_title=_("Commitments")[:31],
        title=_("Vigie export of %(date)s") % {"date": as_of.isoformat()},
        widths=XLSX_WIDTHS,
    )


@functools.cache
def _illegal_characters():
    """openpyxl's pattern of what XLSX cannot hold; imported on the first XLSX only (openpyxl
    weighs 6 MB in every worker), once (an import statement per cell cost 1.2 s at 100k)."""
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    return ILLEGAL_CHARACTERS_RE


def xlsx_value(value):
    """Neutralised, and without the control characters the XLSX format cannot hold."""
    if isinstance(value, str):
        value = neutralise(_illegal_characters().sub("", value))
    return value


def _in_language(chunks: Iterator[bytes], language: str | None) -> Iterator[bytes]:
    """``chunks`` made in the request's language: a streamed body is written after the view
    returns, when the language the middleware chose may no longer be the active one."""
    with translation.override(language):
        yield from chunks


def build_response(fmt: str, commitments, *, filename: str, as_of: datetime.date, base_url: str):
    """The export as a download that streams: ``commitments`` is read as the file is written
    and sent, CSV or XLSX; the first bytes go out before the first row is read, and memory
    stays flat whatever the number of rows."""
    make, content_type = {
        "csv": (csv_chunks, "text/csv; charset=utf-8"),
        "xlsx": (xlsx_chunks, XLSX_CONTENT_TYPE),
    }[fmt]
    chunks = make(commitments, base_url=base_url, as_of=as_of)
    response = StreamingHttpResponse(
        _in_language(chunks, translation.get_language()), content_type=content_type
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}.{fmt}"'
    return response
