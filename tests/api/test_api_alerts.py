"""``/api/alerts/``: each user reads and acknowledges their own alerts, nobody else's."""

import datetime
import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from accounts import roles
from alerts.models import Alert, Delivery

from ..factories import UserFactory, make_commitment

LIST = reverse("api:alert-list")


def raise_alert(commitment, kind=Alert.Kind.LAPSED, lead_days=0, closed=False) -> Alert:
    return Alert.objects.create(
        commitment=commitment,
        kind=kind,
        due_date=commitment.due_date,
        lead_days=lead_days,
        raised_as_of=datetime.date(2026, 3, 6),
        run_id=uuid.uuid4(),
        closed_at=datetime.datetime(2026, 3, 10, tzinfo=datetime.UTC) if closed else None,
        closed_reason=Alert.CloseReason.FINAL_STATUS if closed else "",
    )


def token_client(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return client


@pytest.fixture
def alice(db):
    return UserFactory(username="alice", groups=[roles.VIEWERS])


@pytest.fixture
def bruno(db):
    return UserFactory(username="bruno", groups=[roles.EDITORS])


@pytest.fixture
def deliveries(alice, bruno):
    commitment = make_commitment(title="Plan national", due_date=datetime.date(2026, 3, 5))
    lapsed = raise_alert(commitment)
    soon = raise_alert(commitment, kind=Alert.Kind.DUE_SOON, lead_days=7, closed=True)
    return {
        "alice_lapsed": Delivery.objects.create(alert=lapsed, user=alice),
        "alice_soon": Delivery.objects.create(
            alert=soon,
            user=alice,
            acknowledged_at=datetime.datetime(2026, 3, 1, tzinfo=datetime.UTC),
        ),
        "bruno_lapsed": Delivery.objects.create(alert=lapsed, user=bruno),
    }


def ids(response) -> set[int]:
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


def test_list_shows_only_my_alerts(alice, deliveries):
    response = token_client(alice).get(LIST)
    assert ids(response) == {deliveries["alice_lapsed"].pk, deliveries["alice_soon"].pk}
    row = next(r for r in response.json()["results"] if r["id"] == deliveries["alice_lapsed"].pk)
    assert row["kind"] == "lapsed" and row["commitment"]["title"] == "Plan national"
    assert row["due_date"] == "2026-03-05" and row["is_acknowledged"] is False


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"acknowledged": "false"}, {"alice_lapsed"}),
        ({"acknowledged": "true"}, {"alice_soon"}),
        ({"kind": "due_soon"}, {"alice_soon"}),
        ({"open": "true"}, {"alice_lapsed"}),
        ({"open": "false"}, {"alice_soon"}),
    ],
)
def test_filters(alice, deliveries, query, expected):
    assert ids(token_client(alice).get(LIST, query)) == {deliveries[k].pk for k in expected}


def test_acknowledge_mine(alice, deliveries):
    delivery = deliveries["alice_lapsed"]
    client = token_client(alice)
    response = client.post(reverse("api:alert-acknowledge", args=[delivery.pk]))
    assert response.status_code == 200
    assert response.json()["is_acknowledged"] is True
    delivery.refresh_from_db()
    first = delivery.acknowledged_at
    assert first is not None
    # Again: nothing changes.
    assert client.post(reverse("api:alert-acknowledge", args=[delivery.pk])).status_code == 200
    delivery.refresh_from_db()
    assert delivery.acknowledged_at == first
    # Bruno's delivery of the same alert is untouched.
    assert Delivery.objects.get(pk=deliveries["bruno_lapsed"].pk).acknowledged_at is None


def test_someone_elses_alert_is_404(alice, deliveries):
    client = token_client(alice)
    other = deliveries["bruno_lapsed"].pk
    assert client.get(reverse("api:alert-detail", args=[other])).status_code == 404
    assert client.post(reverse("api:alert-acknowledge", args=[other])).status_code == 404
    assert Delivery.objects.get(pk=other).acknowledged_at is None


def test_acknowledge_all(bruno, alice, deliveries):
    response = token_client(alice).post(reverse("api:alert-acknowledge-all"))
    assert response.status_code == 200 and response.json() == {"acknowledged": 1}
    assert Delivery.objects.filter(user=alice, acknowledged_at__isnull=True).count() == 0
    assert Delivery.objects.filter(user=bruno, acknowledged_at__isnull=True).count() == 1


@pytest.mark.parametrize(
    ("name", "method", "anonymous", "user"),
    [
        ("alert-list", "GET", 401, 200),
        ("alert-list", "POST", 405, 405),
        ("alert-list", "PUT", 405, 405),
        ("alert-list", "PATCH", 405, 405),
        ("alert-list", "DELETE", 405, 405),
        ("alert-detail", "GET", 401, 200),
        ("alert-detail", "POST", 405, 405),
        ("alert-detail", "PUT", 405, 405),
        ("alert-detail", "PATCH", 405, 405),
        ("alert-detail", "DELETE", 405, 405),
        ("alert-acknowledge", "GET", 405, 405),
        ("alert-acknowledge", "POST", 401, 200),
        ("alert-acknowledge-all", "GET", 405, 405),
        ("alert-acknowledge-all", "POST", 401, 200),
    ],
)
@pytest.mark.parametrize("role", ["anonymous", "viewer", "editor", "administrator"])
def test_alert_permission_matrix(deliveries, alice, name, method, anonymous, user, role):
    """Any authenticated user, whatever their role, on their own alerts; anonymous: 401."""
    if role == "anonymous":
        client, expected, delivery = APIClient(), anonymous, deliveries["alice_lapsed"]
    else:
        owner = UserFactory(username=f"{role}-user", groups=[f"{role}s"])
        delivery = Delivery.objects.create(alert=deliveries["alice_lapsed"].alert, user=owner)
        client, expected = token_client(owner), user
    args = [] if name in {"alert-list", "alert-acknowledge-all"} else [delivery.pk]
    response = client.generic(method, reverse(f"api:{name}", args=args))
    assert response.status_code == expected, response.content


@pytest.mark.parametrize("size", [5, 200])
def test_alert_list_queries_do_not_grow(alice, size):
    for _ in range(size):
        commitment = make_commitment(due_date=datetime.date(2026, 3, 1))
        Delivery.objects.create(alert=raise_alert(commitment), user=alice)
    client = token_client(alice)
    with CaptureQueriesContext(connection) as context:
        response = client.get(LIST, {"page_size": size})
    assert response.status_code == 200 and response.json()["count"] == size
    # token + user, people-name permissions (2), count, page with alert and commitment
    assert len(context.captured_queries) == 5
