"""An uploaded spreadsheet read into its header and numbered rows, within ``bounds.py``.

The format is told by the content, not the name: an XLSX file is a zip archive; anything else
is read as CSV (UTF-8, with or without a byte-order mark), its separator (semicolon, comma or
tab) taken from the header line. Old binary Excel files (.xls) and other binary files are
refused with a message saying what to do.
"""

from __future__ import annotations

from io import BytesIO

from django.utils.translation import gettext as _

from . import bounds

ZIP_MAGIC = b"PK\x03\x04"
OLD_EXCEL_MAGIC = b"\xd0\xcf\x11\xe0"
SEPARATORS = (";", ",", "\t")


def read_table(data: bytes) -> tuple[list[str], list[tuple[int, list]]]:
    """The header and the non-empty rows (with their line numbers); ``ImportRefused`` for a
    file that is too large, not a spreadsheet, or beyond the bounds."""
    bounds.check_size(len(data))
    if data.startswith(ZIP_MAGIC):
        return _xlsx_table(data)
    if data.startswith(OLD_EXCEL_MAGIC):
        raise bounds.ImportRefused(
            _(
                "This is an old Excel file (.xls): save it as .xlsx (Excel workbook) or as "
                "“CSV UTF-8”, then import it again."
            )
        )
    header, rows = bounds.numbered_table(bounds.csv_rows(data, delimiter=separator(data)))
    if not header:
        raise bounds.ImportRefused(_("The file is empty: it has no header row."))
    return header, rows


def separator(data: bytes | str) -> str:
    """The separator of the header line: the one of ``SEPARATORS`` it holds most of."""
    head = data[:4096]
    first_line = (head.encode() if isinstance(head, str) else head).split(b"\n", 1)[0]
    counts = {sep: first_line.count(sep.encode()) for sep in SEPARATORS}
    best = max(SEPARATORS, key=lambda sep: counts[sep])
    return best if counts[best] else ","


def _xlsx_table(data: bytes):
    """Formula cells are read as their formula text (so that the import refuses them); the
    archive is checked from its directory before openpyxl opens it."""
    import openpyxl

    bounds.check_archive(data)
    try:
        book = openpyxl.load_workbook(BytesIO(data), read_only=True, data_only=False)
    except Exception:
        # Whatever openpyxl finds wrong in the parts (missing, not XML, not a workbook).
        raise bounds.not_xlsx() from None
    try:
        header, rows = bounds.numbered_table(
            enumerate(book.worksheets[0].iter_rows(values_only=True), start=1)
        )
    except bounds.ImportRefused:
        raise
    except Exception:
        raise bounds.not_xlsx() from None
    finally:
        book.close()
    if not header:
        raise bounds.ImportRefused(_("The file is empty: it has no header row."))
    return header, rows
