"""After ``make run`` the demo editor owns overdue seeded commitments and has alerts."""

import datetime

import pytest
import time_machine
from django.core import mail
from django.core.management import CommandError, call_command

from alerts.models import Delivery
from commitments.models import Commitment

from ..factories import UserFactory

DEMO_OWNED = {
    "rapport-france-comite-droits-enfant",
    "rapport-osce-france",
    "troisieme-plan-action-national",
}


@pytest.fixture
def demo(db, settings):
    settings.DEBUG = True
    with time_machine.travel(datetime.datetime(2026, 12, 1, 9, 0, tzinfo=datetime.UTC)):
        call_command("load_seeds", verbosity=0)
        call_command("create_demo_users", password="démo-mot-de-passe", verbosity=0)
        yield


def test_the_demo_editor_owns_overdue_commitments_and_has_alerts(demo):
    with time_machine.travel(datetime.datetime(2026, 12, 1, 9, 0, tzinfo=datetime.UTC)):
        call_command("demo_alerts")
        owned = set(
            Commitment.objects.filter(owner__username="editor").values_list("key", flat=True)
        )
        assert owned == DEMO_OWNED
        assert all(
            c.is_overdue(datetime.date(2026, 12, 1))
            for c in Commitment.objects.filter(key__in=owned)
        )
        deliveries = Delivery.objects.filter(user__username="editor")
        assert deliveries.filter(alert__commitment__key__in=DEMO_OWNED).count() >= len(DEMO_OWNED)
        assert [message.to for message in mail.outbox] == [["editor@example.org"]]
        count, versions = deliveries.count(), dict(Commitment.objects.values_list("key", "version"))
        call_command("demo_alerts")  # a second run changes nothing
        assert deliveries.count() == count
        assert dict(Commitment.objects.values_list("key", "version")) == versions
        assert len(mail.outbox) == 1


def test_an_owner_chosen_by_staff_is_kept(demo):
    colleague = UserFactory(username="colleague")
    with time_machine.travel(datetime.datetime(2026, 12, 1, 9, 0, tzinfo=datetime.UTC)):
        Commitment.objects.filter(key="rapport-osce-france").update(owner=colleague)
        call_command("demo_alerts")
        assert Commitment.objects.get(key="rapport-osce-france").owner == colleague


def test_refused_under_production_settings(demo, settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="development only"):
        call_command("demo_alerts")
    assert not Commitment.objects.filter(owner__isnull=False).exists()
