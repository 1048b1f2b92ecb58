"""CSV output for spreadsheets (``?format=csv``)."""

import csv
import io

from rest_framework.renderers import BaseRenderer

from commitments.interchange.formulas import neutralise as defuse_formula


def neutralise(value) -> str:
    """The cell text for ``value``: empty for None, lists joined with "; ", formulas defused
    (CSV injection) by the same rule as the web exports."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | tuple):
        value = "; ".join(neutralise(item) for item in value)
    return defuse_formula(str(value))


class CSVRenderer(BaseRenderer):
    """Renders a list of flat rows (dicts) as CSV: UTF-8 with a byte-order mark so that
    spreadsheet software reads accents right, comma-separated, header row from the serializer's
    fields (present even when there are no rows)."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if data is None:
            return b""
        rows = data if isinstance(data, list) else [data]
        header = self._header(data, rows)
        buffer = io.StringIO()
        buffer.write("\ufeff")
        writer = csv.writer(buffer, lineterminator="\r\n")
        writer.writerow([neutralise(name) for name in header])
        for row in rows:
            writer.writerow([neutralise(row.get(name)) for name in header])
        return buffer.getvalue().encode(self.charset)

    @staticmethod
    def _header(data, rows) -> list[str]:
        serializer = getattr(data, "serializer", None)
        child = getattr(serializer, "child", None)
        if child is not None:
            return list(child.fields)
        if serializer is not None and hasattr(serializer, "fields"):
            return list(serializer.fields)
        return list(rows[0]) if rows else []
