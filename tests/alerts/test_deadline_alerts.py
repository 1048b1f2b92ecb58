"""Alerts per deadline row: boundaries of approximate dates, events that move, disputed
successors, closing, the migration of older alerts, and what digest, inbox and calendar say."""

import datetime
import importlib
from io import StringIO

import icalendar
import pytest
from django.apps import apps as django_apps
from django.core.management import call_command
from django.db import IntegrityError, transaction
from django.utils import timezone, translation

from accounts import roles
from alerts.calendar_tokens import calendar_token_get_or_create
from alerts.models import Alert, Delivery
from alerts.raising.runner import alerts_raise
from commitments.deadlines import MONTH, YEAR
from commitments.models import Claim, Commitment, Deadline
from commitments.services.status import status_change_record

from ..factories import SourceFactory, UserFactory, make_commitment
from .builders import (
    add_claim,
    add_deadline,
    add_event,
    change_deadline,
    delete_deadline,
    move_event,
)

pytestmark = pytest.mark.django_db

D = datetime.date


@pytest.fixture(autouse=True)
def site(settings):
    settings.SITE_URL = "https://vigie.example.org"
    settings.ALERT_LEAD_DAYS = (30, 7)
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


def deadline_alerts(deadline, **filters):
    return list(
        Alert.objects.filter(deadline=deadline, **filters)
        .order_by("created_at", "pk")
        .values_list("kind", "due_date", "lead_days")
    )


def french(value) -> str:
    with translation.override("fr"):
        return str(value)


# --- boundaries -------------------------------------------------------------------------------


def test_month_precision_deadline_lapses_the_day_after_its_last_day(owner):
    """ "septembre 2022": the 30th is not lapsed (it may still fall on it), 1 October is."""
    commitment = make_commitment(title="Rapport au CRC", owner=owner)
    report = add_deadline(commitment, label="Rapport remis", date=D(2022, 9, 1), precision=MONTH)
    assert (report.window_start, report.window_end) == (D(2022, 9, 1), D(2022, 9, 30))

    assert alerts_raise(as_of=D(2022, 8, 30)).total == 0
    assert alerts_raise(as_of=D(2022, 8, 31)).raised["due_soon"] == {30: 1}  # 30 days before
    assert alerts_raise(as_of=D(2022, 9, 23)).raised["due_soon"] == {7: 1}
    assert alerts_raise(as_of=D(2022, 9, 30)).count("lapsed") == 0
    assert alerts_raise(as_of=D(2022, 10, 1)).count("lapsed") == 1
    assert alerts_raise(as_of=D(2022, 10, 2)).total == 0

    assert deadline_alerts(report) == [
        ("due_soon", D(2022, 9, 30), 30),
        ("due_soon", D(2022, 9, 30), 7),
        ("lapsed", D(2022, 9, 30), 0),
    ]
    lapsed = Alert.objects.get(kind="lapsed")
    assert lapsed.commitment == commitment


def test_each_deadline_of_a_commitment_raises_its_own_lapsed_alert_once(owner):
    commitment = make_commitment(due_date=D(2024, 12, 31), owner=owner)
    step = add_deadline(commitment, label="Consultation", date=D(2024, 3, 1), precision=MONTH)
    year = add_deadline(commitment, label="Évaluation", date=D(2023, 1, 1), precision=YEAR)
    final = Deadline.objects.get(commitment=commitment, kind=Deadline.Kind.FINAL)

    first = alerts_raise(as_of=D(2025, 2, 1))
    second = alerts_raise(as_of=D(2025, 2, 1))
    third = alerts_raise(as_of=D(2025, 3, 1))

    assert (first.count("lapsed"), second.total, third.total) == (3, 0, 0)
    assert second.deliveries == 0
    for deadline, last_day in ((step, D(2024, 3, 31)), (year, D(2023, 12, 31))):
        assert deadline_alerts(deadline) == [("lapsed", last_day, 0)]
    assert deadline_alerts(final) == [("lapsed", D(2024, 12, 31), 0)]
    assert Delivery.objects.filter(user=owner).count() == 3


def test_approximate_and_unofficial_deadlines_raise_too_floors_and_undated_never(owner):
    commitment = make_commitment(owner=owner)
    expected = add_deadline(
        commitment,
        label="Commentaires envoyés à l'OSCE",
        basis=Deadline.Basis.EXPECTED,
        date=D(2022, 3, 1),
        precision=MONTH,
    )
    add_deadline(commitment, label="Pas avant", bound=Deadline.Bound.NOT_BEFORE, date=D(2020, 1, 1))
    successor = make_commitment(owner=owner)
    add_deadline(
        successor,
        label="Sans lecture",
        basis=Deadline.Basis.SUCCESSOR,
        predecessor=commitment,
    )

    result = alerts_raise(as_of=D(2026, 12, 1))

    assert result.count("lapsed") == 1
    assert deadline_alerts(expected) == [("lapsed", D(2022, 3, 31), 0)]


# --- events and successors --------------------------------------------------------------------


def test_event_derived_deadline_follows_its_event(owner):
    session = add_event("crc-session", D(2022, 9, 1), MONTH)
    commitment = make_commitment(owner=owner)
    report = add_deadline(
        commitment, label="Rapport remis", basis=Deadline.Basis.EVENT, event=session
    )
    assert report.window_end == D(2022, 9, 30)
    alerts_raise(as_of=D(2022, 10, 3))
    old = Alert.objects.get(deadline=report)

    move_event(session, D(2023, 1, 1))  # the session is postponed to January 2023
    report.refresh_from_db()
    assert report.window_end == D(2023, 1, 31)
    result = alerts_raise(as_of=D(2023, 1, 5))

    old.refresh_from_db()
    assert old.closed_reason == Alert.CloseReason.DUE_DATE_MOVED
    assert result.closed[Alert.CloseReason.DUE_DATE_MOVED] == 1
    assert result.raised["due_soon"] == {30: 1}
    assert deadline_alerts(report, closed_at__isnull=True) == [("due_soon", D(2023, 1, 31), 30)]
    assert alerts_raise(as_of=D(2023, 2, 1)).count("lapsed") == 1
    assert deadline_alerts(report, kind="lapsed") == [
        ("lapsed", D(2022, 9, 30), 0),
        ("lapsed", D(2023, 1, 31), 0),
    ]


def test_successor_with_disputed_readings_raises_from_the_counted_reading(owner):
    second_plan = make_commitment(title="Deuxième plan", owner=owner)
    ends_2021 = add_claim(
        second_plan,
        side=Claim.Side.COALITION,
        kind=Claim.Kind.PERIOD,
        period_start=D(2019, 1, 1),
        period_end=D(2021, 1, 1),
        period_precision=YEAR,
    )
    ends_2023 = add_claim(
        second_plan,
        kind=Claim.Kind.PERIOD,
        period_start=D(2019, 1, 1),
        period_end=D(2023, 1, 1),
        period_precision=YEAR,
    )
    third_plan = make_commitment(title="Troisième plan", owner=owner)
    due = add_deadline(
        third_plan,
        kind=Deadline.Kind.FINAL,
        label="Troisième plan adopté",
        basis=Deadline.Basis.SUCCESSOR,
        predecessor=second_plan,
    )
    assert (due.disputed, due.window_end) == (True, D(2021, 12, 31))  # the earliest by default

    assert alerts_raise(as_of=D(2021, 12, 31)).count("lapsed") == 0
    assert alerts_raise(as_of=D(2022, 1, 1)).count("lapsed") == 1
    assert deadline_alerts(due) == [
        ("due_soon", D(2021, 12, 31), 7),
        ("lapsed", D(2021, 12, 31), 0),
    ]

    # Staff count from the ministry's reading instead: the 2021 alert closes, none is due yet.
    change_deadline(due, counted_reading=ends_2023)
    result = alerts_raise(as_of=D(2022, 6, 1))
    assert result.closed[Alert.CloseReason.DUE_DATE_MOVED] == 2  # the lapsed and the due-soon
    assert result.total == 0
    assert alerts_raise(as_of=D(2024, 1, 1)).count("lapsed") == 1
    assert deadline_alerts(due, closed_at__isnull=True) == [("lapsed", D(2023, 12, 31), 0)]
    assert ends_2021.pk != ends_2023.pk


# --- closing ----------------------------------------------------------------------------------


def test_met_deleted_and_final_close_their_alerts(owner, editor):
    commitment = make_commitment(owner=owner)
    met = add_deadline(commitment, label="Remis", date=D(2024, 1, 10))
    deleted = add_deadline(commitment, label="Supprimé", date=D(2024, 1, 11))
    kept = add_deadline(commitment, label="Gardé", date=D(2024, 1, 12))
    other = make_commitment(owner=owner)
    finished = add_deadline(other, label="Fini", date=D(2024, 1, 12))
    alerts_raise(as_of=D(2024, 2, 1))
    assert Alert.objects.open().count() == 4

    change_deadline(met, met_on=D(2024, 1, 20))
    delete_deadline(deleted)
    other.refresh_from_db()
    status_change_record(
        commitment=other,
        expected_version=other.version,
        new_status=Commitment.Status.ABANDONED,
        effective_date=timezone.localdate(),
        author=editor,
        sources=[SourceFactory()],
    )
    result = alerts_raise(as_of=D(2024, 2, 2))

    assert result.closed == {
        "final_status": 1,
        "deadline_deleted": 1,
        "deadline_met": 1,
        "due_date_moved": 0,
    }
    assert deadline_alerts(met, closed_reason="deadline_met") == [("lapsed", D(2024, 1, 10), 0)]
    assert deadline_alerts(kept, closed_at__isnull=True) == [("lapsed", D(2024, 1, 12), 0)]
    assert deadline_alerts(finished, closed_reason="final_status")
    assert Alert.objects.get(deadline__isnull=True, kind="lapsed").closed_reason == (
        "deadline_deleted"
    )


def test_the_database_refuses_a_second_alert_for_the_same_deadline_window(owner):
    commitment = make_commitment(owner=owner)
    deadline = add_deadline(commitment, date=D(2024, 1, 10))
    alerts_raise(as_of=D(2024, 2, 1))
    alert = Alert.objects.get()
    alert.pk = None
    with pytest.raises(IntegrityError), transaction.atomic():
        alert.save()
    # Another deadline of the same commitment, on the same day, has its own alert.
    add_deadline(commitment, label="Autre", date=D(2024, 1, 10))
    assert alerts_raise(as_of=D(2024, 2, 1)).count("lapsed") == 1
    assert Alert.objects.filter(commitment=commitment, due_date=deadline.window_end).count() == 2


def test_older_alerts_move_to_the_final_deadline_or_close(owner):
    """The data migration: alerts about a commitment's single due date point at the final
    deadline the due-date migration created; an open one without it is closed."""
    migration = importlib.import_module("alerts.migrations.0004_deadline_alerts_point_at_deadlines")
    dated = make_commitment(due_date=D(2024, 1, 10), owner=owner)
    undated = make_commitment(owner=owner)
    alerts_raise(as_of=D(2024, 2, 1))
    Alert.objects.update(deadline=None)  # as before the migration
    common = {"kind": "lapsed", "raised_as_of": D(2024, 2, 1), "run_id": Alert.objects.get().run_id}
    orphan = Alert.objects.create(commitment=undated, due_date=D(2024, 1, 5), **common)

    migration.alerts_to_final_deadlines(django_apps, None)

    final = Deadline.objects.get(commitment=dated)
    assert Alert.objects.get(commitment=dated).deadline == final
    orphan.refresh_from_db()
    assert (orphan.deadline, orphan.closed_reason) == (None, "due_date_moved")


# --- what the digest, the inbox and the calendar say --------------------------------------------


def test_digest_states_what_is_due_the_date_as_known_lateness_and_caveat(owner, mailoutbox):
    commitment = make_commitment(title="Commentaires de la France", owner=owner)
    add_deadline(
        commitment,
        label="Commentaires envoyés à l'OSCE",
        basis=Deadline.Basis.EXPECTED,
        date=D(2022, 3, 1),
        precision=MONTH,
    )
    exact = make_commitment(title="Décret", owner=owner)
    add_deadline(exact, label="Décret publié", date=D(2026, 11, 19))
    as_of = D(2026, 12, 1)

    call_command("check_deadlines", "--as-of", "2026-12-01", stdout=StringIO())

    (message,) = mailoutbox
    body, html = message.body, message.alternatives[0][0]
    deadline = Deadline.objects.get(commitment=commitment)
    late = french(deadline.lateness(as_of))
    exact_late = french(Deadline.objects.get(commitment=exact).lateness(as_of))
    assert deadline.lateness(as_of).months == 56  # since April 2022: "more than 4 years"
    assert "Commentaires de la France" in body
    assert "Attendu : Commentaires envoyés à l'OSCE" in body
    assert f"Échéance : mars 2022 — {late}" in body
    assert f"À noter : {french(deadline.caveat)}" in body
    assert f"Échéance : 19 novembre 2026 — {exact_late}" in body
    assert "Attendu : Commentaires envoyés à l&#x27;OSCE" in html
    assert f"Échéance : mars 2022 — {late}" in html
    with translation.override("en"):
        assert str(deadline.lateness(as_of)) == "more than 4 years late"
        assert str(Deadline.objects.get(commitment=exact).lateness(as_of)) == "12 days late"
        assert deadline.caveat.startswith("date deduced by the coalition, not official")


def test_due_soon_digest_says_how_near_in_the_unit_it_is_known(owner, mailoutbox):
    month = make_commitment(title="Mensuel", owner=owner)
    add_deadline(month, label="Rapport", date=D(2024, 6, 1), precision=MONTH)
    day = make_commitment(title="Exact", owner=owner)
    add_deadline(day, label="Décret", date=D(2024, 6, 20))

    call_command("check_deadlines", "--as-of", "2024-06-15", stdout=StringIO())

    body = mailoutbox[0].body
    assert "Échéance : juin 2024 — 15 jours restants au plus" in body
    assert "Échéance : 20 juin 2024 — dans 5 jours" in body


def test_inbox_shows_each_deadline_as_known(client, owner):
    commitment = make_commitment(title="Rapport au CRC", owner=owner)
    add_deadline(
        commitment,
        label="Rapport remis avant la session",
        basis=Deadline.Basis.EXPECTED,
        date=D(2022, 9, 1),
        precision=MONTH,
    )
    alerts_raise(as_of=D(2022, 10, 1))
    client.force_login(owner)

    page = client.get("/alerts/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()

    deadline = Deadline.objects.get(commitment=commitment)
    today = timezone.localdate()
    assert "Rapport remis avant la session" in page
    assert "septembre 2022" in page
    assert french(deadline.lateness(today)) in page
    assert french(deadline.caveat) in page


def test_calendar_lists_every_open_deadline_and_says_when_approximate(client):
    alice = UserFactory(username="alice", language="en", groups=[roles.VIEWERS])
    commitment = make_commitment(title="Rapport", owner=alice, due_date=D(2030, 1, 10))
    add_deadline(commitment, label="Draft", date=D(2029, 6, 1), precision=MONTH)
    add_deadline(commitment, label="Met step", date=D(2029, 1, 1), met_on=D(2029, 1, 2))
    token = calendar_token_get_or_create(user=alice)

    response = client.get(f"/alerts/calendar/{token.token}.ics")

    events = {
        str(event["summary"]): event
        for event in icalendar.Calendar.from_ical(response.content).walk("VEVENT")
    }
    final_label = Deadline.objects.get(commitment=commitment, kind="final").label
    assert set(events) == {
        "Due: Rapport — Draft (approximate date: June 2029)",
        f"Due: Rapport — {final_label}",
    }
    draft = events["Due: Rapport — Draft (approximate date: June 2029)"]
    assert draft.decoded("dtstart") == D(2029, 6, 30)
    assert "approximate date" in str(draft["description"])


# --- the case, as of 1 December 2026 ----------------------------------------------------


def test_check_deadlines_raises_the_three_lapsed_deadlines_of_the_documents(owner, mailoutbox):
    """Built with the services, as the seeds describe them (the seed-based test is the lead's):
    the CRC report before the Committee's September 2022 session; France's comments to the OSCE,
    expected by the coalition no later than March 2022; the third plan, successor of the second,
    whose end is disputed (2021 or 2023). The referral mechanism has no deadline: no alert."""
    session = add_event("crc-session-2022-09", D(2022, 9, 1), MONTH)
    crc = make_commitment(title="Rapport au Comité des droits de l'enfant", owner=owner)
    add_deadline(
        crc, label="Rapport remis avant la session", basis=Deadline.Basis.EVENT, event=session
    )
    osce = make_commitment(title="Commentaires de la France sur le rapport de l'OSCE", owner=owner)
    add_deadline(
        osce,
        label="Commentaires envoyés à l'OSCE",
        basis=Deadline.Basis.EXPECTED,
        date=D(2022, 3, 1),
        precision=MONTH,
    )
    second = make_commitment(title="Deuxième plan national", owner=owner)
    for end in (D(2021, 1, 1), D(2023, 1, 1)):
        add_claim(second, kind=Claim.Kind.PERIOD, period_end=end, period_precision=YEAR)
    third = make_commitment(title="Troisième plan national", owner=owner)
    add_deadline(
        third,
        kind=Deadline.Kind.FINAL,
        label="Troisième plan adopté",
        basis=Deadline.Basis.SUCCESSOR,
        predecessor=second,
    )
    make_commitment(title="Mécanisme national d'identification", owner=owner)

    out = StringIO()
    call_command("check_deadlines", "--as-of", "2026-12-01", stdout=out)
    call_command("check_deadlines", "--as-of", "2026-12-01", stdout=out)

    lapsed = Alert.objects.filter(kind="lapsed").select_related("deadline", "commitment")
    assert sorted((a.commitment.title, a.deadline.label) for a in lapsed) == [
        ("Commentaires de la France sur le rapport de l'OSCE", "Commentaires envoyés à l'OSCE"),
        ("Rapport au Comité des droits de l'enfant", "Rapport remis avant la session"),
        ("Troisième plan national", "Troisième plan adopté"),
    ]
    assert "3 lapsed" in out.getvalue()
    assert len(mailoutbox) == 1
    assert "Échéance : septembre 2022 — " in mailoutbox[0].body


def test_seeded_documents_raise_a_lapsed_alert_for_each_late_deadline(db):
    """The issue's acceptance, on the seed data as `make run` loads it."""
    call_command("load_seeds")
    call_command("check_deadlines", "--as-of", "2026-12-01", stdout=StringIO())
    lapsed = set(
        Alert.objects.filter(kind=Alert.Kind.LAPSED).values_list("commitment__key", flat=True)
    )
    assert {
        "rapport-france-comite-droits-enfant",
        "rapport-osce-france",
        "troisieme-plan-action-national",
    } <= lapsed
    # Nothing lapses for what has no deadline: the referral mechanism ages by its asks instead.
    assert "mecanisme-national-orientation" not in lapsed
    raised = Alert.objects.count()
    call_command("check_deadlines", "--as-of", "2026-12-01", stdout=StringIO())
    assert Alert.objects.count() == raised
