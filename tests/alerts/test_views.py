"""The alert inbox, acknowledgement, watching, the navigation partials and their permissions."""

import datetime

import pytest
from django.template import Context, RequestContext, Template
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from accounts import roles
from alerts.context_processors import alerts as alerts_context
from alerts.delivery import deliveries_acknowledge
from alerts.models import Alert, Delivery, Watch
from alerts.raising.runner import alerts_raise
from alerts.watching import is_watching, watch_start

from ..factories import UserFactory, make_commitment
from .builders import enrich

pytestmark = pytest.mark.django_db

DUE = datetime.date(2024, 6, 15)
INBOX = "/alerts/"


@pytest.fixture(autouse=True)
def lead_days(settings):
    settings.ALERT_LEAD_DAYS = (30, 7)


def raise_alerts(as_of=datetime.date(2024, 6, 20)):
    return alerts_raise(as_of=as_of)


@pytest.fixture
def alice():
    return UserFactory(username="alice", language="en", groups=[roles.VIEWERS])


@pytest.fixture
def alice_client(client, alice):
    client.force_login(alice)
    return client


def make_alerts(owner, *, lapsed: int = 0, due_soon: int = 0, advocacy: bool = False) -> None:
    """``advocacy``: also steps (month precision, June 2024: due soon), claims and asks."""
    for index in range(lapsed):
        commitment = make_commitment(
            title=f"Lapsed {index}", due_date=DUE - datetime.timedelta(index), owner=owner
        )
        if advocacy:
            enrich(commitment, index, step_date=datetime.date(2024, 6, 1))
    for index in range(due_soon):
        make_commitment(title=f"Soon {index}", due_date=datetime.date(2024, 6, 25), owner=owner)
    raise_alerts()


# --- who may use what ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("get", INBOX),
        ("post", "/alerts/acknowledge/"),
        ("post", "/alerts/watch/1/"),
        ("post", "/alerts/watch/1/remove/"),
        ("get", "/alerts/calendar/"),
        ("post", "/alerts/calendar/reset/"),
    ],
)
def test_anonymous_is_sent_to_login(client, method, url):
    response = getattr(client, method)(url)
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


@pytest.mark.parametrize(
    ("url", "allowed"),
    [
        ("/alerts/acknowledge/", "POST"),
        ("/alerts/calendar/reset/", "POST"),
        ("/alerts/watch/1/", "POST"),
        ("/alerts/watch/1/remove/", "POST"),
    ],
)
def test_state_changes_refuse_get(alice_client, url, allowed):
    assert alice_client.get(url).status_code == 405


def test_acknowledge_requires_csrf(alice):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(alice)
    make_alerts(alice, lapsed=1)
    response = client.post("/alerts/acknowledge/", {"all": "on"})
    assert response.status_code == 403
    assert Delivery.objects.filter(acknowledged_at__isnull=True).count() == 1


# --- inbox ------------------------------------------------------------------------------------


def test_inbox_shows_only_the_users_own_alerts(alice_client, alice):
    bob = UserFactory(username="bob")
    make_commitment(title="Alice's deadline", due_date=DUE, owner=alice)
    make_commitment(title="Bob's deadline", due_date=DUE, owner=bob)
    raise_alerts()

    response = alice_client.get(INBOX)

    assert response.status_code == 200
    content = response.content.decode()
    assert "Alice&#x27;s deadline" in content
    assert "Bob&#x27;s deadline" not in content
    assert [d.user for d in response.context["deliveries"]] == [alice]


def test_inbox_filters_by_kind_and_state(alice_client, alice):
    make_alerts(alice, lapsed=2, due_soon=1)

    lapsed = alice_client.get(INBOX, {"kind": "lapsed"}).context["deliveries"]
    soon = alice_client.get(INBOX, {"kind": "due_soon"}).context["deliveries"]
    assert {d.alert.kind for d in lapsed} == {"lapsed"} and len(lapsed) == 2
    assert {d.alert.kind for d in soon} == {"due_soon"} and len(soon) == 1

    deliveries_acknowledge(user=alice)
    assert len(alice_client.get(INBOX).context["deliveries"]) == 0
    assert len(alice_client.get(INBOX, {"state": "all"}).context["deliveries"]) == 3
    # An unknown filter value falls back to the defaults instead of failing.
    assert alice_client.get(INBOX, {"kind": "nonsense"}).status_code == 200


def test_inbox_counts_per_kind(alice_client, alice):
    make_alerts(alice, lapsed=2, due_soon=1)
    counts = {kind: count for kind, _label, count in alice_client.get(INBOX).context["kind_counts"]}
    assert counts == {"lapsed": 2, "due_soon": 1, "status_changed": 0}


@pytest.mark.parametrize("count", [5, 200])
def test_inbox_query_count_is_constant(alice_client, alice, count, django_assert_num_queries):
    make_alerts(alice, lapsed=count, advocacy=True)
    # session, user, deliveries count (paginator), page of deliveries (with their deadlines),
    # counts per kind, unacknowledged count for the header, the user's permissions (user's and
    # groups', for the editors' link in the header).
    with django_assert_num_queries(8):
        response = alice_client.get(INBOX)
    total = Delivery.objects.filter(user=alice).count()
    assert total > count
    assert len(response.context["deliveries"]) == min(total, 50)


# --- acknowledging ----------------------------------------------------------------------------


def test_acknowledge_one(alice_client, alice):
    make_alerts(alice, lapsed=2)
    first, second = Delivery.objects.order_by("pk")

    response = alice_client.post("/alerts/acknowledge/", {"only": first.pk, "next": INBOX})

    assert response.status_code == 302 and response.url == INBOX
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.acknowledged_at is not None
    assert second.acknowledged_at is None


def test_acknowledge_many(alice_client, alice):
    make_alerts(alice, lapsed=3)
    ids = list(Delivery.objects.order_by("pk").values_list("pk", flat=True))

    alice_client.post("/alerts/acknowledge/", {"deliveries": ids[:2]})

    assert (
        list(Delivery.objects.order_by("pk").values_list("acknowledged_at", flat=True)).count(None)
        == 1
    )


def test_acknowledge_all_of_a_kind(alice_client, alice):
    make_alerts(alice, lapsed=2, due_soon=1)

    alice_client.post("/alerts/acknowledge/", {"all": "on", "kind": "lapsed"})

    assert set(
        Delivery.objects.filter(acknowledged_at__isnull=True).values_list("alert__kind", flat=True)
    ) == {"due_soon"}


def test_cannot_acknowledge_someone_elses_alert(alice_client, alice):
    bob = UserFactory(username="bob")
    make_alerts(bob, lapsed=1)
    bobs = Delivery.objects.get(user=bob)

    response = alice_client.post("/alerts/acknowledge/", {"only": bobs.pk}, follow=True)

    bobs.refresh_from_db()
    assert bobs.acknowledged_at is None
    assert response.status_code == 200
    assert [message.level_tag for message in response.context["messages"]] == ["error"]


def test_acknowledge_nothing_selected_is_an_error(alice_client, alice):
    make_alerts(alice, lapsed=1)
    response = alice_client.post(
        "/alerts/acknowledge/", {}, follow=True, headers={"accept-language": "en"}
    )
    assert "Tick at least one alert" in response.content.decode()
    assert Delivery.objects.get().acknowledged_at is None


def test_acknowledge_ignores_an_external_next(alice_client, alice):
    make_alerts(alice, lapsed=1)
    response = alice_client.post(
        "/alerts/acknowledge/", {"all": "on", "next": "https://evil.example.com/"}
    )
    assert response.url == INBOX


# --- navigation count and dashboard panel -------------------------------------------------------


def _render(template: str, user) -> str:
    request = RequestFactory().get("/")
    request.user = user
    from django.urls import resolve

    request.resolver_match = resolve("/alerts/")
    return Template(template).render(RequestContext(request, {}))


def test_context_processor_counts_open_unacknowledged_only(alice):
    make_alerts(alice, lapsed=3)
    Alert.objects.filter(commitment__title="Lapsed 0").update(
        closed_at=timezone.now(), closed_reason=Alert.CloseReason.FINAL_STATUS
    )
    deliveries_acknowledge(
        user=alice, deliveries=Delivery.objects.filter(alert__commitment__title="Lapsed 1")
    )
    request = RequestFactory().get("/")
    request.user = alice
    context = alerts_context(request)
    assert context["unacknowledged_alert_count"]() == 1
    assert [d.alert.commitment.title for d in context["unacknowledged_lapsed_alerts"]()] == [
        "Lapsed 2"
    ]


def test_context_processor_is_empty_for_anonymous():
    from django.contrib.auth.models import AnonymousUser

    request = RequestFactory().get("/")
    request.user = AnonymousUser()
    assert alerts_context(request) == {}


def test_nav_link_shows_the_count(alice):
    make_alerts(alice, lapsed=2)
    html = _render('{% include "alerts/_nav_link.html" %}', alice)
    assert 'href="/alerts/"' in html
    assert ">2</span>" in html
    assert 'aria-current="page"' in html


@pytest.mark.parametrize("count", [5, 200])
def test_dashboard_panel_query_count_is_constant(alice, count, django_assert_num_queries):
    make_alerts(alice, lapsed=count, advocacy=True)
    with django_assert_num_queries(1):
        html = _render('{% include "alerts/_dashboard_panel.html" %}', alice)
    assert html.count("<li>") == min(count, 10)
    # Oldest deadline first.
    assert html.index(f"Lapsed {count - 1}") < html.index(f"Lapsed {count - 2}")


# --- watching ---------------------------------------------------------------------------------


def test_viewer_can_watch_and_unwatch(alice_client, alice):
    commitment = make_commitment(due_date=DUE)

    response = alice_client.post(f"/alerts/watch/{commitment.pk}/")
    assert response.status_code == 302
    assert response.url == commitment.get_absolute_url()
    assert is_watching(user=alice, commitment=commitment)

    alice_client.post(f"/alerts/watch/{commitment.pk}/remove/")
    assert not is_watching(user=alice, commitment=commitment)
    assert not Watch.objects.filter(user=alice).exists()


def test_owner_watches_by_default_and_can_opt_out_and_back(alice_client, alice):
    commitment = make_commitment(due_date=DUE, owner=alice)
    assert is_watching(user=alice, commitment=commitment)

    alice_client.post(f"/alerts/watch/{commitment.pk}/remove/")
    assert not is_watching(user=alice, commitment=commitment)
    assert Watch.objects.get(user=alice).watching is False

    alice_client.post(f"/alerts/watch/{commitment.pk}/")
    assert is_watching(user=alice, commitment=commitment)


def test_user_without_view_permission_cannot_watch(client):
    nobody = UserFactory(username="nogroup")
    client.force_login(nobody)
    commitment = make_commitment(due_date=DUE)
    assert client.post(f"/alerts/watch/{commitment.pk}/").status_code == 403
    assert not Watch.objects.exists()


def test_watching_an_unknown_commitment_is_404(alice_client):
    assert alice_client.post("/alerts/watch/999999/").status_code == 404


def test_watch_button_and_tag_use_one_query(alice, django_assert_num_queries):
    commitment = make_commitment(due_date=DUE)
    watch_start(user=alice, commitment=commitment)
    template = Template(
        "{% load alerts_tags %}{% is_watching commitment as watching %}"
        '{% include "alerts/_watch_button.html" with is_watching=watching %}'
    )
    request = RequestFactory().get("/")
    request.user = alice
    with django_assert_num_queries(1):
        html = template.render(RequestContext(request, {"commitment": commitment}))
    assert f'action="/alerts/watch/{commitment.pk}/remove/"' in html
    assert "csrfmiddlewaretoken" in html


def test_watch_button_offers_to_watch(alice):
    commitment = make_commitment(due_date=DUE)
    html = Template('{% include "alerts/_watch_button.html" %}').render(
        Context({"commitment": commitment, "is_watching": False, "user": alice})
    )
    assert f'action="/alerts/watch/{commitment.pk}/"' in html
