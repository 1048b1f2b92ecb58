"""Search and saved views in a real headless Chromium (issue 11, items 5 and 6): an editor
finds a commitment by an accent-less word from its source's title, sees where it matched,
saves the view and finds it again in one click; the address carries only the filters in
use; axe-core finds no violation, in French and in English."""

import re

import pytest
from playwright.sync_api import expect

from accounts import roles

from ..factories import BodyFactory, SourceFactory, UserFactory, make_commitment

pytestmark = pytest.mark.browser


@pytest.fixture
def editor(role_groups):
    return UserFactory(
        username="camille", first_name="Camille", last_name="Martin", groups=[roles.EDITORS]
    )


@pytest.fixture
def cited(role_groups):
    body = BodyFactory(name="Ministère de l'Europe et des Affaires étrangères", acronym="MEAE")
    commitment = make_commitment(
        title="Coopération internationale contre la traite", responsible_body=body
    )
    commitment.citations.create(
        source=SourceFactory(title="Entretien avec l'ambassadeur Olivier Brunet, 2022"),
        claim="L'ambassadeur décrit la coopération avec l'OSCE.",
    )
    make_commitment(title="Plan national d'action", responsible_body=body)
    return commitment


@pytest.mark.parametrize("language", ["fr", "en"])
def test_an_editor_finds_by_a_source_word_saves_the_view_and_finds_it_again(
    page, live_server, editor, cited, login_as, assert_accessible, language
):
    login_as(editor)
    if language == "en":
        page.context.add_cookies(
            [{"name": "django_language", "value": "en", "url": live_server.url}]
        )
    page.goto(f"{live_server.url}/commitments/")
    page.get_by_text(
        "Filtrer et rechercher" if language == "fr" else "Filter and search", exact=True
    ).click()
    search = page.get_by_label("Rechercher" if language == "fr" else "Search", exact=True)
    search.fill("brunet")
    page.get_by_role(
        "button", name="Appliquer les filtres" if language == "fr" else "Apply filters"
    ).click()
    # Only the filter in use is in the address (the empty fields were left out).
    expect(page).to_have_url(f"{live_server.url}/commitments/?search=brunet")
    rows = page.locator("#commitment-table tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Coopération internationale contre la traite")
    expect(rows.first.locator(".matched-in mark")).to_have_text("Brunet")
    assert_accessible(page)

    page.get_by_text(
        "Enregistrer ces filtres comme vue" if language == "fr" else "Save these filters as a view"
    ).click()
    page.get_by_label("Nom de la vue" if language == "fr" else "Name of the view").fill(
        "Entretiens Brunet"
    )
    page.get_by_label(
        "Partager avec l'équipe" if language == "fr" else "Share with the team"
    ).check()
    assert_accessible(page)
    page.get_by_role(
        "button", name="Enregistrer la vue" if language == "fr" else "Save the view"
    ).click()
    expect(page).to_have_url(re.compile(r"/commitments/\?search=brunet$"))
    expect(page.locator(".messages")).to_contain_text("Entretiens Brunet")

    # Found again in one click, from the dashboard.
    page.goto(f"{live_server.url}/")
    assert_accessible(page)
    page.get_by_role("link", name="Entretiens Brunet").click()
    expect(page).to_have_url(f"{live_server.url}/commitments/?search=brunet")
    expect(page.locator("#commitment-table tbody tr")).to_have_count(1)
    expect(page.get_by_role("link", name="Entretiens Brunet")).to_have_attribute(
        "aria-current", "page"
    )

    # The page where views are renamed, shared or deleted.
    page.goto(f"{live_server.url}/commitments/views/")
    assert_accessible(page)
    page.get_by_role("button", name=re.compile("Entretiens Brunet")).click()
    expect(page.locator("#saved-views-table")).to_have_count(0)
