"""Settings come from the environment; production refuses to start without a secret key."""

import os
import subprocess
import sys

from django.conf import settings

PROJECT_DIR = settings.BASE_DIR


def _run(code: str, **environment):
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"SECRET_KEY", "DEBUG", "DATABASE_URL"}
    }
    env.update(environment)
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=PROJECT_DIR,
        env={**env, "DJANGO_SETTINGS_MODULE": "tracker.settings"},
        capture_output=True,
        text=True,
        timeout=60,
    )


def _start_django(**environment):
    return _run(
        "import django; django.setup(); from django.conf import settings;"
        " print(settings.DEBUG, settings.TIME_ZONE, settings.LANGUAGE_CODE)",
        **environment,
    )


def test_servers_refuse_to_start_without_secret_key_when_debug_is_off():
    for entry_point in ("tracker.wsgi", "tracker.asgi"):
        result = _run(f"import {entry_point}")
        assert result.returncode != 0
        assert "SECRET_KEY is not set and DEBUG is off" in result.stderr


def test_nothing_signs_without_a_secret_key():
    result = _run(
        "import django; django.setup(); from django.core import signing; signing.dumps(1)"
    )
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_commands_that_need_no_key_still_run():
    result = _run(
        "import django; django.setup(); from django.core.management import call_command;"
        " call_command('makemigrations', check=True, dry_run=True)"
    )
    assert result.returncode == 0, result.stderr


def test_starts_with_a_secret_key_and_defaults_to_paris_and_french():
    result = _start_django(SECRET_KEY="a-real-secret-from-the-environment")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["False", "Europe/Paris", "fr"]


def test_development_mode_runs_without_a_secret_key():
    result = _start_django(DEBUG="1")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[0] == "True"


def test_time_zone_and_language_from_the_environment():
    result = _start_django(SECRET_KEY="x", TIME_ZONE="UTC", LANGUAGE_CODE="en")
    assert result.stdout.split() == ["False", "UTC", "en"]


def test_mail_can_be_written_to_files_in_a_directory_from_the_environment(tmp_path):
    """A staging server sends nothing: EMAIL_FILE_PATH (with the file backend) comes from
    the environment like every other mail setting."""
    result = _run(
        "import django; django.setup(); from django.core.mail import send_mail;"
        " send_mail('Vigie', 'corps', 'vigie@example.org', ['a@example.org'])",
        SECRET_KEY="x",
        EMAIL_BACKEND="django.core.mail.backends.filebased.EmailBackend",
        EMAIL_FILE_PATH=str(tmp_path / "mail"),
    )
    assert result.returncode == 0, result.stderr
    [written] = (tmp_path / "mail").iterdir()
    assert "Subject: Vigie" in written.read_text()


def _digest_threads(**environment):
    return _run(
        "import django; django.setup(); from django.conf import settings;"
        " print(settings.ALERT_DIGEST_THREADS)",
        SECRET_KEY="x",
        **environment,
    )


def test_digests_go_out_from_one_thread_on_sqlite_and_two_on_postgresql():
    """SQLite has one writer at a time; on PostgreSQL a second thread uses the time the first
    waits on the server (the settings are read, no database is reached)."""
    assert _digest_threads().stdout.strip() == "1"
    postgres = _digest_threads(DATABASE_URL="postgres://vigie@127.0.0.1:5432/vigie")
    assert postgres.stdout.strip() == "2", postgres.stderr
    assert _digest_threads(ALERT_DIGEST_THREADS="4").stdout.strip() == "4"
    for wrong in ("0", "two", "-1"):
        refused = _digest_threads(ALERT_DIGEST_THREADS=wrong)
        assert refused.returncode != 0
        assert "ALERT_DIGEST_THREADS must be a whole number, 1 or more" in refused.stderr
