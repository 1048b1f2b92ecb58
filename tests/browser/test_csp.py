"""The Content Security Policy holds in a real browser: no page needs an inline script, and
the pages, the admin and the API documentation work under it."""

import pytest
from django.test import Client

from accounts import roles
from tests.factories import UserFactory, make_commitment

from .conftest import CHROMIUM_ARGS, chromium_path  # noqa: F401  (launch set up there)

pytestmark = pytest.mark.browser


@pytest.fixture
def strict_page(browser, live_server, role_groups):
    """A page whose context honours the CSP (the shared one bypasses it to inject axe)."""
    context = browser.new_context(locale="fr-FR", bypass_csp=False)
    page = context.new_page()
    violations = []
    page.on(
        "console",
        lambda message: (
            violations.append(f"{page.url}: {message.text}")
            if "Content Security Policy" in message.text
            else None
        ),
    )
    page.on("pageerror", lambda error: violations.append(str(error)))
    yield page, context, violations
    context.close()


def _log_in(context, live_server, user):
    client = Client()
    client.force_login(user)
    context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )


def test_staff_pages_and_api_docs_run_under_the_policy(strict_page, live_server):
    page, context, violations = strict_page
    commitment = make_commitment(title="Troisième plan national")
    _log_in(context, live_server, UserFactory(username="csp-editor", groups=[roles.EDITORS]))

    for path in (
        "/",
        "/commitments/",
        "/commitments/overdue/",
        commitment.get_absolute_url(),
        "/alerts/",
        "/accounts/profile/",
    ):
        response = page.goto(live_server.url + path)
        assert response.status == 200, path
        assert "script-src 'self'" in response.headers["content-security-policy"]

    page.goto(live_server.url + "/api/docs/")
    # Swagger UI builds the operation list with script: it only appears if scripts ran.
    page.wait_for_selector(".opblock", timeout=15000)

    assert violations == []
