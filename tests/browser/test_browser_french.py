"""The alerts page with its "where do these alerts come from?" panel open, in French and in
English, in a real headless Chromium: axe-core finds no WCAG 2.x A/AA violation, nothing
scrolls sideways at 375 px, and the French page says "Marquer comme traitée"."""

import datetime

import pytest
from django.test import Client
from django.utils import timezone
from playwright.sync_api import expect

from accounts import roles
from alerts.raising.runner import alerts_raise

from ..factories import UserFactory, make_commitment

pytestmark = pytest.mark.browser

TEXTS = {
    "fr": ("D’où viennent ces alertes ?", "Marquer comme traitée", "Émise le"),
    "en": ("Where do these alerts come from?", "Acknowledge", "Raised"),
}


@pytest.fixture
def owner_with_alerts(role_groups):
    owner = UserFactory(username="camille", groups=[roles.EDITORS])
    today = timezone.localdate()
    make_commitment(
        title="Rapport au Comité des droits de l'enfant",
        owner=owner,
        due_date=today - datetime.timedelta(days=1500),
    )
    make_commitment(
        title="Commentaires sur le rapport de l'OSCE",
        owner=owner,
        due_date=today + datetime.timedelta(days=5),
    )
    alerts_raise(as_of=today)
    return owner


@pytest.mark.parametrize("language", ["fr", "en"])
@pytest.mark.parametrize("width", [1280, 375])
def test_alerts_page_explains_alerts_and_is_accessible(
    browser, live_server, owner_with_alerts, assert_accessible, language, width
):
    client = Client()
    client.force_login(owner_with_alerts)
    context = browser.new_context(
        viewport={"width": width, "height": 800},
        locale="fr-FR" if language == "fr" else "en-GB",
        timezone_id="Europe/Paris",
        bypass_csp=True,  # axe-core is injected as an inline script
    )
    context.add_cookies(
        [
            {
                "name": "sessionid",
                "value": client.cookies["sessionid"].value,
                "url": live_server.url,
            },
            {"name": "django_language", "value": language, "url": live_server.url},
        ]
    )
    page = context.new_page()
    summary, acknowledge, raised = TEXTS[language]
    try:
        page.goto(f"{live_server.url}/alerts/")
        page.get_by_text(summary).click()  # open the explanation
        expect(page.locator("#about-alerts ul")).to_be_visible()
        expect(page.get_by_role("button", name=acknowledge, exact=True).first).to_be_visible()
        expect(page.get_by_role("columnheader", name=raised)).to_be_attached()
        if width == 375:
            scroll = page.evaluate("document.documentElement.scrollWidth")
            assert scroll <= 375, f"the alerts page scrolls sideways ({scroll}px)"
        assert_accessible(page)
    finally:
        context.close()
