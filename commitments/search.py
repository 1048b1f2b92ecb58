"""Search that finds: one rule for the staff lists, the overdue list and the API.

A search is a few words; a commitment matches when every word is found somewhere in it: its
title, key, summary, the name or acronym of its bodies, the notes of its history, what its
citations say, or the title or publisher of a source it cites (in a citation or in its
history). Case and accents never matter: "mecanisme" finds "mécanisme", "brunet" a commitment
whose cited source is "Entretien avec … Brunet".

- **PostgreSQL**: the accent-stripped text (``LOWER(UNACCENT(…))``: a half-typed word, the
  middle of a word, an acronym) and, for the title and summary, its French full-text search
  (``to_tsvector('french', unaccent(…))`` against a prefix query), so "mécanismes" finds
  "mécanisme" by its stem. ``unaccent`` comes from the extension created by migration 0008.
- **SQLite**: the accent-stripped, lower-case text, through ``vigie_fold``, a Python function
  the ``Folded`` expression registers on the connection when it is compiled. No search column
  to keep up to date: a source renamed from the admin, the API or an import is found under its
  new title at once, and nothing else has to remember to refresh anything.

Results are ordered by relevance (title first, then key, bodies, summary, citations and
sources, history), then by the list's own order. ``attach_matches`` then says, for a page of
results, where each one matched, in three queries whatever the page's size.
"""

from __future__ import annotations

import dataclasses
import datetime
import functools
import re
import unicodedata
from collections import defaultdict

from django.contrib.postgres.search import SearchQuery, SearchVector, SearchVectorExact
from django.db import models
from django.db.models import Exists, F, OuterRef, Q, Value
from django.db.models.lookups import Contains
from django.utils import formats
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

MAX_WORDS = 8
MAX_WORD_LENGTH = 60
EXCERPT_CONTEXT = 50  # characters kept on each side of the first match in an excerpt

# Letters NFKD does not take apart but French writes: folded like PostgreSQL's unaccent.
_LIGATURES = (("œ", "oe"), ("æ", "ae"), ("’", "'"), ("ʼ", "'"))
# Combining marks (accents, cedillas, diaereses...) once NFKD has taken letters apart.
_COMBINING = re.compile("[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")


def fold(text: str) -> str:
    """Lower case, accents stripped: "Mécanisme" -> "mecanisme". The one rule both sides use.

    Only C-speed string operations: SQLite calls it once per row and column searched."""
    if not text:
        return ""
    folded = text.casefold()
    if folded.isascii():
        return folded
    for letter, replacement in _LIGATURES:
        folded = folded.replace(letter, replacement)
    return _COMBINING.sub("", unicodedata.normalize("NFKD", folded))


def search_words(text: str | None) -> list[str]:
    """The folded words of a search, at most ``MAX_WORDS``; one-letter words (the "l" of
    "l'ambassadeur") are dropped when there is a longer one."""
    words = re.findall(r"\w+", fold(text or ""))
    words = [w[:MAX_WORD_LENGTH] for w in words]
    longer = [w for w in words if len(w) > 1]
    return list(dict.fromkeys(longer or words))[:MAX_WORDS]


@functools.lru_cache(maxsize=20_000)
def _cached_fold(text: str) -> str:
    return fold(text)


def _sqlite_fold(value):
    # A pure function of its text: remembered, since one search folds each text several times
    # (the count, the page, the relevance) and the next search folds the same texts again.
    return None if value is None else _cached_fold(str(value))


class Folded(models.Func):
    """An expression's text, lower case without accents, in the database."""

    output_field = models.TextField()
    arity = 1

    def as_sql(self, compiler, connection, **extra_context):
        return super().as_sql(
            compiler, connection, template="LOWER(UNACCENT(%(expressions)s))", **extra_context
        )

    def as_sqlite(self, compiler, connection, **extra_context):
        # Registered on the very connection that runs the query; idempotent and cheap.
        connection.ensure_connection()
        connection.connection.create_function("vigie_fold", 1, _sqlite_fold, deterministic=True)
        return super().as_sql(
            compiler, connection, template="vigie_fold(%(expressions)s)", **extra_context
        )


def _text_matches(field: str, word: str, connection_vendor: str, stem: bool = False) -> Q:
    """``field`` contains ``word`` (accent- and case-insensitive), or with ``stem`` on
    PostgreSQL its French stems start with the word's."""
    condition = Q(Contains(Folded(F(field)), Value(word)))
    if stem and connection_vendor == "postgresql":
        vector = SearchVector(models.Func(F(field), function="UNACCENT"), config="french")
        query = SearchQuery(f"{word}:*", search_type="raw", config="french")
        condition |= Q(SearchVectorExact(vector, query))
    return condition


def _any(fields, word, vendor, stem: bool = False) -> Q:
    condition = Q()
    for field in fields:
        condition |= _text_matches(field, word, vendor, stem)
    return condition


# Where a commitment can match, the weight of a match there (relevance) and, for the fields
# of the commitment itself, the columns looked into.
OWN_FIELDS = {
    "title": (("title",), 10),
    "key": (("key",), 5),
    "responsible_body": (("responsible_body__name", "responsible_body__acronym"), 4),
    "monitoring_body": (("monitoring_body__name", "monitoring_body__acronym"), 4),
    "summary": (("summary",), 3),
}
# Matched by their French stems too on PostgreSQL ("mécanismes" finds "mécanisme"): the
# commitment's own prose. Elsewhere (names, notes, citations, sources) the accent-stripped
# text: stemming each history note and source on every search costs more than it finds.
STEMMED = {"title", "summary"}
SOURCE_FIELDS = ("title", "publisher")
CITATION_WEIGHT = 2
HISTORY_WEIGHT = 1


def _vendor(queryset) -> str:
    from django.db import connections

    return connections[queryset.db].vendor


def _related_conditions(word: str, vendor: str) -> dict[str, Exists]:
    """EXISTS conditions for the rows around a commitment that may hold ``word``."""
    from .models import Citation, StatusChange

    source = [f"source__{f}" for f in SOURCE_FIELDS]
    citations = Citation.objects.filter(commitment=OuterRef("pk")).filter(
        _any(("claim", *source), word, vendor)
    )
    history_sources = [f"sources__{f}" for f in SOURCE_FIELDS]
    history = StatusChange.objects.filter(commitment=OuterRef("pk")).filter(
        _any(("note", *history_sources), word, vendor)
    )
    return {"citations": Exists(citations), "history": Exists(history)}


def search_queryset(queryset, text: str | None):
    """Commitments of ``queryset`` where every word of ``text`` is found, annotated with
    ``search_rank`` (higher is more relevant). Empty text: the queryset unchanged."""
    words = search_words(text)
    if not words:
        return queryset
    vendor = _vendor(queryset)
    rank = Value(0)
    own_found = {name: Q() for name in OWN_FIELDS}
    for word in words:
        conditions = []
        for name, (fields, weight) in OWN_FIELDS.items():
            condition = _any(fields, word, vendor, stem=name in STEMMED)
            own_found[name] |= condition
            conditions.append((condition, weight))
        related = _related_conditions(word, vendor)
        conditions.append((Q(related["citations"]), CITATION_WEIGHT))
        conditions.append((Q(related["history"]), HISTORY_WEIGHT))
        found = Q()
        for condition, weight in conditions:
            found |= condition
            rank = rank + models.Case(
                models.When(condition, then=Value(weight)),
                default=Value(0),
                output_field=models.IntegerField(),
            )
        queryset = queryset.filter(found)
    if vendor == "postgresql":
        # Which of its own fields matched, for ``attach_matches``: PostgreSQL's stemming finds
        # what a plain comparison in Python would not ("mécanismes" in "mécanisme").
        queryset = queryset.annotate(
            **{
                f"search_in_{name}": models.ExpressionWrapper(found, models.BooleanField())
                for name, found in own_found.items()
            }
        )
    return queryset.annotate(search_rank=models.ExpressionWrapper(rank, models.IntegerField()))


# Where each result matched -------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Match:
    """One place a result matched: ``field`` (a code for the API), ``label`` (for people) and
    ``excerpt`` (the matching text, shortened around the first match)."""

    field: str
    label: str
    excerpt: str
    words: tuple[str, ...] = ()

    @property
    def highlighted(self) -> SafeString:
        """The excerpt, escaped, with each searched word in ``<mark>``."""
        return highlight(self.excerpt, self.words)

    def as_dict(self) -> dict:
        return {"field": self.field, "label": self.label, "excerpt": self.excerpt}


def _folded_with_positions(text: str) -> tuple[str, list[int]]:
    """The folded text and, for each of its characters, the index of the original one."""
    folded, positions = [], []
    for index, char in enumerate(text):
        for out in fold(char):
            folded.append(out)
            positions.append(index)
    return "".join(folded), positions


def _spans(text: str, words) -> list[tuple[int, int]]:
    folded, positions = _folded_with_positions(text)
    spans = []
    for word in words:
        for found in re.finditer(re.escape(word), folded):
            start = positions[found.start()]
            end = positions[found.end() - 1] + 1
            spans.append((start, end))
    spans.sort()
    merged: list[tuple[int, int]] = []
    for start, end in spans:
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def highlight(text: str, words) -> SafeString:
    """``text`` escaped, the (accent- and case-insensitive) occurrences of ``words`` marked."""
    out, last = [], 0
    for start, end in _spans(text, words):
        out.append(escape(text[last:start]))
        out.append(f"<mark>{escape(text[start:end])}</mark>")
        last = end
    out.append(escape(text[last:]))
    return mark_safe("".join(out))  # noqa: S308 - every piece is escaped above


def excerpt(text: str, words, context: int = EXCERPT_CONTEXT) -> str:
    """``text`` shortened to the neighbourhood of its first match, "…" where it was cut."""
    text = " ".join((text or "").split())
    spans = _spans(text, words)
    if not spans:
        return text if len(text) <= 2 * context else text[: 2 * context].rstrip() + " …"
    start, end = spans[0]
    begin = max(0, start - context)
    finish = min(len(text), end + context)
    return (
        ("… " if begin else "") + text[begin:finish].strip() + (" …" if finish < len(text) else "")
    )


def _contains_any(text: str, words) -> bool:
    folded = fold(text)
    return any(word in folded for word in words)


def _date(value: datetime.date) -> str:
    return formats.date_format(value, "SHORT_DATE_FORMAT")


def attach_matches(commitments, text: str | None) -> None:
    """Give each commitment of ``commitments`` (annotated by ``search_queryset``) a
    ``matched_in`` list of ``Match``; ``None`` when there is no search.

    Three queries for the page whatever its size (citations, history notes, sources cited by
    the history), never one per row. A related row is listed when a word is found in its own
    text; a match that only PostgreSQL's stemming found there is named without an excerpt.
    """
    from .models import Citation, StatusChange

    commitments = list(commitments)
    words = tuple(search_words(text))
    if not words:
        for commitment in commitments:
            commitment.matched_in = None
        return
    if not commitments:
        return
    ids = [c.pk for c in commitments]
    vendor = _vendor(type(commitments[0]).objects.all())
    by_commitment: dict[int, list[Match]] = defaultdict(list)

    own_labels = {
        "title": _("Title"),
        "key": _("Key"),
        "responsible_body": _("Responsible body"),
        "monitoring_body": _("Monitoring body"),
        "summary": _("Summary"),
    }

    def word_filter(fields) -> Q:
        condition = Q()
        for word in words:
            condition |= _any(fields, word, vendor)
        return condition

    source_fields = [f"source__{f}" for f in SOURCE_FIELDS]
    citations = (
        Citation.objects.filter(commitment_id__in=ids)
        .filter(word_filter(("claim", *source_fields)))
        .select_related("source")
        .order_by("commitment_id", "pk")
    )
    notes = (
        StatusChange.objects.filter(commitment_id__in=ids)
        .filter(word_filter(("note",)))
        .only("pk", "commitment_id", "effective_date", "note")
        .order_by("commitment_id", "-effective_date", "-pk")
    )
    through = StatusChange.sources.through
    cited = (
        through.objects.filter(statuschange__commitment_id__in=ids)
        .filter(word_filter([f"source__{f}" for f in SOURCE_FIELDS]))
        .select_related("source", "statuschange")
        .order_by("statuschange__commitment_id", "-statuschange__effective_date", "pk")
    )
    related: dict[int, list[Match]] = defaultdict(list)
    seen_sources: dict[int, set[int]] = defaultdict(set)

    def add_source(commitment_id, source):
        if source.pk in seen_sources[commitment_id]:
            return
        seen_sources[commitment_id].add(source.pk)
        for field in SOURCE_FIELDS:
            value = getattr(source, field)
            if value and _contains_any(value, words):
                label = gettext("Source") if field == "title" else gettext("Source's publisher")
                related[commitment_id].append(
                    Match(f"source_{field}", label, excerpt(value, words), words)
                )

    for citation in citations:
        source_hit = any(
            _contains_any(getattr(citation.source, f) or "", words) for f in SOURCE_FIELDS
        )
        # A claim found by PostgreSQL's stemming alone is listed too, without a mark.
        if citation.claim and (_contains_any(citation.claim, words) or not source_hit):
            related[citation.commitment_id].append(
                Match(
                    "citation_claim",
                    gettext("What “%(source)s” says") % {"source": citation.source.title},
                    excerpt(citation.claim, words),
                    words,
                )
            )
        add_source(citation.commitment_id, citation.source)
    for entry in notes:
        related[entry.commitment_id].append(
            Match(
                "history_note",
                gettext("History note of %(date)s") % {"date": _date(entry.effective_date)},
                excerpt(entry.note, words),
                words,
            )
        )
    for row in cited:
        add_source(row.statuschange.commitment_id, row.source)

    for commitment in commitments:
        matches = by_commitment[commitment.pk]
        for name, (fields, _weight) in OWN_FIELDS.items():
            values = [_value(commitment, field) for field in fields]
            hits = [v for v in values if v and _contains_any(v, words)]
            if hits:
                matches.append(Match(name, str(own_labels[name]), excerpt(hits[0], words), words))
            elif getattr(commitment, f"search_in_{name}", False):
                # Found by PostgreSQL's stemming only ("mécanismes" for "mécanisme").
                text = next((v for v in values if v), "")
                matches.append(Match(name, str(own_labels[name]), excerpt(text, ()), words))
        matches.extend(related[commitment.pk])
        commitment.matched_in = matches


def _value(commitment, path: str) -> str:
    value = commitment
    for part in path.split("__"):
        value = getattr(value, part, None)
        if value is None:
            return ""
    return str(value)
