"""The pages stay bounded at 100,000 commitments (issue 12): capped dashboard lists, counts in
few statements, the latest changes by the date they took effect, lists paged on an index,
filters without DISTINCT, exports that stream."""

import csv
import datetime
import io
import zoneinfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from commitments.filters import CommitmentFilterSet
from commitments.models import Commitment, StatusChange
from commitments.services.status import status_change_record
from commitments.web import dashboard, export_rows, exports

from ..commitments import export_reference as reference
from ..factories import BodyFactory, SourceFactory, make_commitment

PARIS = zoneinfo.ZoneInfo("Europe/Paris")
TODAY = datetime.date(2024, 6, 15)


@pytest.fixture(autouse=True)
def frozen_today():
    with time_machine.travel(datetime.datetime(2024, 6, 15, 10, 0, tzinfo=PARIS), tick=False):
        yield


def days(n: int) -> datetime.date:
    return TODAY + datetime.timedelta(days=n)


def streamed(response) -> bytes:
    assert response.streaming, "the export is built in memory before it is sent"
    return b"".join(response.streaming_content)


# The dashboard ------------------------------------------------------------------------------


def test_the_dashboard_shows_the_earliest_due_and_links_the_others(viewer_client, db):
    limit = dashboard.DASHBOARD_DUE_LIMIT
    for n in range(limit + 3):
        make_commitment(title=f"Bientôt {n:02d}", due_date=days(n % 30))
    make_commitment(title="Plus tard", due_date=days(45))
    response = viewer_client.get(reverse("commitments:dashboard"), HTTP_ACCEPT_LANGUAGE="fr")
    soon = response.context["due_soon"]
    assert len(soon["rows"]) == limit
    assert (soon["total"], soon["others"]) == (limit + 3, 3)
    assert [c.due_date for c in soon["rows"]] == sorted(c.due_date for c in soon["rows"])
    html = response.content.decode()
    assert "Voir les 3 autres engagements dus sur cette période" in html
    later = response.context["due_later"]
    assert [c.title for c in later["rows"]] == ["Plus tard"] and later["others"] == 0
    # The link leads to the list of exactly those commitments.
    listed = viewer_client.get(soon["url"])
    assert listed.context["paginator"].count == limit + 3


def test_the_dashboard_page_does_not_grow_with_what_comes_due(viewer_client, db):
    sizes = []
    for extra in (5, 30):
        for n in range(extra):
            make_commitment(title="Échéance proche", due_date=days(1 + n % 20))
        html = viewer_client.get(reverse("commitments:dashboard")).content.decode()
        due_sections = html[html.index('id="due30-title"') : html.index('id="latest-title"')]
        sizes.append(due_sections.count("Échéance proche"))
    assert sizes == [5, dashboard.DASHBOARD_DUE_LIMIT]


def test_the_latest_changes_are_those_that_took_effect_last(viewer_client, editor, db):
    early = make_commitment(title="Ancien", effective_date=datetime.date(2020, 1, 1))
    late = make_commitment(title="Récent", effective_date=datetime.date(2020, 1, 1))
    status_change_record(
        commitment=late,
        new_status=Commitment.Status.ANNOUNCED,
        effective_date=days(-1),
        author=editor,
        sources=[SourceFactory()],
        expected_version=late.version,
    )
    # Recorded after, but took effect long before.
    status_change_record(
        commitment=early,
        new_status=Commitment.Status.ANNOUNCED,
        effective_date=days(-300),
        author=editor,
        sources=[SourceFactory()],
        expected_version=early.version,
    )
    response = viewer_client.get(reverse("commitments:dashboard"))
    changes = list(response.context["latest_changes"])
    assert [(c.commitment.title, c.effective_date) for c in changes[:2]] == [
        ("Récent", days(-1)),
        ("Ancien", days(-300)),
    ]


def test_the_tallies_match_the_counts_they_replace(db):
    body = BodyFactory()
    for n, status in enumerate(["not_started", "in_progress", "met", "abandoned", "announced"]):
        for offset in (-400, -3, 0, 10, 30, 31, 90, 91, 800):
            make_commitment(status=status, due_date=days(offset + n), responsible_body=body)
    make_commitment(due_date=None)
    commitments = Commitment.objects.all()
    tallies = commitments.dashboard_tallies(TODAY)
    assert tallies["by_status"] == commitments.count_by_status()
    assert tallies["years"] == commitments.deadlines_per_year(TODAY)
    assert tallies["total"] == commitments.count()
    assert tallies["overdue"] == commitments.overdue(TODAY).count()
    assert tallies["due_soon"] == commitments.due_within(30, TODAY).count()
    assert tallies["due_later"] == (
        commitments.due_within(90, TODAY).count() - commitments.due_within(30, TODAY).count()
    )


# Query plans on SQLite: the order comes from an index, not a sort of the whole table ---------


def _plan(queryset) -> str:
    if connection.vendor != "sqlite":
        pytest.skip("the plans are asserted on SQLite (EXPLAIN QUERY PLAN)")
    return queryset.explain()


@pytest.mark.sqlite  # plans read with SQLite's EXPLAIN QUERY PLAN
def test_the_latest_changes_read_an_index(db):
    plan = _plan(StatusChange.objects.latest_first()[:8])
    assert "statuschange_latest" in plan and "TEMP B-TREE" not in plan, plan


@pytest.mark.sqlite  # plans read with SQLite's EXPLAIN QUERY PLAN
@pytest.mark.parametrize("read", ["due within", "lapsed since"])
def test_the_deadlines_owed_are_read_from_their_index(db, read):
    """What comes due and what lapsed since a visit (the dashboard's counts, the lists'
    filters): a range of the index of the deadlines still owed, its condition matched with
    the query's values bound (SQLite plans before it knows them)."""
    from commitments.models import Deadline

    if read == "due within":
        deadlines = Deadline.objects.due_within(30, TODAY)
    else:
        deadlines = Deadline.objects.lapsed_between(TODAY - datetime.timedelta(days=7), TODAY)
    plan = _plan(deadlines.listed_commitments())
    assert "deadline_owed_by_window_end" in plan, plan
    # The floor excluded as the index's condition writes it, not as a bound value: SQLite
    # then drops the check rather than read each deadline's row for it (14 to 9 ms at 100k).
    sql, params = deadlines.listed_commitments().query.sql_with_params()
    assert """NOT ("commitments_deadline"."bound" IN ('not_before'))""" in sql
    assert "not_before" not in params


@pytest.mark.sqlite  # plans read with SQLite's EXPLAIN QUERY PLAN
def test_a_list_by_status_is_counted_from_the_index_of_the_listed_commitments(db):
    """Not from an index of every commitment, archived ones included, which left SQLite to
    read each row for its archiving date (40 ms rather than 3 at 100,000 commitments)."""
    _plan(Commitment.objects.none())  # SQLite only
    with CaptureQueriesContext(connection) as queries:
        Commitment.objects.filter(status="in_progress").count()  # as the list counts it
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN QUERY PLAN " + queries[-1]["sql"])
        plan = " ".join(str(row[-1]) for row in cursor.fetchall())
    assert "commitment_status_list" in plan, plan


@pytest.mark.sqlite  # plans read with SQLite's EXPLAIN QUERY PLAN
def test_a_commitments_latest_entry_is_one_index_probe(db):
    plan = _plan(Commitment.objects.with_latest_change_id().values("latest_change_id")[:25])
    assert "statuschange_commitment_latest" in plan, plan
    assert "TEMP B-TREE" not in plan, plan


@pytest.mark.sqlite  # plans read with SQLite's EXPLAIN QUERY PLAN
def test_the_alert_jobs_window_of_changes_reads_an_index(db):
    start = datetime.datetime(2024, 6, 1, tzinfo=datetime.UTC)
    plan = _plan(StatusChange.objects.filter(created_at__gte=start))
    assert "statuschange_recorded" in plan, plan


@pytest.mark.sqlite  # plans read with SQLite's EXPLAIN QUERY PLAN
@pytest.mark.parametrize(
    ("queryset", "index"),
    [
        (lambda: Commitment.objects.order_by("due_date", "title", "pk"), "commitment_list_order"),
        (
            lambda: Commitment.objects.overdue(TODAY).order_by("due_date", "title", "pk"),
            "commitment_open_by_due_date",
        ),
        (
            lambda: Commitment.objects.filter(status="in_progress").order_by(
                "due_date", "title", "pk"
            ),
            "commitment_status_list",
        ),
        (
            lambda: Commitment.objects.filter(responsible_body=1).order_by(
                "due_date", "title", "pk"
            ),
            "commitment_body_list",
        ),
    ],
)
def test_the_lists_default_orders_read_an_index(db, queryset, index):
    plan = _plan(queryset().values_list("pk", flat=True)[100:125])
    assert index in plan and "TEMP B-TREE" not in plan, plan


# The lists -----------------------------------------------------------------------------------


def test_a_deep_page_fetches_only_its_rows(viewer_client, db):
    for n in range(30):
        make_commitment(title=f"Engagement {n:02d}", due_date=days(n))
    with CaptureQueriesContext(connection) as queries:
        response = viewer_client.get(reverse("commitments:list"), {"page": 2})
    titles = [c.title for c in response.context["commitments"]]
    assert titles == [f"Engagement {n:02d}" for n in range(25, 30)]
    # The OFFSET is taken on the ids alone; the annotated rows are read by id.
    offset = [q["sql"] for q in queries.captured_queries if "OFFSET" in q["sql"]]
    assert len(offset) == 1 and "claimed_status" not in offset[0], offset


def test_a_searched_page_reads_its_rows_by_id_alone(viewer_client, db):
    """The page's ids met the search; its rows are read by id, without the search's condition
    again (on SQLite, a second read of every search document)."""
    for n in range(30):
        make_commitment(title=f"Protection des victimes {n:02d}", due_date=days(n))
    make_commitment(title="Autre sujet")
    with CaptureQueriesContext(connection) as queries:
        response = viewer_client.get(reverse("commitments:list"), {"search": "victimes", "page": 2})
    assert len(response.context["commitments"]) == 5
    assert all("victimes" in c.title for c in response.context["commitments"])
    searched = 'IN (SELECT U0."commitment_id"'
    rows = [
        q["sql"]
        for q in queries.captured_queries
        if '"commitments_commitment"."summary"' in q["sql"]
    ]
    assert rows and all(searched not in sql for sql in rows), rows
    assert any(searched in q["sql"] for q in queries.captured_queries), "the ids are searched"


def test_a_list_is_counted_once_per_generation_of_the_data(viewer_client, db):
    """Counting every listed commitment is most of a page's cost at 100,000: the count is
    kept until the next write, which shows at once."""
    for n, name in enumerate(["alpha", "beta", "gamma"]):
        make_commitment(title=f"Engagement {name}", due_date=days(n))
    url = reverse("commitments:list")

    def counted(params):
        with CaptureQueriesContext(connection) as queries:
            response = viewer_client.get(url, params)
        counts = [
            q["sql"]
            for q in queries.captured_queries
            if q["sql"].startswith("SELECT COUNT(*)")
            and 'FROM "commitments_commitment"' in q["sql"]
        ]
        return response.context["page_obj"].paginator.count, len(counts)

    assert counted({}) == (3, 1)
    assert counted({}) == (3, 0)
    assert counted({"search": "beta"}) == (1, 1)  # each list its own count
    make_commitment(title="Engagement beta bis")
    assert counted({}) == (4, 1)
    assert counted({"search": "beta"}) == (2, 1)


def test_a_filter_on_the_commitments_own_columns_has_no_distinct(db):
    make_commitment(status="in_progress")
    for params in ({"status": ["in_progress", "met"]}, {"category": ["action_plan"]}):
        filterset = CommitmentFilterSet(params, queryset=Commitment.objects.all(), as_of=TODAY)
        assert filterset.is_valid()
        assert not filterset.qs.query.distinct, params


# The exports ---------------------------------------------------------------------------------


@pytest.fixture
def exported(db, editor):
    source = SourceFactory(title="Communiqué")
    rows = []
    for n in range(7):
        commitment = make_commitment(
            title=f"Engagement {n}", due_date=days(-10 - n), responsible_body=BodyFactory()
        )
        if n % 2:
            status_change_record(
                commitment=commitment,
                new_status=Commitment.Status.IN_PROGRESS,
                effective_date=days(-n),
                author=editor,
                note=f"note {n}",
                sources=[source],
                expected_version=commitment.version,
            )
        rows.append(commitment)
    return rows


def test_the_csv_export_streams_the_same_rows(viewer_client, exported, monkeypatch):
    monkeypatch.setattr(exports, "CSV_ROWS_PER_CHUNK", 2)
    monkeypatch.setattr(export_rows, "EXPORT_BATCH_SIZE", 3)
    response = viewer_client.get(reverse("commitments:overdue_export", args=["csv"]))
    chunks = list(response.streaming_content)
    assert len(chunks) > 3  # sent in pieces, not built in memory first
    expected = reference.to_csv(
        reference.reference_commitments(as_of=TODAY), base_url="http://testserver/", as_of=TODAY
    )
    assert b"".join(chunks) == expected
    rows = list(csv.reader(io.StringIO(expected.decode().removeprefix("\ufeff")), delimiter=";"))
    assert len(rows) == 1 + len(exported)
    assert rows[1][8] == "" and rows[2][8] == "note 5"


def test_the_csv_export_reads_its_rows_in_bounded_batches(viewer_client, exported, monkeypatch):
    monkeypatch.setattr(export_rows, "EXPORT_BATCH_SIZE", 3)
    with CaptureQueriesContext(connection) as queries:
        streamed(viewer_client.get(reverse("commitments:overdue_export", args=["csv"])))
    in_lists = [q["sql"] for q in queries.captured_queries if '"id" IN (' in q["sql"]]
    assert in_lists and all(sql.count("%s") <= 3 or sql.count(",") < 60 for sql in in_lists)


def test_the_xlsx_export_has_the_same_cells(viewer_client, exported):
    response = viewer_client.get(reverse("commitments:overdue_export", args=["xlsx"]))
    assert response["Content-Disposition"] == (
        'attachment; filename="vigie-overdue-2024-06-15.xlsx"'
    )
    sheet = load_workbook(io.BytesIO(streamed(response))).active
    assert sheet.freeze_panes == "A2" and sheet["A1"].font.bold
    assert sheet.column_dimensions["A"].width == 60
    values = [list(row) for row in sheet.iter_rows(values_only=True)]
    expected = [[exports.xlsx_value(h) for h in exports.headers()]]
    for row in reference.rows(
        reference.reference_commitments(as_of=TODAY), base_url="http://testserver/", as_of=TODAY
    ):
        expected.append(
            [
                datetime.datetime.combine(v, datetime.time())
                if isinstance(v, datetime.date)
                else (None if v == "" else exports.xlsx_value(v))
                for v in row
            ]
        )
    assert values == expected
    assert sheet["F2"].number_format == "dd/mm/yyyy"


def test_the_status_forms_do_not_list_every_source(editor_client, editor):
    """Sources are typed and searched in the status and bulk forms, never listed as options: the
    pages weigh the same with 3 sources or 300."""
    commitment = make_commitment(key="weighed", title="Pesé", responsible_body=BodyFactory())
    pages = [commitment.get_absolute_url(), reverse("commitments:list")]

    def sizes():
        return [len(editor_client.get(url).content) for url in pages]

    for number in range(3):
        SourceFactory(title=f"Rapport {number:03d}")
    few = sizes()
    for number in range(3, 300):
        SourceFactory(title=f"Rapport {number:03d}")
    assert sizes() == few
