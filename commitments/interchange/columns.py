"""The staff spreadsheets' columns, one list per shape, shared by the export, the template and
the import: what each column is called (its heading in French or English, or its technical
name), how a cell is written and how it is read back.

The lists come from ``commitments/fields.py`` (``COMMITMENT_COLUMNS``, ``BODY_FIELDS``,
``SOURCE_FIELDS``): a field added there gets its column here by its model's verbose name,
with its kind of cell read from the model field.
"""

from __future__ import annotations

import datetime
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from django.db import models
from django.utils import translation
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from commitments.fields import BODY_FIELDS, COMMITMENT_COLUMNS, SOURCE_FIELDS
from commitments.models import Body, Commitment, Source

from .formulas import FORMULA_PREFIXES

# A cell a spreadsheet would run: "=…", or "+…", "-…", "@…" followed by a function call.
FORMULA = re.compile(r"^\s*(=|[+\-@]\s*[A-Za-z_][\w.]*\s*\()")
DATE_FORMAT = "%d/%m/%Y"
XLSX_DATE_FORMAT = "dd/mm/yyyy"
FRENCH_DATE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")

TEXT, DATE, CHOICE, KEY, KEYS, BOOLEAN, NUMBER = (
    "text",
    "date",
    "choice",
    "key",
    "keys",
    "boolean",
    "number",
)
TRUE_WORDS = {"oui", "yes", "vrai", "true", "1", "x"}
FALSE_WORDS = {"non", "no", "faux", "false", "0"}


class CellError(ValueError):
    """A cell that cannot be read; the message says why, in the user's language."""


def normalised(text: Any) -> str:
    """Lower case, without accents, spaces collapsed: “Échéance ” matches “echeance”."""
    text = unicodedata.normalize("NFKD", str(text)).encode("ascii", "ignore").decode()
    return " ".join(text.replace("_", " ").casefold().split())


@dataclass(frozen=True)
class Column:
    name: str  # the technical name (``fields.py``)
    label: Any  # the heading, a lazy translation
    kind: str = TEXT
    required: bool = False
    choices: tuple = ()  # (value, lazy label) pairs, for CHOICE
    model: Any = None  # for KEY and KEYS: the model looked up
    lookup: str = "key"  # its field that the cell names

    @property
    def heading(self) -> str:
        return str(self.label)

    def names(self) -> set[str]:
        """Every heading that designates this column: technical, English, French."""
        names = {normalised(self.name)}
        for language in ("en", "fr"):
            with translation.override(language):
                names.add(normalised(self.label))
        return names

    def choice_lookup(self) -> dict[str, str]:
        """Value, English label and French label of each choice, normalised, to the value."""
        found = {}
        for value, label in self.choices:
            found[normalised(value)] = value
            for language in ("en", "fr"):
                with translation.override(language):
                    found[normalised(label)] = value
        return found

    # Writing -------------------------------------------------------------------------
    def write(self, value) -> Any:
        """The cell for ``value`` (a date stays a date; the writer formats it)."""
        if value is None:
            return ""
        if self.kind == CHOICE:
            return str(dict(self.choices).get(value, value))
        if self.kind == KEY:
            return getattr(value, self.lookup)
        if self.kind == KEYS:
            return ", ".join(getattr(item, self.lookup) for item in value)
        if self.kind == BOOLEAN:
            return _("Yes") if value else _("No")
        return value

    # Reading -------------------------------------------------------------------------
    def read(self, raw, known: dict | None = None, *, formula_checked: bool = False) -> Any:
        """The value of a cell; ``CellError`` if it cannot be one. An empty cell is None
        (or "" for text, [] for a list)."""
        if isinstance(raw, str):
            raw = raw.strip()
            if raw.startswith("'") and raw[1:].startswith(FORMULA_PREFIXES):
                # Neutralised by an export (``formulas.neutralise``): text, as it was.
                return self.read(raw[1:], known, formula_checked=True)
            if FORMULA.match(raw) and not formula_checked:
                raise CellError(
                    _("This cell holds a spreadsheet formula (%(value)s); enter the value itself.")
                    % {"value": raw[:40]}
                )
        empty = raw is None or raw == ""
        if self.kind == TEXT:
            return "" if empty else _text(raw)
        if self.kind == KEYS:
            keys = [] if empty else [k.strip() for k in re.split(r"[,;]", str(raw)) if k.strip()]
            unknown = [key for key in keys if key not in known]
            if unknown:
                raise CellError(_("Unknown key(s): %(keys)s") % {"keys": ", ".join(unknown)})
            return [known[key] for key in keys]
        if empty:
            return None
        if self.kind == DATE:
            return read_date(raw)
        if self.kind == CHOICE:
            value = self.choice_lookup().get(normalised(raw))
            if value is None:
                raise CellError(
                    _("“%(value)s” is not one of: %(choices)s.")
                    % {"value": raw, "choices": ", ".join(str(label) for _v, label in self.choices)}
                )
            return value
        if self.kind == KEY:
            key = _text(raw)
            if key not in known:
                raise CellError(_("Unknown key: %(key)s") % {"key": key})
            return known[key]
        if self.kind == BOOLEAN:
            word = normalised(raw)
            if word in TRUE_WORDS or raw is True:
                return True
            if word in FALSE_WORDS or raw is False:
                return False
            raise CellError(_("“%(value)s” is neither yes nor no.") % {"value": raw})
        if self.kind == NUMBER:
            try:
                number = float(str(raw).replace(",", "."))
            except ValueError:
                number = None
            if number is None or not number.is_integer():
                raise CellError(_("“%(value)s” is not a whole number.") % {"value": raw})
            return int(number)
        raise AssertionError(self.kind)


def _text(raw) -> str:
    if isinstance(raw, float) and raw.is_integer():
        return str(int(raw))
    if isinstance(raw, datetime.datetime):
        raw = raw.date()
    if isinstance(raw, datetime.date):
        return raw.strftime(DATE_FORMAT)
    return str(raw).strip()


def read_date(raw) -> datetime.date:
    """A date cell, or text as 31/12/2026 or 2026-12-31."""
    if isinstance(raw, datetime.datetime):
        return raw.date()
    if isinstance(raw, datetime.date):
        return raw
    text = str(raw).strip()
    match = FRENCH_DATE.match(text)
    try:
        if match:
            day, month, year = (int(part) for part in match.groups())
            return datetime.date(year, month, day)
        return datetime.date.fromisoformat(text)
    except ValueError:
        raise CellError(
            _("“%(value)s” is not a date: write it as 31/12/2026 or 2026-12-31.") % {"value": text}
        ) from None


@dataclass(frozen=True)
class Sheet:
    """One shape: its kind, its model and its columns in order."""

    kind: str
    model: Any
    columns: tuple[Column, ...]
    title: Any
    labels: dict = field(default_factory=dict)

    def column(self, name: str) -> Column:
        return next(column for column in self.columns if column.name == name)

    def headings(self) -> list[str]:
        return [column.heading for column in self.columns]

    def match_header(self, header: list[str]) -> tuple[list[Column | None], list[str]]:
        """Each header cell's column (None for an empty cell), and the problems found."""
        by_name = {}
        for column in self.columns:
            for name in column.names():
                by_name[name] = column
        matched, problems, seen = [], [], set()
        for cell in header:
            if not str(cell).strip():
                matched.append(None)
                continue
            column = by_name.get(normalised(cell))
            if column is None:
                problems.append(_("unknown column “%(column)s”") % {"column": cell})
            elif column.name in seen:
                problems.append(
                    _("the column “%(column)s” appears twice") % {"column": column.heading}
                )
            else:
                seen.add(column.name)
            matched.append(column)
        missing = [c.heading for c in self.columns if c.required and c.name not in seen]
        if missing:
            problems.append(
                _("missing column(s): %(columns)s")
                % {"columns": ", ".join(f"“{name}”" for name in missing)}
            )
        return matched, problems


# Headings of the columns that are not a model field of the same name.
EXTRA_LABELS = {
    "status_effective_date": gettext_lazy("Status effective date"),
    "status_note": gettext_lazy("Status note"),
    "status_sources": gettext_lazy("Status sources"),
    "version": gettext_lazy("Version"),
}
REQUIRED = {
    "commitments": ("key", "title", "responsible_body"),
    "bodies": ("key", "name"),
    "sources": ("key", "title"),
}
# Looked up by their key, except the staff owner (by user name) and tags (by slug).
LOOKUPS = {"owner": "username", "tags": "slug", "status_sources": "key"}


def _column(model, name: str, required: tuple) -> Column:
    try:
        model_field = model._meta.get_field(name)
    except Exception:
        model_field = None
    label = EXTRA_LABELS.get(name)
    if label is None:
        label = gettext_lazy_capfirst(model_field.verbose_name)
    kind, choices, related = TEXT, (), None
    if name == "version":
        kind = NUMBER
    elif name == "status_effective_date" or isinstance(model_field, models.DateField):
        kind = DATE
    elif name == "status_sources":
        kind, related = KEYS, Source
    elif model_field is not None and model_field.choices:
        kind, choices = CHOICE, tuple(model_field.choices)
    elif isinstance(model_field, models.ForeignKey):
        kind, related = KEY, model_field.related_model
    elif isinstance(model_field, models.ManyToManyField):
        kind, related = KEYS, model_field.related_model
    elif isinstance(model_field, models.BooleanField):
        kind = BOOLEAN
    return Column(
        name=name,
        label=label,
        kind=kind,
        required=name in required,
        choices=choices,
        model=related,
        lookup=LOOKUPS.get(name, "key"),
    )


class gettext_lazy_capfirst:  # noqa: N801 (reads as the function it stands for)
    """A verbose name with its first letter capitalised, translated when shown."""

    def __init__(self, text):
        self.text = text

    def __str__(self) -> str:
        return capfirst(str(self.text))


def _sheet(kind: str, model, names, title) -> Sheet:
    return Sheet(
        kind=kind,
        model=model,
        columns=tuple(_column(model, name, REQUIRED[kind]) for name in names),
        title=title,
    )


SHEETS = {
    "commitments": _sheet(
        "commitments", Commitment, COMMITMENT_COLUMNS, gettext_lazy("Commitments")
    ),
    "bodies": _sheet("bodies", Body, BODY_FIELDS, gettext_lazy("Bodies")),
    "sources": _sheet("sources", Source, SOURCE_FIELDS, gettext_lazy("Sources")),
}
