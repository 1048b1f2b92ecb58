"""CSV and XLSX exports: same filters as the page, formulas neutralised (issue 3, item 3)."""

import csv
import datetime
import io
import zoneinfo

import pytest
import time_machine
from django.urls import reverse
from openpyxl import load_workbook

from commitments.interchange.formulas import neutralise
from commitments.models import Commitment
from commitments.services.status import status_change_record

from ..factories import BodyFactory, SourceFactory, make_commitment

PARIS = zoneinfo.ZoneInfo("Europe/Paris")
TODAY = datetime.date(2024, 6, 15)


@pytest.fixture(autouse=True)
def frozen_today():
    with time_machine.travel(datetime.datetime(2024, 6, 15, 10, 0, tzinfo=PARIS), tick=False):
        yield


@pytest.fixture
def data(db, editor):
    body = BodyFactory(name="=cmd|' /C calc'!A0", acronym="")
    risky = make_commitment(
        title='=HYPERLINK("https://evil.example","clic")',
        due_date=datetime.date(2024, 6, 5),
        responsible_body=body,
    )
    status_change_record(
        commitment=risky,
        new_status=Commitment.Status.ANNOUNCED,
        effective_date=datetime.date(2024, 6, 1),
        author=editor,
        note="+33 1 23 45 67 89 a appelé",
        sources=[SourceFactory(title="@SUM(A1:A9)", publication_date=None)],
        expected_version=risky.version,
    )
    plain = make_commitment(title="Rapport au CRC", due_date=datetime.date(2024, 1, 15))
    later = make_commitment(title="Plan à venir", due_date=datetime.date(2025, 1, 1))
    return {"risky": risky, "plain": plain, "later": later}


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=1+1", "'=1+1"),
        ("+1", "'+1"),
        ("-1", "'-1"),
        ("@A1", "'@A1"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("a=1", "a=1"),
        ("", ""),
        (5, 5),
        (None, None),
    ],
)
def test_neutralise(value, expected):
    assert neutralise(value) == expected


def body(response) -> bytes:
    """What a streamed download sends (the exports stream)."""
    assert response.streaming
    return b"".join(response.streaming_content)


def read_csv(response) -> list[list[str]]:
    content = body(response).decode("utf-8")
    assert content.startswith("\ufeff")
    return list(csv.reader(io.StringIO(content.removeprefix("\ufeff")), delimiter=";"))


def test_overdue_csv(viewer_client, data):
    response = viewer_client.get(
        reverse("commitments:overdue_export", args=["csv"]), HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == (
        'attachment; filename="vigie-overdue-2024-06-15.csv"'
    )
    rows = read_csv(response)
    assert rows[0][:3] == ["Title", "Status", "Category"]
    assert [row[0] for row in rows[1:]] == [
        "Rapport au CRC",
        '\'=HYPERLINK("https://evil.example","clic")',
    ]
    risky = rows[2]
    assert risky[1] == "Announced"
    assert risky[3] == "'=cmd|' /C calc'!A0"
    assert risky[5] == "05/06/2024"
    assert risky[6] == "10"
    assert risky[7] == "01/06/2024"
    assert risky[8] == "'+33 1 23 45 67 89 a appelé"
    assert risky[9] == "'@SUM(A1:A9)"
    assert risky[10] == f"http://testserver/commitments/{data['risky'].pk}/"
    for row in rows:
        for cell in row:
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), cell


def test_export_uses_the_page_filters(viewer_client, data):
    url = reverse("commitments:export", args=["csv"])
    rows = read_csv(viewer_client.get(url, {"search": "CRC"}))
    assert [row[0] for row in rows[1:]] == ["Rapport au CRC"]
    rows = read_csv(viewer_client.get(url, {"overdue": "false"}))
    assert [row[0] for row in rows[1:]] == ["Plan à venir"]
    rows = read_csv(viewer_client.get(url, {"ordering": "-due_date"}))
    assert [row[0] for row in rows[1:]][0] == "Plan à venir"
    assert len(rows) == 4
    rows = read_csv(viewer_client.get(url, {"due_after": "pas une date"}))
    assert len(rows) == 1  # invalid filters export nothing rather than everything


def test_headers_in_french(viewer_client, data):
    response = viewer_client.get(
        reverse("commitments:export", args=["csv"]), HTTP_ACCEPT_LANGUAGE="fr"
    )
    assert read_csv(response)[0][:3] == ["Intitulé", "Statut", "Catégorie"]


def test_overdue_xlsx(viewer_client, data):
    response = viewer_client.get(reverse("commitments:overdue_export", args=["xlsx"]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert response["Content-Disposition"] == (
        'attachment; filename="vigie-overdue-2024-06-15.xlsx"'
    )
    sheet = load_workbook(io.BytesIO(body(response))).active
    rows = list(sheet.iter_rows(values_only=True))
    assert len(rows) == 3
    risky = rows[2]
    assert risky[0] == '\'=HYPERLINK("https://evil.example","clic")'
    assert risky[3] == "'=cmd|' /C calc'!A0"
    assert risky[8] == "'+33 1 23 45 67 89 a appelé"
    assert risky[5] == datetime.datetime(2024, 6, 5)
    assert risky[6] == 10
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            assert cell.data_type != "f", cell.coordinate


def test_xlsx_drops_control_characters(viewer_client, db):
    make_commitment(title="\x01=2+2 titre", due_date=datetime.date(2024, 6, 1))
    response = viewer_client.get(reverse("commitments:overdue_export", args=["xlsx"]))
    sheet = load_workbook(io.BytesIO(body(response))).active
    assert sheet["A2"].value == "'=2+2 titre"


def test_unknown_format_is_404(viewer_client, db):
    assert viewer_client.get(reverse("commitments:export", args=["pdf"])).status_code == 404


def test_export_needs_login(client, db):
    response = client.get(reverse("commitments:export", args=["csv"]))
    assert response.status_code == 302
