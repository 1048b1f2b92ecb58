"""Production defaults that serve 100,000 commitments (issue 12): persistent database
connections checked before reuse, and gunicorn workers that neither time out on a large export
nor keep the memory of one request forever."""

import re
import runpy

import pytest
from django.conf import settings
from django.db import connection

from tests.test_deploy import _settings_under

PROJECT_DIR = settings.BASE_DIR


def test_database_connections_persist_and_are_checked_by_default():
    values = _settings_under(["DATABASES"], SECRET_KEY="x")
    assert "'CONN_MAX_AGE': 60" in values["DATABASES"]
    assert "'CONN_HEALTH_CHECKS': True" in values["DATABASES"]


def test_database_connections_can_be_made_per_request_again():
    values = _settings_under(
        ["DATABASES"], SECRET_KEY="x", DATABASE_CONN_MAX_AGE="0", DATABASE_CONN_HEALTH_CHECKS="0"
    )
    assert "'CONN_MAX_AGE': 0" in values["DATABASES"]
    assert "'CONN_HEALTH_CHECKS': False" in values["DATABASES"]


def test_postgresql_compiles_no_query_just_in_time_by_default():
    values = _settings_under(
        ["DATABASES"], SECRET_KEY="x", DATABASE_URL="postgres://vigie@127.0.0.1:5432/vigie"
    )
    assert "'options': '-c jit=off'" in values["DATABASES"]


def test_the_database_url_can_turn_just_in_time_compilation_on_again():
    values = _settings_under(
        ["DATABASES"],
        SECRET_KEY="x",
        DATABASE_URL="postgres://vigie@127.0.0.1:5432/vigie?options=-c%20jit%3Don",
    )
    assert "'options': '-c jit=on'" in values["DATABASES"]


@pytest.mark.postgres
@pytest.mark.django_db
def test_the_connections_to_postgresql_run_without_just_in_time_compilation():
    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        assert cursor.fetchone() == ("off",)


def _gunicorn_options(text: str) -> str:
    command = re.search(r"gunicorn tracker\.wsgi:application(.*?)(?:\n\S|\n\n|\Z)", text, re.S)
    assert command, text
    return command.group(1)


def test_every_gunicorn_command_sets_a_timeout_and_recycles_its_workers():
    """gunicorn reads gunicorn.conf.py from the directory it starts in: the repository
    (`make serve-prod`, the bench) or the checkout the systemd unit starts in; no command line
    overrides what it sets."""
    conf = runpy.run_path(str(PROJECT_DIR / "gunicorn.conf.py"))
    assert conf["timeout"] >= 120
    assert conf["max_requests"] > 0 and conf["max_requests_jitter"] > 0
    unit = (PROJECT_DIR / "deploy" / "vigie.service").read_text()
    assert re.search(r"^WorkingDirectory=/srv/vigie$", unit, re.M)
    assert "ExecStart=/srv/vigie/.venv/bin/gunicorn" in unit
    for path in (PROJECT_DIR / "deploy" / "vigie.service", PROJECT_DIR / "Makefile"):
        options = _gunicorn_options(path.read_text())
        for flag in ("--timeout", "--max-requests", "--config", "-c "):
            assert flag not in options, (path, flag)
