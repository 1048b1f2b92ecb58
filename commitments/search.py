"""Search that finds: one rule for the staff lists, the overdue list and the API.

A search is a few words; a commitment matches when every word is found somewhere in it: its
title, key, summary, the name or acronym of its bodies, the notes of its history, what its
citations say, or the title or publisher of a source it cites (in a citation or in its
history). Case and accents never matter: "mecanisme" finds "mécanisme", "brunet" a commitment
whose cited source is "Entretien avec … Brunet". A word is looked for by its French stem when
the stem starts it, so "mécanismes" finds "mécanisme" and "orientations" "orientation"; a
half-typed word or the middle of one is found too ("mecan", "ministerielle").

The words of every place a search looks are kept, folded, in one row per commitment
(``SearchDocument``, kept up to date by ``commitments.search_index``): a search reads that one
table, the same way on SQLite and PostgreSQL, instead of joining seven tables and folding
their text for every row (10 to 16 seconds for a common word at 100,000 commitments).

Results are ordered by relevance (title first, then key, bodies, summary, citations and
sources, history), then by the list's own order. ``attach_matches`` then says, for a page of
results, where each one matched, in three queries whatever the page's size.
"""

from __future__ import annotations

import dataclasses
import datetime
import functools
import re
import threading
import unicodedata
from collections import defaultdict

import snowballstemmer
from django.db import models
from django.db.models import F, OuterRef, Q, Value
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


def _text_matches(field: str, word: str) -> Q:
    """``field`` contains ``word``, case and accents ignored (folded in the database)."""
    return Q(Contains(Folded(F(field)), Value(word)))


def _any(fields, word) -> Q:
    condition = Q()
    for field in fields:
        condition |= _text_matches(field, word)
    return condition


# The columns of a commitment's ``SearchDocument`` and the weight of a match there (relevance).
DOCUMENT_WEIGHTS = {"title": 10, "key": 5, "bodies": 4, "summary": 3, "citations": 2, "history": 1}
# Where "where it matched" looks on the commitment itself, for ``attach_matches``.
OWN_FIELDS = {
    "title": ("title",),
    "key": ("key",),
    "responsible_body": ("responsible_body__name", "responsible_body__acronym"),
    "monitoring_body": ("monitoring_body__name", "monitoring_body__acronym"),
    "summary": ("summary",),
}
SOURCE_FIELDS = ("title", "publisher")
# A stem shorter than this is not used: "plan" stays "plan", never "pl".
MIN_STEM_LENGTH = 4
_stemmers = threading.local()


@functools.lru_cache(maxsize=4096)
def _stem(word: str) -> str:
    stemmer = getattr(_stemmers, "french", None)
    if stemmer is None:  # one per thread: a Snowball stemmer keeps state while it works
        stemmer = _stemmers.french = snowballstemmer.stemmer("french")
    return stemmer.stemWord(word)


def search_terms(text: str | None) -> list[str]:
    """What is looked for, one per word of ``search_words``: the word's French stem when the
    stem starts the word and is long enough ("mecanismes" -> "mecan"), else the word itself."""
    terms = []
    for word in search_words(text):
        stem = _stem(word)
        terms.append(stem if len(stem) >= MIN_STEM_LENGTH and word.startswith(stem) else word)
    return list(dict.fromkeys(terms))


def search_queryset(queryset, text: str | None):
    """Commitments of ``queryset`` where every word of ``text`` is found, annotated with
    ``search_rank`` (higher is more relevant). Empty text: the queryset unchanged.

    The documents that match are found by one scan of their table (``pk IN (...)``); only
    those are then read again, in the commitments' order, for their rank. Joined the other
    way, SQLite looked up every commitment's document, in index order: 3x the time.
    """
    from .models import SearchDocument

    terms = search_terms(text)
    if not terms:
        return queryset
    rank = Value(0)
    found_every = Q()
    for term in terms:
        found = Q()
        for column, weight in DOCUMENT_WEIGHTS.items():
            # Folded words only, no LIKE wildcard among them: nothing to escape.
            condition = Q(**{f"{column}__contains": term})
            found |= condition
            rank = rank + models.Case(
                models.When(condition, then=Value(weight)),
                default=Value(0),
                output_field=models.IntegerField(),
            )
        found_every &= found
    documents = SearchDocument.objects.order_by()
    matching = documents.filter(found_every).values("commitment_id")
    # A subquery, not a join: a count, which does not read the rank, does not read it either.
    ranked = documents.filter(commitment_id=OuterRef("pk")).annotate(rank=rank).values("rank")
    return queryset.filter(pk__in=matching).annotate(
        search_rank=models.Subquery(ranked, output_field=models.IntegerField())
    )


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
        # To the end of the word: "deleg" (the stem searched for) marks "Délégation".
        for found in re.finditer(re.escape(word) + r"\w*", folded):
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
    the history), never one per row. A row is listed where a searched term (``search_terms``:
    the stem "mecan" of "mécanismes") is found in its own text, the term marked in the excerpt.
    """
    from .models import Citation, StatusChange

    commitments = list(commitments)
    words = tuple(search_terms(text))
    if not words:
        for commitment in commitments:
            commitment.matched_in = None
        return
    if not commitments:
        return
    ids = [c.pk for c in commitments]
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
            condition |= _any(fields, word)
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
        if citation.claim and _contains_any(citation.claim, words):
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
        for name, fields in OWN_FIELDS.items():
            values = [_value(commitment, field) for field in fields]
            hits = [v for v in values if v and _contains_any(v, words)]
            if hits:
                matches.append(Match(name, str(own_labels[name]), excerpt(hits[0], words), words))
        matches.extend(related[commitment.pk])
        commitment.matched_in = matches


def _value(commitment, path: str) -> str:
    value = commitment
    for part in path.split("__"):
        value = getattr(value, part, None)
        if value is None:
            return ""
    return str(value)
