"""Staff pages: who may see what, and what each page shows (issue 3)."""

import datetime
import zoneinfo

import pytest
import time_machine
from django.urls import reverse

from commitments.models import Body, Commitment, StatusChange
from commitments.services.status import status_change_record

from ..factories import BodyFactory, SourceFactory, TagFactory, UserFactory, make_commitment

PARIS = zoneinfo.ZoneInfo("Europe/Paris")
TODAY = datetime.date(2024, 6, 15)


@pytest.fixture(autouse=True)
def frozen_today():
    with time_machine.travel(datetime.datetime(2024, 6, 15, 10, 0, tzinfo=PARIS), tick=False):
        yield


@pytest.fixture
def english(settings):
    settings.LANGUAGE_CODE = "en"


def days(n: int) -> datetime.date:
    return TODAY + datetime.timedelta(days=n)


@pytest.fixture
def commitment(db):
    return make_commitment(title="Troisième plan national", due_date=days(-10))


READ_URLS = [
    ("commitments:dashboard", False),
    ("commitments:list", False),
    ("commitments:overdue", False),
    ("commitments:detail", True),
]


def url_for(name: str, commitment: Commitment) -> str:
    if name in ("commitments:detail", "commitments:status_update"):
        return reverse(name, args=[commitment.pk])
    if name in ("commitments:export", "commitments:overdue_export"):
        return reverse(name, args=["csv"])
    return reverse(name)


# --- Who may do what -----------------------------------------------------------------------

ALL_NAMES = [
    "commitments:dashboard",
    "commitments:list",
    "commitments:overdue",
    "commitments:detail",
    "commitments:status_update",
    "commitments:export",
    "commitments:overdue_export",
]


@pytest.mark.parametrize("name", ALL_NAMES)
def test_anonymous_is_sent_to_login(client, commitment, name):
    url = url_for(name, commitment)
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("name", ["commitments:status_update", "commitments:bulk_update"])
def test_anonymous_post_is_sent_to_login_and_writes_nothing(client, commitment, name):
    url = reverse(name, args=[commitment.pk]) if name.endswith("status_update") else reverse(name)
    response = client.post(url, {"new_status": "met"})
    assert response.status_code == 302
    assert StatusChange.objects.count() == 1


@pytest.mark.parametrize(
    "name",
    [
        "commitments:dashboard",
        "commitments:list",
        "commitments:overdue",
        "commitments:detail",
        "commitments:export",
        "commitments:overdue_export",
    ],
)
@pytest.mark.parametrize("role", ["viewer", "editor", "administrator"])
def test_every_role_reads_every_page(client, commitment, request, role, name):
    client.force_login(request.getfixturevalue(role))
    assert client.get(url_for(name, commitment)).status_code == 200


def test_a_user_without_any_role_is_refused(client, commitment):
    client.force_login(UserFactory(username="nobody"))
    for name in ALL_NAMES:
        assert client.get(url_for(name, commitment)).status_code == 403, name


def test_viewer_gets_403_on_status_update(viewer_client, commitment):
    url = reverse("commitments:status_update", args=[commitment.pk])
    assert viewer_client.get(url).status_code == 403
    response = viewer_client.post(
        url,
        {"new_status": "met", "effective_date": "2024-06-01", "expected_version": 1},
    )
    assert response.status_code == 403
    commitment.refresh_from_db()
    assert commitment.status == Commitment.Status.NOT_STARTED
    assert commitment.status_changes.count() == 1


def test_viewer_gets_403_on_bulk_update(viewer_client, commitment):
    response = viewer_client.post(
        reverse("commitments:bulk_update"),
        {
            "bulk-commitments": [commitment.pk],
            "bulk-new_status": "met",
            "bulk-effective_date": "2024-06-01",
        },
    )
    assert response.status_code == 403
    assert commitment.status_changes.count() == 1


def test_viewer_sees_no_way_to_edit(viewer_client, commitment):
    detail = viewer_client.get(commitment.get_absolute_url()).content.decode()
    assert reverse("commitments:status_update", args=[commitment.pk]) not in detail
    assert 'name="new_status"' not in detail
    listing = viewer_client.get(reverse("commitments:list")).content.decode()
    assert reverse("commitments:bulk_update") not in listing
    assert 'name="bulk-commitments"' not in listing


def test_editor_sees_the_forms(editor_client, commitment):
    detail = editor_client.get(commitment.get_absolute_url()).content.decode()
    assert reverse("commitments:status_update", args=[commitment.pk]) in detail
    assert f'name="expected_version" value="{commitment.version}"' in detail
    listing = editor_client.get(reverse("commitments:list")).content.decode()
    assert reverse("commitments:bulk_update") in listing
    assert f'name="version-{commitment.pk}" value="{commitment.version}"' in listing


def test_admin_link_only_for_staff(client, viewer, administrator, db):
    admin_url = reverse("admin:index")
    client.force_login(viewer)
    assert admin_url not in client.get("/").content.decode()
    client.force_login(administrator)
    assert admin_url in client.get("/").content.decode()


def test_pages_refuse_writes_they_do_not_take(editor_client, commitment):
    assert editor_client.post(reverse("commitments:list")).status_code == 405
    assert editor_client.post(commitment.get_absolute_url()).status_code == 405
    # Reached by GET (a reload, the login's return), the bulk update sends to the list, where
    # commitments are chosen, with a hint: never a blank 405 page.
    response = editor_client.get(reverse("commitments:bulk_update"), follow=True)
    assert response.redirect_chain == [(reverse("commitments:list"), 302)]
    assert "cochez les engagements dans la liste" in response.content.decode()


def test_unknown_commitment_is_404(editor_client, db):
    assert editor_client.get(reverse("commitments:detail", args=[999])).status_code == 404
    url = reverse("commitments:status_update", args=[999])
    assert editor_client.get(url).status_code == 404


def test_login_page_and_health_check_need_no_login(client, db):
    response = client.get(reverse("login"))
    assert response.status_code == 200
    assert 'name="username"' in response.content.decode()
    assert client.get("/healthz").status_code == 200


def test_language_switcher_works_for_anonymous_visitors(client, db):
    response = client.post(reverse("commitments:set_language"), {"language": "en", "next": "/"})
    assert response.status_code == 302
    page = client.get(reverse("login"))
    assert '<html lang="en">' in page.content.decode()
    assert "Log in" in page.content.decode()


def test_french_by_default_english_on_request(viewer_client, commitment):
    french = viewer_client.get("/").content.decode()
    assert '<html lang="fr">' in french
    assert "Tableau de bord" in french
    english = viewer_client.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Dashboard" in english
    assert "Tableau de bord" not in english


def test_dates_in_the_users_language(viewer_client, db):
    make_commitment(title="Rapport", due_date=datetime.date(2024, 3, 5))
    french = viewer_client.get("/").content.decode()
    assert "5 mars 2024" in french
    english = viewer_client.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "March 5, 2024" in english


# --- Dashboard -----------------------------------------------------------------------------


def test_dashboard_sections(viewer_client, editor, english):
    body = BodyFactory(name="Premier ministre", acronym="PM")
    late = make_commitment(title="Très en retard", due_date=days(-100), responsible_body=body)
    make_commitment(title="Un peu en retard", due_date=days(-1), responsible_body=body)
    make_commitment(title="Dû aujourd'hui", due_date=TODAY)
    make_commitment(title="Dans trente jours", due_date=days(30))
    make_commitment(title="Dans trente et un jours", due_date=days(31))
    make_commitment(title="Dans quatre-vingt-dix jours", due_date=days(90))
    make_commitment(title="Trop loin", due_date=days(91))
    make_commitment(title="Tenu en retard", due_date=days(-50), status=Commitment.Status.MET)
    source = SourceFactory(title="Communiqué du ministère")
    status_change_record(
        commitment=late,
        new_status=Commitment.Status.ANNOUNCED,
        effective_date=days(-2),
        author=editor,
        note="Annonce",
        sources=[source],
        expected_version=late.version,
    )

    response = viewer_client.get("/", HTTP_ACCEPT_LANGUAGE="en")
    context = response.context
    assert [c.title for c in context["overdue"]] == ["Très en retard", "Un peu en retard"]
    assert [c.days_overdue for c in context["overdue"]] == [100, 1]
    assert context["overdue_total"] == 2
    assert [c.title for c in context["due_soon"]["rows"]] == ["Dû aujourd'hui", "Dans trente jours"]
    assert [c.title for c in context["due_later"]["rows"]] == [
        "Dans trente et un jours",
        "Dans quatre-vingt-dix jours",
    ]
    latest = list(context["latest_changes"])[0]
    assert latest.commitment == late and latest.author == editor
    body_row = next(b for b in context["bodies"] if b["pk"] == body.pk)
    assert (body_row["total"], body_row["open"], body_row["overdue"], body_row["met"]) == (
        2,
        2,
        2,
        0,
    )

    html = response.content.decode()
    assert html.index("Très en retard") < html.index("Un peu en retard")
    assert "Communiqué du ministère" in html and str(editor) in html
    assert html.count("<svg") == 2
    assert 'role="img"' in html and "Commitments per status" in html
    assert "{% block" not in html


def test_dashboard_counts_per_body_what_the_body_s_list_shows(viewer_client, english):
    """Each body's row links to the list of its commitments: an archived one, which left the
    lists, is not counted there either."""
    from commitments.services.lifecycle import commitment_archive

    body = BodyFactory(name="Ministère de l'Intérieur")
    late = make_commitment(responsible_body=body, due_date=datetime.date(2020, 1, 1))
    make_commitment(responsible_body=body, status=Commitment.Status.MET)
    archived = make_commitment(responsible_body=body, due_date=datetime.date(2020, 1, 1))
    commitment_archive(commitment=archived, expected_version=archived.version)
    only_archived = BodyFactory(name="Organe disparu")
    gone = make_commitment(responsible_body=only_archived)
    commitment_archive(commitment=gone, expected_version=gone.version)

    rows = {row["pk"]: row for row in viewer_client.get("/").context["bodies"]}
    row = rows[body.pk]
    assert (row["name"], row["total"], row["open"], row["overdue"], row["met"]) == (
        "Ministère de l'Intérieur",
        2,
        1,
        1,
        1,
    )
    assert only_archived.pk not in rows
    listed = viewer_client.get(reverse("commitments:list") + f"?responsible_body={body.pk}")
    assert listed.context["paginator"].count == row["total"]
    assert late.get_absolute_url() in listed.content.decode()


def test_dashboard_bodies_most_overdue_first_then_most_owed_then_by_name(viewer_client):
    late = datetime.date(2020, 1, 1)
    names = ["Zèbre", "Abeille", "Éléphant", "Castor"]
    bodies = {name: BodyFactory(name=name) for name in names}
    for name, overdue, owed in (("Zèbre", 2, 0), ("Abeille", 1, 1), ("Castor", 1, 1)):
        for _n in range(overdue):
            make_commitment(responsible_body=bodies[name], due_date=late)
        for _n in range(owed):
            make_commitment(responsible_body=bodies[name])
    make_commitment(responsible_body=bodies["Éléphant"], due_date=late)
    rows = viewer_client.get("/").context["bodies"]
    assert [row["name"] for row in rows] == ["Zèbre", "Abeille", "Castor", "Éléphant"]


def test_dashboard_overdue_list_is_capped_with_a_link(viewer_client, english):
    for n in range(12):
        make_commitment(due_date=days(-1 - n))
    response = viewer_client.get("/", HTTP_ACCEPT_LANGUAGE="en")
    assert len(response.context["overdue"]) == 10
    assert "See all 12 overdue commitments" in response.content.decode()


def test_dashboard_empty(viewer_client):
    response = viewer_client.get("/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert "Nothing is overdue." in response.content.decode()


# --- Lists ---------------------------------------------------------------------------------


@pytest.fixture
def three(db):
    home = BodyFactory(name="Ministère de l'Intérieur", acronym="MI")
    greta = BodyFactory(name="GRETA", acronym="GRETA")
    tag = TagFactory(slug="victimes", name="Victimes")
    return {
        "late": make_commitment(
            title="Mécanisme national", due_date=days(-30), responsible_body=home, tags=[tag]
        ),
        "soon": make_commitment(
            title="Rapport au GRETA",
            due_date=days(20),
            responsible_body=home,
            monitoring_body=greta,
            status=Commitment.Status.IN_PROGRESS,
        ),
        "done": make_commitment(
            title="Plan adopté", due_date=days(-300), status=Commitment.Status.MET
        ),
    }


def titles(response):
    return [c.title for c in response.context["commitments"]]


def test_list_filters_in_the_query_string(viewer_client, three):
    url = reverse("commitments:list")
    assert titles(viewer_client.get(url)) == [
        "Plan adopté",
        "Mécanisme national",
        "Rapport au GRETA",
    ]
    assert titles(viewer_client.get(url, {"status": "in_progress"})) == ["Rapport au GRETA"]
    assert titles(viewer_client.get(url, {"overdue": "true"})) == ["Mécanisme national"]
    assert titles(viewer_client.get(url, {"overdue": "false"})) == [
        "Plan adopté",
        "Rapport au GRETA",
    ]
    assert titles(viewer_client.get(url, {"search": "greta rapport"})) == ["Rapport au GRETA"]
    assert titles(viewer_client.get(url, {"tag": "victimes"})) == ["Mécanisme national"]
    body = three["soon"].monitoring_body
    assert titles(viewer_client.get(url, {"monitoring_body": body.pk})) == ["Rapport au GRETA"]
    dated = {"due_after": days(-31).isoformat(), "due_before": days(21).isoformat()}
    assert titles(viewer_client.get(url, dated)) == ["Mécanisme national", "Rapport au GRETA"]
    ordered = viewer_client.get(url, {"ordering": "-title"})
    assert titles(ordered) == ["Rapport au GRETA", "Plan adopté", "Mécanisme national"]


def test_both_body_filters_offer_every_body_each_with_its_own_choice(viewer_client, three):
    """The two body filters share one read of the bodies (``style_filter_form``): each still
    lists every body and marks its own value, on the list and the overdue list."""
    home = three["late"].responsible_body
    greta = three["soon"].monitoring_body
    query = {"responsible_body": home.pk, "monitoring_body": greta.pk}
    for name in ("commitments:list", "commitments:overdue"):
        html = viewer_client.get(reverse(name), query).content.decode()
        for field, chosen in (("responsible_body", home), ("monitoring_body", greta)):
            start = html.index(f'<select name="{field}"')
            select = html[start : html.index("</select>", start)]
            assert select.count("<option") == Body.objects.count() + 1  # and "---------"
            assert f'<option value="{chosen.pk}" selected>' in select
            other = greta if chosen == home else home
            assert f'<option value="{other.pk}">' in select


def test_list_sort_links_keep_the_filters(viewer_client, three):
    response = viewer_client.get(reverse("commitments:list"), {"status": "not_started"})
    html = response.content.decode()
    assert 'href="?status=not_started&amp;ordering=title"' in html
    response = viewer_client.get(reverse("commitments:list"), {"ordering": "title"})
    assert 'href="?ordering=-title"' in response.content.decode()
    assert 'aria-sort="ascending"' in response.content.decode()


def test_list_pagination_keeps_the_filters(viewer_client, db):
    for _n in range(30):
        make_commitment(due_date=days(-5))
    response = viewer_client.get(reverse("commitments:list"), {"overdue": "true"})
    assert len(response.context["commitments"]) == 25
    assert 'href="?overdue=true&amp;page=2"' in response.content.decode()
    second = viewer_client.get(reverse("commitments:list"), {"overdue": "true", "page": 2})
    assert len(second.context["commitments"]) == 5


def test_list_bad_filter_input_shows_errors_not_500(viewer_client, three, english):
    response = viewer_client.get(
        reverse("commitments:list"),
        {"due_after": "31/02/2024x", "status": "bogus"},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 200
    assert titles(response) == []
    html = response.content.decode()
    assert "Enter a valid date." in html
    assert "Select a valid choice." in html


def test_overdue_list(viewer_client, three, editor, english):
    source = SourceFactory(title="Rapport du Collectif", url="https://example.org/rapport")
    status_change_record(
        commitment=three["late"],
        new_status=Commitment.Status.ANNOUNCED,
        effective_date=days(-3),
        author=editor,
        note="Annoncé en conseil des ministres",
        sources=[source],
        expected_version=three["late"].version,
    )
    make_commitment(title="Encore plus en retard", due_date=days(-60))
    response = viewer_client.get(reverse("commitments:overdue"), HTTP_ACCEPT_LANGUAGE="en")
    assert titles(response) == ["Encore plus en retard", "Mécanisme national"]
    late = response.context["commitments"][1]
    assert late.days_overdue == 30
    assert late.latest_change.note == "Annoncé en conseil des ministres"
    html = response.content.decode()
    assert "Annoncé en conseil des ministres" in html
    assert 'href="https://example.org/rapport"' in html
    assert "print.css" in html
    filtered = viewer_client.get(reverse("commitments:overdue"), {"search": "mécanisme"})
    assert titles(filtered) == ["Mécanisme national"]
    by_title = viewer_client.get(reverse("commitments:overdue"), {"ordering": "title"})
    assert titles(by_title) == ["Encore plus en retard", "Mécanisme national"]


# --- Commitment page -----------------------------------------------------------------------


def test_detail_page(viewer_client, editor, english):
    source = SourceFactory(title="Lettre ministérielle", publisher="MEAE")
    tag = TagFactory(slug="orientation", name="Orientation")
    commitment = make_commitment(
        title="Mécanisme national d’orientation",
        summary="Ce qui est dû.",
        due_date=days(-12),
        due_date_note="Fixé par le deuxième plan",
        monitoring_body=BodyFactory(name="GRETA"),
        tags=[tag],
    )
    commitment.citations.create(source=source, claim="La France s'y engage")
    status_change_record(
        commitment=commitment,
        new_status=Commitment.Status.IN_PROGRESS,
        effective_date=days(-1),
        author=editor,
        note="Groupe de travail réuni",
        sources=[source],
        expected_version=commitment.version,
    )
    html = viewer_client.get(commitment.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en")
    html = html.content.decode()
    for text in [
        "Mécanisme national d’orientation",
        "Ce qui est dû.",
        "Fixé par le deuxième plan",
        "GRETA",
        "Orientation",
        "La France s&#x27;y engage",
        "12 days late",
        "Groupe de travail réuni",
        "Recorded by editor",
        "Lettre ministérielle",
        "In progress",
    ]:
        assert text in html, text
    assert html.index("Groupe de travail réuni") < html.index("Recorded from Web page")


def test_detail_next_deadline_states(viewer_client, english):
    upcoming = make_commitment(due_date=days(5))
    html = viewer_client.get(upcoming.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en")
    assert "in 5 days" in html.content.decode()
    today = make_commitment(due_date=TODAY)
    assert "due today" in viewer_client.get(today.get_absolute_url()).content.decode()
    met = make_commitment(due_date=days(-5), status=Commitment.Status.MET)
    html = viewer_client.get(met.get_absolute_url()).content.decode()
    assert "None: nothing more is owed." in html and "Overdue by" not in html
    undated = make_commitment(due_date=None)
    assert "No deadline set" in viewer_client.get(undated.get_absolute_url()).content.decode()
