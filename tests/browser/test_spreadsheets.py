"""Spreadsheets in a real browser: an editor downloads the template, fills it in French,
imports it, reads the preview and confirms; the pages pass axe-core in French and English."""

import datetime
import io

import openpyxl
import pytest
from playwright.sync_api import expect

from accounts import roles
from commitments.models import Body, Commitment

from ..factories import UserFactory

pytestmark = pytest.mark.browser


@pytest.fixture
def editor_user(role_groups, settings, tmp_path):
    settings.IMPORT_PENDING_DIR = tmp_path / "imports"
    Body.objects.create(key="miprof", name="Mission interministérielle", acronym="MIPROF")
    return UserFactory(username="redactrice", groups=[roles.EDITORS])


def _filled_template(path, **values):
    with open(path, "rb") as file:
        book = openpyxl.load_workbook(io.BytesIO(file.read()))
    sheet = book.active
    header = [cell.value for cell in sheet[1]]
    for heading, value in values.items():
        sheet.cell(row=2, column=header.index(heading) + 1, value=value)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_an_editor_imports_the_template_filled_in_french(
    page, live_server, editor_user, login_as, assert_accessible
):
    login_as(editor_user)
    page.goto(f"{live_server.url}/")
    page.get_by_role("link", name="Tableurs").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Tableurs")
    assert_accessible(page)

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Modèle des engagements (XLSX)").click()
    assert download_info.value.suggested_filename == "vigie-commitments-modele.xlsx"
    template = download_info.value.path()
    content = _filled_template(
        template,
        **{
            "Clé": "mecanisme-national-referencement",
            "Titre": "Mécanisme national de référencement des victimes",
            "Catégorie": "Mécanisme institutionnel",
            "Organisme responsable": "miprof",
            "Échéance": "31/12/2026",
            "Statut": "En cours",
            "Date d’effet du statut": "15/01/2026",
            "Sources du statut": None,
        },
    )

    page.get_by_label("Contenu du fichier").select_option(label="Engagements")
    page.get_by_label("Fichier (XLSX ou CSV)").set_input_files(
        files=[
            {"name": "engagements.xlsx", "mimeType": "application/octet-stream", "buffer": content}
        ]
    )
    page.get_by_role("button", name="Vérifier le fichier").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Aperçu de l’import")
    expect(page.locator("#import-summary")).to_contain_text("1 nouveaux")
    expect(page.locator("#row-table tbody tr")).to_have_count(1)
    assert not Commitment.objects.filter(key="mecanisme-national-referencement").exists()
    assert_accessible(page)

    page.get_by_role("button", name="Confirmer l’import").click()
    expect(page.locator(".messages")).to_contain_text("Import terminé : 1 nouveaux")
    commitment = Commitment.objects.get(key="mecanisme-national-referencement")
    assert commitment.due_date == datetime.date(2026, 12, 31)
    assert commitment.status == Commitment.Status.IN_PROGRESS


@pytest.mark.parametrize("language", ["fr", "en"])
def test_the_pages_and_a_preview_with_errors_are_accessible(
    page, live_server, editor_user, login_as, assert_accessible, language
):
    login_as(editor_user)
    page.context.add_cookies(
        [{"name": "django_language", "value": language, "url": live_server.url}]
    )
    page.goto(f"{live_server.url}/spreadsheets/")
    assert_accessible(page)
    csv = "Clé;Titre;Organisme responsable;Échéance;Statut\nx;X;inconnu;32/12/2026;Peut-être\n"
    page.locator("#id_file").set_input_files(
        files=[{"name": "erreurs.csv", "mimeType": "text/csv", "buffer": csv.encode()}]
    )
    page.locator("form[action$='/spreadsheets/import/'] button[type=submit]").click()
    errors = page.locator("#error-table tbody tr")
    expect(errors).to_have_count(3)
    expect(page.locator("#import-errors")).to_contain_text(
        "rien n’a été enregistré" if language == "fr" else "nothing was written"
    )
    assert_accessible(page)
    # A file that is not a spreadsheet: the form again, with the reason.
    page.goto(f"{live_server.url}/spreadsheets/")
    page.locator("#id_file").set_input_files(
        files=[
            {
                "name": "ancien.xls",
                "mimeType": "application/vnd.ms-excel",
                "buffer": b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600,
            }
        ]
    )
    page.locator("form[action$='/spreadsheets/import/'] button[type=submit]").click()
    expect(page.locator("#form-errors")).to_contain_text(".xls")
    assert_accessible(page)
    page.set_viewport_size({"width": 375, "height": 800})
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
