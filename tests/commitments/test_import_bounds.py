"""Bounded spreadsheet imports: oversize files, too many rows, expanding archives and malformed
files are refused on the admin's import page with a message in the user's language, before the
file is parsed, and nothing is written.

Each refusal is shown to happen before the parse by a file whose parse would have ended
differently (an undecodable tail after the row limit, a sheet of a million rows): the message
names the bound, not what the parse would have found.
"""

import io
import zipfile

import pytest
from django.conf import settings
from django.urls import reverse

from .test_import_export import (
    COLUMNS,
    CSV_FORMAT,
    XLSX_FORMAT,
    _confirm,
    _counts,
    _csv,
    _preview,
    _row,
    _xlsx,
    refs,  # noqa: F401 (fixture)
)


def _rows(count):
    return [_row(key=f"engagement-{n}", title=f"Engagement {n}") for n in range(count)]


def _refused(response, before):
    """The import page again (200), with the file's error, no confirmation, nothing written."""
    assert response.status_code == 200
    assert "confirm_form" not in response.context
    assert "result" not in response.context
    assert _counts() == before
    assert b"Traceback" not in response.content
    return " ".join(response.context["form"].errors["import_file"])


def _french(client, content, **kwargs):
    return _preview(client, content, language="fr", **kwargs)


def _zip_bomb(sheet_bytes: int) -> bytes:
    """A real XLSX whose sheet is ``sheet_bytes`` of identical rows: a million rows of small
    compressed size (deflate shrinks it about a thousand times)."""
    template = zipfile.ZipFile(io.BytesIO(_xlsx([_row()])))
    row = b'<row><c t="inlineStr"><is><t>x</t></is></c></row>'
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as bomb:
        for info in template.infolist():
            if info.filename != "xl/worksheets/sheet1.xml":
                bomb.writestr(info.filename, template.read(info.filename))
        with bomb.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            sheet.write(
                b'<?xml version="1.0" encoding="UTF-8"?>'
                b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
                b"<sheetData>"
            )
            block = row * 20_000
            for _ in range(sheet_bytes // len(block)):
                sheet.write(block)
            sheet.write(b"</sheetData></worksheet>")
    return out.getvalue()


class TestSize:
    def test_a_file_over_the_limit_is_refused_before_it_is_read(self, admin_client, refs):  # noqa: F811
        # Valid rows up to the limit, then bytes that are not UTF-8: reading would stop there.
        content = _csv(_rows(10))
        content += b"x" * (settings.IMPORT_MAX_BYTES - len(content)) + b"\xff"
        assert len(content) == settings.IMPORT_MAX_BYTES + 1
        before = _counts()
        message = _refused(_french(admin_client, content), before)
        assert "Le fichier est trop volumineux" in message
        assert "2,0\xa0Mio" in message

    def test_a_file_at_the_limit_is_read(self, admin_client, refs, settings):  # noqa: F811
        content = _csv(_rows(3))
        settings.IMPORT_MAX_BYTES = len(content)
        response = _french(admin_client, content)
        assert "confirm_form" in response.context

    def test_an_xlsx_over_the_limit(self, admin_client, refs, settings):  # noqa: F811
        content = _xlsx(_rows(3))
        settings.IMPORT_MAX_BYTES = len(content) - 1
        before = _counts()
        message = _refused(_french(admin_client, content, name="e.xlsx", fmt=XLSX_FORMAT), before)
        assert "Le fichier est trop volumineux" in message


class TestRows:
    def test_too_many_csv_rows_are_counted_while_reading(self, admin_client, refs, settings):  # noqa: F811
        settings.IMPORT_MAX_ROWS = 20
        # One row too many, then 200 kB of rows, then bytes that are not UTF-8: the refusal
        # names the rows, so the reader stopped at row 21 without decoding the rest.
        content = _csv(_rows(21)) + _csv(_rows(2000))[200:] + b"\xff\xfe"
        before = _counts()
        message = _refused(_french(admin_client, content), before)
        assert "Le fichier compte plus de 20 lignes" in message

    def test_the_row_limit_itself_is_accepted(self, admin_client, refs, settings):  # noqa: F811
        settings.IMPORT_MAX_ROWS = 20
        response = _french(admin_client, _csv(_rows(20) + [dict.fromkeys(COLUMNS, "")] * 3))
        assert "confirm_form" in response.context
        assert len(response.context["result"].rows) == 20

    def test_too_many_xlsx_rows(self, admin_client, refs, settings):  # noqa: F811
        settings.IMPORT_MAX_ROWS = 20
        before = _counts()
        response = _french(admin_client, _xlsx(_rows(21)), name="e.xlsx", fmt=XLSX_FORMAT)
        assert "Le fichier compte plus de 20 lignes" in _refused(response, before)


class TestArchives:
    def test_a_zip_bomb_is_refused_from_its_central_directory(self, admin_client, refs):  # noqa: F811
        content = _zip_bomb(64_000_000)
        # Small on the wire, a million rows inside: opening it would take minutes, and reading
        # it would stop at the row limit with another message.
        assert len(content) < 200_000
        assert sum(i.file_size for i in zipfile.ZipFile(io.BytesIO(content)).infolist()) > 6e7
        before = _counts()
        response = _french(admin_client, content, name="bombe.xlsx", fmt=XLSX_FORMAT)
        message = _refused(response, before)
        assert "Le fichier XLSX se décompresse en" in message
        assert "lignes" not in message

    def test_a_small_archive_with_a_high_ratio_is_refused(self, admin_client, refs):  # noqa: F811
        # Under the expanded-size limit, but it expands a thousand times.
        content = _zip_bomb(4_000_000)
        before = _counts()
        response = _french(admin_client, content, name="bombe.xlsx", fmt=XLSX_FORMAT)
        assert "se décompresse" in _refused(response, before)

    @pytest.mark.parametrize(
        "content",
        [b"key,title\nx,y\n", b"PK\x03\x04" + b"\x00" * 200, _xlsx([_row()])[:-100]],
        ids=["csv-as-xlsx", "broken-header", "truncated"],
    )
    def test_a_file_that_is_not_an_xlsx(self, admin_client, refs, content):  # noqa: F811
        before = _counts()
        response = _french(admin_client, content, name="e.xlsx", fmt=XLSX_FORMAT)
        assert "n’est pas un fichier XLSX valide" in _refused(response, before)

    def test_an_archive_without_a_workbook(self, admin_client, refs):  # noqa: F811
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w") as archive:
            archive.writestr("notes.txt", "rien")
        before = _counts()
        response = _french(admin_client, out.getvalue(), name="e.xlsx", fmt=XLSX_FORMAT)
        assert "n’est pas un fichier XLSX valide" in _refused(response, before)


class TestMalformedCsv:
    def test_a_nul_byte_in_the_header_row(self, admin_client, refs):  # noqa: F811
        content = _csv([_row()]).replace(b"title", b"ti\x00tle", 1)
        before = _counts()
        message = _refused(_french(admin_client, content), before)
        assert "octet nul" in message
        assert "ligne 1" in message

    def test_a_nul_byte_in_a_cell(self, admin_client, refs):  # noqa: F811
        # PostgreSQL cannot store it: refused before any row is read into the database.
        content = _csv([_row(), _row(key="autre", title="Un\x00titre")])
        before = _counts()
        assert "ligne 3" in _refused(_french(admin_client, content), before)

    def test_bytes_that_are_not_utf8(self, admin_client, refs):  # noqa: F811
        content = _csv(
            [_row(title="Premier plan"), _row(key="autre", title="Troisième plan")],
            encoding="latin-1",
        )
        before = _counts()
        message = _refused(_french(admin_client, content), before)
        assert "n’est pas encodée en UTF-8" in message
        assert "ligne 3" in message

    def test_utf16_is_named(self, admin_client, refs):  # noqa: F811
        content = _csv([_row()], encoding="utf-16")
        before = _counts()
        assert "UTF-8" in _refused(_french(admin_client, content), before)

    def test_a_row_longer_than_the_header(self, admin_client, refs):  # noqa: F811
        content = _csv([_row()]) + b"a,b" + b",x" * len(COLUMNS) + b"\r\n"
        before = _counts()
        message = _refused(_french(admin_client, content), before)
        assert "ligne 3" in message
        assert "18 cellules" in message

    def test_a_column_named_twice(self, admin_client, refs):  # noqa: F811
        content = b"key,title,key\r\na,b,c\r\n"
        before = _counts()
        assert "« key » apparaît deux fois" in _refused(_french(admin_client, content), before)

    def test_a_quotation_mark_left_open(self, admin_client, refs):  # noqa: F811
        content = _csv([_row()]) + b'"' + b"x" * 200_000 + b"\r\n"
        before = _counts()
        message = _refused(_french(admin_client, content), before)
        assert "La ligne 3 contient une cellule de plus de" in message
        assert "guillemet" in message

    def test_wrong_columns_give_a_message_without_traceback(self, admin_client, refs):  # noqa: F811
        content = _csv([{"key": "x", "titre": "Mauvaise colonne"}], columns=["key", "titre"])
        before = _counts()
        response = _french(admin_client, content)
        assert response.status_code == 200
        assert "confirm_form" not in response.context
        text = response.content.decode()
        assert "Les colonnes du fichier ne correspondent pas" in text
        assert "colonne(s) inconnue(s) : titre" in text
        assert "Traceback" not in text
        assert 'class="traceback"' not in text
        assert _counts() == before


def test_the_page_states_the_bounds(admin_client, db):
    response = admin_client.get(
        "/admin/commitments/commitment/import/", headers={"accept-language": "fr"}
    )
    assert "2,0\xa0Mio" in response.content.decode()
    assert "500 lignes" in response.content.decode()


class TestConfirmation:
    def test_a_second_click_on_confirm_is_a_message(self, admin_client, refs):  # noqa: F811
        preview = _french(admin_client, _csv(_rows(2)))
        assert _confirm(admin_client, preview).status_code == 302
        after_first = _counts()
        form = preview.context["confirm_form"]
        again = admin_client.post(
            reverse("admin:commitments_commitment_process_import"),
            {name: form.initial[name] for name in form.fields},
            headers={"accept-language": "fr"},
        )
        assert again.status_code == 302
        assert again.url == reverse("admin:commitments_commitment_import")
        page = admin_client.get(again.url, headers={"accept-language": "fr"})
        assert "Ce fichier n’est plus disponible" in page.content.decode()
        assert _counts() == after_first

    @pytest.mark.parametrize(
        "data",
        [
            {"import_file_name": "absent", "format": CSV_FORMAT},
            {"import_file_name": "absent", "format": "9"},
            {"import_file_name": "absent", "format": "x"},
        ],
        ids=["missing-file", "unknown-format", "not-a-number"],
    )
    def test_a_forged_confirmation_is_a_message(self, admin_client, refs, data):  # noqa: F811
        before = _counts()
        response = admin_client.post(
            reverse("admin:commitments_commitment_process_import"),
            {**data, "original_file_name": "e.csv", "resource": "0"},
        )
        assert response.status_code == 302
        assert _counts() == before
