"""The project's form renderer (``FORM_RENDERER``): Django's own, with its simplest widget
templates written out in Python.

Why: the staff lists' filter form holds about 600 options (bodies, staff members, tags,
orderings). Django renders each option by including two templates, which made the widgets
two thirds of a list page's time at 100,000 commitments (issue 12). The functions below
write exactly what those templates write, byte for byte (``tests/tracker/test_form_renderer.py``
compares both for every widget and state), escaping each value as the template language does
(``render_value_in_context``). Every other template is rendered by the templates as before.
Apps cannot override these under Django's renderer (its own folder comes first), so what
Django writes is the whole reference.
"""

from django.forms.renderers import DjangoTemplates
from django.template import Context
from django.template.base import render_value_in_context
from django.template.defaultfilters import stringformat
from django.utils.html import escape
from django.utils.safestring import SafeData, mark_safe

# What ``{{ value }}`` sees in a widget template: autoescape on, localization and time zone
# as configured (the context Django's renderer makes for a widget).
_CONTEXT = Context(autoescape=True)


def _out(value) -> str:
    """``{{ value }}``."""
    if type(value) is str:  # most values: what the template language does to a plain string
        return escape(value)
    return render_value_in_context(value, _CONTEXT)


def _formatted(value) -> str:
    """``{{ value|stringformat:'s' }}`` (the filter keeps a safe string safe)."""
    text = stringformat(value, "s")
    return _out(mark_safe(text) if isinstance(value, SafeData) else text)


def _attrs(attrs) -> str:
    """``attrs.html``."""
    return "".join(
        f" {_out(name)}" if value is True else f' {_out(name)}="{_formatted(value)}"'
        for name, value in attrs.items()
        if value is not False
    )


def _input(renderer, widget) -> str:
    """``input.html``."""
    value = widget["value"]
    shown = f' value="{_formatted(value)}"' if value != None else ""  # noqa: E711 (as written)
    return (
        f'<input type="{_out(widget["type"])}" name="{_out(widget["name"])}"{shown}'
        f"{_attrs(widget['attrs'])}>\n"
    )


def _including_input(renderer, widget) -> str:
    """``text.html``, ``date.html``… : the input, then the file's own line end."""
    return _input(renderer, widget) + "\n"


def _select(renderer, widget) -> str:
    """``select.html``."""
    parts = [f'<select name="{_out(widget["name"])}"{_attrs(widget["attrs"])}>']
    for group_name, group_choices, _index in widget["optgroups"]:
        if group_name:
            parts.append(f'\n  <optgroup label="{_out(group_name)}">')
        for option in group_choices:
            parts.append("\n  ")
            parts.append(renderer.include(option))
        if group_name:
            parts.append("\n  </optgroup>")
    parts.append("\n</select>\n")
    return "".join(parts)


def _select_option(renderer, widget) -> str:
    """``select_option.html``."""
    return (
        f'<option value="{_formatted(widget["value"])}"{_attrs(widget["attrs"])}>'
        f"{_out(widget['label'])}</option>\n"
    )


def _multiple_input(renderer, widget) -> str:
    """``multiple_input.html`` (checkboxes and radio buttons)."""
    attrs = widget["attrs"]
    parts = ["<div"]
    if attrs.get("id"):
        parts.append(f' id="{_out(attrs["id"])}"')
    if attrs.get("class"):
        parts.append(f' class="{_out(attrs["class"])}"')
    parts.append(">")
    for group, options, _index in widget["optgroups"]:
        if group:
            parts.append(f"\n  <div><label>{_out(group)}</label>")
        for option in options:
            parts.append("<div>\n    ")
            parts.append(renderer.include(option))
            parts.append("</div>")
        if group:
            parts.append("\n  </div>")
    parts.append("\n</div>\n")
    return "".join(parts)


def _including_multiple_input(renderer, widget) -> str:
    """``checkbox_select.html``, ``radio.html``."""
    return _multiple_input(renderer, widget) + "\n"


def _input_option(renderer, widget) -> str:
    """``input_option.html``: one checkbox or radio button, in its label."""
    if not widget["wrap_label"]:
        return _input(renderer, widget) + "\n"
    target = widget["attrs"].get("id")
    label_for = f' for="{_out(target)}"' if target else ""
    return f"<label{label_for}>{_input(renderer, widget)} {_out(widget['label'])}</label>\n"


def _including_input_option(renderer, widget) -> str:
    """``checkbox_option.html``, ``radio_option.html``."""
    return _input_option(renderer, widget) + "\n"


def _textarea(renderer, widget) -> str:
    """``textarea.html``."""
    value = _out(widget["value"]) if widget["value"] else ""
    return (
        f'<textarea name="{_out(widget["name"])}"{_attrs(widget["attrs"])}>\n{value}</textarea>\n'
    )


WIDGETS = "django/forms/widgets/"
WRITERS = {
    f"{WIDGETS}input.html": _input,
    **{
        f"{WIDGETS}{name}.html": _including_input
        for name in (
            "text",
            "number",
            "email",
            "url",
            "password",
            "hidden",
            "date",
            "datetime",
            "time",
            "search",
            "tel",
            "color",
            "checkbox",
        )
    },
    f"{WIDGETS}select.html": _select,
    f"{WIDGETS}select_option.html": _select_option,
    f"{WIDGETS}multiple_input.html": _multiple_input,
    f"{WIDGETS}checkbox_select.html": _including_multiple_input,
    f"{WIDGETS}radio.html": _including_multiple_input,
    f"{WIDGETS}input_option.html": _input_option,
    f"{WIDGETS}checkbox_option.html": _including_input_option,
    f"{WIDGETS}radio_option.html": _including_input_option,
    f"{WIDGETS}textarea.html": _textarea,
}


class FormRenderer(DjangoTemplates):
    """Django's renderer; the widget templates of ``WRITERS`` written by their function."""

    def render(self, template_name, context, request=None):
        writer = WRITERS.get(template_name)
        if writer is None:
            return super().render(template_name, context, request=request)
        return mark_safe(writer(self, context["widget"]).strip())

    def include(self, option) -> str:
        """``{% include option.template_name with widget=option %}``: unstripped."""
        writer = WRITERS.get(option["template_name"])
        if writer is None:
            return self.get_template(option["template_name"]).render({"widget": option})
        return writer(self, option)
