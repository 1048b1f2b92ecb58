"""Property-based run of schemathesis against the live API and its own OpenAPI schema.

Two token-authenticated passes on a fresh test database loaded with the seed data: as an
editor (about 40 s) and as an administrator (about 20 s, which also exercises deletes).
Any server error, response that contradicts the schema, undocumented content type or
undocumented status code fails the test; the findings are printed.
"""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from rest_framework.authtoken.models import Token

from accounts import roles

from ..factories import UserFactory

CHECKS = ",".join(
    [
        "not_a_server_error",
        "response_schema_conformance",
        "content_type_conformance",
        "status_code_conformance",
    ]
)


def _schemathesis() -> str:
    beside_python = Path(sys.executable).with_name("schemathesis")
    found = str(beside_python) if beside_python.exists() else shutil.which("schemathesis")
    if not found:
        pytest.fail("schemathesis is not installed: pip install -e '.[test]'")
    return found


@pytest.mark.schemathesis
# Transactional (a live server); the flush afterwards also removes the role groups, which the
# factories recreate when a later test needs them (roles.ensure_groups).
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(("role", "seconds"), [(roles.EDITORS, 40), (roles.ADMINISTRATORS, 20)])
def test_api_conforms_to_its_schema(live_server, settings, tmp_path, role, seconds):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"anon": None, "user": None},
    }
    call_command("load_seeds", verbosity=0)
    user = UserFactory(username=f"fuzz-{role}", groups=[role])
    token = Token.objects.create(user=user).key
    command = [
        _schemathesis(),
        "run",
        f"{live_server.url}/api/schema/?format=json",
        "--header",
        f"Authorization: Token {token}",
        "--checks",
        CHECKS,
        "--max-time",
        str(seconds),
        "--seed",
        "20260315",
        "--workers",
        "1",
        "--no-color",
    ]
    result = subprocess.run(
        command, cwd=tmp_path, capture_output=True, text=True, timeout=seconds + 60
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert " passed" in output and "failures" not in output.split("SUMMARY")[-1], output
