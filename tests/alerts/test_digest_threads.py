"""Digests e-mailed by several threads (``ALERT_DIGEST_THREADS``), each with its own database
and SMTP connections, through Django's real SMTP backend to a local SMTP server.

What must hold, as with one thread: each recipient gets one digest carrying each of their
alerts once; a recipient's failure does not stop the others, nor the other threads; nothing
refused is recorded e-mailed, so the next run sends it; the threads' database connections are
closed when they are done. The data is committed (a transactional test): another thread's
connection cannot see a test's open transaction.
"""

import datetime

import pytest
from django.db import connection

from alerts.digests import digests_send
from alerts.job import alert_job_run
from alerts.models import Delivery
from commitments.models import Commitment

from ..factories import UserFactory, make_commitment
from ..liveserver import free_port
from .smtp import SMTPServer, send_through

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

DUE = datetime.date(2024, 6, 15)
AS_OF = datetime.date(2024, 6, 20)


@pytest.fixture
def smtp_server(settings):
    # A slow relay: the threads' transactions overlap, as they do against a real one.
    server = SMTPServer(stall_seconds=5, accept_delay=0.05).start()
    send_through(server, settings, timeout=1)
    settings.ALERT_DIGEST_THREADS = 3
    yield server
    server.stop()


@pytest.fixture
def recipients():
    """Seven staff members owning two lapsed commitments each; the first watches them all."""
    from alerts.watching import watch_start

    users = [UserFactory(username=f"staff{index}") for index in range(7)]
    for user in users:
        for number in range(2):
            commitment = make_commitment(
                title=f"{user.username} #{number}", due_date=DUE, owner=user
            )
            if user is not users[0]:
                watch_start(user=users[0], commitment=commitment)
    return users


def sessions() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()")
        return cursor.fetchone()[0]


def test_each_recipient_gets_one_digest_from_the_threads(smtp_server, recipients):
    before = sessions()
    result = alert_job_run(as_of=AS_OF)

    assert result.digests.failures == []
    assert result.digests.sent == 7
    assert result.digests.alerts == Delivery.objects.count() == 7 * 2 + 6 * 2
    for user in recipients:
        (digest,) = smtp_server.to(user.email)
        for commitment in Commitment.objects.filter(owner=user):
            assert commitment.title in digest.message.get_body(("plain",)).get_content()
    assert not Delivery.objects.filter(notified_at__isnull=True).exists()
    assert not Delivery.objects.filter(claim__isnull=True).exists()
    # Through three SMTP connections, one per thread.
    assert len({received.peer for received in smtp_server.messages}) == 3
    # Each thread closed its database connection: none is left open on the server.
    assert sessions() == before

    again = alert_job_run(as_of=AS_OF)
    assert again.digests.sent == 0 and len(smtp_server.messages) == 7


def test_a_refused_digest_leaves_the_others_and_is_sent_next_time(smtp_server, recipients):
    smtp_server.then("refuse_rcpt")
    first = alert_job_run(as_of=AS_OF)

    (failure,) = first.digests.failures
    assert first.digests.sent == 6 and len(smtp_server.messages) == 6
    refused = Delivery.objects.filter(user_id=failure.user_id)
    assert refused.exists()
    assert not refused.filter(notified_at__isnull=False).exists()
    assert not refused.filter(claim__isnull=False).exists()  # the claim was released

    second = digests_send(as_of=AS_OF)
    assert (second.sent, second.failures) == (1, [])
    assert len(smtp_server.messages) == 7
    assert len({received.message_id for received in smtp_server.messages}) == 7


def test_a_mail_server_that_cannot_be_reached_fails_every_recipient_once(
    smtp_server, recipients, settings
):
    settings.EMAIL_PORT = free_port()  # nothing listens there: every connection is refused
    result = alert_job_run(as_of=AS_OF)

    assert result.digests.sent == 0
    failed = [failure.user_id for failure in result.digests.failures]
    assert failed == sorted(user.pk for user in recipients)
    assert not Delivery.objects.filter(notified_at__isnull=False).exists()
    assert not Delivery.objects.filter(claim__isnull=False).exists()
