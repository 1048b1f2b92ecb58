"""The alert inbox with per-deadline alerts, in a real headless Chromium, in French: axe-core
finds no WCAG 2.x A/AA violation, and at 375 px nothing scrolls sideways."""

import datetime

import pytest
from django.test import Client
from django.utils import timezone
from playwright.sync_api import expect

from accounts import roles
from alerts.raising.runner import alerts_raise
from commitments.deadlines import MONTH
from commitments.models import Deadline

from ..alerts.builders import add_deadline
from ..factories import UserFactory, make_commitment

pytestmark = pytest.mark.browser


@pytest.fixture
def owner_with_alerts(role_groups):
    owner = UserFactory(username="camille", groups=[roles.VIEWERS])
    today = timezone.localdate()
    osce = make_commitment(
        title="Commentaires de la France sur le rapport de l'OSCE pays", owner=owner
    )
    add_deadline(
        osce,
        label="Commentaires envoyés à l'OSCE",
        basis=Deadline.Basis.EXPECTED,
        date=datetime.date(2022, 3, 1),
        precision=MONTH,
    )
    make_commitment(
        title="Rapport au Comité des droits de l'enfant",
        owner=owner,
        due_date=today + datetime.timedelta(days=5),
    )
    alerts_raise(as_of=today)
    return owner


@pytest.mark.parametrize("width", [1280, 375])
def test_inbox_with_deadline_alerts_is_accessible(
    browser, live_server, owner_with_alerts, assert_accessible, width
):
    client = Client()
    client.force_login(owner_with_alerts)
    context = browser.new_context(
        viewport={"width": width, "height": 800},
        locale="fr-FR",
        timezone_id="Europe/Paris",
        bypass_csp=True,  # axe-core is injected as an inline script
    )
    context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )
    page = context.new_page()
    try:
        for path in ("/alerts/", "/"):
            page.goto(f"{live_server.url}{path}")
            expect(page.get_by_text("Commentaires envoyés à l'OSCE").first).to_be_visible()
            expect(page.get_by_text("mars 2022").first).to_be_visible()
            if width == 375:
                scroll = page.evaluate("document.documentElement.scrollWidth")
                assert scroll <= 375, f"{path} scrolls sideways ({scroll}px)"
            assert_accessible(page)
    finally:
        context.close()
