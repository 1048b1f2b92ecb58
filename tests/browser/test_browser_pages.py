"""The staff pages in a real headless Chromium, in French, with axe-core accessibility checks."""

import datetime
import os
import re
import shutil
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import expect

from accounts import roles
from commitments.models import Body, Commitment, Source

from ..factories import (
    DEFAULT_PASSWORD,
    UserFactory,
    make_ask,
    make_claim,
    make_commitment,
    make_deadline,
)

pytestmark = pytest.mark.browser

SCREENSHOT = Path(settings.BASE_DIR) / "docs" / "screenshot-dashboard.png"


@pytest.fixture
def seeded(role_groups):
    """The seed data, plus a few deadlines around today so every dashboard panel has rows."""
    call_command("load_seeds", stdout=open(os.devnull, "w"))  # noqa: SIM115
    today = timezone.localdate()
    government = Body.objects.get(key="gouvernement-francais")
    make_commitment(
        key="rapport-crc",
        title="Rapport périodique au Comité des droits de l'enfant",
        category=Commitment.Category.REPORT,
        responsible_body=government,
        due_date=today + datetime.timedelta(days=12),
        status=Commitment.Status.IN_PROGRESS,
    )
    make_commitment(
        key="reponse-greta",
        title="Réponse au questionnaire du GRETA (quatrième cycle)",
        category=Commitment.Category.REPORT,
        responsible_body=government,
        due_date=today + datetime.timedelta(days=60),
    )
    make_commitment(
        key="rapport-osce",
        title="Contribution au rapport annuel de l'OSCE",
        category=Commitment.Category.REPORT,
        responsible_body=government,
        due_date=today - datetime.timedelta(days=40),
        status=Commitment.Status.ANNOUNCED,
    )
    return Commitment.objects.get(key="troisieme-plan-action-national")


@pytest.fixture
def advocacy(seeded):
    """A commitment with everything the page shows: a month-precision deadline expected by
    the coalition, a successor deadline with disputed readings, the state's diverging claim
    and asks."""
    today = timezone.localdate()
    source = Source.objects.order_by("pk").first()
    government = Body.objects.get(key="gouvernement-francais")
    previous = make_commitment(
        key="plan-precedent", title="Plan précédent", responsible_body=government
    )
    for year in (2021, 2023):
        make_claim(
            previous,
            kind="period",
            text=f"Le plan court jusqu'en {year}",
            period_end=datetime.date(year, 1, 1),
            period_precision="year",
            source=source,
        )
    commitment = make_commitment(
        key="commentaires-osce",
        title="Commentaires de la France sur le rapport de l'OSCE",
        responsible_body=government,
        status=Commitment.Status.IN_PROGRESS,
    )
    make_deadline(
        commitment,
        label="Commentaires transmis",
        date=datetime.date(2022, 3, 1),
        precision="month",
        basis="expected",
        reasoning="« attendus depuis plus de quatre mois » en juillet 2022",
        sources=[source],
    )
    make_deadline(commitment, label="Suite du plan", basis="successor", predecessor=previous)
    make_claim(
        commitment,
        kind="status",
        claimed_status="met",
        body=government,
        text="Les commentaires ont été transmis",
        made_on=datetime.date(2022, 10, 1),
        made_on_precision="month",
        source=source,
    )
    make_ask(commitment, body=government, made_on=datetime.date(2022, 7, 1), source=source)
    assert today > datetime.date(2022, 12, 31)
    return commitment


@pytest.fixture
def editor(role_groups):
    return UserFactory(
        username="camille", first_name="Camille", last_name="Martin", groups=[roles.EDITORS]
    )


@pytest.fixture
def viewer(role_groups):
    return UserFactory(username="lecteur", groups=[roles.VIEWERS])


def test_editor_records_a_change_citing_a_new_source(
    page, live_server, seeded, editor, assert_accessible
):
    # Log in with the form.
    page.goto(f"{live_server.url}/")
    expect(page).to_have_url(re.compile(r"/accounts/login/"))
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    page.get_by_label("Nom d’utilisateur").fill("camille")
    page.get_by_label("Mot de passe").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Se connecter").click()

    # The dashboard's overdue list: most days overdue first.
    expect(page.get_by_role("heading", name="Tableau de bord", level=1)).to_be_visible()
    overdue_rows = page.locator("#dashboard-overdue tbody tr")
    expect(overdue_rows.first).to_contain_text("Troisième plan d'action national")
    expect(overdue_rows.first).to_contain_text("Gouvernement français")
    cells = page.locator("#dashboard-overdue td[data-days]")
    days = [int(cells.nth(i).get_attribute("data-days")) for i in range(cells.count())]
    assert days == sorted(days, reverse=True) and len(days) >= 2
    assert_accessible(page)

    # Filter the list: reports only; the filter lands in the query string.
    page.get_by_role("link", name="Engagements", exact=True).click()
    page.locator("summary", has_text="Filtrer et rechercher").click()
    page.get_by_label("Rapport dû à une instance internationale").check()
    page.get_by_role("button", name="Appliquer les filtres").click()
    expect(page).to_have_url(re.compile(r"category=report"))
    reports = Commitment.objects.filter(category=Commitment.Category.REPORT).count()
    expect(page.locator("#result-count")).to_have_text(f"{reports} engagements trouvés")
    expect(page.locator("#commitment-table tbody tr")).to_have_count(reports)
    assert_accessible(page)

    # Open a commitment from the list.
    page.get_by_role("link", name="Contribution au rapport annuel de l'OSCE").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Contribution au rapport annuel de l'OSCE"
    )
    expect(page.get_by_text("En retard de 40 jours", exact=True)).to_be_visible()
    assert_accessible(page)

    # Record a status change citing a new source.
    today = timezone.localdate()
    page.get_by_label("Nouveau statut").select_option(label="Tenu")
    page.get_by_label("Date d’effet").fill(today.isoformat())
    page.get_by_label("Note").fill("La contribution a été transmise au secrétariat de l'OSCE.")
    page.get_by_label("Titre ou objet de la nouvelle source").fill(
        "Courrier de transmission à l'OSCE"
    )
    page.get_by_label("Adresse web (URL)").fill("https://www.osce.org/fr/courrier")
    page.get_by_role("button", name="Enregistrer le changement de statut").click()

    expect(page.locator(".messages")).to_contain_text("Statut enregistré : « Tenu »")
    first_entry = page.locator("#timeline .timeline > li").first
    expect(first_entry).to_contain_text("Annoncé → Tenu")
    expect(first_entry).to_contain_text("La contribution a été transmise")
    expect(first_entry).to_contain_text("Enregistré par Camille Martin")
    expect(
        first_entry.get_by_role("link", name=re.compile("Courrier de transmission"))
    ).to_be_visible()
    assert Source.objects.filter(title="Courrier de transmission à l'OSCE").exists()
    assert Commitment.objects.get(key="rapport-osce").status == Commitment.Status.MET


def test_bad_input_comes_back_in_french(page, live_server, seeded, editor, login_as):
    login_as(editor)
    commitment = Commitment.objects.get(key="rapport-crc")
    page.goto(f"{live_server.url}{commitment.get_absolute_url()}")
    page.get_by_label("Nouveau statut").select_option(label="Tenu")
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    page.get_by_label("Date d’effet").fill(tomorrow.isoformat())
    page.get_by_role("button", name="Enregistrer le changement de statut").click()
    expect(page.locator("#id_effective_date_error")).to_have_text(
        "La date d’effet ne peut pas être dans le futur."
    )
    expect(page.get_by_role("alert")).to_contain_text("rien n’a été enregistré")
    assert Commitment.objects.get(pk=commitment.pk).status == Commitment.Status.IN_PROGRESS


def test_viewer_finds_no_way_to_edit(page, live_server, seeded, viewer, login_as):
    login_as(viewer)
    page.goto(f"{live_server.url}{seeded.get_absolute_url()}")
    expect(page.get_by_role("heading", name="Historique des statuts")).to_be_visible()
    expect(page.get_by_role("button", name="Enregistrer le changement de statut")).to_have_count(0)
    expect(page.locator("form[action*='/status/']")).to_have_count(0)
    page.goto(f"{live_server.url}/commitments/")
    expect(page.locator("input[name='bulk-commitments']")).to_have_count(0)
    expect(page.get_by_role("link", name="Administration")).to_have_count(0)
    # The server refuses the page anyway.
    response = page.goto(f"{live_server.url}{seeded.get_absolute_url()}status/")
    assert response.status == 403
    expect(page.get_by_role("heading", name="Accès refusé")).to_be_visible()


def test_usable_on_a_375_pixel_screen_and_by_keyboard(
    browser, live_server, seeded, advocacy, viewer, assert_accessible
):
    from django.test import Client

    client = Client()
    client.force_login(viewer)
    context = browser.new_context(
        viewport={"width": 375, "height": 740},
        locale="fr-FR",
        timezone_id="Europe/Paris",
        bypass_csp=True,  # axe-core is injected as an inline script
    )
    context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )
    page = context.new_page()
    try:
        paths = ("/", "/commitments/", "/commitments/overdue/", seeded.get_absolute_url())
        for path in (*paths, advocacy.get_absolute_url()):
            page.goto(f"{live_server.url}{path}")
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= 375, f"{path} scrolls sideways ({width}px)"
        page.goto(f"{live_server.url}/commitments/")
        assert_accessible(page)
        # Keyboard: the first Tab reaches the skip link, which moves focus to the content.
        page.keyboard.press("Tab")
        expect(page.get_by_role("link", name="Aller au contenu principal")).to_be_focused()
        page.keyboard.press("Enter")
        expect(page).to_have_url(re.compile("#main$"))
        page.screenshot(path=str(Path(os.environ.get("TMPDIR", "/tmp")) / "vigie-list-375.png"))
    finally:
        context.close()


@pytest.mark.parametrize("language", ["fr", "en"])
def test_dashboard_and_commitment_page_accessible_in_both_languages(
    page, live_server, advocacy, editor, login_as, assert_accessible, language
):
    editor.language = language
    editor.save()
    login_as(editor)
    page.goto(f"{live_server.url}/")
    if language == "en":
        # The interface follows the language switch (a cookie), whatever the browser says.
        page.context.add_cookies(
            [{"name": "django_language", "value": "en", "url": live_server.url}]
        )
        page.goto(f"{live_server.url}/")
    chase = page.locator("#chase")
    expect(chase.get_by_role("heading", level=2)).to_have_text(
        "À relancer cette semaine" if language == "fr" else "What must we chase this week?"
    )
    # The seeds' OSCE comments (MIPROF's claim) and this fixture's commitment.
    diverging = Commitment.objects.diverging().count()
    assert diverging == 2
    expect(page.locator("#chase-diverging .count-number")).to_have_text(str(diverging))
    assert_accessible(page)
    page.locator("#chase-diverging a").click()
    expect(page).to_have_url(re.compile(r"diverging=true"))
    expect(page.locator("#commitment-table tbody tr")).to_have_count(diverging)
    page.goto(f"{live_server.url}{advocacy.get_absolute_url()}")
    expect(page.locator("#deadlines")).to_contain_text(
        "mars 2022" if language == "fr" else "March 2022"
    )
    expect(page.locator("#claims")).to_contain_text("Divergent")
    expect(page.locator("#deadlines .readings tbody tr")).to_have_count(2)
    assert_accessible(page)


def test_dashboard_screenshot(page, live_server, seeded, editor, login_as, tmp_path):
    """Takes the README screenshot; writes it to docs/ when VIGIE_UPDATE_SCREENSHOT=1."""
    login_as(editor)
    page.goto(f"{live_server.url}/")
    expect(page.get_by_role("heading", name="Tableau de bord", level=1)).to_be_visible()
    target = tmp_path / "screenshot-dashboard.png"
    page.screenshot(path=str(target))
    size = target.stat().st_size
    assert 10_000 < size < 200_000, size
    if os.environ.get("VIGIE_UPDATE_SCREENSHOT") == "1":
        SCREENSHOT.parent.mkdir(exist_ok=True)
        shutil.copyfile(target, SCREENSHOT)
