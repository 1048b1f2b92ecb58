"""Spreadsheets for staff (/spreadsheets/): templates, exports and the two-step import of
commitments, bodies and sources, with French or English headings, French or ISO dates, labels
in either language, every row's errors in the user's language, all or nothing."""

import csv
import datetime
import io
import time
import zipfile

import openpyxl
import pytest
from django.urls import reverse

from commitments.models import Body, Commitment, Source, StatusChange
from tests.factories import BodyFactory, SourceFactory, TagFactory, make_commitment

INDEX = reverse("commitments:spreadsheets")
UPLOAD = reverse("commitments:spreadsheet_upload")
CONFIRM = reverse("commitments:spreadsheet_confirm")


def download(kind, what, fmt):
    return reverse("commitments:spreadsheet_download", args=[kind, what, fmt])


@pytest.fixture(autouse=True)
def pending_dir(settings, tmp_path):
    settings.IMPORT_PENDING_DIR = tmp_path / "imports"
    return settings.IMPORT_PENDING_DIR


@pytest.fixture
def refs(db):
    return {
        "miprof": BodyFactory(key="miprof", name="MIPROF"),
        "greta": BodyFactory(key="greta", name="GRETA"),
        "source": SourceFactory(key="collectif-2022", title="Rapport du collectif"),
        "tag": TagFactory(slug="victimes", name="Victimes"),
    }


def xlsx(rows):
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def csv_bytes(rows, delimiter=";"):
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter).writerows(rows)
    return ("\ufeff" + out.getvalue()).encode()


def upload(client, content, *, kind="commitments", name="fichier.xlsx", **extra):
    data = {"kind": kind, "file": _named(content, name)}
    return client.post(UPLOAD, data, HTTP_ACCEPT_LANGUAGE="fr", **extra)


def _named(content, name):
    file = io.BytesIO(content)
    file.name = name
    return file


def confirm(client, response):
    return client.post(CONFIRM, {"token": response.context["token"]}, HTTP_ACCEPT_LANGUAGE="fr")


def errors(response):
    return [(e.line, e.column, e.message) for e in response.context["result"].errors]


def read_xlsx(content):
    sheet = openpyxl.load_workbook(io.BytesIO(content)).active
    return [list(row) for row in sheet.iter_rows(values_only=True)]


FRENCH_HEADER = ["Clé", "Titre", "Catégorie", "Organisme responsable", "Échéance", "Statut"]


# Access ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "url",
    [INDEX, download("commitments", "template", "xlsx"), download("bodies", "export", "csv")],
)
def test_viewers_are_refused_and_anonymous_sent_to_login(client, viewer, url):
    assert client.get(url).status_code == 302
    assert reverse("login") in client.get(url)["Location"]
    client.force_login(viewer)
    assert client.get(url).status_code == 403
    assert client.post(UPLOAD, {}).status_code == 403
    assert client.post(CONFIRM, {}).status_code == 403


def test_editors_and_administrators_use_the_page(client, editor, administrator):
    for user in (editor, administrator):
        client.force_login(user)
        response = client.get(INDEX, HTTP_ACCEPT_LANGUAGE="fr")
        assert response.status_code == 200
        assert "Tableurs" in response.content.decode()


def test_the_upload_checks_the_csrf_token(editor, refs):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(editor)
    rows = [FRENCH_HEADER, ["a", "A", "Législation", "miprof", "", "Annoncé"]]
    assert upload(client, xlsx(rows)).status_code == 403
    assert client.post(CONFIRM, {"token": "x"}).status_code == 403


def test_the_nav_link_shows_for_editors_only(client, viewer, editor):
    client.force_login(viewer)
    assert INDEX not in client.get(reverse("commitments:list")).content.decode()
    client.force_login(editor)
    assert INDEX in client.get(reverse("commitments:list")).content.decode()


# Template round trip --------------------------------------------------------------------
def test_the_template_filled_in_french_is_imported(editor_client, editor, refs):
    response = editor_client.get(download("commitments", "template", "xlsx"))
    assert response.status_code == 200
    rows = read_xlsx(response.content)
    header, example = rows[0], rows[1]
    assert header[:4] == ["Clé", "Titre", "Résumé", "Catégorie"]
    assert "Statut" in header and "Version" in header
    assert example[header.index("Catégorie")] == "Plan d’action national"
    assert example[header.index("Échéance")] == datetime.datetime(2026, 12, 31)

    filled = dict(zip(header, example, strict=True))
    filled.update(
        {
            "Clé": "mecanisme-national",
            "Titre": "Mécanisme national d’identification",
            "Organisme responsable": "miprof",
            "Échéance": "31/12/2026",
            "Statut": "En cours",
            "Catégorie": "Mécanisme institutionnel",
            "Thèmes": "victimes",
            "Date d’effet du statut": "15/01/2026",
            "Sources du statut": "collectif-2022",
        }
    )
    assert set(filled) == set(header)
    content = xlsx([header, [filled[h] for h in header]])
    preview = upload(editor_client, content)
    assert preview.status_code == 200, errors(preview)
    assert not Commitment.objects.filter(key="mecanisme-national").exists()
    assert "Aucune erreur" in preview.content.decode()

    done = confirm(editor_client, preview)
    assert done.status_code == 302
    commitment = Commitment.objects.get(key="mecanisme-national")
    assert commitment.due_date == datetime.date(2026, 12, 31)
    assert commitment.status == Commitment.Status.IN_PROGRESS
    assert commitment.category == Commitment.Category.INSTITUTIONAL_MECHANISM
    assert [t.slug for t in commitment.tags.all()] == ["victimes"]
    entry = commitment.status_changes.get()
    assert entry.origin == StatusChange.Origin.IMPORT
    assert entry.author == editor
    assert entry.effective_date == datetime.date(2026, 1, 15)
    assert [s.key for s in entry.sources.all()] == ["collectif-2022"]


def test_a_csv_template_has_semicolons_a_bom_and_french_dates(editor_client, refs):
    content = editor_client.get(download("sources", "template", "csv")).content
    assert content.startswith("\ufeff".encode())
    text = content.decode("utf-8-sig")
    assert text.splitlines()[0].startswith("Clé;Titre;")
    assert "31/12/2026" in text


def test_english_headings_iso_dates_and_english_labels(editor_client, refs):
    header = ["Key", "Title", "Category", "Responsible body", "Due date", "Status"]
    row = ["plan-3", "Third plan", "National action plan", "miprof", "2026-12-31", "Announced"]
    preview = upload(editor_client, csv_bytes([header, row], delimiter=","), name="plan.csv")
    assert preview.status_code == 200, errors(preview)
    confirm(editor_client, preview)
    commitment = Commitment.objects.get(key="plan-3")
    assert commitment.due_date == datetime.date(2026, 12, 31)
    assert commitment.status == Commitment.Status.ANNOUNCED


def test_technical_names_and_values_still_work(editor_client, refs):
    header = ["key", "title", "category", "responsible_body", "due_date", "status"]
    row = ["plan-4", "Plan", "action_plan", "miprof", "31/12/2027", "in_progress"]
    preview = upload(editor_client, csv_bytes([header, row]), name="plan.csv")
    assert preview.status_code == 200, errors(preview)


# Errors ---------------------------------------------------------------------------------
def test_every_rows_errors_in_french_with_line_and_column(editor_client, refs):
    rows = [
        FRENCH_HEADER,
        ["bon", "Bon", "Législation", "miprof", "31/12/2026", "Annoncé"],
        ["mauvais-1", "Un", "Législation", "inconnu", "31/02/2026", "Annoncé"],
        ["mauvais-2", "Deux", "Pas une catégorie", "miprof", "", "Terminé peut-être"],
        ["mauvais-3", "=SOMME(A1)", "Législation", "miprof", "", ""],
    ]
    response = upload(editor_client, xlsx(rows))
    assert response.status_code == 400
    found = errors(response)
    columns = {(line, column) for line, column, _m in found}
    assert {
        (3, "Organisme responsable"),
        (3, "Échéance"),
        (4, "Catégorie"),
        (4, "Statut"),
        (5, "Titre"),
        (5, "Statut"),
    } <= columns
    messages = " ".join(message for _l, _c, message in found)
    assert "Clé inconnue : inconnu" in messages
    assert "n’est pas une date" in messages and "31/12/2026" in messages
    assert "formule" in messages
    assert "Traceback" not in response.content.decode()
    assert "token" not in response.context or not response.context["token"]
    assert Commitment.objects.count() == 0


def test_errors_are_in_english_for_an_english_user(client, editor, refs):
    client.force_login(editor)
    rows = [FRENCH_HEADER, ["x", "X", "Législation", "miprof", "32/12/2026", "Annoncé"]]
    data = {"kind": "commitments", "file": _named(xlsx(rows), "f.xlsx")}
    response = client.post(UPLOAD, data, HTTP_ACCEPT_LANGUAGE="en")
    assert errors(response) == [
        (2, "Due date", "“32/12/2026” is not a date: write it as 31/12/2026 or 2026-12-31.")
    ]


def test_french_headings_that_do_not_match_are_a_message(editor_client, refs):
    rows = [["Clé", "Intitulé", "Organisme"], ["a", "b", "c"]]
    response = upload(editor_client, xlsx(rows))
    assert response.status_code == 400
    problems = " ".join(response.context["result"].problems)
    assert "colonne inconnue « Intitulé »" in problems
    assert "Titre" in problems  # missing
    assert "Traceback" not in response.content.decode()


def test_all_or_nothing_with_one_bad_row_among_good(editor_client, refs):
    rows = [FRENCH_HEADER] + [
        [f"bon-{n}", f"Bon {n}", "Législation", "miprof", "31/12/2026", "Annoncé"] for n in range(3)
    ]
    rows.append(["doublon", "D", "Législation", "miprof", "", "Annoncé"])
    rows.append(["doublon", "D", "Législation", "miprof", "", "Annoncé"])
    response = upload(editor_client, xlsx(rows))
    assert response.status_code == 400
    assert [(line, column) for line, column, _m in errors(response)] == [(6, "Clé")]
    assert Commitment.objects.count() == 0
    assert Body.objects.count() == 2


def test_an_existing_commitment_needs_its_version_and_a_stale_one_is_refused(
    editor_client, editor, refs
):
    commitment = make_commitment(
        key="plan-2", title="Deuxième plan", responsible_body=refs["miprof"]
    )
    exported = read_xlsx(editor_client.get(download("commitments", "export", "xlsx")).content)
    header, row = exported[0], exported[1]
    row[header.index("Titre")] = "Deuxième plan national"

    without_version = list(row)
    without_version[header.index("Version")] = None
    response = upload(editor_client, xlsx([header, without_version]))
    assert [c for _l, c, _m in errors(response)] == ["Version"]

    preview = upload(editor_client, xlsx([header, row]))
    assert preview.status_code == 200, errors(preview)
    # Someone else changes it between the preview and the confirmation.
    commitment.refresh_from_db()
    from commitments.services.lifecycle import commitment_save

    commitment_save(
        commitment=commitment,
        data={"summary": "Changé ailleurs"},
        expected_version=commitment.version,
        author=None,
        origin=StatusChange.Origin.WEB,
    )
    response = confirm(editor_client, preview)
    assert response.status_code == 409
    assert errors(response)[0][1] == "Version"
    assert "a changé depuis" in errors(response)[0][2]
    commitment.refresh_from_db()
    assert commitment.title == "Deuxième plan"


def test_a_status_change_through_the_import(editor_client, refs):
    make_commitment(key="plan-2", title="Plan", responsible_body=refs["miprof"])
    exported = read_xlsx(editor_client.get(download("commitments", "export", "xlsx")).content)
    header, row = exported
    row[header.index("Statut")] = "Tenu"
    row[header.index("Date d’effet du statut")] = "01/06/2024"
    unsourced = upload(editor_client, xlsx([header, row]))
    assert unsourced.status_code == 400
    assert errors(unsourced)[0][1] == "Sources du statut"
    row[header.index("Sources du statut")] = "collectif-2022"
    preview = upload(editor_client, xlsx([header, row]))
    assert preview.status_code == 200, errors(preview)
    assert preview.context["result"].counts["update"] == 1
    confirm(editor_client, preview)
    commitment = Commitment.objects.get(key="plan-2")
    assert commitment.status == Commitment.Status.MET
    assert [s.key for s in commitment.status_changes.latest("effective_date").sources.all()] == [
        "collectif-2022"
    ]
    assert commitment.status_changes.latest("effective_date").effective_date == datetime.date(
        2024, 6, 1
    )


# Export round trip ----------------------------------------------------------------------
@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_an_export_imports_back_unchanged(editor_client, refs, fmt):
    make_commitment(
        key="plan-2",
        title="=Plan à risque",
        responsible_body=refs["miprof"],
        monitoring_body=refs["greta"],
        due_date=datetime.date(2021, 12, 31),
        tags=[refs["tag"]],
        summary="Résumé; avec point-virgule",
    )
    make_commitment(key="plan-3", title="Troisième", responsible_body=refs["miprof"])
    before = list(Commitment.objects.values().order_by("key"))
    for kind in ("commitments", "bodies", "sources"):
        content = editor_client.get(download(kind, "export", fmt)).content
        preview = upload(editor_client, content, kind=kind, name=f"export.{fmt}")
        assert preview.status_code == 200, (kind, errors(preview))
        result = preview.context["result"]
        assert result.counts["unchanged"] == len(result.rows) > 0, kind
        assert confirm(editor_client, preview).status_code == 302
    assert list(Commitment.objects.values().order_by("key")) == before


def test_the_csv_export_opens_in_a_french_spreadsheet(editor_client, refs):
    make_commitment(
        key="plan-2", responsible_body=refs["miprof"], due_date=datetime.date(2026, 3, 9)
    )
    content = editor_client.get(download("commitments", "export", "csv")).content
    assert content.startswith(b"\xef\xbb\xbf")
    lines = content.decode("utf-8-sig").splitlines()
    assert lines[0].split(";")[:3] == ["Clé", "Titre", "Résumé"]
    assert "09/03/2026" in lines[1]


def test_the_xlsx_export_has_date_cells_shown_the_french_way(editor_client, refs):
    make_commitment(
        key="plan-2", responsible_body=refs["miprof"], due_date=datetime.date(2026, 3, 9)
    )
    content = editor_client.get(download("commitments", "export", "xlsx")).content
    sheet = openpyxl.load_workbook(io.BytesIO(content)).active
    column = [c.value for c in sheet[1]].index("Échéance") + 1
    cell = sheet.cell(row=2, column=column)
    assert cell.is_date and cell.value.date() == datetime.date(2026, 3, 9)
    assert cell.number_format == "dd/mm/yyyy"


def test_the_export_issues_a_constant_number_of_queries(
    editor_client, refs, django_assert_num_queries
):
    def count():
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as queries:
            editor_client.get(download("commitments", "export", "csv"))
        return len(queries)

    make_commitment(responsible_body=refs["miprof"], tags=[refs["tag"]])
    small = count()
    for _ in range(5):
        make_commitment(responsible_body=refs["greta"], tags=[refs["tag"]])
    assert count() == small


# Bodies and sources ---------------------------------------------------------------------
def test_bodies_and_sources_are_imported_with_french_labels(editor_client, refs):
    bodies = [
        ["Clé", "Nom", "Sigle", "Type", "Niveau"],
        ["ofast", "Office antistupéfiants", "OFAST", "Ministère", "National"],
    ]
    preview = upload(editor_client, xlsx(bodies), kind="bodies")
    assert preview.status_code == 200, errors(preview)
    confirm(editor_client, preview)
    body = Body.objects.get(key="ofast")
    assert (body.kind, body.level) == (Body.Kind.MINISTRY, Body.Level.NATIONAL)

    sources = [["Clé", "Titre", "Date de publication"], ["rapport", "Rapport", "01/07/2022"]]
    preview = upload(editor_client, csv_bytes(sources), kind="sources", name="s.csv")
    assert preview.status_code == 200, errors(preview)
    confirm(editor_client, preview)
    assert Source.objects.get(key="rapport").publication_date == datetime.date(2022, 7, 1)


def test_changing_an_existing_body_needs_the_permission_to_change_it(editor_client, refs):
    """Editors may change bodies (as on the staff pages); a role without that permission may
    only add new ones: the import follows the permission, not a rule of its own."""
    from django.contrib.auth.models import Group, Permission

    from accounts import roles

    editors = Group.objects.get(name=roles.EDITORS)
    change_body = Permission.objects.get(codename="change_body")
    editors.permissions.remove(change_body)
    rows = [["Clé", "Nom"], ["miprof", "Mission renommée"]]
    response = upload(editor_client, xlsx(rows), kind="bodies")
    assert response.status_code == 400
    assert "administrateur" in errors(response)[0][2]
    assert Body.objects.get(key="miprof").name == "MIPROF"
    editors.permissions.add(change_body)
    preview = upload(editor_client, xlsx(rows), kind="bodies")
    assert preview.status_code == 200
    confirm(editor_client, preview)
    assert Body.objects.get(key="miprof").name == "Mission renommée"


# The kept file --------------------------------------------------------------------------
def test_the_confirmation_imports_the_kept_file_once(editor_client, refs, pending_dir):
    rows = [FRENCH_HEADER, ["a", "A", "Législation", "miprof", "", "Annoncé"]]
    preview = upload(editor_client, xlsx(rows))
    assert len(list(pending_dir.iterdir())) == 1
    assert confirm(editor_client, preview).status_code == 302
    assert list(pending_dir.iterdir()) == []
    again = confirm(editor_client, preview)
    assert again.status_code == 302
    assert Commitment.objects.count() == 1


def test_a_token_from_another_session_is_refused(client, editor, administrator, refs):
    client.force_login(editor)
    rows = [FRENCH_HEADER, ["a", "A", "Législation", "miprof", "", "Annoncé"]]
    preview = upload(client, xlsx(rows))
    client.force_login(administrator)  # a new session
    assert confirm(client, preview).status_code == 302
    assert Commitment.objects.count() == 0
    response = client.post(CONFIRM, {"token": "../../etc/passwd"})
    assert response.status_code == 302


# Limits ---------------------------------------------------------------------------------
def _refused(response):
    assert response.status_code in (400, 413)
    assert "Traceback" not in response.content.decode()
    form_errors = response.context["form"].errors.values()
    return " ".join([response.context["refusal"], *(str(e) for es in form_errors for e in es)])


def test_an_oversized_file_is_refused_before_it_is_read(editor_client, refs, settings):
    settings.IMPORT_MAX_BYTES = 100_000
    content = b"Cl\xc3\xa9;Titre\n" + b"x;" + b"y" * 400_000 + b"\n"
    started = time.monotonic()
    response = upload(editor_client, content, name="gros.csv")
    assert time.monotonic() - started < 2
    assert response.status_code == 413
    assert "trop volumineux" in _refused(response)


def test_a_file_just_over_the_limit_is_refused_too(editor_client, refs, settings):
    settings.IMPORT_MAX_BYTES = 100_000
    content = b"Cl\xc3\xa9;Titre\n" + b"x;" + b"y" * 100_000 + b"\n"
    assert "trop volumineux" in _refused(upload(editor_client, content, name="gros.csv"))


def test_too_many_rows(editor_client, refs, settings):
    settings.IMPORT_MAX_ROWS = 10
    rows = [FRENCH_HEADER] + [[f"k{n}", "T", "", "miprof", "", "Annoncé"] for n in range(11)]
    assert "plus de 10 lignes" in _refused(upload(editor_client, xlsx(rows)))
    assert "plus de 10 lignes" in _refused(upload(editor_client, csv_bytes(rows), name="f.csv"))


def _zip_bomb(sheet_bytes):
    template = zipfile.ZipFile(io.BytesIO(xlsx([FRENCH_HEADER])))
    row = b'<row><c t="inlineStr"><is><t>x</t></is></c></row>'
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as bomb:
        for info in template.infolist():
            if info.filename != "xl/worksheets/sheet1.xml":
                bomb.writestr(info.filename, template.read(info.filename))
        with bomb.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            sheet.write(
                b'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.'
                b'openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
            )
            block = row * 20_000
            for _ in range(sheet_bytes // len(block)):
                sheet.write(block)
            sheet.write(b"</sheetData></worksheet>")
    return out.getvalue()


def test_a_zip_bomb_is_refused_quickly(editor_client, refs):
    content = _zip_bomb(64_000_000)
    assert len(content) < 1_000_000
    started = time.monotonic()
    message = _refused(upload(editor_client, content, name="bombe.xlsx"))
    assert time.monotonic() - started < 2
    assert "décompresse" in message


@pytest.mark.parametrize(
    ("content", "name", "expected"),
    [
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600, "ancien.xls", ".xls"),
        (b"PK\x03\x04 not really a zip", "faux.xlsx", "XLSX valide"),
        (b"%PDF-1.7\n\x00\x01\x02", "document.pdf", "octet nul"),
        ("Clé;Titre\n".encode("utf-16"), "utf16.csv", "UTF-8"),
        (b"Cl\xe9;Titre\nk;t\n", "latin1.csv", "UTF-8"),
        (b"", "vide.csv", "vide"),
    ],
)
def test_files_that_are_not_spreadsheets(editor_client, refs, content, name, expected):
    assert expected in _refused(upload(editor_client, content, name=name))
    assert Commitment.objects.count() == 0


def test_an_announced_oversized_upload_is_answered_before_its_body_is_sent(
    live_server, transactional_db, settings
):
    """Over a real socket: headers announcing 50 MB and a few bytes of body get the 413 page
    at once, so a worker never waits for (or stores) the rest."""
    import socket
    from urllib.parse import urlparse

    from django.test import Client

    from accounts import roles
    from tests.factories import UserFactory

    roles.ensure_groups()
    client = Client()
    client.force_login(UserFactory(username="redacteur", groups=[roles.EDITORS]))
    session = client.cookies["sessionid"].value
    address = urlparse(live_server.url)
    with socket.create_connection((address.hostname, address.port), timeout=5) as connection:
        connection.sendall(
            (
                f"POST {UPLOAD} HTTP/1.1\r\nHost: {address.netloc}\r\n"
                f"Cookie: sessionid={session}\r\nAccept-Language: fr\r\n"
                "Content-Type: multipart/form-data; boundary=xyz\r\n"
                f"Content-Length: {50 * 1024 * 1024}\r\n\r\n--xyz\r\n"
            ).encode()
        )
        started = time.monotonic()
        answer = b""
        while b"</html>" not in answer:
            chunk = connection.recv(65536)
            if not chunk:
                break
            answer += chunk
    assert time.monotonic() - started < 3
    assert answer.startswith(b"HTTP/1.1 413")
    assert "trop volumineux" in answer.decode("utf-8", "replace")


@pytest.mark.parametrize(
    "data",
    [{}, {"kind": "nonsense"}, {"kind": "commitments"}, {"kind": "\x00", "file": "text"}],
)
def test_a_junk_upload_is_the_form_again(editor_client, refs, data):
    response = editor_client.post(UPLOAD, data, HTTP_ACCEPT_LANGUAGE="fr")
    assert response.status_code == 400
    assert "Le fichier a été refusé" in response.content.decode()


def test_downloads_of_unknown_kinds_or_formats_are_404(editor_client):
    assert editor_client.get(download("users", "export", "csv")).status_code == 404
    assert editor_client.get(download("bodies", "export", "pdf")).status_code == 404
    assert editor_client.get(download("bodies", "dump", "csv")).status_code == 404
