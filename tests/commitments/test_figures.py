"""The dashboard's counts over every commitment, kept between writes (issue 12): any write
through Vigie shows at once, in this process and in the others; nothing counted before a
write is kept after it."""

import datetime
import os
import subprocess
import sys
import zoneinfo
from pathlib import Path

import pytest
import time_machine
from django.conf import settings as django_settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from commitments import figures
from commitments.models import Status, StatusChange
from commitments.services.lifecycle import commitment_save
from commitments.services.status import status_change_record

from ..factories import SourceFactory, make_commitment

PARIS = zoneinfo.ZoneInfo("Europe/Paris")
TODAY = datetime.date(2024, 6, 15)


@pytest.fixture(autouse=True)
def frozen_today():
    with time_machine.travel(datetime.datetime(2024, 6, 15, 10, 0, tzinfo=PARIS), tick=False):
        yield


def chase(client) -> dict:
    return client.get(reverse("commitments:dashboard")).context["chase"]


def counted(queries) -> bool:
    """Whether what to chase was counted (a count of its own for each figure)."""
    return any(
        q["sql"].startswith("SELECT COUNT(") and '"commitments_' in q["sql"] for q in queries
    )


@pytest.fixture
def overdue(db):
    return make_commitment(key="late", due_date=TODAY - datetime.timedelta(days=40))


def test_an_owner_given_shows_at_once(overdue, editor, editor_client):
    """The owner is written by the conditional UPDATE, which sends no signal."""
    assert chase(editor_client)["unowned"] == 1
    commitment_save(
        commitment=overdue,
        data={"owner": editor},
        expected_version=overdue.version,
        author=editor,
        origin=StatusChange.Origin.WEB,
    )
    assert chase(editor_client)["unowned"] == 0


def test_a_commitment_created_shows_at_once(overdue, editor_client):
    assert chase(editor_client)["overdue"] == 1
    make_commitment(key="later", due_date=TODAY - datetime.timedelta(days=3))
    assert chase(editor_client)["overdue"] == 2


def test_counted_once_until_something_is_written(overdue, editor_client):
    chase(editor_client)
    with CaptureQueriesContext(connection) as queries:
        chase(editor_client)
    assert not counted(queries)
    make_commitment(key="new")
    with CaptureQueriesContext(connection) as queries:
        chase(editor_client)
    assert counted(queries)


def test_the_day_is_part_of_what_is_kept(overdue, editor_client):
    assert chase(editor_client)["overdue"] == 1
    # Forty days before, it was not yet overdue: the next day's figures are counted anew.
    with time_machine.travel(datetime.datetime(2024, 4, 1, 10, 0, tzinfo=PARIS), tick=False):
        assert chase(editor_client)["overdue"] == 0


def test_no_cache_when_the_setting_is_zero(overdue, editor_client, settings):
    settings.FIGURES_CACHE_SECONDS = 0
    chase(editor_client)
    with CaptureQueriesContext(connection) as queries:
        chase(editor_client)
    assert counted(queries)


def test_a_new_generation_again_once_the_write_commits(db, django_capture_on_commit_callbacks):
    before = figures.generation()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        figures.data_changed()
        during = figures.generation()
        assert during != before
    assert len(callbacks) == 1
    assert figures.generation() not in (before, during)


def test_saved_views_do_not_renew_the_figures(db, editor):
    from commitments.models import SavedView

    before = figures.generation()
    SavedView.objects.create(owner=editor, name="Mes retards", query="overdue=true")
    assert figures.generation() == before


def dashboard_html(client) -> str:
    return client.get(reverse("commitments:dashboard")).content.decode()


def panels(html: str) -> str:
    """The panels below the counts, without the page's per-response CSRF tokens."""
    start = html.index('<section aria-labelledby="overdue-title">')
    return html[start : html.index("</main>", start)]


def test_the_panels_are_rendered_once_per_generation(overdue, editor, editor_client):
    """Seen again, the panels below the counts (overdue, coming due, latest changes, charts,
    bodies) come from the cache: none of their queries run."""
    first = dashboard_html(editor_client)
    with CaptureQueriesContext(connection) as queries:
        again = dashboard_html(editor_client)
    assert panels(again) == panels(first)
    # The latest changes, and the overdue and coming-due lists (capped: LIMIT).
    panel_reads = [
        q["sql"]
        for q in queries
        if 'FROM "commitments_statuschange"' in q["sql"]
        or ('FROM "commitments_commitment"' in q["sql"] and "LIMIT" in q["sql"])
    ]
    assert not panel_reads, panel_reads
    assert overdue.get_absolute_url() in panels(again)


def record_change(commitment, author, source_title="Communiqué"):
    status_change_record(
        commitment=commitment,
        new_status=Status.IN_PROGRESS,
        effective_date=TODAY,
        author=author,
        note="",
        sources=[SourceFactory(title=source_title)],
        expected_version=commitment.version,
        origin=StatusChange.Origin.WEB,
        today=TODAY,
    )


def test_a_status_change_shows_in_the_panels_at_once(overdue, editor, editor_client):
    assert "Communiqué du 14 juin" not in dashboard_html(editor_client)
    record_change(overdue, editor, "Communiqué du 14 juin")
    assert "Communiqué du 14 juin" in dashboard_html(editor_client)


def test_a_renamed_author_shows_in_the_panels_at_once(overdue, editor, editor_client):
    record_change(overdue, editor)
    dashboard_html(editor_client)
    editor.first_name, editor.last_name = "Maëlle", "Quéré"
    editor.save()
    assert "Maëlle Quéré" in dashboard_html(editor_client)


def test_a_login_does_not_renew_the_figures(db, editor):
    from django.contrib.auth.models import update_last_login

    before = figures.generation()
    update_last_login(None, editor)
    assert figures.generation() == before


def test_each_language_has_its_panels(overdue, editor_client):
    english = editor_client.get(reverse("commitments:dashboard"), HTTP_ACCEPT_LANGUAGE="en")
    french = editor_client.get(reverse("commitments:dashboard"), HTTP_ACCEPT_LANGUAGE="fr")
    assert english.context["LANGUAGE_CODE"] != french.context["LANGUAGE_CODE"]
    assert "Latest status changes" in english.content.decode()
    assert "Derniers changements de statut" in french.content.decode()


def test_a_write_in_another_process_is_seen_here(tmp_path, settings):
    """Gunicorn's workers share the cache: a generation started by one is read by the others."""
    cache_dir = tmp_path / "cache"
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(cache_dir),
        }
    }
    # (Django's test signals rebuild the cache handlers when CACHES changes.)
    before = figures.generation()
    env = {
        **os.environ,
        "CACHE_DIR": str(cache_dir),
        "DJANGO_SETTINGS_MODULE": "tracker.settings",
        "SECRET_KEY": "insecure-key-for-tests-only",
    }
    code = (
        "import django; django.setup(); from commitments import figures; figures.new_generation()"
    )
    subprocess.run(
        [sys.executable, "-c", code],
        env=env,
        cwd=Path(django_settings.BASE_DIR),
        check=True,
        timeout=120,
    )
    assert figures.generation() != before


# The lists' filter form and bulk form: hundreds of options, kept per generation too. -------


def list_html(client, query="", url="commitments:list"):
    return client.get(reverse(url) + query).content.decode()


def test_the_lists_forms_are_rendered_once_per_generation(overdue, editor_client):
    """Seen again, the filter form and the bulk form come from the cache: the bodies and the
    staff members they offer are not read again."""
    from ..factories import UserFactory

    UserFactory(username="rosalie", first_name="Rosalie", last_name="Ndiaye")
    first = list_html(editor_client)
    with CaptureQueriesContext(connection) as queries:
        again = list_html(editor_client)
    filters = again[again.index('<details class="filters"') : again.index("</details>")]
    assert filters in first  # the same form (the page's CSRF token differs each time)
    assert "Rosalie Ndiaye" in again and "bulk-new_source-said_by_body" in again
    reads = [q["sql"] for q in queries if 'FROM "commitments_body"' in q["sql"]]
    reads += [q["sql"] for q in queries if 'FROM "accounts_user" ORDER BY' in q["sql"]]
    assert not reads, reads


def test_a_renamed_body_and_a_new_staff_member_show_in_the_lists_at_once(overdue, editor_client):
    from ..factories import UserFactory

    for url in ("commitments:list", "commitments:overdue"):
        list_html(editor_client, url=url)
    body = overdue.responsible_body
    body.name = "Délégation interministérielle renommée"
    body.save()
    UserFactory(username="yanis", first_name="Yanis", last_name="Haddad")
    for url in ("commitments:list", "commitments:overdue"):
        html = list_html(editor_client, url=url)
        assert html.count("Délégation interministérielle renommée") >= 2  # both body filters
        assert "Yanis Haddad" in html


def form_reads(queries) -> list[str]:
    """The statements that read what the lists' forms offer: bodies, staff, tags."""
    offered = ('FROM "commitments_body"', 'FROM "accounts_user" ORDER BY', 'FROM "commitments_tag"')
    return [
        q["sql"]
        for q in queries
        # The table's rows read their own tags (through ``commitment_tags``), not every tag.
        if any(table in q["sql"] for table in offered) and "commitment_tags" not in q["sql"]
    ]


def write_a_commitment_record(kind, commitment, editor, source, body):
    """A write of one of the commitment's own records, citing what already exists."""
    from ..factories import make_ask, make_claim, make_deadline

    if kind == "status change":
        status_change_record(
            commitment=commitment,
            new_status=Status.IN_PROGRESS,
            effective_date=TODAY,
            author=editor,
            note="Relancé",
            sources=[source],
            expected_version=commitment.version,
            origin=StatusChange.Origin.WEB,
            today=TODAY,
        )
    elif kind == "claim":
        make_claim(commitment, source=source, today=TODAY)
    elif kind == "ask":
        make_ask(commitment, source=source, body=body, today=TODAY)
    elif kind == "deadline":
        make_deadline(commitment, date=TODAY + datetime.timedelta(days=9), today=TODAY)
    else:
        commitment.refresh_from_db()
        commitment_save(
            commitment=commitment,
            data={"title": "Mécanisme national d'orientation (renommé)"},
            expected_version=commitment.version,
            author=editor,
            origin=StatusChange.Origin.WEB,
        )


@pytest.mark.parametrize("kind", ["status change", "claim", "ask", "deadline", "commitment"])
def test_a_write_of_a_commitment_record_keeps_the_lists_forms(overdue, editor, editor_client, kind):
    """The forms offer reference data only: after a status change, a claim, an ask, a
    deadline or an edit of a commitment, the table is built again, the forms are not."""
    from ..factories import BodyFactory

    source, body = SourceFactory(title="Rapport du GRETA"), BodyFactory(name="GRETA")
    before = list_html(editor_client)
    write_a_commitment_record(kind, overdue, editor, source, body)
    with CaptureQueriesContext(connection) as queries:
        after = list_html(editor_client)
    assert row_reads(queries), "the table was not built again"
    assert not form_reads(queries), form_reads(queries)
    filters = after[after.index('<details class="filters"') : after.index("</details>")]
    assert filters in before


def test_a_new_tag_shows_in_the_lists_at_once(overdue, editor_client):
    """A new tag is a new choice: the forms are built again (bodies and staff members:
    ``test_a_renamed_body_and_a_new_staff_member_show_in_the_lists_at_once``)."""
    from ..factories import TagFactory

    list_html(editor_client)
    TagFactory(name="Mineurs non accompagnés")
    assert "Mineurs non accompagnés" in list_html(editor_client)


def test_reference_data_has_its_own_generation(overdue, editor):
    """Which writes start a new generation of the forms' choices: any but the records of a
    commitment and the sources (and their history), so that a model added later counts as
    reference data."""
    from ..factories import BodyFactory, TagFactory, make_claim

    data, reference = figures.generation(), figures.reference_generation()
    make_claim(overdue, source=SourceFactory(), today=TODAY)
    assert figures.generation() != data
    assert figures.reference_generation() == reference
    for write in (BodyFactory, TagFactory):
        write()
        assert figures.reference_generation() != reference
        reference = figures.reference_generation()
    editor.first_name = "Maëlle"
    editor.save()
    assert figures.reference_generation() != reference


def test_each_query_and_language_has_its_own_filter_form(overdue, editor_client):
    """The form shows the filters in use and their errors: one copy per query string."""
    assert 'value="mecanisme"' not in list_html(editor_client)
    assert 'value="mecanisme"' in list_html(editor_client, "?search=mecanisme")
    refused = list_html(editor_client, "?due_after=demain", url="commitments:overdue")
    assert "Saisissez une date valide." in refused
    english = editor_client.get(reverse("commitments:list"), HTTP_ACCEPT_LANGUAGE="en")
    assert "Apply filters" in english.content.decode()
    french = editor_client.get(reverse("commitments:list"), HTTP_ACCEPT_LANGUAGE="fr")
    assert "Apply filters" not in french.content.decode()


# The lists' tables: the rows are read only when their HTML is not kept already. -----------


def row_reads(queries) -> list[str]:
    """The statements that read a page's rows (by id) or what they show (history, tags)."""
    return [
        q["sql"]
        for q in queries
        if ('FROM "commitments_commitment"' in q["sql"] and '"id" IN (' in q["sql"])
        or 'FROM "commitments_statuschange"' in q["sql"]
    ]


@pytest.mark.parametrize("url", ["commitments:list", "commitments:overdue"])
def test_the_lists_tables_are_rendered_once_per_generation(overdue, editor_client, url):
    first = list_html(editor_client, url=url)
    with CaptureQueriesContext(connection) as queries:
        again = list_html(editor_client, url=url)
    assert not row_reads(queries), row_reads(queries)
    table = again[again.index("<table") : again.index("</table>")]
    assert table in first and overdue.get_absolute_url() in table


@pytest.mark.parametrize("url", ["commitments:list", "commitments:overdue"])
def test_a_status_change_shows_in_the_lists_at_once(overdue, editor, editor_client, url):
    assert "Communiqué du 14 juin" not in list_html(editor_client, url=url)
    before = list_html(editor_client, url=url)
    record_change(overdue, editor, "Communiqué du 14 juin")
    after = list_html(editor_client, url=url)
    assert after != before
    assert "En cours" in after[after.index("<table") : after.index("</table>")]
    if url == "commitments:overdue":  # the list shows the change that set the status
        assert "Communiqué du 14 juin" in after


def test_editors_and_viewers_each_have_their_table(overdue, editor_client, viewer):
    from django.test import Client

    assert 'name="bulk-commitments"' in list_html(editor_client)
    viewer_client = Client()
    viewer_client.force_login(viewer)
    assert 'name="bulk-commitments"' not in list_html(viewer_client)
    assert overdue.get_absolute_url() in list_html(viewer_client)


def test_the_next_day_the_lateness_is_counted_again(overdue, editor, client):
    """Lateness depends on the day: each day has its own table (minutes apart, around
    midnight, with no write in between)."""
    evening = datetime.datetime(2024, 6, 15, 23, 55, tzinfo=PARIS)
    with time_machine.travel(evening, tick=False):
        client.force_login(editor)
        assert "en retard de 40 jours" in list_html(client, url="commitments:overdue")
    with time_machine.travel(evening + datetime.timedelta(minutes=10), tick=False):
        assert "en retard de 41 jours" in list_html(client, url="commitments:overdue")


def test_each_page_of_a_list_has_its_table(db, editor_client):
    for number in range(30):
        make_commitment(key=f"k{number:02}", title=f"Engagement {number:02}")
    first, second = list_html(editor_client), list_html(editor_client, "?page=2")
    assert "Engagement 00" in first and "Engagement 00" not in second
    assert "Engagement 29" in second and "Engagement 29" not in first
    assert editor_client.get(reverse("commitments:list") + "?page=3").status_code == 404


@pytest.mark.parametrize("url", ["commitments:list", "commitments:overdue"])
def test_a_list_seen_again_is_not_even_built(overdue, editor_client, monkeypatch, url):
    """Seen again, the page needs its validated filters only: the filtered list (a dozen
    annotations, a search's relevance) is not built, the count and the table are kept."""
    from commitments.filters import CommitmentFilterSet

    built = []
    qs = CommitmentFilterSet.qs
    monkeypatch.setattr(
        CommitmentFilterSet, "qs", property(lambda filterset: built.append(1) or qs.fget(filterset))
    )
    query = "?search=late&status=in_progress&status=not_started"
    first = list_html(editor_client, query, url=url)
    assert built
    built.clear()
    again = list_html(editor_client, query, url=url)
    assert not built
    assert again.count(overdue.get_absolute_url()) == first.count(overdue.get_absolute_url())


def test_a_filtered_list_seen_again_costs_what_the_unfiltered_one_does(
    overdue, editor_client, monkeypatch
):
    """Seen again, the filters are not even validated (the cache holds what they gave): a
    list filtered by body does not look its body up again, and reads no more than the
    unfiltered list."""
    from commitments.filters import CommitmentFilterSet

    body = overdue.responsible_body
    by_body = f"?responsible_body={body.pk}&status=not_started"

    def queries_seen_again(query):
        list_html(editor_client, query)
        with CaptureQueriesContext(connection) as seen:
            html = list_html(editor_client, query)
        return [q["sql"] for q in seen.captured_queries], html

    unfiltered, _ = queries_seen_again("")
    filtered, html = queries_seen_again(by_body)
    assert len(filtered) == len(unfiltered), filtered
    assert not [sql for sql in filtered if 'FROM "commitments_body"' in sql]
    assert overdue.get_absolute_url() in html
    validated = []
    is_valid = CommitmentFilterSet.is_valid
    monkeypatch.setattr(
        CommitmentFilterSet,
        "is_valid",
        lambda filterset: validated.append(1) or is_valid(filterset),
    )
    list_html(editor_client, by_body)
    assert not validated


def test_bad_filters_seen_again_still_show_their_errors_and_no_rows(overdue, editor_client):
    query = "?due_after=not-a-date&status=in_progress"
    first, again = list_html(editor_client, query), list_html(editor_client, query)
    for html in (first, again):
        assert overdue.get_absolute_url() not in html
    assert again.count('aria-invalid="true"') == first.count('aria-invalid="true"') == 1


def test_each_filter_has_its_count(db, editor_client):
    """The count is kept per list, day and filters, and shared by the pages and the orders
    of one list."""
    for number in range(30):
        make_commitment(key=f"k{number:02}", title=f"Engagement {number:02}")
    make_commitment(key="met", title="Tenu", status=Status.MET)

    def found(query):
        return editor_client.get(reverse("commitments:list") + query).context["paginator"].count

    assert found("") == 31
    assert found("?status=met") == 1
    assert found("?status=not_started") == 30
    assert found("?status=not_started&page=2") == 30
    assert found("?status=not_started&ordering=-title") == 30
    assert found("?search=Tenu") == 1
    assert found("?status=met&status=not_started") == 31
    overdue_list = editor_client.get(reverse("commitments:overdue") + "?status=met")
    assert overdue_list.context["paginator"].count == 0


def test_a_client_walking_every_page_never_pushes_the_figures_out(overdue, editor_client, settings):
    """The lists' and the API's pages are kept in a cache of their own ("pages"): however many
    of them are read, the generation and the dashboard's figures stay in the default one."""
    from django.core.cache import caches

    # Past 30 entries, half thrown away: the 12 searches below leave 48 pages (counts, forms,
    # tables, API pages); the dashboard, about ten figures and panels.
    small = {"MAX_ENTRIES": 30, "CULL_FREQUENCY": 2}
    settings.CACHES = {name: {**conf, "OPTIONS": small} for name, conf in settings.CACHES.items()}
    for name in settings.CACHES:
        caches[name].clear()
    generation = figures.generation()
    chase(editor_client)
    for number in range(12):
        list_html(editor_client, f"?search=mot{number}")
        editor_client.get(reverse("api:commitment-list") + f"?search=mot{number}")
    assert figures.generation() == generation
    with CaptureQueriesContext(connection) as queries:
        chase(editor_client)
    assert not counted(queries)
