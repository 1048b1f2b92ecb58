"""Digests and the check_deadlines command: content, language, failure and retry, dry run."""

import datetime
import smtplib
from io import StringIO

import pytest
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.core.management import CommandError, call_command
from django.utils import timezone, translation

from accounts import roles
from alerts.delivery import deliveries_acknowledge
from alerts.digests import digests_send
from alerts.models import Alert, Delivery
from alerts.raising.runner import alerts_raise
from alerts.watching import watch_start
from commitments import deadlines
from commitments.models import Commitment
from commitments.services.status import status_change_record

from ..factories import SourceFactory, UserFactory, make_commitment

pytestmark = pytest.mark.django_db

DUE = datetime.date(2024, 6, 15)


class FailingBackend(BaseEmailBackend):
    """A mail backend whose server refuses every message."""

    def send_messages(self, email_messages):
        raise smtplib.SMTPServerDisconnected("connection refused by test")


class RefusesBobBackend(BaseEmailBackend):
    """Accepts every message (into ``mail.outbox``) except those to bob@example.org."""

    def send_messages(self, email_messages):
        for message in email_messages:
            if "bob@example.org" in message.to:
                raise smtplib.SMTPRecipientsRefused({"bob@example.org": (550, b"no")})
        mail.outbox.extend(email_messages)
        return len(email_messages)


class SilentBackend(BaseEmailBackend):
    """Returns without accepting anything, as a backend with ``fail_silently`` would."""

    def send_messages(self, email_messages):
        return 0


@pytest.fixture(autouse=True)
def site(settings):
    settings.SITE_URL = "https://vigie.example.org"
    settings.ALERT_LEAD_DAYS = (30, 7)
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


@pytest.fixture
def alice():
    return UserFactory(username="alice", first_name="Alice", language="fr", groups=[roles.EDITORS])


@pytest.fixture
def bob():
    return UserFactory(username="bob", first_name="Bob", language="en", groups=[roles.VIEWERS])


def run(*args: str) -> str:
    out = StringIO()
    call_command("check_deadlines", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


def messages_to(address: str) -> list:
    return [message for message in mail.outbox if address in message.to]


def test_one_digest_per_recipient_with_absolute_links(alice, bob, mailoutbox):
    lapsed = make_commitment(title="Rapport au Comité des droits de l'enfant", due_date=DUE)
    soon = make_commitment(title="Troisième plan national", due_date=DUE + datetime.timedelta(5))
    for commitment in (lapsed, soon):
        commitment.owner = alice
        commitment.save()
    watch_start(user=bob, commitment=lapsed)

    output = run("--as-of", "2024-06-16")

    assert len(mailoutbox) == 2
    (to_alice,) = messages_to("alice@example.org")
    (to_bob,) = messages_to("bob@example.org")
    assert "Rapport au Comité des droits de l'enfant" in to_alice.body
    assert "Troisième plan national" in to_alice.body
    assert f"https://vigie.example.org/commitments/{lapsed.pk}/" in to_alice.body
    assert "https://vigie.example.org/alerts/" in to_alice.body
    assert "Troisième plan national" not in to_bob.body
    html, mimetype = to_alice.alternatives[0]
    assert mimetype == "text/html"
    assert f'href="https://vigie.example.org/commitments/{lapsed.pk}/"' in html
    assert "Rapport au Comité des droits de l&#x27;enfant" in html
    assert "1 lapsed, 1 due soon (1 at 7 days), 0 status changes" in output
    assert "e-mailed 2 digest(s) carrying 3 alert(s)." in output


def test_digest_is_in_the_recipients_language(alice, bob, mailoutbox):
    commitment = make_commitment(title="Plan", due_date=DUE, owner=alice)
    watch_start(user=bob, commitment=commitment)

    run("--as-of", "2024-06-18")

    (to_alice,) = messages_to("alice@example.org")
    (to_bob,) = messages_to("bob@example.org")
    assert to_alice.subject == "[Vigie] 1 nouvelle alerte"
    assert "Bonjour Alice," in to_alice.body
    assert "Échéances dépassées" in to_alice.body
    # Lateness is the domain's own words (project catalogue), in the recipient's language.
    with translation.override("fr"):
        late_fr = str(deadlines.lateness(DUE, deadlines.DAY, datetime.date(2024, 6, 18)))
    with translation.override("en"):
        late_en = str(deadlines.lateness(DUE, deadlines.DAY, datetime.date(2024, 6, 18)))
    assert f"Échéance : 15 juin 2024 — {late_fr}" in to_alice.body
    assert to_alice.extra_headers["Content-Language"] == "fr"
    assert to_bob.subject == "[Vigie] 1 new alert"
    assert "Hello Bob," in to_bob.body
    assert f"Deadline: June 15, 2024 — {late_en}" in to_bob.body
    assert late_en == "3 days late"
    assert to_bob.extra_headers["Content-Language"] == "en"


def test_status_changes_by_someone_else_are_in_the_same_digest(alice, bob, editor, mailoutbox):
    today = timezone.localdate()
    commitment = make_commitment(title="Mécanisme national", due_date=DUE, owner=alice)
    watch_start(user=bob, commitment=commitment)
    status_change_record(
        commitment=commitment,
        expected_version=commitment.version,
        new_status=Commitment.Status.IN_PROGRESS,
        effective_date=today,
        author=editor,
        sources=[SourceFactory()],
    )

    run("--as-of", today.isoformat())

    (to_bob,) = messages_to("bob@example.org")
    assert to_bob.subject == "[Vigie] 2 new alerts"
    assert "Deadlines lapsed" in to_bob.body
    assert "Status changes on commitments you watch" in to_bob.body
    assert "Status changed from “Not started” to “In progress”" in to_bob.body
    assert "Recorded by editor." in to_bob.body
    assert not messages_to("editor@example.org")


def test_running_twice_emails_each_alert_once(alice, mailoutbox):
    make_commitment(due_date=DUE, owner=alice)
    run("--as-of", "2024-06-16")
    output = run("--as-of", "2024-06-17")

    assert len(mailoutbox) == 1
    assert "0 lapsed" in output
    assert "e-mailed 0 digest(s)" in output
    assert Delivery.objects.get().notified_at is not None


def test_failure_keeps_alerts_pending_then_retry_sends_each_once(alice, bob, settings):
    commitment = make_commitment(due_date=DUE, owner=alice)
    watch_start(user=bob, commitment=commitment)
    settings.EMAIL_BACKEND = "tests.alerts.test_digests.FailingBackend"

    with pytest.raises(CommandError, match="2 digest"):
        run("--as-of", "2024-06-16")

    assert Alert.objects.count() == 1
    assert Delivery.objects.filter(notified_at__isnull=True).count() == 2
    assert len(mail.outbox) == 0

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    mail.outbox = []
    output = run("--as-of", "2024-06-17")

    assert "0 lapsed" in output  # the alert was raised once, by the failed run
    assert sorted(message.to[0] for message in mail.outbox) == [
        "alice@example.org",
        "bob@example.org",
    ]
    assert Delivery.objects.filter(notified_at__isnull=True).count() == 0

    run("--as-of", "2024-06-18")
    assert len(mail.outbox) == 2


def test_one_recipient_failing_does_not_stop_the_others(alice, bob, settings):
    commitment = make_commitment(due_date=DUE, owner=alice)
    watch_start(user=bob, commitment=commitment)
    settings.EMAIL_BACKEND = "tests.alerts.test_digests.RefusesBobBackend"
    mail.outbox = []

    err = StringIO()
    with pytest.raises(CommandError, match=r"1 digest\(s\) could not be sent \(bob\)"):
        call_command("check_deadlines", "--as-of", "2024-06-16", stdout=StringIO(), stderr=err)

    assert [message.to for message in mail.outbox] == [["alice@example.org"]]
    assert "e-mail to bob failed: SMTPRecipientsRefused" in err.getvalue()
    assert Delivery.objects.get(user=alice).notified_at is not None
    assert Delivery.objects.get(user=bob).notified_at is None

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    mail.outbox = []
    run("--as-of", "2024-06-17")
    assert [message.to for message in mail.outbox] == [["bob@example.org"]]


def test_a_backend_that_accepts_nothing_counts_as_a_failure(alice, settings):
    make_commitment(due_date=DUE, owner=alice)
    settings.EMAIL_BACKEND = "tests.alerts.test_digests.SilentBackend"
    with pytest.raises(CommandError):
        run("--as-of", "2024-06-16")
    assert Delivery.objects.get().notified_at is None


def test_acknowledged_closed_and_addressless_alerts_are_not_emailed(alice, mailoutbox):
    no_address = UserFactory(username="noaddress", email="")
    acknowledged = make_commitment(due_date=DUE, owner=alice)
    closed = make_commitment(due_date=DUE, owner=alice)
    watch_start(user=no_address, commitment=acknowledged)
    alerts_raise(as_of=datetime.date(2024, 6, 16))
    deliveries_acknowledge(
        user=alice, deliveries=Delivery.objects.filter(alert__commitment=acknowledged)
    )
    Alert.objects.filter(commitment=closed).update(
        closed_at=timezone.now(), closed_reason=Alert.CloseReason.FINAL_STATUS
    )

    result = digests_send(as_of=datetime.date(2024, 6, 16))

    assert (result.sent, result.alerts, result.failures) == (0, 0, [])
    assert mailoutbox == []


def test_dry_run_writes_nothing_and_sends_nothing(alice, mailoutbox):
    make_commitment(due_date=DUE, owner=alice)
    make_commitment(due_date=DUE + datetime.timedelta(days=3), owner=alice)

    output = run("--as-of", "2024-06-14", "--dry-run")

    assert "[dry run] would have raised as of 2024-06-14: 0 lapsed, 2 due soon" in output
    assert "[dry run] would have e-mailed 1 digest(s) carrying 2 alert(s)." in output
    assert Alert.objects.count() == 0
    assert Delivery.objects.count() == 0
    assert mailoutbox == []


def test_as_of_defaults_to_today(alice, mailoutbox):
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    make_commitment(due_date=yesterday, owner=alice)
    output = run()
    assert f"raised as of {timezone.localdate().isoformat()}: 1 lapsed" in output


@pytest.mark.parametrize("value", ["2024-13-01", "tomorrow", "16/06/2024"])
def test_bad_as_of_is_a_clear_error(value):
    with pytest.raises(CommandError, match="--as-of expects a date as YYYY-MM-DD"):
        run("--as-of", value)


def test_command_has_help():
    from alerts.management.commands.check_deadlines import Command

    assert "another is under way does nothing" in Command.help
