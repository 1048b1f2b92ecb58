"""Search that finds (issue 11, item 5): case and accents ignored, every field searched, where
each result matched, relevance order, and a constant number of queries."""

import datetime
import zoneinfo

import pytest
import time_machine
from django.urls import reverse

from commitments.models import Commitment
from commitments.search import (
    attach_matches,
    excerpt,
    fold,
    highlight,
    search_terms,
    search_words,
)
from commitments.services.status import status_change_record

from ..factories import BodyFactory, SourceFactory, make_commitment

PARIS = zoneinfo.ZoneInfo("Europe/Paris")
TODAY = datetime.date(2024, 6, 15)


@pytest.fixture(autouse=True)
def frozen_today():
    with time_machine.travel(datetime.datetime(2024, 6, 15, 10, 0, tzinfo=PARIS), tick=False):
        yield


def keys(queryset) -> list[str]:
    return [c.key for c in queryset]


def found(text: str) -> set[str]:
    return set(keys(Commitment.objects.search(text)))


@pytest.fixture
def corpus(db, editor):
    """One commitment per searched place, each with a word found nowhere else."""
    miprof = BodyFactory(name="Mission interministérielle pour la protection", acronym="MIPROF")
    greta = BodyFactory(name="Groupe d'experts sur la traite", acronym="GRETA")
    plain = BodyFactory(name="Premier ministre", acronym="PM")
    made = {
        "title": make_commitment(
            key="title", title="Mécanisme national d'orientation", responsible_body=plain
        ),
        "summary": make_commitment(
            key="summary", summary="Un référentiel d'Évaluation partagé.", responsible_body=plain
        ),
        "responsible": make_commitment(key="responsible", responsible_body=miprof),
        "monitoring": make_commitment(
            key="monitoring", responsible_body=plain, monitoring_body=greta
        ),
    }
    cited = make_commitment(key="claim", responsible_body=plain)
    cited.citations.create(
        source=SourceFactory(title="Rapport annuel"),
        claim="Le plan couvre 2019-2021 selon l'ambassadrice.",
    )
    made["claim"] = cited
    source_title = make_commitment(key="source-title", responsible_body=plain)
    source_title.citations.create(
        source=SourceFactory(title="Entretien avec l'ambassadeur Olivier Brunet"), claim=""
    )
    made["source-title"] = source_title
    publisher = make_commitment(key="publisher", responsible_body=plain)
    publisher.citations.create(
        source=SourceFactory(title="Communiqué", publisher="Ministère de l'Intérieur"), claim=""
    )
    made["publisher"] = publisher
    noted = make_commitment(key="note", responsible_body=plain)
    status_change_record(
        commitment=noted,
        new_status=Commitment.Status.IN_PROGRESS,
        effective_date=datetime.date(2022, 3, 12),
        note="Réunion à la Délégation : calendrier confirmé.",
        author=editor,
        sources=[SourceFactory(title="Compte rendu interne", publisher="Collectif")],
        expected_version=noted.version,
    )
    made["note"] = noted
    history_source = make_commitment(key="history-source", responsible_body=plain)
    status_change_record(
        commitment=history_source,
        new_status=Commitment.Status.ANNOUNCED,
        effective_date=datetime.date(2023, 1, 5),
        author=editor,
        sources=[SourceFactory(title="Compte rendu du Sénat", publisher="Sénat")],
        expected_version=history_source.version,
    )
    made["history-source"] = history_source
    return made


# --- Folding ---------------------------------------------------------------------------------


def test_fold_lowers_and_strips_accents_and_ligatures():
    assert fold("Mécanisme ÉVALUATION Œuvre Straße") == "mecanisme evaluation oeuvre strasse"


def test_search_words_drops_one_letter_words_and_keeps_at_most_eight():
    assert search_words("l'Ambassadeur") == ["ambassadeur"]
    assert search_words("a") == ["a"]
    assert len(search_words(" ".join(f"mot{n}" for n in range(20)))) == 8
    assert search_words("  ") == []


def test_highlight_marks_accent_insensitive_and_escapes():
    assert (
        highlight("<b>Mécanisme</b> national", ("mecanisme",))
        == "&lt;b&gt;<mark>Mécanisme</mark>&lt;/b&gt; national"
    )


def test_excerpt_cuts_around_the_first_match():
    text = "x" * 200 + " Brunet " + "y" * 200
    cut = excerpt(text, ("brunet",), context=10)
    assert cut.startswith("… ") and cut.endswith(" …") and "Brunet" in cut and len(cut) < 40


# --- Every field, case and accents ignored ---------------------------------------------------


@pytest.mark.parametrize(
    "text, expected",
    [
        ("mecanisme", {"title"}),
        ("MÉCANISME", {"title"}),
        ("Mecan", {"title"}),  # half-typed
        ("evaluation", {"summary"}),
        ("miprof", {"responsible"}),
        ("interministerielle", {"responsible"}),
        ("greta", {"monitoring"}),
        ("ambassadrice", {"claim"}),
        ("brunet", {"source-title"}),
        ("interieur", {"publisher"}),
        ("delegation", {"note"}),
        ("senat", {"history-source"}),
        ("brunet entretien", {"source-title"}),
        ("brunet senat", set()),  # every word must be found
        ("introuvable", set()),
    ],
)
def test_each_searched_field_is_found(corpus, text, expected):
    assert found(text) == expected


def test_an_empty_search_changes_nothing(corpus):
    assert Commitment.objects.search("  ").count() == Commitment.objects.count()


def test_relevance_puts_a_title_match_first(db):
    plain = BodyFactory(name="Premier ministre", acronym="PM")
    in_summary = make_commitment(
        key="a-summary",
        title="Autre",
        summary="la traite des êtres",
        responsible_body=plain,
        due_date=TODAY,
    )
    in_title = make_commitment(
        key="z-title",
        title="Lutte contre la traite",
        responsible_body=plain,
        due_date=TODAY + datetime.timedelta(1),
    )
    assert keys(Commitment.objects.search("traite")) == [in_title.key, in_summary.key]


# --- Where it matched --------------------------------------------------------------------------


def matched(commitment_key, text, settings):
    commitments = list(Commitment.objects.search(text))
    attach_matches(commitments, text)
    return {c.key: c.matched_in for c in commitments}[commitment_key]


def test_matched_in_names_the_source_and_the_history_note(corpus, settings):
    settings.LANGUAGE_CODE = "fr"
    from django.utils import translation

    with translation.override("fr"):
        [source] = matched("source-title", "brunet", settings)
        assert source.field == "source_title"
        assert source.label == "Source"
        assert source.excerpt == "Entretien avec l'ambassadeur Olivier Brunet"
        assert str(source.highlighted).endswith("<mark>Brunet</mark>")
        [note] = matched("note", "delegation", settings)
        assert note.field == "history_note"
        assert note.label == "Note d'historique du 12/03/2022"
        assert "<mark>Délégation</mark>" in note.highlighted
        [claim] = matched("claim", "ambassadrice", settings)
        assert claim.field == "citation_claim" and "Rapport annuel" in claim.label
        [publisher] = matched("publisher", "interieur", settings)
        assert publisher.field == "source_publisher"
        # "Compte rendu du Sénat", published by the "Sénat": both named, once each.
        fields = [m.field for m in matched("history-source", "senat", settings)]
        assert fields == ["source_title", "source_publisher"]
        [title] = matched("title", "mecanisme", settings)
        assert title.field == "title"
        fields = {m.field for m in matched("responsible", "miprof", settings)}
        assert fields == {"responsible_body"}


def test_no_search_no_matched_in(corpus):
    commitments = list(Commitment.objects.all())
    attach_matches(commitments, "")
    assert all(c.matched_in is None for c in commitments)


# --- The pages ---------------------------------------------------------------------------------


def test_the_list_shows_where_it_matched(corpus, viewer_client):
    response = viewer_client.get(reverse("commitments:list"), {"search": "brunet"})
    assert [c.key for c in response.context["commitments"]] == ["source-title"]
    html = response.content.decode()
    assert "<mark>Brunet</mark>" in html
    assert "Source :" in html


def test_the_overdue_list_searches_too(db, viewer_client):
    body = BodyFactory(name="Premier ministre", acronym="PM")
    late = make_commitment(
        key="late",
        title="Référentiel",
        due_date=TODAY - datetime.timedelta(3),
        responsible_body=body,
    )
    late.citations.create(source=SourceFactory(title="Audition de M. Brunet"), claim="")
    make_commitment(key="other", due_date=TODAY - datetime.timedelta(3), responsible_body=body)
    response = viewer_client.get(reverse("commitments:overdue"), {"search": "BRUNET"})
    assert [c.key for c in response.context["commitments"]] == ["late"]
    assert "<mark>Brunet</mark>" in response.content.decode()


def test_an_explicit_order_wins_over_relevance(db, viewer_client):
    body = BodyFactory(name="Premier ministre", acronym="PM")
    make_commitment(key="b", title="Traite B", summary="", responsible_body=body)
    make_commitment(key="a", title="Autre A", summary="traite", responsible_body=body)
    url = reverse("commitments:list")
    ranked = viewer_client.get(url, {"search": "traite"}).context["commitments"]
    assert [c.key for c in ranked] == ["b", "a"]
    ordered = viewer_client.get(url, {"search": "traite", "ordering": "title"})
    assert [c.key for c in ordered.context["commitments"]] == ["a", "b"]


def populate(count: int, editor) -> None:
    body = BodyFactory(name="Premier ministre", acronym="PM")
    source = SourceFactory(title="Entretien avec M. Brunet", publisher="Sénat")
    for n in range(count):
        commitment = make_commitment(title=f"Plan {n}", summary="Mécanisme", responsible_body=body)
        commitment.citations.create(source=source, claim=f"Brunet a dit {n}")
        status_change_record(
            commitment=commitment,
            new_status=Commitment.Status.IN_PROGRESS,
            effective_date=TODAY,
            author=editor,
            note="Brunet confirme",
            sources=[source],
            expected_version=commitment.version,
        )


@pytest.mark.parametrize("count", [3, 30])
def test_a_search_costs_the_same_queries_at_any_size(
    count, editor, viewer_client, django_assert_num_queries
):
    populate(count, editor)
    url = reverse("commitments:list")
    # The plain list for a viewer (12: the page's ids, then its rows, as in
    # tests/commitments/test_pages_queries.py, less the bulk form's sources; the bodies read
    # once for both body filters, was twice), the saved views (1), and where the rows matched:
    # citations, history notes, sources cited by the history (3).
    with django_assert_num_queries(16):
        response = viewer_client.get(url, {"search": "brunet mecanisme"})
    rows = response.context["commitments"]
    assert len(rows) == min(count, 25)
    assert all(len(c.matched_in) == 4 for c in rows)  # summary, claim, source, note


# --- French stems, on both databases -----------------------------------------------------------


def test_a_word_is_found_by_its_french_stem(db, settings):
    from django.utils import translation

    body = BodyFactory(name="Premier ministre", acronym="PM")
    make_commitment(key="stem", title="Mécanisme national d'orientation", responsible_body=body)
    make_commitment(key="other", title="Autre", responsible_body=body)
    # Plural and accent-less: found by the stem ("mecan"), which a substring would miss.
    assert found("mecanismes") == {"stem"}
    assert found("ORIENTATIONS") == {"stem"}
    assert found("mécan") == {"stem"}  # half-typed: a prefix
    assert found("canisme") == {"stem"}  # the middle of a word
    with translation.override("fr"):
        [match] = matched("stem", "mecanismes", settings)
    assert (match.field, match.label) == ("title", "Intitulé")
    assert str(match.highlighted) == "<mark>Mécanisme</mark> national d&#x27;orientation"


def test_search_terms_use_a_stem_only_when_it_starts_the_word():
    assert search_terms("Mécanismes orientations") == ["mecan", "orient"]
    assert search_terms("plan") == ["plan"]  # no shorter stem than four letters
    assert search_terms("yeux") == ["yeux"]
    assert search_terms("") == []


@pytest.mark.postgres
def test_postgresql_has_unaccent_for_where_it_matched(db):
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_extension WHERE extname = 'unaccent'")
        assert cursor.fetchone() == (1,)
