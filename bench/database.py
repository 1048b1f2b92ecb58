"""Where each size's throwaway database lives, and the environment the bench processes run in.

SQLite (the default): ``var/bench/vigie-bench-<size>.sqlite3``. PostgreSQL when ``DATABASE_URL``
points to a server: a database ``vigie_bench_<size>`` on that server, created and dropped here
(the name in ``DATABASE_URL`` is only used to reach the server). No Django import: the caller
runs Django in a child process with this environment.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
# Data, results and caches; BENCH_VAR moves them (the tests use a temporary folder).
VAR = Path(os.environ.get("BENCH_VAR") or ROOT / "var" / "bench")
# BENCH_DB_PREFIX names the databases (the tests use their own, to run beside a real bench).
PREFIX = os.environ.get("BENCH_DB_PREFIX") or "vigie_bench"
SECRET_KEY = "bench-only-secret-key-not-for-production-0123456789abcdefghijkl"


def kind(base_url: str | None) -> str:
    """``pg`` when ``base_url`` names a PostgreSQL server, else ``sqlite``."""
    return "pg" if base_url and base_url.startswith(("postgres://", "postgresql://")) else "sqlite"


def database_url(base_url: str | None, size: int, suffix: str = "") -> str:
    name = f"{PREFIX}_{size}{suffix}"
    if kind(base_url) == "pg":
        parts = urlsplit(base_url)
        return urlunsplit(parts._replace(path=f"/{name}"))
    return f"sqlite:///{VAR / (name.replace('_', '-') + '.sqlite3')}"


def sqlite_path(url: str) -> Path:
    return Path(urlsplit(url).path)


def _maintenance(url: str):
    import psycopg

    parts = urlsplit(url)
    return psycopg.connect(urlunsplit(parts._replace(path="/postgres")), autocommit=True)


def exists(url: str) -> bool:
    if url.startswith("sqlite"):
        return sqlite_path(url).exists()
    name = urlsplit(url).path.lstrip("/")
    with _maintenance(url) as conn:
        return (
            conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
            is not None
        )


def drop(url: str) -> None:
    if url.startswith("sqlite"):
        path = sqlite_path(url)
        for each in (path, Path(f"{path}-wal"), Path(f"{path}-shm"), Path(f"{path}-journal")):
            each.unlink(missing_ok=True)
        return
    name = urlsplit(url).path.lstrip("/")
    with _maintenance(url) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def create(url: str, template: str | None = None) -> None:
    """An empty database, or a copy of ``template`` (another bench database's URL)."""
    drop(url)
    if url.startswith("sqlite"):
        path = sqlite_path(url)
        path.parent.mkdir(parents=True, exist_ok=True)
        if template:
            _checkpoint(sqlite_path(template))
            shutil.copyfile(sqlite_path(template), path)
        return
    name = urlsplit(url).path.lstrip("/")
    with _maintenance(url) as conn:
        if template:
            source = urlsplit(template).path.lstrip("/")
            conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{source}"')
        else:
            conn.execute(f'CREATE DATABASE "{name}"')


def _checkpoint(path: Path) -> None:
    """Fold the WAL into the main file, so that copying the file copies the database."""
    import sqlite3

    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")


def environment(url: str, **extra: str) -> dict[str, str]:
    """The production settings (DEBUG off) on the bench database, served over plain HTTP on
    127.0.0.1, with the bench-only ceiling page (``bench.settings``)."""
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="bench.settings",
        DATABASE_URL=url,
        DEBUG="0",
        SECRET_KEY=SECRET_KEY,
        ALLOWED_HOSTS="127.0.0.1,localhost,testserver",
        # Plain HTTP on the loopback: no redirect to HTTPS, cookies sent without TLS.
        SECURE_SSL_REDIRECT="0",
        SESSION_COOKIE_SECURE="0",
        CSRF_COOKIE_SECURE="0",
        # One client makes thousands of API calls: the per-user throttle would answer 429.
        API_USER_THROTTLE_RATE="",
        STATIC_ROOT=str(VAR / "static"),
        CACHE_DIR=str(VAR / "cache"),
        EMAIL_BACKEND="django.core.mail.backends.filebased.EmailBackend",
        EMAIL_FILE_PATH=str(VAR / "mail"),
        SITE_URL="http://127.0.0.1:8000",
        LOG_LEVEL="WARNING",
        SECURITY_LOG_LEVEL="WARNING",
    )
    env.pop("STATIC_MANIFEST", None)
    env.update(extra)
    return env
