"""Production settings: `check --deploy` is clean, everything is secure by default with DEBUG
off and relaxable only explicitly, static files are collected and served fingerprinted, and the
deployment files match the settings and commands they refer to."""

import os
import re
import secrets
import subprocess
import sys

import pytest
from django.conf import settings
from django.core.management import get_commands

PROJECT_DIR = settings.BASE_DIR
DEPLOY_DIR = PROJECT_DIR / "deploy"

# What a production server's environment looks like (deploy/vigie.env.example, required part).
PRODUCTION_ENV = {
    "SECRET_KEY": secrets.token_urlsafe(50),
    "ALLOWED_HOSTS": "vigie.example.org",
    "CSRF_TRUSTED_ORIGINS": "https://vigie.example.org",
}


def _environment(**environment) -> dict[str, str]:
    """This process's environment without any Vigie setting, plus ``environment``."""
    # Test-only variables from pytest-env are not part of a production environment.
    names = _setting_variables() | {"DJANGO_SETTINGS_MODULE", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env = {key: value for key, value in os.environ.items() if key not in names}
    env.update(environment, DJANGO_SETTINGS_MODULE="tracker.settings")
    return env


def _run(args, **environment) -> subprocess.CompletedProcess:
    return subprocess.run(
        args,
        cwd=PROJECT_DIR,
        env=_environment(**environment),
        capture_output=True,
        text=True,
        timeout=120,
    )


def _manage(*args, **environment) -> subprocess.CompletedProcess:
    return _run([sys.executable, "manage.py", *args], **environment)


def _settings_under(names, **environment) -> dict[str, str]:
    code = (
        "import django; django.setup(); from django.conf import settings;"
        f" [print(name, repr(getattr(settings, name, None))) for name in {list(names)!r}]"
    )
    result = _run([sys.executable, "-c", code], **environment)
    assert result.returncode == 0, result.stderr
    return dict(line.split(" ", 1) for line in result.stdout.splitlines())


def _setting_variables() -> set[str]:
    """Every environment variable tracker/settings.py reads."""
    source = (PROJECT_DIR / "tracker" / "settings.py").read_text()
    return set(re.findall(r'(?:environ\.get|env_bool|env_list)\(\s*"([A-Z_]+)"', source))


def test_check_deploy_reports_nothing_under_production_settings():
    result = _manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION_ENV)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


def test_check_deploy_flags_an_insecure_relaxation():
    result = _manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        **PRODUCTION_ENV,
        SESSION_COOKIE_SECURE="0",
        OTP_ADMIN_REQUIRED="0",
    )
    assert result.returncode != 0
    assert "security.W012" in result.stderr  # session cookie not secure
    assert "vigie.W001" in result.stderr  # admin without a second factor


def test_production_is_secure_by_default():
    values = _settings_under(
        [
            "DEBUG",
            "SECURE_SSL_REDIRECT",
            "SESSION_COOKIE_SECURE",
            "CSRF_COOKIE_SECURE",
            "SECURE_HSTS_SECONDS",
            "SECURE_HSTS_INCLUDE_SUBDOMAINS",
            "SECURE_HSTS_PRELOAD",
            "SECURE_PROXY_SSL_HEADER",
            "SECURE_CONTENT_TYPE_NOSNIFF",
            "SECURE_REFERRER_POLICY",
            "X_FRAME_OPTIONS",
            "SESSION_COOKIE_AGE",
            "SESSION_COOKIE_HTTPONLY",
            "OTP_ADMIN_REQUIRED",
            "AXES_FAILURE_LIMIT",
            "AXES_COOLOFF_TIME",
            "AXES_LOCKOUT_PARAMETERS",
        ],
        **PRODUCTION_ENV,
    )
    assert values == {
        "DEBUG": "False",
        "SECURE_SSL_REDIRECT": "True",
        "SESSION_COOKIE_SECURE": "True",
        "CSRF_COOKIE_SECURE": "True",
        "SECURE_HSTS_SECONDS": "31536000",
        "SECURE_HSTS_INCLUDE_SUBDOMAINS": "True",
        "SECURE_HSTS_PRELOAD": "True",
        # Trusting X-Forwarded-Proto is opt-in: without a proxy that sets it, clients could.
        "SECURE_PROXY_SSL_HEADER": "None",
        "SECURE_CONTENT_TYPE_NOSNIFF": "True",
        "SECURE_REFERRER_POLICY": "'same-origin'",
        "X_FRAME_OPTIONS": "'DENY'",
        "SESSION_COOKIE_AGE": "3600",
        "SESSION_COOKIE_HTTPONLY": "True",
        "OTP_ADMIN_REQUIRED": "True",
        "AXES_FAILURE_LIMIT": "5",
        "AXES_COOLOFF_TIME": "datetime.timedelta(seconds=900)",
        "AXES_LOCKOUT_PARAMETERS": "[['username', 'ip_address']]",
    }


def test_each_protection_is_relaxed_only_by_its_own_variable():
    values = _settings_under(
        ["SECURE_SSL_REDIRECT", "SESSION_COOKIE_SECURE", "SECURE_PROXY_SSL_HEADER"],
        **PRODUCTION_ENV,
        SECURE_SSL_REDIRECT="0",
        SECURE_PROXY_SSL_HEADER="1",
    )
    assert values == {
        "SECURE_SSL_REDIRECT": "False",
        "SESSION_COOKIE_SECURE": "True",
        "SECURE_PROXY_SSL_HEADER": "('HTTP_X_FORWARDED_PROTO', 'https')",
    }


def test_development_relaxes_https_and_the_admin_second_factor():
    values = _settings_under(
        [
            "SECURE_SSL_REDIRECT",
            "SESSION_COOKIE_SECURE",
            "SECURE_HSTS_SECONDS",
            "OTP_ADMIN_REQUIRED",
        ],
        DEBUG="1",
    )
    assert values == {
        "SECURE_SSL_REDIRECT": "False",
        "SESSION_COOKIE_SECURE": "False",
        "SECURE_HSTS_SECONDS": "0",
        "OTP_ADMIN_REQUIRED": "False",
    }


@pytest.mark.parametrize(
    "variable", [{"LOGIN_COOLOFF_MINUTES": "0"}, {"LOGIN_FAILURE_LIMIT": "0"}], ids=str
)
def test_a_lockout_without_end_is_refused(variable):
    result = _manage("check", **PRODUCTION_ENV, **variable)
    assert result.returncode != 0
    assert "would lock people out for good" in result.stderr


def test_static_files_are_collected_compressed_and_fingerprinted(tmp_path):
    static_root = tmp_path / "static"
    result = _manage("collectstatic", "--noinput", STATIC_ROOT=str(static_root), **PRODUCTION_ENV)
    assert result.returncode == 0, result.stderr
    assert (static_root / "staticfiles.json").exists()
    assert list((static_root / "css").glob("vigie.*.css.gz")), "compressed, hashed stylesheet"
    rendered = _run(
        [
            sys.executable,
            "-c",
            "import django; django.setup(); from django.templatetags.static import static;"
            " print(static('css/vigie.css'))",
        ],
        STATIC_ROOT=str(static_root),
        **PRODUCTION_ENV,
    )
    assert rendered.returncode == 0, rendered.stderr
    assert re.fullmatch(r"/static/css/vigie\.[0-9a-f]{12}\.css", rendered.stdout.strip())
    assert "No directory at" not in rendered.stderr


def test_env_example_lists_every_variable_the_settings_read():
    example = (DEPLOY_DIR / "vigie.env.example").read_text()
    listed = set(re.findall(r"^#? ?([A-Z][A-Z_]+)=", example, flags=re.MULTILINE))
    assert _setting_variables() - listed == set()


def test_systemd_units_run_the_app_and_the_daily_deadline_check():
    app = (DEPLOY_DIR / "vigie.service").read_text()
    assert "gunicorn tracker.wsgi:application" in app
    assert "--bind 127.0.0.1:8000" in app
    assert "EnvironmentFile=/etc/vigie/vigie.env" in app
    assert "check --deploy --fail-level WARNING" in app
    job = (DEPLOY_DIR / "vigie-check-deadlines.service").read_text()
    command = re.search(r"^ExecStart=\S+ manage\.py (\S+)", job, flags=re.MULTILINE).group(1)
    assert command == "check_deadlines"
    assert command in get_commands()
    timer = (DEPLOY_DIR / "vigie-check-deadlines.timer").read_text()
    assert re.search(r"^OnCalendar=\*-\*-\* \d\d:\d\d:\d\d$", timer, flags=re.MULTILINE)
    assert "Persistent=true" in timer


def test_wsgi_application_loads_under_production_settings():
    result = _run(
        [
            sys.executable,
            "-c",
            "from tracker.wsgi import application; print(type(application).__name__)",
        ],
        **PRODUCTION_ENV,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "WSGIHandler"


def test_gunicorn_reads_its_settings_from_the_repository():
    """`make serve-prod`, the systemd unit and the bench start gunicorn in the project's
    directory: it reads gunicorn.conf.py there (tests/perf checks that no command overrides it)."""
    gunicorn = os.path.join(os.path.dirname(sys.executable), "gunicorn")
    result = _run([gunicorn, "--print-config", "tracker.wsgi:application"], **PRODUCTION_ENV)
    assert result.returncode == 0, result.stderr
    printed = dict(re.findall(r"^(\w+)\s+= (.*)$", result.stdout, flags=re.MULTILINE))
    assert printed["config"] == "./gunicorn.conf.py"
    assert (printed["timeout"], printed["max_requests"], printed["max_requests_jitter"]) == (
        "120",
        "1000",
        "100",
    )
    assert printed["post_worker_init"] == "<post_worker_init()>"


def test_a_gunicorn_worker_freezes_what_it_loaded_at_start():
    """After the worker loaded the application (and its URLs), what it holds is out of the
    garbage collector's sight and the youngest generation is collected less often."""
    code = (
        "import gc, runpy; from tracker.wsgi import application;"
        " conf = runpy.run_path('gunicorn.conf.py');"
        " assert gc.get_freeze_count() == 0; conf['post_worker_init'](None);"
        " import sys; print(gc.get_freeze_count(), gc.get_threshold()[0],"
        " 'tracker.urls' in sys.modules, 'commitments.web.lists' in sys.modules)"
    )
    result = _run([sys.executable, "-c", code], **PRODUCTION_ENV)
    assert result.returncode == 0, result.stderr
    frozen, threshold, urls_loaded, views_loaded = result.stdout.split()
    assert int(frozen) > 50_000
    assert int(threshold) == 50_000
    assert urls_loaded == views_loaded == "True"
