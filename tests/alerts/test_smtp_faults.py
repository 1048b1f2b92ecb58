"""The alert job through Django's real SMTP backend, against a local SMTP server that refuses,
stalls or dies (tests/alerts/smtp.py).

What must hold: a digest the server did not accept is never recorded e-mailed and its claim is
released, so the next run sends it, once; one recipient's failure (even a timeout) does not
stop the others in the same run; a digest sent again after a run died carries the same
Message-ID; a run started while another holds the job does nothing and says so.
"""

import datetime
import time
import uuid
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from alerts.digests import CLAIM_TTL
from alerts.job import JOB_NAME
from alerts.models import Alert, Delivery, JobLock

from ..factories import UserFactory, make_commitment
from .smtp import SMTPServer, send_through

pytestmark = pytest.mark.django_db

DUE = datetime.date(2024, 6, 15)
AS_OF = "2024-06-20"
EMAIL_TIMEOUT = 1  # seconds; the stalling server stays silent for 5


@pytest.fixture
def smtp_server(settings):
    """The test SMTP server, and Django's real SMTP backend pointed at it."""
    server = SMTPServer(stall_seconds=5 * EMAIL_TIMEOUT).start()
    send_through(server, settings, timeout=EMAIL_TIMEOUT)
    yield server
    server.stop()


@pytest.fixture
def recipients():
    """Four staff members, each owning two commitments whose deadline lapsed on DUE."""
    users = [UserFactory(username=f"staff{index}") for index in range(4)]
    for user in users:
        for number in range(2):
            make_commitment(title=f"{user.username} #{number}", due_date=DUE, owner=user)
    return users


def run() -> str:
    out = StringIO()
    call_command("check_deadlines", "--as-of", AS_OF, stdout=out, stderr=StringIO())
    return out.getvalue()


def claim_of(user) -> uuid.UUID:
    claims = set(Delivery.objects.filter(user=user).values_list("claim", flat=True))
    assert len(claims) == 1, claims
    return claims.pop()


def assert_each_sent_once(server: SMTPServer, users) -> None:
    """Every recipient received exactly one digest, under the Message-ID of its claim, and
    every delivery is recorded e-mailed."""
    assert sorted(received.to for received in server.messages) == sorted(
        user.email for user in users
    )
    for user in users:
        (received,) = server.to(user.email)
        assert received.message_id == f"<digest-{claim_of(user)}@vigie.example.org>"
        assert received.message["Subject"] == "[Vigie] 2 nouvelles alertes"
    assert not Delivery.objects.filter(notified_at__isnull=True).exists()


@pytest.mark.parametrize("behaviour", ["refuse_rcpt", "refuse_data", "die"])
def test_a_server_that_refuses_or_dies_leaves_everything_for_the_next_run(
    smtp_server, recipients, behaviour
):
    smtp_server.behaviour = behaviour

    with pytest.raises(CommandError, match="4 digest\\(s\\) could not be sent"):
        run()

    # Every recipient was tried (a failure stops no one), nothing was accepted or recorded,
    # and no claim is left behind to hold the deliveries back.
    assert smtp_server.attempts == [behaviour] * 4
    assert smtp_server.messages == []
    assert Delivery.objects.count() == 8
    assert not Delivery.objects.filter(notified_at__isnull=False).exists()
    assert not Delivery.objects.filter(claim__isnull=False).exists()
    assert not Delivery.objects.filter(claimed_at__isnull=False).exists()

    smtp_server.behaviour = "accept"
    output = run()

    assert "e-mailed 4 digest(s) carrying 8 alert(s)." in output
    assert_each_sent_once(smtp_server, recipients)

    # A third run has nothing left to send.
    assert "e-mailed 0 digest(s)" in run()
    assert len(smtp_server.messages) == 4


def test_a_server_that_stalls_on_the_first_recipient_fails_only_that_one(smtp_server, recipients):
    """The timed-out connection is dropped: the others get a fresh one in the same run.

    Reusing it (before the fix) made every later recipient fail until the next day.
    """
    smtp_server.then("stall")
    first, *others = recipients

    started = time.monotonic()
    with pytest.raises(CommandError) as failure:
        run()
    elapsed = time.monotonic() - started

    assert "1 digest(s) could not be sent (staff0)" in str(failure.value)
    assert smtp_server.attempts == ["stall", "accept", "accept", "accept"]
    assert sorted(received.to for received in smtp_server.messages) == [
        user.email for user in others
    ]
    assert not Delivery.objects.filter(user__in=others, notified_at__isnull=True).exists()
    pending = Delivery.objects.filter(user=first)
    assert list(pending.values_list("notified_at", "claim", "claimed_at")) == [(None,) * 3] * 2
    # The run waited for the one timeout, not for the stalled server.
    assert elapsed < smtp_server.stall_seconds

    assert "e-mailed 1 digest(s) carrying 2 alert(s)." in run()
    assert_each_sent_once(smtp_server, recipients)


def test_a_digest_sent_again_after_a_run_died_carries_the_same_message_id(smtp_server, recipients):
    """The one window: the server accepted, the run died before recording the deliveries."""
    first, second, *_ = recipients
    run()
    assert_each_sent_once(smtp_server, recipients)
    (original,) = smtp_server.to(first.email)
    claim = claim_of(first)

    # What a run that died right after the server's acceptance leaves behind: the claim, no
    # e-mailed date. While the claim is fresh, another run may still be mailing it: left alone.
    Delivery.objects.filter(user=first).update(
        notified_at=None, claimed_at=timezone.now() - datetime.timedelta(minutes=1)
    )
    assert "e-mailed 0 digest(s)" in run()
    assert len(smtp_server.messages) == 4

    # Once the claim has expired, the next run sends the same digest under the same Message-ID.
    Delivery.objects.filter(user=first).update(
        claimed_at=timezone.now() - CLAIM_TTL - datetime.timedelta(minutes=1)
    )
    assert "e-mailed 1 digest(s) carrying 2 alert(s)." in run()

    resent = smtp_server.to(first.email)
    assert len(resent) == 2
    assert resent[1].message_id == original.message_id == f"<digest-{claim}@vigie.example.org>"
    assert resent[1].message.get_body(("plain",)).get_content() == (
        original.message.get_body(("plain",)).get_content()
    )
    assert claim_of(first) == claim
    assert not Delivery.objects.filter(notified_at__isnull=True).exists()
    assert len(smtp_server.to(second.email)) == 1


def test_a_run_started_while_the_job_is_held_does_nothing_and_says_so(smtp_server, recipients):
    holder = uuid.uuid4()
    JobLock.objects.create(
        name=JOB_NAME, holder=holder, expires_at=timezone.now() + datetime.timedelta(minutes=5)
    )

    output = run()

    assert "Another check_deadlines run is under way: this one did nothing" in output
    assert not Alert.objects.exists()
    assert smtp_server.messages == []
    assert JobLock.objects.get(name=JOB_NAME).holder == holder  # not released by the other run


def test_an_expired_job_lock_is_taken_over(smtp_server, recipients):
    """A run that died holding the job frees it when its lock expires."""
    JobLock.objects.create(
        name=JOB_NAME,
        holder=uuid.uuid4(),
        expires_at=timezone.now() - datetime.timedelta(seconds=1),
    )

    output = run()

    assert "under way" not in output
    assert "e-mailed 4 digest(s) carrying 8 alert(s)." in output
    assert_each_sent_once(smtp_server, recipients)
    lock = JobLock.objects.get(name=JOB_NAME)
    assert (lock.holder, lock.expires_at) == (None, None)  # given back at the end
