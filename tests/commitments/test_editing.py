"""The editing pages: a commitment (fields, owner, tags, citations, deadlines), bodies, sources
and tags, and the source search. Who may use them, what they write, what they refuse."""

import datetime

import pytest
from django.urls import reverse
from django.utils import translation

from commitments.models import Body, Citation, Commitment, Deadline, Source, StatusChange, Tag

from ..factories import BodyFactory, SourceFactory, TagFactory, UserFactory, make_commitment
from ..factories import make_deadline as add_deadline


@pytest.fixture(autouse=True)
def _french():
    with translation.override("fr"):
        yield


def form_data(response, **overrides) -> dict:
    """What the browser would send back from the page, with ``overrides``."""
    data = {}
    forms = [response.context["form"]]
    citations = response.context.get("citations")
    if citations is not None:
        forms += [citations.management_form, *citations.forms]
    for form in forms:
        for field in form:
            value = field.value()
            if value is None or value is False:
                continue
            if value is True:
                data[field.html_name] = "on"
            elif isinstance(value, list | tuple):
                data[field.html_name] = [str(v.pk if hasattr(v, "pk") else v) for v in value]
            else:
                data[field.html_name] = str(value)
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def create_data(body, **overrides) -> dict:
    data = {
        "key": "mecanisme-orientation",
        "title": "Mécanisme national d'orientation des victimes",
        "summary": "Promis en 2019.",
        "category": Commitment.Category.OTHER,
        "responsible_body": str(body.pk),
        "status": Commitment.Status.ANNOUNCED,
        "effective_date": "2022-07-29",
        "status_note": "Annoncé dans le plan",
        "citations-TOTAL_FORMS": "2",
        "citations-INITIAL_FORMS": "0",
        "citations-MIN_NUM_FORMS": "0",
        "citations-MAX_NUM_FORMS": "50",
        "citations-0-source": "",
        "citations-0-claim": "",
        "citations-1-source": "",
        "citations-1-claim": "",
    }
    data.update(overrides)
    return data


@pytest.fixture
def commitment(db):
    return make_commitment(title="Troisième plan national", responsible_body=BodyFactory())


# --- Who may use the pages -------------------------------------------------------------------


def _urls(commitment):
    deadline = add_deadline(commitment, date=datetime.date(2026, 12, 31))
    body, source, tag = BodyFactory(), SourceFactory(), TagFactory()
    return {
        "create": reverse("commitments:create"),
        "edit": reverse("commitments:edit", args=[commitment.pk]),
        "deadline_create": reverse("commitments:deadline_create", args=[commitment.pk]),
        "deadline_edit": reverse("commitments:deadline_edit", args=[commitment.pk, deadline.pk]),
        "deadline_remove": reverse(
            "commitments:deadline_remove", args=[commitment.pk, deadline.pk]
        ),
        "body_list": reverse("commitments:body_list"),
        "body_create": reverse("commitments:body_create"),
        "body_edit": reverse("commitments:body_edit", args=[body.pk]),
        "source_list": reverse("commitments:source_list"),
        "source_create": reverse("commitments:source_create"),
        "source_edit": reverse("commitments:source_edit", args=[source.pk]),
        "tag_list": reverse("commitments:tag_list"),
        "tag_create": reverse("commitments:tag_create"),
        "tag_edit": reverse("commitments:tag_edit", args=[tag.pk]),
    }


@pytest.mark.parametrize("role", ["anonymous", "viewer", "editor", "administrator"])
def test_who_may_open_each_page(client, commitment, role, request):
    urls = _urls(commitment)
    if role != "anonymous":
        client.force_login(request.getfixturevalue(role))
    for name, url in urls.items():
        response = client.get(url)
        if role == "anonymous":
            assert response.status_code == 302, name
            assert response["Location"].startswith(reverse("login")), name
        elif role == "viewer":
            assert response.status_code == 403, name
        else:
            assert response.status_code == 200, name
        # Writing is refused the same way, and writes nothing.
        before = Commitment.all_objects.get(pk=commitment.pk).version
        response = client.post(url, {})
        if role == "anonymous":
            assert response.status_code == 302, name
        elif name.endswith("_list"):
            assert response.status_code == 405, name  # lists are read-only
        elif role == "viewer":
            assert response.status_code == 403, name
        else:
            assert response.status_code in (400, 200), name
        assert Commitment.all_objects.get(pk=commitment.pk).version == before, name


@pytest.mark.parametrize("role", ["anonymous", "viewer", "editor", "administrator"])
def test_source_search_is_for_logged_in_staff(client, role, request, db):
    SourceFactory(title="Rapport Brunet sur la traite")
    if role != "anonymous":
        client.force_login(request.getfixturevalue(role))
    response = client.get(reverse("commitments:source_search"), {"q": "brunet"})
    if role == "anonymous":
        assert response.status_code == 302
    else:
        assert response.status_code == 200
        assert [r["title"] for r in response.json()["results"]] == ["Rapport Brunet sur la traite"]


def test_links_show_for_editors_only(client, commitment, viewer, editor):
    detail = reverse("commitments:detail", args=[commitment.pk])
    client.force_login(viewer)
    for url in (detail, reverse("commitments:list")):
        page = client.get(url).content.decode()
        assert reverse("commitments:edit", args=[commitment.pk]) not in page
        assert reverse("commitments:create") not in page
        assert reverse("commitments:source_list") not in page
    client.force_login(editor)
    assert reverse("commitments:edit", args=[commitment.pk]) in client.get(detail).content.decode()
    page = client.get(reverse("commitments:list")).content.decode()
    assert reverse("commitments:create") in page
    assert "Nouvel engagement" in page
    assert reverse("commitments:source_list") in page


# --- Creating and editing a commitment -------------------------------------------------------


def test_editor_creates_a_commitment_with_a_citation(editor_client, editor):
    body = BodyFactory()
    source = SourceFactory(key="collectif-2022", title="Rapport du Collectif, juillet 2022")
    tag = TagFactory(name="Victimes")
    data = create_data(
        body,
        tags=[str(tag.pk)],
        owner=str(editor.pk),
        **{"citations-0-source": "collectif-2022", "citations-0-claim": "Promis, jamais créé"},
    )
    response = editor_client.post(reverse("commitments:create"), data)
    assert response.status_code == 302
    created = Commitment.objects.get(key="mecanisme-orientation")
    assert response["Location"] == reverse("commitments:edit", args=[created.pk])
    assert created.status == Commitment.Status.ANNOUNCED
    assert created.owner == editor
    assert list(created.tags.all()) == [tag]
    entry = StatusChange.objects.get(commitment=created)
    assert entry.author == editor and entry.origin == StatusChange.Origin.WEB
    assert entry.effective_date == datetime.date(2022, 7, 29)
    citation = Citation.objects.get(commitment=created)
    assert (citation.source, citation.claim) == (source, "Promis, jamais créé")


def test_a_source_can_be_named_by_its_exact_title(editor_client):
    source = SourceFactory(title="Entretien avec l'ambassadeur")
    data = create_data(BodyFactory(), **{"citations-0-source": "entretien avec l'ambassadeur"})
    assert editor_client.post(reverse("commitments:create"), data).status_code == 302
    assert Citation.objects.get().source == source


def test_editor_edits_every_field_and_the_citations(editor_client, editor, commitment):
    old, new = SourceFactory(title="Ancien"), SourceFactory(title="Nouveau")
    Citation.objects.create(commitment=commitment, source=old, claim="2019-2021")
    url = reverse("commitments:edit", args=[commitment.pk])
    monitoring, tag = BodyFactory(), TagFactory()
    version = Commitment.objects.get(pk=commitment.pk).version
    data = form_data(
        editor_client.get(url),
        title="Troisième plan (2024-2027)",
        summary="Résumé corrigé",
        category=Commitment.Category.ACTION_PLAN,
        monitoring_body=str(monitoring.pk),
        owner=str(editor.pk),
        tags=[str(tag.pk)],
        is_public="on",
        **{
            "citations-0-DELETE": "on",
            "citations-1-source": new.key,
            "citations-1-claim": "2024-2027",
        },
    )
    response = editor_client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:3000]
    commitment.refresh_from_db()
    assert commitment.title == "Troisième plan (2024-2027)"
    assert commitment.summary == "Résumé corrigé"
    assert commitment.monitoring_body == monitoring and commitment.owner == editor
    assert commitment.is_public and list(commitment.tags.all()) == [tag]
    assert [(c.source, c.claim) for c in commitment.citations.all()] == [(new, "2024-2027")]
    assert commitment.version > version
    # Archiving is not offered here, and the status is left to its own form.
    assert commitment.archived_at is None and commitment.status == Commitment.Status.NOT_STARTED


def test_a_stale_edit_shows_the_other_change_keeps_the_input_writes_nothing(
    client, editor, commitment
):
    url = reverse("commitments:edit", args=[commitment.pk])
    client.force_login(editor)
    mine = SourceFactory(title="Ma source")
    data = form_data(
        client.get(url),
        title="Mon titre à moi",
        summary="Mon résumé",
        **{"citations-0-source": mine.key, "citations-0-claim": "Ce que j'y ai lu"},
    )
    # Someone else changes the title meanwhile.
    other = UserFactory(username="camille")
    from commitments.services.lifecycle import commitment_save

    current = Commitment.objects.get(pk=commitment.pk)
    commitment_save(
        commitment=current,
        data={"title": "Titre de Camille"},
        expected_version=current.version,
        author=other,
        origin=StatusChange.Origin.WEB,
    )
    response = client.post(url, data)
    assert response.status_code == 409
    page = response.content.decode()
    assert "quelqu’un d’autre" in page or "quelqu'un d'autre" in page
    assert "Titre de Camille" in page and "Troisième plan national" in page  # what changed
    assert "camille" in page  # who
    assert 'value="Mon titre à moi"' in page and "Mon résumé" in page  # the input kept
    assert "Ce que j'y ai lu" in page or "Ce que j&#x27;y ai lu" in page
    assert Commitment.objects.get(pk=commitment.pk).title == "Titre de Camille"
    assert not Citation.objects.exists()
    # Submitting again, deliberately, saves on top of it.
    again = form_data(response)
    assert client.post(url, again).status_code == 302
    assert Commitment.objects.get(pk=commitment.pk).title == "Mon titre à moi"
    assert Citation.objects.get().source == mine


BAD_INPUTS = {
    "a date that does not exist": ({"effective_date": "31/02/2026"}, "effective_date"),
    "an unknown body": ({"responsible_body": "999999"}, "responsible_body"),
    "a body id that is not a number": ({"responsible_body": "abc"}, "responsible_body"),
    "an overlong title": ({"title": "x" * 300}, "title"),
    "an unknown source": ({"citations-0-source": "nulle-part"}, None),
    "a claim without a source": ({"citations-0-claim": "Dit quelque chose"}, None),
    "an unknown status": ({"status": "fini"}, "status"),
    "a future effective date": ({"effective_date": "2999-01-01"}, "effective_date"),
    "a taken key": ({"key": "deja-pris"}, "key"),
    "an unknown tag": ({"tags": ["999999"]}, "tags"),
    "too many citation rows": ({"citations-TOTAL_FORMS": "500"}, None),
}


@pytest.mark.parametrize("case", BAD_INPUTS, ids=list(BAD_INPUTS))
def test_bad_input_on_creation_is_refused_in_french(editor_client, case):
    make_commitment(key="deja-pris")
    overrides, field = BAD_INPUTS[case]
    count = Commitment.all_objects.count()
    response = editor_client.post(
        reverse("commitments:create"), create_data(BodyFactory(), **overrides)
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "Le formulaire contient des erreurs : rien n’a été enregistré." in page or (
        "rien n" in page and "enregistré" in page
    )
    if field:
        assert response.context["form"].errors.get(field), response.context["form"].errors
    assert Commitment.all_objects.count() == count
    assert not Citation.objects.exists()


def test_bad_input_on_edit_is_refused(editor_client, commitment):
    url = reverse("commitments:edit", args=[commitment.pk])
    page = editor_client.get(url)
    before = Commitment.objects.get(pk=commitment.pk)
    for overrides in (
        {"title": ""},
        {"expected_version": "abc"},
        {"expected_version": ""},
        {"read_state": "forged"},
        {"owner": "999999"},
        {"citations-0-source": "x" * 600},
        {"citations-0-source": "a\x00b"},
        {"owner": "99999999999999999999999"},
    ):
        response = editor_client.post(url, form_data(page, **overrides))
        assert response.status_code == 400, overrides
        after = Commitment.objects.get(pk=commitment.pk)
        assert (after.version, after.title) == (before.version, before.title)


def test_unknown_commitment_or_deadline_is_404(editor_client, commitment):
    assert editor_client.get(reverse("commitments:edit", args=[987654])).status_code == 404
    assert (
        editor_client.get(
            reverse("commitments:deadline_edit", args=[commitment.pk, 987654])
        ).status_code
        == 404
    )
    other = make_commitment()
    foreign = add_deadline(other, date=datetime.date(2026, 1, 1))
    url = reverse("commitments:deadline_edit", args=[commitment.pk, foreign.pk])
    assert editor_client.get(url).status_code == 404


# --- Deadlines -------------------------------------------------------------------------------


def test_editor_adds_changes_and_removes_a_deadline(editor_client, commitment):
    source = SourceFactory(title="Décret de 2022")
    url = reverse("commitments:deadline_create", args=[commitment.pk])
    data = form_data(
        editor_client.get(url),
        label="Adoption du plan",
        kind="final",
        bound="no_later_than",
        basis="text",
        date="2026-06-30",
        precision="month",
        sources=[source.key],
    )
    assert editor_client.post(url, data).status_code == 302
    deadline = Deadline.objects.get(commitment=commitment)
    assert (deadline.label, deadline.date, deadline.precision) == (
        "Adoption du plan",
        datetime.date(2026, 6, 30),
        "month",
    )
    assert list(deadline.sources.all()) == [source]
    commitment.refresh_from_db()
    assert commitment.due_date == datetime.date(2026, 6, 30)  # the governing deadline

    edit_url = reverse("commitments:deadline_edit", args=[commitment.pk, deadline.pk])
    data = form_data(editor_client.get(edit_url), date="2026-09-30", sources=[])
    assert editor_client.post(edit_url, data).status_code == 302
    deadline.refresh_from_db()
    assert deadline.date == datetime.date(2026, 9, 30) and not deadline.sources.exists()

    remove_url = reverse("commitments:deadline_remove", args=[commitment.pk, deadline.pk])
    commitment.refresh_from_db()
    response = editor_client.post(remove_url, {"expected_version": commitment.version})
    assert response.status_code == 302
    assert not Deadline.objects.filter(pk=deadline.pk).exists()


def test_deadline_bad_input_and_stale_version(editor_client, commitment):
    url = reverse("commitments:deadline_create", args=[commitment.pk])
    page = editor_client.get(url)
    for overrides, field in (
        ({"label": "Sans date", "basis": "text", "date": ""}, "date"),
        ({"label": "Date", "date": "2026-13-45"}, "date"),
        ({"label": "Événement", "basis": "event", "event": "999999"}, "event"),
        ({"label": "x" * 300, "date": "2026-01-01"}, "label"),
        ({"label": "Source", "date": "2026-01-01", "sources": ["inconnue"]}, "sources"),
        ({"label": "Elle-même", "basis": "successor", "predecessor": str(commitment.pk)}, None),
    ):
        response = editor_client.post(url, form_data(page, **overrides))
        assert response.status_code == 400, overrides
        if field:
            assert response.context["form"].errors.get(field), response.context["form"].errors
    assert not Deadline.objects.filter(commitment=commitment).exists()

    # Stale: someone added a deadline after the page was opened.
    add_deadline(commitment, label="Celle de Camille", date=datetime.date(2026, 3, 1))
    response = editor_client.post(
        url, form_data(page, label="La mienne", date="2026-05-01", precision="day")
    )
    assert response.status_code == 409
    assert "Celle de Camille" in response.content.decode()
    assert 'value="La mienne"' in response.content.decode()
    assert list(Deadline.objects.values_list("label", flat=True)) == ["Celle de Camille"]

    deadline = Deadline.objects.get()
    remove_url = reverse("commitments:deadline_remove", args=[commitment.pk, deadline.pk])
    assert editor_client.post(remove_url, {"expected_version": "1"}).status_code == 409
    assert editor_client.post(remove_url, {"expected_version": "x"}).status_code == 400
    assert Deadline.objects.filter(pk=deadline.pk).exists()


# --- Bodies, sources, tags -------------------------------------------------------------------


def test_editor_creates_and_edits_a_source_body_and_tag(editor_client):
    response = editor_client.post(
        reverse("commitments:source_create"),
        {
            "key": "rapport-brunet",
            "title": "Rapport Brunet sur la traite des êtres humains",
            "publisher": "Assemblée nationale",
            "publication_date": "2023-05-01",
            "date_precision": "month",
            "language": "fr",
        },
    )
    assert response.status_code == 302
    source = Source.objects.get(key="rapport-brunet")
    assert source.date_precision == "month"
    url = reverse("commitments:source_edit", args=[source.pk])
    data = form_data(editor_client.get(url), publisher="Sénat")
    assert editor_client.post(url, data).status_code == 302
    source.refresh_from_db()
    assert source.publisher == "Sénat"

    assert (
        editor_client.post(
            reverse("commitments:body_create"),
            {
                "key": "miprof",
                "name": "MIPROF",
                "kind": "interministerial_agency",
                "level": "national",
            },
        ).status_code
        == 302
    )
    body = Body.objects.get(key="miprof")
    url = reverse("commitments:body_edit", args=[body.pk])
    assert (
        editor_client.post(url, form_data(editor_client.get(url), acronym="MIPROF")).status_code
        == 302
    )
    body.refresh_from_db()
    assert body.acronym == "MIPROF"

    response = editor_client.post(
        reverse("commitments:tag_create"), {"slug": "cooperation", "name": "Coopération"}
    )
    assert response.status_code == 302
    assert Tag.objects.get(slug="cooperation").name == "Coopération"


def test_a_stale_source_edit_is_refused_and_shows_the_change(client, editor):
    source = SourceFactory(title="Titre lu", publisher="Ministère")
    url = reverse("commitments:source_edit", args=[source.pk])
    client.force_login(editor)
    data = form_data(client.get(url), title="Mon titre")
    Source.objects.filter(pk=source.pk).update(publisher="Premier ministre")
    response = client.post(url, data)
    assert response.status_code == 409
    page = response.content.decode()
    assert "Premier ministre" in page and "Ministère" in page and 'value="Mon titre"' in page
    source.refresh_from_db()
    assert (source.title, source.publisher) == ("Titre lu", "Premier ministre")
    # Resubmitted from the conflict page, it is saved deliberately.
    assert client.post(url, form_data(response)).status_code == 302
    source.refresh_from_db()
    assert source.title == "Mon titre"


@pytest.mark.parametrize(
    "url_name,data,field",
    [
        ("tag_create", {"slug": "pas un slug", "name": "X"}, "slug"),
        ("tag_create", {"slug": "ok", "name": "x" * 200}, "name"),
        (
            "body_create",
            {"key": "b", "name": "Taken", "kind": "ministry", "level": "national"},
            "name",
        ),
        ("body_create", {"key": "b2", "name": "B", "kind": "planete", "level": "national"}, "kind"),
        (
            "source_create",
            {
                "key": "s",
                "title": "T",
                "publication_date": "2022-02-30",
                "date_precision": "day",
                "language": "fr",
            },
            "publication_date",
        ),
        (
            "source_create",
            {
                "key": "s",
                "title": "T",
                "url": "pas une adresse",
                "date_precision": "day",
                "language": "fr",
            },
            "url",
        ),
    ],
)
def test_bad_reference_input_is_refused(editor_client, url_name, data, field):
    BodyFactory(name="Taken")
    counts = (Body.objects.count(), Source.objects.count(), Tag.objects.count())
    response = editor_client.post(reverse(f"commitments:{url_name}"), data)
    assert response.status_code == 400
    assert response.context["form"].errors.get(field)
    assert (Body.objects.count(), Source.objects.count(), Tag.objects.count()) == counts


def test_a_forged_read_state_is_refused(editor_client):
    tag = TagFactory(name="Avant")
    url = reverse("commitments:tag_edit", args=[tag.pk])
    response = editor_client.post(url, {"slug": tag.slug, "name": "Après", "read_state": "x"})
    assert response.status_code == 400
    response = editor_client.post(url, {"slug": tag.slug, "name": "Après"})
    assert response.status_code == 400
    tag.refresh_from_db()
    assert tag.name == "Avant"


# --- The source search -----------------------------------------------------------------------


def test_source_search_matches_every_word_at_most_twenty(editor_client):
    for number in range(30):
        SourceFactory(title=f"Rapport annuel {number} de la MIPROF", publisher="MIPROF")
    SourceFactory(title="Rapport du GRETA")
    url = reverse("commitments:source_search")
    results = editor_client.get(url, {"q": "rapport miprof"}).json()["results"]
    assert len(results) == 20
    assert all("MIPROF" in r["title"] for r in results)
    assert {"id", "key", "title", "label"} <= set(results[0])
    assert (
        editor_client.get(url, {"q": "greta"}).json()["results"][0]["title"] == "Rapport du GRETA"
    )
    assert editor_client.get(url, {"q": ""}).json() == {"results": []}
    assert editor_client.get(url, {"q": "x" * 5000}).status_code == 200
    assert editor_client.get(url, {"q": "rapport\x00"}).status_code == 200
    list_url = reverse("commitments:source_list")
    assert editor_client.get(list_url, {"q": "a\x00b", "page": "zz"}).status_code == 200


# --- Queries ---------------------------------------------------------------------------------


def _populate(commitment, size):
    for number in range(size):
        source = SourceFactory(title=f"Source {number}")
        Citation.objects.create(commitment=commitment, source=source, claim=f"dit {number}")
        commitment.tags.add(TagFactory())
        BodyFactory()
    for number in range(size // 2 + 1):
        add_deadline(commitment, label=f"Échéance {number}", date=datetime.date(2026, 1, 1))


@pytest.mark.parametrize("size", [2, 20])
def test_edit_page_queries_do_not_grow(editor_client, commitment, size, django_assert_num_queries):
    _populate(commitment, size)
    url = reverse("commitments:edit", args=[commitment.pk])
    editor_client.get(url)  # warm the session
    with django_assert_num_queries(EDIT_PAGE_QUERIES):
        response = editor_client.get(url)
    assert response.status_code == 200
    assert response.content.decode().count('name="citations-') >= size


@pytest.mark.parametrize("size", [5, 60])
def test_source_search_queries_do_not_grow(editor_client, size, django_assert_num_queries):
    for number in range(size):
        SourceFactory(title=f"Plan national {number}")
    url = reverse("commitments:source_search")
    editor_client.get(url, {"q": "plan"})
    with django_assert_num_queries(SEARCH_QUERIES):
        response = editor_client.get(url, {"q": "plan national"})
    assert len(response.json()["results"]) == min(size, 20)


# Session, user, permissions, the commitment with its tags, citations and deadlines, and the
# choices of its form (bodies, users, tags) — whatever the number of rows.
EDIT_PAGE_QUERIES = 13
SEARCH_QUERIES = 5
