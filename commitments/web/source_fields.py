"""Choosing sources in a form: a text input that search-as-you-type enhances (one source),
and a list of them (a status change's or a deadline's evidence). A source is named by its key
or its exact title."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.urls import reverse_lazy
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from commitments.models import Source

SEARCH_URL = reverse_lazy("commitments:source_search")
# The most sources one field takes (a status change's or a deadline's evidence).
MAX_DEADLINE_SOURCES = 20


class SourceInput(forms.TextInput):
    """A plain text input (a source's key or its exact title); ``static/js/source-picker.js``
    turns it into a combobox that searches the titles as you type."""

    def __init__(self, attrs=None):
        super().__init__(
            {
                "autocomplete": "off",
                "data-source-search": "",
                "spellcheck": "false",
                **(attrs or {}),
            }
        )

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        context["widget"]["attrs"]["data-source-search"] = str(SEARCH_URL)
        return context


def _source_text(value) -> str:
    return value.key if isinstance(value, Source) else ("" if value is None else str(value))


def resolve_source(text: str) -> Source:
    """The source a typed text names: its key, else its exact title (one only)."""
    text = text.strip()
    if "\x00" in text:  # PostgreSQL refuses it in a query: refused here, as Django's fields do
        raise ValidationError(_("Null characters are not allowed."), code="null_characters")
    found = list(Source.objects.filter(Q(key=text) | Q(title__iexact=text))[:3])
    by_key = [s for s in found if s.key == text]
    if by_key:
        return by_key[0]
    if len(found) == 1:
        return found[0]
    if not found and text.isdigit() and len(text) < 19:
        # A source's number, as links and older forms send it.
        by_id = Source.objects.filter(pk=int(text)).first()
        if by_id is not None:
            return by_id
    if found:
        raise ValidationError(
            _("Several sources have this title: choose one in the list, or type its key."),
            code="ambiguous",
        )
    raise ValidationError(
        _(
            "Unknown source “%(text)s”: type a few words of its title and choose it in the "
            "list, or type its key (e.g. collectif-2022)."
        ),
        code="unknown",
        params={"text": text[:80]},
    )


class SourceField(forms.CharField):
    """One source, typed as its key or exact title (the widget's search fills in the key)."""

    widget = SourceInput

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.widget.attrs["maxlength"] = "500"

    def prepare_value(self, value):
        return _source_text(value)

    def to_python(self, value):
        if isinstance(value, Source):
            return value
        text = super().to_python(value)
        if len(text) > 500:
            raise ValidationError(_("This text is too long."), code="max_length")
        return resolve_source(text) if text else None


class SourcesInput(forms.Widget):
    """Several source inputs under one name (the sources already chosen, and two empty)."""

    use_fieldset = True
    blank_rows = 2

    def value_from_datadict(self, data, files, name):
        return [v for v in data.getlist(name) if v.strip()] if hasattr(data, "getlist") else []

    def value_omitted_from_data(self, data, files, name):
        return False

    def format_value(self, value):
        return [_source_text(v) for v in value or []]

    def render(self, name, value, attrs=None, renderer=None):
        values = self.format_value(value) + [""] * self.blank_rows
        base = (attrs or {}).get("id") or f"id_{name}"
        rows = []
        for index, text in enumerate(values):
            rows.append(
                (
                    f"{base}_{index}",
                    _("Source %(number)d") % {"number": index + 1},
                    name,
                    text,
                    str(SEARCH_URL),
                )
            )
        return format_html(
            '<div class="source-inputs">{}</div>',
            format_html_join(
                "",
                '<div class="source-input"><label for="{0}">{1}</label> <input type="text" '
                'id="{0}" name="{2}" value="{3}" maxlength="500" autocomplete="off" '
                'spellcheck="false" data-source-search="{4}"></div>',
                rows,
            ),
        )

    def id_for_label(self, id_):
        return f"{id_}_0" if id_ else id_


class SourcesField(forms.Field):
    widget = SourcesInput

    def prepare_value(self, value):
        if hasattr(value, "all"):
            return list(value.all())
        return value

    def to_python(self, value):
        texts = [t.strip() for t in value or [] if t and t.strip()]
        if len(texts) > MAX_DEADLINE_SOURCES:
            raise ValidationError(
                _("At most %(max)d sources."), code="too_many", params={"max": MAX_DEADLINE_SOURCES}
            )
        sources, errors = [], []
        for text in texts:
            if len(text) > 500:
                errors.append(ValidationError(_("This text is too long."), code="max_length"))
                continue
            try:
                source = resolve_source(text)
            except ValidationError as error:
                errors.append(error)
            else:
                if source not in sources:
                    sources.append(source)
        if errors:
            raise ValidationError(errors)
        return sources
