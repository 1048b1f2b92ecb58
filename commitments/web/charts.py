"""Charts drawn on the server as inline SVG: no JavaScript, no CDN, readable when printed.

Each chart has a title and description for screen readers, and the page shows the same
numbers as a table next to it. Colours meet the 3:1 contrast that WCAG asks of graphics on
white; every text is dark on light.
"""

import datetime

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

# One colour per status (also used by the badges in the stylesheet).
STATUS_COLOURS = {
    "not_started": "#6b5b00",
    "announced": "#005a9c",
    "in_progress": "#00707a",
    "partially_met": "#8a4b00",
    "met": "#1e6b2e",
    "abandoned": "#595959",
}
FINAL_COLOUR = "#1e6b2e"
OVERDUE_COLOUR = "#b3261e"
UPCOMING_COLOUR = "#005a9c"
TEXT_COLOUR = "#1a1a1a"
AXIS_COLOUR = "#595959"


def status_bar_chart(status_rows: list[dict]) -> SafeString:
    """Horizontal bars, one per status: ``status_rows`` items have value, label and count."""
    label_width, bar_width, row_height, count_width = 170, 300, 30, 50
    width = label_width + bar_width + count_width
    height = row_height * len(status_rows) + 10
    top = max((row["count"] for row in status_rows), default=0) or 1
    bars = []
    for index, row in enumerate(status_rows):
        y = 5 + index * row_height
        length = round(bar_width * row["count"] / top) if row["count"] else 0
        bars.append(
            format_html(
                '<g><text x="{}" y="{}" text-anchor="end" fill="{}">{}</text>'
                '<rect x="{}" y="{}" width="{}" height="{}" fill="{}" rx="2"></rect>'
                '<text x="{}" y="{}" fill="{}">{}</text></g>',
                label_width - 8,
                y + 19,
                TEXT_COLOUR,
                row["label"],
                label_width,
                y + 4,
                max(length, 1) if row["count"] else 0,
                row_height - 8,
                STATUS_COLOURS.get(row["value"], AXIS_COLOUR),
                label_width + length + 6,
                y + 19,
                TEXT_COLOUR,
                row["count"],
            )
        )
    description = ", ".join(f"{row['label']}: {row['count']}" for row in status_rows)
    return format_html(
        '<svg class="chart" viewBox="0 0 {} {}" role="img" aria-labelledby="status-chart-title '
        'status-chart-desc" xmlns="http://www.w3.org/2000/svg" font-size="14">'
        '<title id="status-chart-title">{}</title><desc id="status-chart-desc">{}</desc>{}</svg>',
        width,
        height,
        _("Commitments per status"),
        description,
        mark_safe("".join(bars)),  # noqa: S308  (each bar is built with format_html)
    )


def deadline_timeline(years: list[dict], as_of: datetime.date) -> SafeString:
    """Stacked columns per year of the due date: met or abandoned, overdue, still to come.

    ``years`` items have year, final, overdue and upcoming counts (see
    ``CommitmentQuerySet.deadlines_per_year``); a line marks the current year.
    """
    if not years:
        return SafeString("")
    first, last = years[0]["year"], years[-1]["year"]
    first, last = min(first, as_of.year), max(last, as_of.year)
    span = list(range(first, last + 1))
    by_year = {row["year"]: row for row in years}
    column, gap, chart_height, left, bottom = 34, 14, 160, 34, 40
    width = left + len(span) * (column + gap) + gap
    height = chart_height + bottom + 30
    top = max((row["final"] + row["overdue"] + row["upcoming"] for row in years), default=1) or 1
    scale = chart_height / top
    parts = []
    for index, year in enumerate(span):
        x = left + gap + index * (column + gap)
        row = by_year.get(year, {"final": 0, "overdue": 0, "upcoming": 0})
        y = 20 + chart_height
        for key, colour in (
            ("final", FINAL_COLOUR),
            ("overdue", OVERDUE_COLOUR),
            ("upcoming", UPCOMING_COLOUR),
        ):
            value = row[key]
            if not value:
                continue
            h = value * scale
            y -= h
            parts.append(
                format_html(
                    '<rect x="{}" y="{}" width="{}" height="{}" fill="{}"></rect>',
                    x,
                    f"{y:.1f}",
                    column,
                    f"{h:.1f}",
                    colour,
                )
            )
        total = row["final"] + row["overdue"] + row["upcoming"]
        if total:
            parts.append(
                format_html(
                    '<text x="{}" y="{}" text-anchor="middle" fill="{}">{}</text>',
                    x + column / 2,
                    f"{y - 4:.1f}",
                    TEXT_COLOUR,
                    total,
                )
            )
        label_weight = "bold" if year == as_of.year else "normal"
        parts.append(
            format_html(
                '<text x="{}" y="{}" text-anchor="middle" fill="{}" font-weight="{}">{}</text>',
                x + column / 2,
                20 + chart_height + 18,
                TEXT_COLOUR,
                label_weight,
                year,
            )
        )
        if year == as_of.year:
            parts.append(
                format_html(
                    '<line x1="{0}" x2="{0}" y1="12" y2="{1}" stroke="{2}" stroke-width="2" '
                    'stroke-dasharray="4 3"></line>'
                    '<text x="{3}" y="10" fill="{2}" font-size="12">{4}</text>',
                    x - gap / 2,
                    20 + chart_height,
                    TEXT_COLOUR,
                    x - gap / 2 + 3,
                    _("this year"),
                )
            )
    parts.append(
        format_html(
            '<line x1="{0}" x2="{1}" y1="{2}" y2="{2}" stroke="{3}"></line>',
            left,
            width,
            20 + chart_height,
            AXIS_COLOUR,
        )
    )
    legend = format_html_join(
        "",
        '<rect x="{}" y="{}" width="12" height="12" fill="{}"></rect>'
        '<text x="{}" y="{}" fill="' + TEXT_COLOUR + '" font-size="12">{}</text>',
        (
            (left + offset, height - 14, colour, left + offset + 16, height - 3, label)
            for offset, colour, label in (
                (0, FINAL_COLOUR, _("met or abandoned")),
                (150, OVERDUE_COLOUR, _("overdue")),
                (250, UPCOMING_COLOUR, _("still to come")),
            )
        ),
    )
    description = "; ".join(
        _("%(year)s: %(final)d met or abandoned, %(overdue)d overdue, %(upcoming)d to come") % row
        for row in years
    )
    return format_html(
        '<svg class="chart" viewBox="0 0 {} {}" role="img" aria-labelledby="timeline-title '
        'timeline-desc" xmlns="http://www.w3.org/2000/svg" font-size="13">'
        '<title id="timeline-title">{}</title><desc id="timeline-desc">{}</desc>{}{}</svg>',
        max(width, 420),
        height,
        _("Deadlines per year"),
        description,
        mark_safe("".join(parts)),  # noqa: S308  (each part is built with format_html)
        legend,
    )
