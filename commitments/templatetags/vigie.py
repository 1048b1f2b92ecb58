"""Template helpers for the staff pages: status badges, sortable headers, paging links."""

from django import template
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from commitments import formatting

register = template.Library()


@register.simple_tag
def status_badge(value: str, label: str):
    """A status label with its colour; the text carries the meaning, the colour only helps."""
    return format_html('<span class="badge badge-{}">{}</span>', value, label)


def _ordering_state(request, field: str) -> str:
    """ "asc", "desc" or "" for ``field`` in the current ``ordering`` parameter."""
    current = request.GET.get("ordering", "")
    if current == field:
        return "asc"
    if current == f"-{field}":
        return "desc"
    return ""


@register.simple_tag(takes_context=True)
def sort_link(context, field: str, label: str):
    """A column header link: sorts by ``field``, then the reverse on a second click.

    Keeps every filter in the query string and goes back to the first page.
    """
    request = context["request"]
    state = _ordering_state(request, field)
    query = request.GET.copy()
    query.pop("page", None)
    query["ordering"] = f"-{field}" if state == "asc" else field
    if state == "asc":
        hint, arrow = _("sorted ascending, click to sort descending"), "▲"
    elif state == "desc":
        hint, arrow = _("sorted descending, click to sort ascending"), "▼"
    else:
        hint, arrow = _("click to sort"), "↕"
    return format_html(
        '<a class="sort" href="?{}">{}<span class="visually-hidden"> ({})</span>'
        '<span aria-hidden="true" class="sort-arrow"> {}</span></a>',
        query.urlencode(),
        label,
        hint,
        arrow,
    )


@register.simple_tag(takes_context=True)
def aria_sort(context, field: str):
    state = _ordering_state(context["request"], field)
    if state == "asc":
        return mark_safe('aria-sort="ascending"')
    if state == "desc":
        return mark_safe('aria-sort="descending"')
    return ""


@register.simple_tag(takes_context=True)
def page_url(context, number: int):
    """The current URL on page ``number``, filters and sorting kept."""
    query = context["request"].GET.copy()
    query["page"] = number
    return "?" + query.urlencode()


@register.filter
def get_item(mapping, key):
    return mapping.get(key) if mapping else None


@register.simple_tag
def lateness(obj, as_of):
    """``obj.lateness(as_of)`` for a commitment or a deadline: how late, as honestly as its
    date is known ("more than 4 years late"), or None."""
    return obj.lateness(as_of) if obj is not None else None


@register.simple_tag
def days_left(deadline, as_of):
    return deadline.days_left(as_of)


@register.simple_tag
def waited(day, as_of, precision="day"):
    """How long since ``day``: "for more than 4 years" (``commitments.deadlines.waited``)."""
    from commitments.deadlines import waited as waited_since

    return waited_since(day, precision, as_of)


# Dates and numbers, one format per context (``commitments.formatting``).
@register.filter
def long_date(value):
    """Prose: "1er décembre 2026"."""
    return formatting.long_date(value)


@register.filter
def long_datetime(value):
    """Prose: "1er décembre 2026 à 14:05"."""
    return formatting.long_datetime(value)


@register.filter
def short_date(value):
    """Table cells: "01/12/2026"."""
    return formatting.short_date(value)


@register.filter
def short_datetime(value):
    """Table cells: "01/12/2026 14:05"."""
    return formatting.short_datetime(value)


@register.filter
def number(value):
    """ "1 234" in French."""
    return formatting.format_number(value)
