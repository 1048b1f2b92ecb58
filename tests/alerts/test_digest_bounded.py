"""The alert job at 100,000 commitments (issue 12): a digest lists the most urgent alerts up
to a cap and sums up the others per kind with a link, and the job's queries do not grow with
the number of alerts."""

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts import roles
from alerts import digests
from alerts.job import alert_job_run

from ..factories import UserFactory, make_commitment

pytestmark = pytest.mark.django_db

AS_OF = datetime.date(2024, 6, 16)


@pytest.fixture(autouse=True)
def site(settings, monkeypatch):
    settings.SITE_URL = "https://vigie.example.org"
    settings.ALERT_LEAD_DAYS = (30, 7)
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    monkeypatch.setattr(digests, "DIGEST_LINE_LIMIT", 3)


@pytest.fixture
def alice():
    return UserFactory(username="alice", first_name="Alice", language="fr", groups=[roles.EDITORS])


def owned(user, count: int, *, first_day: int, prefix: str) -> list:
    commitments = []
    for n in range(count):
        commitment = make_commitment(
            title=f"{prefix} {n}", due_date=AS_OF + datetime.timedelta(days=first_day + n)
        )
        commitment.owner = user
        commitment.save()
        commitments.append(commitment)
    return commitments


def test_a_digest_past_the_cap_lists_the_most_urgent_and_counts_the_others(alice, mailoutbox):
    lapsed = owned(alice, 3, first_day=-20, prefix="En retard")
    soon = owned(alice, 1, first_day=3, prefix="Bientôt")  # cap + 1 alerts in all
    result = alert_job_run(as_of=AS_OF)
    assert result.digests.sent == 1 and result.digests.alerts == 4
    (message,) = mailoutbox
    assert message.subject == "[Vigie] 4 nouvelles alertes"
    listed = [c for c in lapsed + soon if f"/commitments/{c.pk}/" in message.body]
    assert listed == lapsed  # the earliest due first, the cap reached
    assert "Et 1 autre alerte, non détaillée ici :" in message.body
    assert "- Échéances proches : 1" in message.body
    assert "https://vigie.example.org/alerts/" in message.body
    html = message.alternatives[0][0]
    assert html.count("/commitments/") == 3
    assert "Et 1 autre alerte, non détaillée ici :" in html


def test_a_digest_within_the_cap_lists_everything(alice, mailoutbox):
    owned(alice, 3, first_day=-20, prefix="En retard")
    alert_job_run(as_of=AS_OF)
    (message,) = mailoutbox
    assert message.body.count("/commitments/") == 3
    assert "autre alerte" not in message.body


def test_the_jobs_queries_do_not_grow_with_the_alerts(alice, mailoutbox):
    alert_job_run(as_of=AS_OF)  # the first run ever creates the job's lock row
    counts = []
    for size in (4, 12):
        owned(alice, size, first_day=-40 - size, prefix=f"Lot {size}")
        owned(alice, size, first_day=2, prefix=f"Proche {size}")
        with CaptureQueriesContext(connection) as queries:
            result = alert_job_run(as_of=AS_OF)
        assert result.digests.alerts == 2 * size
        counts.append(len(queries.captured_queries))
        alice.alert_deliveries.update(
            acknowledged_at=datetime.datetime(2024, 6, 16, tzinfo=datetime.UTC)
        )
    assert counts[0] == counts[1], counts
    # A digest of 24 alerts still lists three.
    assert mailoutbox[-1].body.count("/commitments/") == 3


def test_each_digest_reads_and_writes_its_recipients_rows_only(alice, mailoutbox):
    """Every statement a digest runs on the deliveries names its recipient: the pending
    index (notified_at, user) then reaches that recipient's rows alone, never every pending
    delivery of every recipient (there is no index on the claim)."""
    bob = UserFactory(username="bob", language="fr", groups=[roles.EDITORS])
    owned(alice, 4, first_day=-20, prefix="Alice")
    owned(bob, 4, first_day=-20, prefix="Bob")
    with CaptureQueriesContext(connection) as queries:
        result = alert_job_run(as_of=AS_OF)
    assert result.digests.sent == 2
    claimed = [
        query["sql"]
        for query in queries.captured_queries
        if '"alerts_delivery"' in query["sql"] and '"claim"' in query["sql"]
    ]
    # The recipients (each with whether a dead run left a claim), then per digest: the new
    # claim, the counts per kind, the listed alerts, the recording of the e-mail.
    assert len(claimed) == 1 + 2 * 4, claimed
    for sql in claimed:
        assert re.search(r'(U0|"alerts_delivery")\."user_id" = ', sql), sql
