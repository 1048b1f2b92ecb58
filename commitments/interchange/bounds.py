"""Reading an uploaded spreadsheet within bounds, before anything parses it in full.

A file is refused, with a message naming the problem, when it is larger than
``IMPORT_MAX_BYTES``, when it holds more than ``IMPORT_MAX_ROWS`` rows (counted while reading:
the reader stops at the first row too many), when an XLSX archive would expand beyond
``IMPORT_MAX_EXPANDED_BYTES`` or more than ``MAX_COMPRESSION_RATIO`` times (read from the
archive's central directory, before openpyxl opens it), and when a CSV file is not UTF-8 text,
holds a NUL byte, is not valid CSV, names a column twice or has a row longer than its header.

The expanded-size check is enough to bound the parse: Python's zipfile, which openpyxl reads
through, never returns more bytes from a member than its declared size.
"""

import csv
import io
import zipfile
from collections.abc import Iterable, Iterator

from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

# A member expanding more than this many times is refused. The XLSX files spreadsheets write
# expand 5 to 40 times (5,000 rows written by openpyxl: 34); zip bombs about 1,000 times.
MAX_COMPRESSION_RATIO = 100
# Members smaller than this are not checked for their ratio: they cannot cost much.
RATIO_CHECK_FROM_BYTES = 1024 * 1024


class ImportRefused(ValueError):
    """The file cannot be imported; the message says why, in the user's language."""


def check_size(size: int) -> None:
    if size > settings.IMPORT_MAX_BYTES:
        raise ImportRefused(
            _(
                "The file is too large (%(size)s): an import takes at most %(limit)s. Split it "
                "into several files."
            )
            % {"size": filesizeformat(size), "limit": filesizeformat(settings.IMPORT_MAX_BYTES)}
        )


def row_limit_refusal() -> ImportRefused:
    return ImportRefused(
        _("The file has more than %(limit)s rows: split it into several files.")
        % {"limit": settings.IMPORT_MAX_ROWS}
    )


def not_xlsx() -> ImportRefused:
    return ImportRefused(
        _(
            "This file is not a valid XLSX file (an Excel or LibreOffice workbook): save it "
            "again as .xlsx, or choose the CSV format."
        )
    )


def check_archive(data: bytes) -> None:
    """Refuses an archive that is not a zip or would expand too much, from its directory alone."""
    try:
        members = zipfile.ZipFile(io.BytesIO(data)).infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError):
        raise not_xlsx() from None
    expanded = sum(member.file_size for member in members)
    ratio = max(
        (
            member.file_size / max(member.compress_size, 1)
            for member in members
            if member.file_size >= RATIO_CHECK_FROM_BYTES
        ),
        default=0,
    )
    if expanded > settings.IMPORT_MAX_EXPANDED_BYTES or ratio > MAX_COMPRESSION_RATIO:
        raise ImportRefused(
            _(
                "The XLSX file expands to %(size)s once decompressed (at most %(limit)s, and "
                "%(ratio)s times its compressed size at most): it is refused as a precaution. "
                "Save it again, or split it into several files."
            )
            % {
                "size": filesizeformat(expanded),
                "limit": filesizeformat(settings.IMPORT_MAX_EXPANDED_BYTES),
                "ratio": MAX_COMPRESSION_RATIO,
            }
        )


def csv_rows(data: bytes | str, delimiter: str = ",") -> Iterator[tuple[int, list[str]]]:
    """The CSV file's rows with the line each starts on, decoded as UTF-8 line by line.

    Nothing past the row being read is decoded, so a refusal at row N costs N rows.
    """
    lines = _decoded_lines(data)
    reader = csv.reader(lines, delimiter=delimiter)
    while True:
        line = reader.line_num + 1
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            if "field larger than field limit" in str(error):
                raise ImportRefused(
                    _(
                        "Line %(line)s holds a cell longer than %(limit)s characters (a "
                        "quotation mark left open?)."
                    )
                    % {"line": line, "limit": csv.field_size_limit()}
                ) from None
            raise ImportRefused(
                _(
                    "Line %(line)s is not valid CSV. Check the file was saved as “CSV UTF-8”, "
                    "with commas or semicolons between cells."
                )
                % {"line": line}
            ) from None
        yield line, row


def _decoded_lines(data: bytes | str) -> Iterator[str]:
    if isinstance(data, str):
        lines: Iterable = io.StringIO(data, newline="")
    else:
        lines = io.BytesIO(data)
    for number, line in enumerate(lines, start=1):
        if isinstance(line, bytes):
            try:
                line = line.decode("utf-8-sig" if number == 1 else "utf-8")
            except UnicodeDecodeError:
                raise ImportRefused(
                    _(
                        "Line %(line)s of the file is not encoded in UTF-8. Save the file as "
                        "“CSV UTF-8” (in Excel: Save as, CSV UTF-8), or import it as XLSX."
                    )
                    % {"line": number}
                ) from None
        if "\x00" in line:
            raise ImportRefused(
                _(
                    "Line %(line)s of the file holds a NUL byte: it is not a CSV text file (a "
                    "UTF-16 or binary file?). Save it as “CSV UTF-8”."
                )
                % {"line": number}
            )
        yield line


def table(rows: Iterable[tuple[int, list]]) -> tuple[list[str], list[list]]:
    """The header and the non-empty rows, within the row limit and the header's width."""
    header, body = numbered_table(rows)
    return header, [cells for _line, cells in body]


def numbered_table(rows: Iterable[tuple[int, list]]) -> tuple[list[str], list[tuple[int, list]]]:
    """The header and the non-empty rows with their line numbers, within the row limit and
    the header's width.

    Trailing empty cells beyond the header are dropped and short rows padded with empty
    cells, as spreadsheets write them; a cell beyond the header that holds a value is refused.
    """
    rows = iter(rows)
    try:
        _line, header_cells = next(rows)
    except StopIteration:
        return [], []
    header = ["" if value is None else str(value).strip() for value in header_cells]
    while header and not header[-1]:
        header.pop()
    seen = set()
    for column in header:
        if column and column in seen:
            raise ImportRefused(
                _("The column “%(column)s” appears twice in the header row.") % {"column": column}
            )
        seen.add(column)
    width = len(header)
    body = []
    for line, cells in rows:
        cells = ["" if value is None else value for value in cells]
        if not any(value != "" for value in cells):
            continue
        if len(body) == settings.IMPORT_MAX_ROWS:
            raise row_limit_refusal()
        if any(value != "" for value in cells[width:]):
            raise ImportRefused(
                _("Line %(line)s has %(count)s cells, but the header row names %(width)s columns.")
                % {"line": line, "count": len(cells), "width": width}
            )
        body.append((line, cells[:width] + [""] * (width - len(cells))))
    return header, body
