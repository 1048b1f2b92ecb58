"""The list exports stream (issue 12): the same files as before, bytes out before the rows are
read, a bounded number of queries per batch of rows.

"The same files" is checked against the export as it was built before
(``export_reference``: every row a model instance, the XLSX written by openpyxl) on the
benchmark's generated data (deadlines of every kind, claims, asks, sourced history) plus the
awkward text of real notes, in batches small enough that every export spans several.
"""

import datetime
import io
import zipfile
import zoneinfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation
from openpyxl import load_workbook

from accounts import roles
from bench.generate import generate
from commitments.models import Commitment
from commitments.services.status import status_change_record
from commitments.web import export_rows, xlsx_stream

from ..factories import BodyFactory, SourceFactory, UserFactory, make_commitment
from . import export_reference as reference

PARIS = zoneinfo.ZoneInfo("Europe/Paris")
TODAY = datetime.date(2026, 6, 15)
BASE_URL = "http://testserver/"


@pytest.fixture(autouse=True)
def frozen_today():
    with time_machine.travel(datetime.datetime(2026, 6, 15, 10, 0, tzinfo=PARIS), tick=False):
        yield


@pytest.fixture
def small_batches(monkeypatch):
    monkeypatch.setattr(export_rows, "EXPORT_BATCH_SIZE", 7)


@pytest.fixture
def world(db):
    """60 generated commitments, then the text a spreadsheet trips on."""
    generate(60, seed=5, today=TODAY)
    author = UserFactory(username="exporter")
    unnamed = BodyFactory(key="sans-sigle", name="Organisme sans sigle", acronym="")
    risky = make_commitment(
        title='=HYPERLINK("https://evil.example","clic")',
        due_date=datetime.date(2026, 6, 5),
        responsible_body=BodyFactory(key="formule", name="=cmd|' /C calc'!A0", acronym=""),
        monitoring_body=unnamed,
    )
    status_change_record(
        commitment=risky,
        new_status=Commitment.Status.ANNOUNCED,
        effective_date=datetime.date(2026, 6, 1),
        author=author,
        note="  +33 1 23 45 67 89 a appelé\r\n<b>&amp; suite</b>\x01 ",
        sources=[
            SourceFactory(key="somme", title="@SUM(A1:A9)", publication_date=None),
            SourceFactory(key="avant", title="Avis « A&B »", publication_date=None),
            SourceFactory(key="recent", title="Note récente"),
        ],
        expected_version=risky.version,
    )
    make_commitment(title="\x02-2 tiret", due_date=datetime.date(2026, 1, 15))
    return risky


@pytest.fixture
def reader(client, world):
    """A viewer, made after the generated data."""
    client.force_login(UserFactory(username="reader", groups=[roles.VIEWERS]))
    return client


def streamed(response) -> list[bytes]:
    assert response.streaming, "the export is built before it is sent"
    return list(response.streaming_content)


EXPORTS = [
    # (overdue list?, filters)
    (True, {}),
    (False, {}),
    (True, {"ordering": "-days_overdue"}),
    (False, {"ordering": "-last_news"}),
    (False, {"ordering": "waiting", "status": ["in_progress", "announced"]}),
    (False, {"search": "plan"}),
    (False, {"to_check": "true", "ordering": "responsible_body"}),
    (False, {"diverging": "true"}),
    (False, {"due_after": "pas une date"}),  # invalid: nothing exported, as before
]


def export_url(overdue: bool, fmt: str) -> str:
    return reverse("commitments:overdue_export" if overdue else "commitments:export", args=[fmt])


@pytest.mark.parametrize(("overdue", "params"), EXPORTS)
def test_the_csv_is_byte_for_byte_the_one_built_before(reader, small_batches, overdue, params):
    response = reader.get(export_url(overdue, "csv"), params, HTTP_ACCEPT_LANGUAGE="fr")
    sent = b"".join(streamed(response))
    with translation.override("fr"):
        rows = reference.reference_commitments(params, as_of=TODAY, overdue=overdue)
        expected = reference.to_csv(rows, base_url=BASE_URL, as_of=TODAY)
    assert sent == expected
    if not params:
        assert len(rows) > 2 * export_rows.EXPORT_BATCH_SIZE  # several batches were read


def cells(content: bytes) -> list[list[tuple]]:
    """Every cell of the first sheet as (value, type, number format): what a reader gets."""
    sheet = load_workbook(io.BytesIO(content)).active
    return [
        [
            (cell.value, cell.data_type, cell.number_format if cell.value is not None else None)
            for cell in row
        ]
        for row in sheet.iter_rows()
    ]


@pytest.mark.parametrize(("overdue", "params"), EXPORTS[:5])
def test_the_xlsx_has_the_cells_of_the_one_built_before(reader, small_batches, overdue, params):
    response = reader.get(export_url(overdue, "xlsx"), params, HTTP_ACCEPT_LANGUAGE="en")
    sent = b"".join(streamed(response))
    with translation.override("en"):
        rows = reference.reference_commitments(params, as_of=TODAY, overdue=overdue)
        expected = reference.to_xlsx(rows, base_url=BASE_URL, as_of=TODAY)
    got, want = cells(sent), cells(expected)
    for number, (row, expected_row) in enumerate(zip(got, want, strict=True), start=1):
        assert row == expected_row, number
    new, old = load_workbook(io.BytesIO(sent)), load_workbook(io.BytesIO(expected))
    assert new.active.title == old.active.title
    assert new.properties.title == old.properties.title
    assert new.active.freeze_panes == old.active.freeze_panes == "A2"
    assert all(cell.font.bold for cell in new.active[1])
    for letter, dimension in old.active.column_dimensions.items():
        assert new.active.column_dimensions[letter].width == dimension.width


def test_the_xlsx_keeps_types_and_defuses_formulas(reader):
    response = reader.get(export_url(True, "xlsx"), HTTP_ACCEPT_LANGUAGE="en")
    sheet = load_workbook(io.BytesIO(b"".join(streamed(response)))).active
    rows = {row[0].value: row for row in sheet.iter_rows(min_row=2)}
    risky = rows['\'=HYPERLINK("https://evil.example","clic")']
    assert risky[3].value == "'=cmd|' /C calc'!A0"
    assert risky[4].value == "Organisme sans sigle"
    assert risky[5].value == datetime.datetime(2026, 6, 5) and risky[5].is_date
    assert risky[5].number_format == "dd/mm/yyyy"
    assert risky[6].value == 10 and risky[6].data_type == "n"
    # Spaces kept, markup as text, the control character dropped; XML normalises the CR.
    assert risky[8].value == "  +33 1 23 45 67 89 a appelé\n<b>&amp; suite</b> "
    # In the sources' order (undated ones first on PostgreSQL, last on SQLite, as before);
    # neutralised when the first one starts like a formula.
    sources = risky[9].value
    assert not sources.startswith("@")
    assert sorted(sources.removeprefix("'").split("; ")) == [
        "@SUM(A1:A9)",
        "Avis « A&B »",
        "Note récente (2022-07-01)",
    ]
    assert rows["'-2 tiret"][0].value == "'-2 tiret"
    for row in sheet.iter_rows():
        for cell in row:
            assert cell.data_type != "f", cell.coordinate


def test_the_xlsx_is_a_sound_zip(reader):
    content = b"".join(streamed(reader.get(export_url(False, "xlsx"))))
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        assert archive.testzip() is None
        assert "xl/worksheets/sheet1.xml" in archive.namelist()


# Streaming ---------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_the_first_bytes_go_out_after_at_most_one_batch(reader, small_batches, fmt):
    """The first chunk (the header row) goes out before any row is read, the others as the
    batches are read: never after the whole list."""
    response = reader.get(export_url(False, fmt))
    chunks = iter(response.streaming_content)
    with CaptureQueriesContext(connection) as queries:
        first = next(chunks)
    assert first
    assert len(queries.captured_queries) == 0
    with CaptureQueriesContext(connection) as rest:
        for _chunk in chunks:
            pass
    assert len(rest.captured_queries) > 3 * 3  # the other batches, read as it was sent


def test_no_query_carries_more_ids_than_a_batch(reader, small_batches):
    with CaptureQueriesContext(connection) as queries:
        streamed(reader.get(export_url(False, "csv")))
    for query in queries.captured_queries:
        sql = query["sql"]
        if " IN (" in sql:
            listed = sql.split(" IN (", 1)[1].split(")", 1)[0]
            assert listed.count(",") < export_rows.EXPORT_BATCH_SIZE, sql


def test_queries_grow_by_batch_not_by_row(viewer_client, db, monkeypatch):
    """Four queries per batch (rows, latest changes, their sources) plus the ids: 7 rows and
    40 rows in one batch each cost the same; in batches of 10, 40 rows cost 4 batches."""
    source = SourceFactory(key="communique", title="Communiqué")
    author = UserFactory(username="author")

    def add(count):
        for n in range(count):
            commitment = make_commitment(title=f"E{n}", due_date=TODAY - datetime.timedelta(n + 1))
            status_change_record(
                commitment=commitment,
                new_status=Commitment.Status.IN_PROGRESS,
                effective_date=TODAY - datetime.timedelta(1),
                author=author,
                sources=[source],
                expected_version=commitment.version,
            )

    def count_queries():
        with CaptureQueriesContext(connection) as queries:
            streamed(viewer_client.get(export_url(True, "csv")))
        return len(queries.captured_queries)

    add(7)
    seven = count_queries()
    add(33)
    assert count_queries() == seven
    monkeypatch.setattr(export_rows, "EXPORT_BATCH_SIZE", 10)
    assert count_queries() == seven + 3 * 3


# The writer on its own ---------------------------------------------------------------------


def test_the_writer_streams_row_by_row(monkeypatch):
    """A sheet written as its rows come: the first bytes before the first row is asked for,
    then a piece as soon as the compressor hands some on; the archive reads back whole."""
    monkeypatch.setattr(xlsx_stream, "BYTES_PER_CHUNK", 1)
    asked = []

    def rows():
        for n in range(3000):
            asked.append(n)
            text = f"ligne {n} " + " ".join(str(n * k % 10007) for k in range(1, 12))
            yield [text, n, datetime.date(2024, 1, 1) + datetime.timedelta(n % 900), None, 1.5]

    chunks = xlsx_stream.xlsx_chunks(["A", "B", "C", "D", "E"], rows(), sheet_title="Feuille")
    first = next(chunks)
    assert first.startswith(b"PK") and asked == []
    second = next(chunks)
    assert second and len(asked) < 3000  # sent before the last row was read
    rest = list(chunks)
    sheet = load_workbook(io.BytesIO(first + second + b"".join(rest))).active
    values = list(sheet.iter_rows(values_only=True))
    assert values[0] == ("A", "B", "C", "D", "E")
    assert values[3000][1:] == (2999, datetime.datetime(2024, 10, 26), None, 1.5)
    assert sheet.title == "Feuille"
