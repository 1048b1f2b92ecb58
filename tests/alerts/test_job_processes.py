"""``check_deadlines`` as real processes on one database, mailing a real SMTP server.

Eight runs started at once on one file SQLite database (or, in the PostgreSQL pass, one
PostgreSQL database) with six recipients due used to send 45 e-mails: the row locks the job
relied on do nothing on SQLite. Runs now exclude each other through a lock row on every
database. A run killed between the server's acceptance and the recording leaves the job and
the digest claimed; once they expire, the next run takes the job over and sends that digest
again under the same Message-ID.
"""

import asyncio
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter

import pytest

from tests.liveserver import ROOT, LiveDatabase, manage, server_environment

from .smtp import SMTPServer

pytestmark = pytest.mark.live

AS_OF = "2024-06-20"
RUNS = 8
RECIPIENTS = 6

SETUP = """
import datetime
from django.contrib.auth import get_user_model
from commitments.models import Body
from commitments.services.lifecycle import commitment_save
from commitments.services.status import StatusChangeInput
body = Body.objects.create(key="ministere", name="Ministère", kind="ministry", level="national")
for number in range({recipients}):
    user = get_user_model().objects.create_user(f"staff{{number}}", f"staff{{number}}@example.org")
    for index in range(2):
        # Through the save service, so that the due date is a deadline row the alerts read.
        commitment_save(
            commitment=None,
            data=dict(
                key=f"c-{{number}}-{{index}}", title=f"Engagement {{number}}-{{index}}",
                category="action_plan", responsible_body=body, owner=user,
                due_date=datetime.date(2024, 6, 15),
            ),
            expected_version=None,
            status_change=StatusChangeInput("not_started", datetime.date(2024, 1, 1)),
            author=None,
            origin="seed",
        )
"""

STATE = """
import asyncio
import json
from alerts.models import Delivery
print(json.dumps({
    "deliveries": Delivery.objects.count(),
    "e-mailed": Delivery.objects.filter(notified_at__isnull=False).count(),
    "claims": {
        user: str(claim) for user, claim in Delivery.objects.values_list("user__email", "claim")
    },
}))
"""

# The next run, two hours later: the dead run's job lock and claim have expired.
LATER_RUN = """
import datetime
import time_machine
from django.core.management import call_command
later = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(hours=2)
with time_machine.travel(later, tick=True):
    call_command("check_deadlines", "--as-of", "{as_of}")
"""


@pytest.fixture
def smtp_server():
    # Each acceptance takes a moment, as with a real relay, so that the runs overlap.
    server = SMTPServer(accept_delay=0.2).start()
    yield server
    server.stop()


@pytest.fixture
def site(tmp_path, smtp_server):
    """A migrated throwaway database with RECIPIENTS staff members, two lapsed deadlines each,
    and the environment of a production run mailing the test SMTP server."""
    database = LiveDatabase(tmp_path)
    env = server_environment(
        database.url,
        EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
        EMAIL_HOST=smtp_server.host,
        EMAIL_PORT=str(smtp_server.port),
        EMAIL_TIMEOUT="120",
        EMAIL_USE_TLS="0",
        EMAIL_USE_SSL="0",
        DEFAULT_FROM_EMAIL="vigie@vigie.example.org",
    )
    try:
        manage(env, "migrate", "--noinput")
        manage(env, "shell", "--no-imports", "-c", SETUP.format(recipients=RECIPIENTS))
        yield env
    finally:
        database.drop()


def start_run(env: dict[str, str]) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "manage.py", "check_deadlines", "--as-of", AS_OF],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def state(env: dict[str, str]) -> dict:
    return json.loads(manage(env, "shell", "--no-imports", "-c", STATE).strip().splitlines()[-1])


def test_eight_simultaneous_runs_send_each_digest_once(site, smtp_server):
    others_ended = threading.Event()
    held: list[str] = []

    async def hold_the_first_digest(received):
        """The run that sends first is held mid-job until the seven others have ended, so that
        every one of them starts while a run is under way, whatever the timing."""
        if held:
            return
        held.append(received.to)
        deadline = time.monotonic() + 180
        while not others_ended.is_set() and time.monotonic() < deadline:
            await asyncio.sleep(0.1)

    smtp_server.on_accept = hold_the_first_digest
    runs = [start_run(site) for _ in range(RUNS)]
    deadline = time.monotonic() + 180
    while sum(run.poll() is None for run in runs) > 1 and time.monotonic() < deadline:
        time.sleep(0.1)
    others_ended.set()
    outcomes = [(run.wait(timeout=240), *run.communicate()) for run in runs]

    assert [code for code, _, _ in outcomes] == [0] * RUNS, outcomes
    # Exactly one digest per recipient, each under the Message-ID of its claim.
    per_recipient = Counter(received.to for received in smtp_server.messages)
    assert len(smtp_server.messages) == RECIPIENTS, per_recipient
    assert set(per_recipient.values()) == {1}
    after = state(site)
    assert after["deliveries"] == after["e-mailed"] == 2 * RECIPIENTS
    for received in smtp_server.messages:
        claim = after["claims"][received.to]
        assert received.message_id == f"<digest-{claim}@vigie.example.org>"
    # One run did the job and reports each digest and alert once; the seven others, started
    # while it was under way, did nothing and said so.
    reports = [out for _, out, _ in outcomes if "under way" not in out]
    assert len(reports) == 1, outcomes
    sent = [line for out in reports for line in out.splitlines() if "e-mailed" in line]
    assert sum(int(line.split()[1]) for line in sent) == RECIPIENTS, sent
    assert sum(int(line.split()[4]) for line in sent) == 2 * RECIPIENTS, sent


def test_a_run_killed_after_the_server_accepted_is_taken_over_with_the_same_message_id(
    site, smtp_server
):
    """The one window where a digest goes out twice: the same digest, same Message-ID. The
    run sends with the settings' threads (two on PostgreSQL): each thread may have a digest
    accepted and not yet recorded when the process dies, and each of those is sent again."""
    victim: list[int] = []
    # The server accepts the first digest, then the run is killed before it hears so.
    smtp_server.on_accept = lambda received: os.kill(victim[0], signal.SIGKILL) if victim else None
    run = start_run(site)
    victim.append(run.pid)
    assert run.wait(timeout=240) == -signal.SIGKILL
    smtp_server.on_accept = None

    # The dead run still holds the job: a run now does nothing and says so.
    assert "under way: this one did nothing" in manage(site, "check_deadlines", "--as-of", AS_OF)
    # What the server accepted before the run died: a digest per thread at most, none of them
    # recorded e-mailed, each under the Message-ID of the claim left on its deliveries.
    accepted = list(smtp_server.messages)
    assert 1 <= len(accepted) <= 2, accepted
    assert len({received.to for received in accepted}) == len(accepted)
    left = state(site)
    assert left["e-mailed"] == 0
    for received in accepted:
        assert received.message_id == f"<digest-{left['claims'][received.to]}@vigie.example.org>"

    # Later, its lock and claim have expired: the job is taken over, the claimed digests are
    # sent again under the same Message-ID, and the others once.
    output = manage(site, "shell", "--no-imports", "-c", LATER_RUN.format(as_of=AS_OF))

    assert f"e-mailed {RECIPIENTS} digest(s) carrying {2 * RECIPIENTS} alert(s)." in output
    per_recipient = Counter(received.to for received in smtp_server.messages)
    twice = {received.to for received in accepted}
    assert per_recipient == {
        f"staff{number}@example.org": 2 if f"staff{number}@example.org" in twice else 1
        for number in range(RECIPIENTS)
    }
    after = state(site)
    assert after["deliveries"] == after["e-mailed"] == 2 * RECIPIENTS
    for first in accepted:
        (again,) = [
            received
            for received in smtp_server.messages[len(accepted) :]
            if received.to == first.to
        ]
        assert again.message_id == first.message_id
        assert after["claims"][first.to] == left["claims"][first.to]
