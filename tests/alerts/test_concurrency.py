"""Two check_deadlines runs at the same moment on one PostgreSQL database.

Each thread has its own database connection (Django connections are per thread), so the two
runs are two sessions racing exactly as two hosts would. They must raise each alert once and
e-mail each alert to each recipient once, in one digest per recipient.
"""

import datetime
import re
import threading
import time
from collections import Counter
from io import StringIO

import pytest
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend as LocmemBackend
from django.core.management import call_command
from django.db import connection

from alerts.models import Alert, Delivery
from alerts.raising.runner import alerts_raise
from alerts.watching import watch_start

from ..factories import UserFactory, make_commitment

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

DUE = datetime.date(2024, 6, 15)
AS_OF = "2024-06-20"
TITLE = re.compile(r"Deadline <(\d{3})>")


class SlowLocmemBackend(LocmemBackend):
    """The locmem backend, slowed down like a real SMTP server so that the runs overlap."""

    def send_messages(self, messages):
        time.sleep(0.05)
        return super().send_messages(messages)


def _in_threads(target, count: int = 2) -> list:
    """Run ``target()`` in ``count`` threads released at the same instant; return results."""
    barrier = threading.Barrier(count)
    results: list = [None] * count
    errors: list = []

    def worker(index: int) -> None:
        try:
            barrier.wait()
            results[index] = target()
        except BaseException as error:  # noqa: BLE001 - re-raised in the main thread
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(index,)) for index in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    return results


@pytest.fixture
def data(settings):
    settings.EMAIL_BACKEND = "tests.alerts.test_concurrency.SlowLocmemBackend"
    settings.ALERT_LEAD_DAYS = (30, 7)
    users = [UserFactory(username=f"staff{index}") for index in range(6)]
    for index in range(60):
        commitment = make_commitment(
            title=f"Deadline <{index:03d}>",
            due_date=DUE - datetime.timedelta(days=index % 5),
            owner=users[index % 3],
        )
        # Even commitments are watched by staff3 and staff5, odd ones by staff4.
        for watcher in users[3 + index % 2 : 6 : 2]:
            watch_start(user=watcher, commitment=commitment)
    mail.outbox = []
    return users


def test_two_simultaneous_raises_insert_each_alert_once(data):
    results = _in_threads(lambda: alerts_raise(as_of=datetime.date.fromisoformat(AS_OF)))

    assert sum(result.count(Alert.Kind.LAPSED) for result in results) == 60
    assert Alert.objects.count() == 60
    assert Delivery.objects.count() == 60 + 30 * 2 + 30  # owners + watchers


@pytest.mark.parametrize("attempt", range(3))
def test_two_simultaneous_runs_email_each_alert_once(data, attempt):
    def run() -> str:
        out = StringIO()
        call_command("check_deadlines", "--as-of", AS_OF, stdout=out, stderr=StringIO())
        return out.getvalue()

    outputs = _in_threads(run)

    assert Alert.objects.count() == 60
    # One digest per recipient, every alert once in it.
    digests_per_recipient = Counter(message.to[0] for message in mail.outbox)
    assert len(digests_per_recipient) == 6, outputs  # staff0-2 own, staff3-5 watch
    assert set(digests_per_recipient.values()) == {1}, outputs
    for user in data:
        mentioned = Counter(
            int(number)
            for message in mail.outbox
            if message.to == [user.email]
            for number in TITLE.findall(message.body)
        )
        expected = set(
            Delivery.objects.filter(user=user).values_list("alert__commitment__title", flat=True)
        )
        assert {f"Deadline <{number:03d}>" for number in mentioned} == expected
        assert set(mentioned.values()) <= {1}
    assert not Delivery.objects.filter(notified_at__isnull=True).exists()
    # The runs together report every alert and every digest once (a run started while the
    # other was under way did nothing and said so).
    ran = [output for output in outputs if "under way" not in output]
    raised = sum(int(re.search(r": (\d+) lapsed", output).group(1)) for output in ran)
    sent = sum(int(re.search(r"e-mailed (\d+) digest", output).group(1)) for output in ran)
    assert (raised, sent) == (60, 6)
