"""Editing in a real browser: an editor creates a source, then a commitment citing it (found by
typing a few words of its title), gives it a deadline and edits it; every editing page passes
axe-core in French and English and fits a 375-pixel screen."""

import datetime
import re

import pytest
from django.test import Client
from playwright.sync_api import expect

from commitments.models import Citation, Commitment, Deadline, Source, StatusChange
from commitments.services.lifecycle import commitment_save

from ..factories import BodyFactory, SourceFactory, UserFactory, make_commitment, make_deadline

pytestmark = pytest.mark.browser


@pytest.fixture
def editor_user(role_groups):
    return UserFactory(username="editrice", groups=["editors"], first_name="Élise")


def test_editor_creates_a_commitment_with_a_deadline_a_citation_and_a_new_source(
    page, live_server, editor_user, login_as, assert_accessible
):
    BodyFactory(name="Premier ministre", acronym="", key="premier-ministre")
    for number in range(40):  # hundreds in real life: the list must not be a wall of options
        SourceFactory(title=f"Compte rendu de réunion {number}")
    login_as(editor_user)

    # A new source, from the header's link.
    page.goto(f"{live_server.url}/")
    page.get_by_role("link", name="Sources et organismes").click()
    page.get_by_role("link", name="Nouvelle source").click()
    assert_accessible(page)
    page.get_by_label("Clé").fill("rapport-brunet-2023")
    page.get_by_label("Titre").fill("Rapport Brunet sur l'orientation des victimes de la traite")
    page.get_by_label("Éditeur").fill("Assemblée nationale")
    page.get_by_label("Date de publication").fill("2023-05-10")
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.locator(".messages")).to_contain_text("enregistré")
    assert Source.objects.filter(key="rapport-brunet-2023").exists()

    # A new commitment, from the list, citing it: typing "brunet" offers its full title.
    page.get_by_role("link", name="Engagements", exact=True).click()
    page.get_by_role("link", name="Nouvel engagement").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Nouvel engagement")
    page.get_by_label("Titre").fill("Mécanisme national d'orientation des victimes")
    page.get_by_label("Clé").fill("mecanisme-orientation")
    page.locator("#id_responsible_body").select_option(label="Premier ministre")
    page.locator("#id_status").select_option(label="Annoncé")
    page.locator("#id_effective_date").fill("2022-07-29")
    source_input = page.locator("#id_citations-0-source")
    source_input.press_sequentially("brunet orientation", delay=20)
    option = page.get_by_role("option", name=re.compile("Rapport Brunet sur l'orientation"))
    expect(option).to_be_visible()
    expect(source_input).to_have_attribute("aria-expanded", "true")
    assert_accessible(page)
    source_input.press("ArrowDown")
    source_input.press("Enter")
    expect(source_input).to_have_value("rapport-brunet-2023")
    expect(page.locator(".source-chosen").first).to_contain_text("Rapport Brunet")
    page.locator("#id_citations-0-claim").fill("Le mécanisme n'existe toujours pas.")
    page.get_by_role("button", name="Créer l’engagement").click()
    expect(page.locator(".messages")).to_contain_text("créé")
    commitment = Commitment.objects.get(key="mecanisme-orientation")
    assert commitment.status == Commitment.Status.ANNOUNCED
    citation = Citation.objects.get(commitment=commitment)
    assert citation.source.key == "rapport-brunet-2023"
    assert_accessible(page)

    # Its deadline.
    page.get_by_role("link", name="Ajouter une échéance").click()
    assert_accessible(page)
    page.get_by_label("Ce qui est dû").fill("Création du mécanisme")
    page.locator("#id_date").fill("2026-12-31")
    page.get_by_role("button", name="Enregistrer l’échéance").click()
    expect(page.locator("#deadlines")).to_contain_text("Création du mécanisme")
    assert Deadline.objects.get(commitment=commitment).label == "Création du mécanisme"

    # Then edits it from its page.
    page.goto(f"{live_server.url}{commitment.get_absolute_url()}")
    page.get_by_role("link", name=re.compile("^Modifier")).click()
    page.get_by_label("Résumé").fill("Promis par le plan 2019-2021, jamais créé.")
    page.get_by_role("button", name="Enregistrer les modifications").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(commitment.title)
    expect(page.locator("main")).to_contain_text("Promis par le plan 2019-2021, jamais créé.")
    commitment.refresh_from_db()
    assert commitment.summary == "Promis par le plan 2019-2021, jamais créé."
    assert Citation.objects.filter(commitment=commitment).count() == 1


@pytest.mark.parametrize("language", ["fr", "en"])
def test_editing_pages_accessible_and_fit_375_pixels(
    browser, live_server, editor_user, assert_accessible, language
):
    commitment = make_commitment(title="Troisième plan national")
    source = SourceFactory(title="Rapport du Collectif, juillet 2022")
    Citation.objects.create(commitment=commitment, source=source, claim="Plan 2019-2021")
    deadline = make_deadline(commitment, label="Adoption", date=datetime.date(2026, 12, 31))
    client = Client()
    client.force_login(editor_user)
    context = browser.new_context(
        viewport={"width": 375, "height": 740},
        locale="fr-FR",
        bypass_csp=True,  # axe-core is injected as an inline script
    )
    cookies = [{"name": "sessionid", "value": client.cookies["sessionid"].value}]
    if language == "en":
        cookies.append({"name": "django_language", "value": "en"})
    context.add_cookies([{**cookie, "url": live_server.url} for cookie in cookies])
    page = context.new_page()
    paths = [
        "/commitments/new/",
        f"/commitments/{commitment.pk}/edit/",
        f"/commitments/{commitment.pk}/deadlines/new/",
        f"/commitments/{commitment.pk}/deadlines/{deadline.pk}/",
        f"/commitments/{commitment.pk}/deadlines/{deadline.pk}/remove/",
        f"/commitments/{commitment.pk}/claims/new/",
        f"/commitments/{commitment.pk}/asks/new/",
        "/sources/",
        "/sources/new/",
        f"/sources/{source.pk}/",
        "/bodies/",
        "/bodies/new/",
        "/tags/",
        "/tags/new/",
    ]
    try:
        for path in paths:
            response = page.goto(f"{live_server.url}{path}")
            assert response.status == 200, path
            expect(page.locator("html")).to_have_attribute("lang", language)
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= 375, f"{path} scrolls sideways ({width}px)"
            assert_accessible(page)
        # A refused save shows its errors, tied to their fields, accessibly too.
        page.goto(f"{live_server.url}/commitments/new/")
        page.locator("#id_title").fill("")
        page.locator("form.edit-form button[type=submit]").click()
        expect(page.locator("#form-errors")).to_be_visible()
        expect(page.locator("#id_title")).to_have_attribute("aria-invalid", "true")
        assert_accessible(page)
        # Someone else saves while the form is open: the conflict page, input kept.
        page.goto(f"{live_server.url}/commitments/{commitment.pk}/edit/")
        page.locator("#id_title").fill("Mon titre")
        current = Commitment.objects.get(pk=commitment.pk)
        commitment_save(
            commitment=current,
            data={"summary": "Résumé de Camille"},
            expected_version=current.version,
            author=None,
            origin=StatusChange.Origin.WEB,
        )
        page.locator("form.edit-form button[type=submit]").click()
        expect(page.locator("#conflict")).to_contain_text("Résumé de Camille")
        expect(page.locator("#id_title")).to_have_value("Mon titre")
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 375, f"the conflict page scrolls sideways ({width}px)"
        assert_accessible(page)
        assert Commitment.objects.get(pk=commitment.pk).title == "Troisième plan national"
    finally:
        context.close()
