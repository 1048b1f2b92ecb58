"""Concurrent writers against a live multi-process server (gunicorn, three workers).

On the embedded SQLite database, three workers writing at once used to answer 500 "database is
locked" on about one write in ten, losing the note the user had typed. These tests run the
real server on its own database (a SQLite file, or a PostgreSQL database in the PostgreSQL pass)
and check that no write is refused or lost, and that a database that stays busy is answered
"try again" with the user's input kept.
"""

import datetime
import html
import json
import re
import sqlite3
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.liveserver import (
    PASSWORD,
    LiveDatabase,
    LiveServer,
    csrf_token,
    log_in,
    manage,
    request,
    server_environment,
)

pytestmark = pytest.mark.live

COMMITMENTS = 12
CHANGES_EACH = 8
READERS = 3

SETUP = """
import json
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from rest_framework.authtoken.models import Token
from commitments.models import Body, Commitment, Source
user = get_user_model().objects.create_user("writer", "writer@example.org", {password!r})
user.groups.add(Group.objects.get(name="editors"))
body = Body.objects.create(key="ministere", name="Ministère", kind="ministry", level="national")
ids = [
    Commitment.objects.create(
        key=f"live-{{n}}", title=f"Engagement {{n}}", category="action_plan",
        responsible_body=body, status="not_started",
    ).pk
    for n in range({count})
]
source = Source.objects.create(key="compte-rendu", title="Compte rendu de réunion")
token = Token.objects.create(user=user).key
print(json.dumps({{"token": token, "ids": ids, "source": source.pk}}))
"""


@pytest.fixture
def live_site(tmp_path, request):
    """A migrated database with one editor and COMMITMENTS commitments, served by gunicorn."""
    database = LiveDatabase(tmp_path)
    extra = getattr(request, "param", {})
    env = server_environment(database.url, LIVE_LOG_DIR=str(tmp_path), **extra)
    server = None
    try:
        manage(env, "migrate", "--noinput")
        setup = SETUP.format(password=PASSWORD, count=COMMITMENTS)
        output = manage(env, "shell", "--no-imports", "-c", setup)
        created = json.loads(output.strip().splitlines()[-1])
        server = LiveServer(env).start()
        yield server, database, created
    finally:
        if server:
            server.stop()
        database.drop()


def _record_changes(server, token, commitment_id, results, source):
    """CHANGES_EACH status changes in a row on one commitment, each citing the version read."""
    headers = {"Authorization": f"Token {token}", "Accept-Language": "fr"}
    url = f"{server.base_url}/api/commitments/{commitment_id}/"
    version = request(url, headers=headers).json()["version"]
    statuses = ["in_progress", "partially_met"]
    for number in range(CHANGES_EACH):
        answer = request(
            url + "history/",
            method="POST",
            headers=headers,
            json_body={
                "new_status": statuses[number % 2],
                "effective_date": datetime.date.today().isoformat(),
                "note": f"Changement {number} de l'engagement {commitment_id}",
                "sources": [source],
                "version": version,
            },
        )
        results.append(answer.status)
        if answer.status != 201:
            results.append(answer.text[:300])
        # The first entry completes the creation and keeps version 1: read what it is now.
        version = request(url, headers=headers).json()["version"]


def _read_while_writing(server, token, stop, results):
    headers = {"Authorization": f"Token {token}"}
    while not stop.is_set():
        results.append(request(f"{server.base_url}/api/commitments/", headers=headers).status)


def test_concurrent_status_changes_are_all_recorded(live_site):
    server, _database, created = live_site
    writes, reads = [], []
    stop = threading.Event()
    with ThreadPoolExecutor(COMMITMENTS + READERS) as pool:
        readers = [
            pool.submit(_read_while_writing, server, created["token"], stop, reads)
            for _ in range(READERS)
        ]
        writers = [
            pool.submit(_record_changes, server, created["token"], pk, writes, created["source"])
            for pk in created["ids"]
        ]
        for future in writers:
            future.result()
        stop.set()
        for future in readers:
            future.result()

    refused = [item for item in writes if item != 201]
    assert refused == [], refused[:6]
    assert len(writes) == COMMITMENTS * CHANGES_EACH
    assert reads and set(reads) == {200}
    headers = {"Authorization": f"Token {created['token']}"}
    for pk in created["ids"]:
        history = request(f"{server.base_url}/api/commitments/{pk}/history/", headers=headers)
        assert history.json()["count"] == CHANGES_EACH


@pytest.mark.sqlite
@pytest.mark.parametrize("live_site", [{"SQLITE_BUSY_TIMEOUT": "0.5"}], indirect=True)
def test_a_busy_database_answers_try_again_and_keeps_what_was_typed(live_site):
    """Another process holds SQLite's write lock longer than the server waits for it."""
    server, database, created = live_site
    commitment_id = created["ids"][0]
    session = log_in(server, "writer")
    form_url = f"{server.base_url}/commitments/{commitment_id}/status/"
    form = request(form_url, opener=session)
    assert form.status == 200
    typed = {
        "csrfmiddlewaretoken": csrf_token(form.text),
        "new_status": "in_progress",
        "effective_date": datetime.date.today().isoformat(),
        "note": "Réponse de la MIPROF du jour, à ne pas perdre",
        "sources": str(created["source"]),
        "expected_version": "1",
    }
    headers = {"Referer": form_url, "Accept-Language": "fr"}

    # Another process holds the write lock longer than the server is willing to wait.
    blocker = sqlite3.connect(database.path, isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")
    try:
        busy = request(form_url, method="POST", data=typed, headers=headers, opener=session)
        api_busy = request(
            f"{server.base_url}/api/commitments/{commitment_id}/history/",
            method="POST",
            headers={"Authorization": f"Token {created['token']}", "Accept-Language": "fr"},
            json_body={
                **{k: typed[k] for k in ("new_status", "effective_date", "note")},
                "sources": [created["source"]],
                "version": 1,
            },
        )
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()

    assert busy.status == 503
    assert busy.headers["Retry-After"] == "2"
    assert "Réponse de la MIPROF du jour, à ne pas perdre" in busy.text
    assert "Envoyer à nouveau" in busy.text
    assert api_busy.status == 503
    assert api_busy.json()["code"] == "database_busy"
    assert api_busy.headers["Content-Type"] == "application/json"

    # The page's own form sends the same input again; now it is recorded, once.
    resent = {
        name: html.unescape(value)
        for name, value in re.findall(
            r'<input type="hidden" name="([^"]+)" value="([^"]*)"', busy.text
        )
    }
    assert resent["note"] == "Réponse de la MIPROF du jour, à ne pas perdre"
    saved = request(form_url, method="POST", data=resent, headers=headers, opener=session)
    assert saved.status == 302, saved.text[:500]
    history = request(
        f"{server.base_url}/api/commitments/{commitment_id}/history/",
        headers={"Authorization": f"Token {created['token']}"},
    ).json()
    assert history["count"] == 1
    assert history["results"][0]["note"] == "Réponse de la MIPROF du jour, à ne pas perdre"
