"""A one-sheet XLSX file written as it is sent: its bytes come out row by row.

An .xlsx is a zip of XML parts. openpyxl (even in write-only mode) writes the whole archive
before the first byte can go out: 25 s for 35,000 rows, near gunicorn's timeout. Here the
sheet's XML is written row by row, with inline strings (no shared-string table to hold), into
a zip that the standard library writes to a stream it cannot seek (each entry then ends with
a data descriptor): what is compressed is handed on at once, and memory stays flat.

The cells are what openpyxl's write-only mode wrote, so the file reads back the same: text as
inline strings, numbers as numbers, dates as serial numbers with a ``dd/mm/yyyy`` format,
empty cells left out, a bold header row frozen at A2, the column widths.
"""

from __future__ import annotations

import datetime
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from xml.sax.saxutils import escape, quoteattr

# Sheet XML gathered before it goes to the compressor: fewer, larger writes.
ROWS_PER_WRITE = 100
# Compressed bytes gathered before they are handed to the response.
BYTES_PER_CHUNK = 64 * 1024

OPENXML = "http://schemas.openxmlformats.org"
MAIN_NS = f"{OPENXML}/spreadsheetml/2006/main"
REL_NS = f"{OPENXML}/officeDocument/2006/relationships"
PACKAGE_REL_NS = f"{OPENXML}/package/2006/relationships"
XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
SPREADSHEETML = "application/vnd.openxmlformats-officedocument.spreadsheetml"

# Cell styles (``s``), as indexes into ``cellXfs`` in STYLES: 1 bold (the header), 2 a date.
BOLD = 1
DATE = 2


def _override(part: str, content_type: str) -> str:
    return f'<Override PartName="{part}" ContentType="{content_type}"/>'


def _relationships(*targets: tuple[str, str]) -> str:
    """A relationships part: (type, target) pairs, numbered rId1, rId2…"""
    items = "".join(
        f'<Relationship Id="rId{number}" Type="{kind}" Target="{target}"/>'
        for number, (kind, target) in enumerate(targets, start=1)
    )
    return XML_DECLARATION + f'<Relationships xmlns="{PACKAGE_REL_NS}">{items}</Relationships>'


CONTENT_TYPES = (
    XML_DECLARATION
    + f'<Types xmlns="{OPENXML}/package/2006/content-types">'
    + '<Default Extension="rels" '
    + 'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    + '<Default Extension="xml" ContentType="application/xml"/>'
    + _override("/xl/workbook.xml", f"{SPREADSHEETML}.sheet.main+xml")
    + _override("/xl/worksheets/sheet1.xml", f"{SPREADSHEETML}.worksheet+xml")
    + _override("/xl/styles.xml", f"{SPREADSHEETML}.styles+xml")
    + _override("/docProps/core.xml", "application/vnd.openxmlformats-package.core-properties+xml")
    + "</Types>"
)
ROOT_RELS = _relationships(
    (f"{REL_NS}/officeDocument", "xl/workbook.xml"),
    (f"{PACKAGE_REL_NS}/metadata/core-properties", "docProps/core.xml"),
)
WORKBOOK_RELS = _relationships(
    (f"{REL_NS}/worksheet", "worksheets/sheet1.xml"),
    (f"{REL_NS}/styles", "styles.xml"),
)
_FONT = '<sz val="11"/><name val="Calibri"/><family val="2"/>'
_XF = 'fillId="0" borderId="0" xfId="0"'
STYLES = (
    XML_DECLARATION
    + f'<styleSheet xmlns="{MAIN_NS}">'
    + '<numFmts count="1"><numFmt numFmtId="164" formatCode="dd/mm/yyyy"/></numFmts>'
    + f'<fonts count="2"><font>{_FONT}</font><font><b val="1"/>{_FONT}</font></fonts>'
    + '<fills count="2"><fill><patternFill/></fill>'
    + '<fill><patternFill patternType="gray125"/></fill></fills>'
    + '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    + '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    + '<cellXfs count="3">'
    + f'<xf numFmtId="0" fontId="0" {_XF}/>'
    + f'<xf numFmtId="0" fontId="1" {_XF} applyFont="1"/>'
    + f'<xf numFmtId="164" fontId="0" {_XF} applyNumberFormat="1"/>'
    + "</cellXfs>"
    + '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    + "</styleSheet>"
)


def _workbook(sheet_title: str) -> str:
    return (
        XML_DECLARATION + f'<workbook xmlns="{MAIN_NS}" xmlns:r="{REL_NS}">'
        f'<sheets><sheet name={quoteattr(sheet_title)} sheetId="1" r:id="rId1"/></sheets>'
        "</workbook>"
    )


def _core_properties(title: str) -> str:
    return (
        XML_DECLARATION
        + f'<cp:coreProperties xmlns:cp="{OPENXML}/package/2006/metadata/core-properties"'
        ' xmlns:dc="http://purl.org/dc/elements/1.1/">'
        f"<dc:title>{escape(title)}</dc:title></cp:coreProperties>"
    )


def _sheet_start(widths: Sequence[float]) -> str:
    columns = "".join(
        f'<col min="{index}" max="{index}" width="{width}" customWidth="1"/>'
        for index, width in enumerate(widths, start=1)
    )
    # The header row stays in view (openpyxl's ``freeze_panes = "A2"``).
    view = (
        '<sheetViews><sheetView workbookViewId="0">'
        '<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>'
        '<selection pane="bottomLeft" activeCell="A2" sqref="A2"/>'
        "</sheetView></sheetViews>"
    )
    cols = f"<cols>{columns}</cols>" if columns else ""
    return XML_DECLARATION + f'<worksheet xmlns="{MAIN_NS}">{view}{cols}<sheetData>'


class _Sink:
    """The unseekable file the zip is written to: it keeps what was written until taken."""

    def __init__(self) -> None:
        self.parts: list[bytes] = []
        self.size = 0
        self.written = 0

    def write(self, data: bytes) -> int:
        self.parts.append(bytes(data))
        self.size += len(data)
        self.written += len(data)
        return len(data)

    def tell(self) -> int:  # zipfile asks where it is to write its directory
        return self.written

    def flush(self) -> None:
        pass

    def take(self) -> bytes:
        data = b"".join(self.parts)
        self.parts.clear()
        self.size = 0
        return data


def xlsx_chunks(
    header: Sequence[str],
    rows: Iterable[Sequence],
    *,
    sheet_title: str,
    title: str = "",
    widths: Sequence[float] = (),
) -> Iterator[bytes]:
    """The XLSX file in pieces of about ``BYTES_PER_CHUNK`` bytes, the first before any row
    is read: a header row in bold, then ``rows`` (text, numbers, dates, None for empty)."""
    # openpyxl's own conversions, so that the cells read back as its files did; imported
    # here, on the first XLSX, as the rest of the site does (openpyxl weighs 6 MB a worker).
    from openpyxl.compat import safe_string
    from openpyxl.utils import get_column_letter
    from openpyxl.utils.datetime import CALENDAR_WINDOWS_1900, to_excel

    def _cell(reference: str, value, style: int = 0) -> str:
        """One cell's XML: as openpyxl wrote it, so that it reads back the same (an empty text
        stays an empty text cell; no value, no cell)."""
        if value is None:
            return ""
        styled = f' s="{style}"' if style else ""
        if value == "":
            return f'<c r="{reference}" t="inlineStr"{styled}/>'
        if isinstance(value, str):
            # As openpyxl: the spaces at either end kept only when there are some.
            space = ' xml:space="preserve"' if value != value.strip() else ""
            text = f"<is><t{space}>{escape(value)}</t></is>"
            return f'<c r="{reference}" t="inlineStr"{styled}>{text}</c>'
        if isinstance(value, bool):
            return f'<c r="{reference}" t="b"{styled}><v>{int(value)}</v></c>'
        if isinstance(value, datetime.date):
            serial = safe_string(to_excel(value, CALENDAR_WINDOWS_1900))
            return f'<c r="{reference}" t="n" s="{DATE}"><v>{serial}</v></c>'
        if isinstance(value, int | float):
            return f'<c r="{reference}" t="n"{styled}><v>{safe_string(value)}</v></c>'
        return _cell(reference, str(value), style)

    sink = _Sink()
    letters: list[str] = []
    with zipfile.ZipFile(sink, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=6) as archive:
        for name, text in (
            ("[Content_Types].xml", CONTENT_TYPES),
            ("_rels/.rels", ROOT_RELS),
            ("docProps/core.xml", _core_properties(title)),
            ("xl/workbook.xml", _workbook(sheet_title)),
            ("xl/_rels/workbook.xml.rels", WORKBOOK_RELS),
            ("xl/styles.xml", STYLES),
        ):
            archive.writestr(name, text)
        with archive.open("xl/worksheets/sheet1.xml", "w") as sheet:
            letters = [get_column_letter(index) for index in range(1, len(header) + 1)]
            cells = "".join(_cell(f"{letters[i]}1", v, BOLD) for i, v in enumerate(header))
            sheet.write((_sheet_start(widths) + f'<row r="1">{cells}</row>').encode())
            yield sink.take()  # the download starts before the first row is read
            pending: list[str] = []
            for number, row in enumerate(rows, start=2):
                while len(letters) < len(row):
                    letters.append(get_column_letter(len(letters) + 1))
                cells = "".join(
                    _cell(f"{letters[i]}{number}", value) for i, value in enumerate(row)
                )
                pending.append(f'<row r="{number}">{cells}</row>')
                if len(pending) == ROWS_PER_WRITE:
                    sheet.write("".join(pending).encode())
                    pending.clear()
                    if sink.size >= BYTES_PER_CHUNK:
                        yield sink.take()
            pending.append("</sheetData></worksheet>")
            sheet.write("".join(pending).encode())
    yield sink.take()
