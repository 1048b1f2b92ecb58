"""The per-user iCalendar feed: content, parsing back with icalendar, token reset."""

import datetime

import icalendar
import pytest

from accounts import roles
from alerts.calendar_tokens import calendar_token_get_or_create
from alerts.models import CalendarToken
from alerts.watching import watch_start, watch_stop
from commitments.models import Commitment, Deadline

from ..factories import UserFactory, make_commitment
from .builders import enrich

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def site(settings):
    settings.SITE_URL = "https://vigie.example.org"


@pytest.fixture
def alice():
    return UserFactory(username="alice", language="en", groups=[roles.VIEWERS])


def feed_url(token: CalendarToken) -> str:
    return f"/alerts/calendar/{token.token}.ics"


def events_of(response) -> dict[str, icalendar.Event]:
    calendar = icalendar.Calendar.from_ical(response.content)
    return {str(event["summary"]): event for event in calendar.walk("VEVENT")}


def final_of(commitment) -> Deadline:
    return Deadline.objects.get(commitment=commitment, kind=Deadline.Kind.FINAL)


def test_feed_lists_followed_open_deadlines_and_parses_back(client, alice):
    future = datetime.date.today() + datetime.timedelta(days=40)
    past = datetime.date.today() - datetime.timedelta(days=3)
    owned = make_commitment(title="Plan national", due_date=future, owner=alice)
    watched = make_commitment(title="Rapport CRC", due_date=past)
    watch_start(user=alice, commitment=watched)
    make_commitment(title="Met one", due_date=future, owner=alice, status=Commitment.Status.MET)
    make_commitment(title="Undated", due_date=None, owner=alice)
    make_commitment(title="Not followed", due_date=future)
    opted_out = make_commitment(title="Opted out", due_date=future, owner=alice)
    watch_stop(user=alice, commitment=opted_out)
    token = calendar_token_get_or_create(user=alice)

    response = client.get(feed_url(token))  # no login: the token authenticates

    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    events = events_of(response)
    label = final_of(owned).label  # one event per open deadline: "Due: <commitment> — <label>"
    assert set(events) == {f"Due: Plan national — {label}", f"Overdue: Rapport CRC — {label}"}
    event = events[f"Due: Plan national — {label}"]
    assert event.decoded("dtstart") == future
    assert event.decoded("dtend") == future + datetime.timedelta(days=1)
    assert str(event["uid"]) == f"deadline-{final_of(owned).pk}@vigie.example.org"
    assert str(event["url"]) == f"https://vigie.example.org/commitments/{owned.pk}/"
    assert f"https://vigie.example.org/commitments/{owned.pk}/" in str(event["description"])
    calendar = icalendar.Calendar.from_ical(response.content)
    assert str(calendar["version"]) == "2.0"


def test_event_uid_is_stable_when_the_due_date_moves(client, alice):
    commitment = make_commitment(title="Plan", due_date=datetime.date(2030, 1, 1), owner=alice)
    token = calendar_token_get_or_create(user=alice)
    summary = f"Due: Plan — {final_of(commitment).label}"
    before = events_of(client.get(feed_url(token)))[summary]
    from commitments.models import StatusChange
    from commitments.services.lifecycle import commitment_save

    commitment_save(
        commitment=commitment,
        data={"due_date": datetime.date(2030, 3, 1)},
        expected_version=commitment.version,
        author=None,
        origin=StatusChange.Origin.WEB,
    )
    after = events_of(client.get(feed_url(token)))[summary]

    assert str(before["uid"]) == str(after["uid"])
    assert after.decoded("dtstart") == datetime.date(2030, 3, 1)
    assert int(after["sequence"]) > int(before["sequence"])


def test_feed_is_in_the_users_language(client):
    french = UserFactory(username="francois", language="fr")
    commitment = make_commitment(title="Plan", due_date=datetime.date(2030, 1, 1), owner=french)
    token = calendar_token_get_or_create(user=french)
    label = final_of(commitment).label
    assert set(events_of(client.get(feed_url(token)))) == {f"Échéance : Plan — {label}"}


@pytest.mark.parametrize("count", [5, 200])
def test_feed_query_count_is_constant(client, alice, count, django_assert_num_queries):
    steps = 0
    for index in range(count):
        commitment = make_commitment(due_date=datetime.date(2030, 1, 1 + index % 28), owner=alice)
        steps += enrich(commitment, index, step_date=datetime.date(2029, 6, 1))
    token = calendar_token_get_or_create(user=alice)
    with django_assert_num_queries(2):  # token with user, deadlines with commitments and bodies
        response = client.get(feed_url(token))
    assert len(events_of(response)) == count + steps


def test_unknown_token_is_404(client):
    assert client.get("/alerts/calendar/not-a-token.ics").status_code == 404


def test_inactive_users_feed_is_404(client, alice):
    token = calendar_token_get_or_create(user=alice)
    alice.is_active = False
    alice.save()
    assert client.get(feed_url(token)).status_code == 404


def test_calendar_page_shows_the_url_and_reset_stops_the_old_one(client, alice):
    client.force_login(alice)
    page = client.get("/alerts/calendar/")
    token = CalendarToken.objects.get(user=alice)
    old_url = feed_url(token)
    assert f"https://vigie.example.org{old_url}" in page.content.decode()
    assert f"webcal://vigie.example.org{old_url}" in page.content.decode()
    assert client.get(old_url).status_code == 200

    response = client.post("/alerts/calendar/reset/")

    assert response.status_code == 302 and response.url == "/alerts/calendar/"
    new = CalendarToken.objects.get(user=alice)
    assert new.token != token.token
    assert client.get(old_url).status_code == 404
    assert client.get(feed_url(new)).status_code == 200
    assert feed_url(new) in client.get("/alerts/calendar/").content.decode()


def test_tokens_are_long_and_random():
    first, second = UserFactory(username="one"), UserFactory(username="two")
    tokens = {
        calendar_token_get_or_create(user=first).token,
        calendar_token_get_or_create(user=second).token,
    }
    assert len(tokens) == 2
    assert all(len(token) >= 43 for token in tokens)
