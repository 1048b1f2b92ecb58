import os

import pytest

from accounts import roles

from .factories import UserFactory

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Under CI a skipped test is a failure: a missing browser or database must not hide."""
    outcome = yield
    report = outcome.get_result()
    if IN_CI and report.skipped and not hasattr(report, "wasxfail"):
        report.outcome = "failed"
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else report.longrepr
        report.longrepr = f"Skipped under CI (CI=true), which counts as a failure: {reason}"


@pytest.fixture(scope="session", autouse=True)
def _own_cache_folder(tmp_path_factory):
    """This run's own shared cache (dashboard figures, API throttling), for its processes
    too: a `make run` or another test run on the machine must not renew or read its keys."""
    from django.conf import settings
    from django.test import override_settings

    folder = str(tmp_path_factory.mktemp("cache"))
    # Laid out as tracker/settings.py lays out CACHE_DIR: the default cache in the folder,
    # each other one in a folder of its own inside it.
    caches = {
        name: {**conf, "LOCATION": folder if name == "default" else os.path.join(folder, name)}
        for name, conf in settings.CACHES.items()
    }
    previous = os.environ.get("CACHE_DIR")
    os.environ["CACHE_DIR"] = folder
    with override_settings(CACHES=caches):
        yield
    if previous is None:
        os.environ.pop("CACHE_DIR", None)
    else:
        os.environ["CACHE_DIR"] = previous


@pytest.fixture
def viewer(db):
    return UserFactory(username="viewer", groups=[roles.VIEWERS])


@pytest.fixture
def editor(db):
    return UserFactory(username="editor", groups=[roles.EDITORS])


@pytest.fixture
def administrator(db):
    """A staff member of the administrators group (not a superuser)."""
    user = UserFactory(username="administrator", groups=[roles.ADMINISTRATORS])
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    return user


@pytest.fixture
def viewer_client(client, viewer):
    client.force_login(viewer)
    return client


@pytest.fixture
def editor_client(client, editor):
    client.force_login(editor)
    return client


def pytest_collection_modifyitems(config, items):
    """Tests marked ``postgres`` need PostgreSQL: deselected on SQLite under CI (the CI's
    PostgreSQL pass runs them), skipped with a hint elsewhere. Tests marked ``sqlite`` are
    about the embedded database itself and are left out of a PostgreSQL run."""
    from django.db import connection

    if connection.vendor == "postgresql":
        # Tests of SQLite's own behaviour (its file lock) ran in the SQLite pass.
        sqlite_only = [item for item in items if item.get_closest_marker("sqlite")]
        if sqlite_only:
            config.hook.pytest_deselected(items=sqlite_only)
            items[:] = [item for item in items if not item.get_closest_marker("sqlite")]
        return
    postgres_only = [item for item in items if item.get_closest_marker("postgres")]
    if not postgres_only:
        return
    if IN_CI:
        config.hook.pytest_deselected(items=postgres_only)
        items[:] = [item for item in items if not item.get_closest_marker("postgres")]
        return
    skip = pytest.mark.skip(
        reason="needs PostgreSQL: run with DATABASE_URL=postgres://… (see README, Tests)"
    )
    for item in postgres_only:
        item.add_marker(skip)


def pytest_report_header(config):
    from django.db import connection

    return f"database: {connection.vendor} ({connection.settings_dict['NAME']})"


@pytest.fixture
def admin_client(client, admin_user):
    """pytest-django's ``admin_client``, with the second factor the admin site requires: a
    confirmed TOTP device and a session marked verified by it (as the verify page does)."""
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    client.force_login(admin_user)
    device = TOTPDevice.objects.create(user=admin_user, name="test device", confirmed=True)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Tests create many users: a fast hasher keeps the suite quick (never in production)."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _digests_in_the_tests_thread(settings):
    """A test's data lives in its transaction, which the connection of another thread cannot
    see: digests go out from the test's own thread. The threads are tested with committed
    data (``tests/alerts/test_digest_threads.py``), and the job's processes with the
    settings' own default (``test_job_processes.py``)."""
    settings.ALERT_DIGEST_THREADS = 1


@pytest.fixture(autouse=True)
def _fresh_figures():
    """Each test's database starts empty, but the cache outlives it: a new generation of the
    dashboard's figures per test, so that none counted on another test's data is reused."""
    from commitments import figures

    figures.new_generation()
