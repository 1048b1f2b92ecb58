"""A real Vigie under gunicorn, on its own database, for tests that need several processes.

The database is a file SQLite database when the suite runs on SQLite, or a fresh database on
the suite's PostgreSQL server; it is migrated by ``manage.py migrate`` in a subprocess and
dropped afterwards. Nothing is mocked: requests cross a real socket to real worker processes.
"""

from __future__ import annotations

import http.cookiejar
import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "Live-server-password-42"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class LiveDatabase:
    """A throwaway database of the suite's kind: a SQLite file or a PostgreSQL database."""

    def __init__(self, tmp_path: Path):
        default = settings.DATABASES["default"]
        self.is_sqlite = default["ENGINE"].endswith("sqlite3")
        if self.is_sqlite:
            self.path = tmp_path / "live.sqlite3"
            self.url = f"sqlite:///{self.path}"
        else:
            self.name = f"vigie_live_{uuid.uuid4().hex[:10]}"
            self._admin = dict(
                host=default["HOST"] or "127.0.0.1",
                port=default["PORT"] or 5432,
                user=default["USER"],
                password=default["PASSWORD"] or None,
            )
            self._execute(f'CREATE DATABASE "{self.name}"')
            auth = self._admin["user"]
            if self._admin["password"]:
                auth += ":" + urllib.parse.quote(self._admin["password"])
            self.url = f"postgres://{auth}@{self._admin['host']}:{self._admin['port']}/{self.name}"

    def _execute(self, statement: str) -> None:
        import psycopg

        with psycopg.connect(dbname="postgres", autocommit=True, **self._admin) as conn:
            conn.execute(statement)

    def drop(self) -> None:
        if not self.is_sqlite:
            self._execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')


def server_environment(database_url: str, **extra: str) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("PYTEST_", "DJANGO_ALLOW_ASYNC"))
    }
    env.update(
        DATABASE_URL=database_url,
        SECRET_KEY="live-server-test-key-not-secret-" + "x" * 20,
        DEBUG="0",
        ALLOWED_HOSTS="127.0.0.1",
        SECURE_SSL_REDIRECT="0",
        SESSION_COOKIE_SECURE="0",
        CSRF_COOKIE_SECURE="0",
        SECURE_HSTS_SECONDS="0",
        STATIC_MANIFEST="0",
        API_ANON_THROTTLE_RATE="",
        API_USER_THROTTLE_RATE="",
        EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
    )
    env.update(extra)
    return env


def manage(env: dict[str, str], *args: str, stdin: str | None = None) -> str:
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=300,
    )
    if result.returncode != 0:
        raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result.stdout


@dataclass
class LiveServer:
    env: dict[str, str]
    workers: int = 3
    port: int = field(default_factory=free_port)
    process: subprocess.Popen | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> LiveServer:
        log_dir = Path(self.env.get("LIVE_LOG_DIR", "/tmp"))
        self.log = open(log_dir / f"gunicorn-{self.port}.log", "w")
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "tracker.wsgi:application",
                "--bind",
                f"127.0.0.1:{self.port}",
                "--workers",
                str(self.workers),
                "--timeout",
                "60",
            ],
            cwd=ROOT,
            env=self.env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {self.process.returncode}")
            try:
                with urllib.request.urlopen(self.base_url + "/healthz", timeout=2) as response:
                    if response.status == 200:
                        return self
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(0.2)
        raise RuntimeError("gunicorn did not answer within 60 s")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()


@dataclass
class Response:
    status: int
    body: bytes
    headers: dict[str, str]

    def json(self):
        return json.loads(self.body)

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")


def request(
    url: str,
    *,
    method: str = "GET",
    data: dict | None = None,
    json_body=None,
    headers: dict[str, str] | None = None,
    opener: urllib.request.OpenerDirector | None = None,
    timeout: float = 60,
) -> Response:
    """One HTTP request; any status (4xx and 5xx included) comes back as a Response."""
    headers = dict(headers or {})
    body = None
    if json_body is not None:
        body = json.dumps(json_body).encode()
        headers["Content-Type"] = "application/json"
    elif data is not None:
        body = urllib.parse.urlencode(data, doseq=True).encode()
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    req = urllib.request.Request(url, data=body, method=method, headers=headers)
    opener = opener or urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(req, timeout=timeout) as response:
            return Response(response.status, response.read(), dict(response.headers))
    except urllib.error.HTTPError as error:
        return Response(error.code, error.read(), dict(error.headers))


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def browser_session() -> urllib.request.OpenerDirector:
    """An opener that keeps cookies (session, CSRF) and does not follow redirects."""
    return urllib.request.build_opener(
        urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), NoRedirect
    )


CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def csrf_token(html: str) -> str:
    match = CSRF_INPUT.search(html)
    assert match, "no CSRF token in the page"
    return match.group(1)


def log_in(server: LiveServer, username: str) -> urllib.request.OpenerDirector:
    session = browser_session()
    page = request(server.base_url + "/accounts/login/", opener=session)
    answer = request(
        server.base_url + "/accounts/login/",
        method="POST",
        data={
            "username": username,
            "password": PASSWORD,
            "csrfmiddlewaretoken": csrf_token(page.text),
        },
        headers={"Referer": server.base_url + "/accounts/login/"},
        opener=session,
    )
    assert answer.status == 302, answer.text[:500]
    return session
