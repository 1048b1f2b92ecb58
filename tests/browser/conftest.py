"""Browser tests: Playwright for Python driving Debian's Chromium against ``live_server``.

``playwright install`` cannot download a browser here, so the launch points at the system
Chromium (``CHROMIUM_PATH``, else ``chromium`` on the PATH, else ``/usr/bin/chromium``).
Without one the tests skip with how to install it (and CI, where a skip fails, installs it).
"""

import os
import shutil
from pathlib import Path

import pytest
from django.db import connections
from django.test import Client

from accounts import roles

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--headless",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
AXE_SCRIPT = Path(__file__).parent / "vendor" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


def chromium_path() -> str | None:
    for candidate in (os.environ.get("CHROMIUM_PATH"), shutil.which("chromium")):
        if candidate and Path(candidate).exists():
            return candidate
    return "/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None


@pytest.fixture(scope="session", autouse=True)
def _close_the_connections_opened_beside_playwright(playwright):
    """Close, before the test database is dropped, the connections the tests opened while
    Playwright ran.

    Playwright's synchronous API leaves its event loop running in the main thread until the
    session ends. Django then keeps that thread's connections apart, as an async context's
    (asgiref's ``Local``): each test after the first browser test works through a second
    connection, which pytest-django's teardown never sees. PostgreSQL then refused to drop a
    database "being accessed by other users". Torn down before ``playwright``, this still
    reaches those connections.
    """
    yield
    connections.close_all()


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    path = chromium_path()
    if path is None:
        pytest.skip(
            "browser tests need Chromium: install it with `apt-get install chromium` "
            "(or point CHROMIUM_PATH at a Chromium binary)"
        )
    return {
        **browser_type_launch_args,
        "executable_path": path,
        "headless": True,
        "args": CHROMIUM_ARGS,
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    # French first, as the staff use it; a laptop-sized window.
    return {
        **browser_context_args,
        "locale": "fr-FR",
        "timezone_id": "Europe/Paris",
        # axe-core is injected as an inline script, which the CSP refuses; test_csp.py checks
        # the policy itself in a context of its own.
        "bypass_csp": True,
        "viewport": {"width": 1280, "height": 800},
    }


@pytest.fixture
def role_groups(transactional_db):
    """The role groups, recreated: a transactional test flushes what the data migration made
    (permissions come back after a flush, groups do not)."""
    roles.ensure_groups()


@pytest.fixture
def login_as(live_server, context):
    """Log ``user`` in by giving the browser a session cookie (the login form is tested
    separately, once)."""

    def login(user):
        client = Client()
        client.force_login(user)
        context.add_cookies(
            [
                {
                    "name": "sessionid",
                    "value": client.cookies["sessionid"].value,
                    "url": live_server.url,
                }
            ]
        )

    return login


@pytest.fixture
def assert_accessible():
    """Run axe-core on the page; fail listing every WCAG 2.x A/AA violation."""

    def check(page):
        page.add_script_tag(path=str(AXE_SCRIPT))
        result = page.evaluate(
            "async (tags) => await axe.run(document, {runOnly: {type: 'tag', values: tags}})",
            AXE_TAGS,
        )
        problems = [
            f"{v['id']} ({v['impact']}): {v['help']} — "
            + "; ".join(", ".join(node["target"]) for node in v["nodes"][:5])
            for v in result["violations"]
        ]
        assert problems == [], f"{page.url}:\n" + "\n".join(problems)
        assert result["passes"], "axe ran no check"

    return check
