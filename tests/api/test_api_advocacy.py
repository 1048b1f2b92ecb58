"""Deadlines as advocacy knows them, claims and asks through the API (issue 10): the
representation, the filters and orderings, the CSV columns, and the writes through the
services (deadlines, claims, asks, events), with their bad input answered per field."""

import csv
import datetime
import io
import json

import pytest
from django.urls import reverse

from commitments.models import Ask, Claim, Deadline, Event

from ..factories import SourceFactory
from .advocacy_data import add_claim, advocacy_catalogue

LIST = reverse("api:commitment-list")
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


@pytest.fixture
def data(db):
    return advocacy_catalogue()


def detail(client, commitment, **headers):
    response = client.get(reverse("api:commitment-detail", args=[commitment.pk]), **headers)
    assert response.status_code == 200, response.content
    return response.json()


def keys(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [row["key"] for row in response.json()["results"]]


def post(client, name, commitment, payload, **headers):
    return client.post(
        reverse(f"api:commitment-{name}", args=[commitment.pk]),
        json.dumps(payload),
        content_type="application/json",
        **headers,
    )


# Representation ------------------------------------------------------------------------------


class TestRepresentation:
    def test_approximate_expected_deadline_is_late_as_honestly_as_known(self, viewer_api, data):
        body = detail(viewer_api, data["osce"], **EN)
        # The governing deadline, kept as before: its last possible day.
        assert body["due_date"] == "2022-03-31"
        assert body["is_overdue"] is True
        assert (
            body["days_overdue"] == (datetime.date(2026, 3, 15) - datetime.date(2022, 3, 31)).days
        )
        # Never a false day count for a month-precision date.
        assert body["lateness"] == "more than 3 years late"
        (deadline,) = body["deadlines"]
        assert deadline["precision"] == "month"
        assert deadline["bound"] == "no_later_than"
        assert deadline["basis"] == "expected"
        assert deadline["date_display"] == "March 2022"
        assert (deadline["window_start"], deadline["window_end"]) == ("2022-03-01", "2022-03-31")
        assert deadline["lateness"] == "more than 3 years late"
        assert deadline["days_left"] is None
        assert "date deduced by the coalition, not official" in deadline["caveat"]
        assert "approximate date" in deadline["caveat"]
        assert deadline["disputed"] is False
        assert deadline["reasoning"].startswith("« attendus")

    def test_state_claim_beside_the_coalition_status(self, viewer_api, data):
        body = detail(viewer_api, data["osce"])
        assert body["status"] == "not_started"
        assert body["state_claimed_status"] == "met"
        assert body["diverging"] is True
        (claim,) = body["claims"]
        assert claim["side"] == "state"
        assert claim["kind"] == "status"
        assert claim["claimed_status"] == "met"
        assert claim["body"]["key"] == "miprof"
        assert claim["source"]["key"] == "ministere-2022"
        assert (claim["made_on"], claim["made_on_precision"]) == ("2022-07-01", "month")
        assert claim["made_on_display"] == "juillet 2022"

    def test_successor_shows_every_reading_and_counts_the_earliest(self, viewer_api, data):
        body = detail(viewer_api, data["plan3"], **EN)
        assert body["disputed"] is True
        (deadline,) = body["deadlines"]
        assert deadline["basis"] == "successor"
        assert deadline["predecessor"] == data["plan2"].pk
        assert deadline["disputed"] is True
        assert (deadline["window_start"], deadline["window_end"]) == ("2021-01-01", "2021-12-31")
        assert deadline["date_display"] == "2021"
        assert "the sources disagree on this date" in deadline["caveat"]
        readings = deadline["readings"]
        assert [(r["end_window_end"], r["side"], r["counted"]) for r in readings] == [
            ("2021-12-31", "coalition", True),
            ("2023-12-31", "state", False),
        ]
        assert readings[1]["source"]["key"] == "ministere-2022"
        assert readings[1]["body"]["key"] == "miprof"
        assert body["due_date"] == "2021-12-31"
        assert body["lateness"] == "more than 4 years late"

    def test_event_deadline_names_its_event(self, viewer_api, data):
        (deadline,) = detail(viewer_api, data["crc"])["deadlines"]
        assert deadline["kind"] == "step"
        assert deadline["event"] == {
            "id": data["session"].pk,
            "key": "crc-session-2022-09",
            "name": "Session du Comité, septembre 2022",
            "date": "2022-09-01",
            "precision": "month",
            "date_display": "septembre 2022",
        }
        assert deadline["window_end"] == "2022-09-30"

    def test_asks_waiting_and_news(self, viewer_api, data):
        body = detail(viewer_api, data["referral"])
        assert body["deadlines"] == [] and body["due_date"] is None
        assert body["lateness"] is None and body["is_overdue"] is False
        assert [ask["body"]["key"] for ask in body["asks"]] == ["collectif", "crc"]
        assert body["asks"][0]["made_on_display"] == "juillet 2022"
        assert body["asks"][1]["kind"] == "recommendation"
        assert body["outstanding_since"] == "2022-07-01"
        assert (body["asks_count"], body["asking_bodies"]) == (2, 2)
        assert body["last_news_on"] == "2020-01-01"
        assert body["to_check"] is True
        recent = detail(viewer_api, data["recent"])
        assert recent["to_check"] is False
        assert recent["outstanding_since"] is None and recent["asks_count"] == 0
        assert recent["deadlines"][0]["days_left"] == 17
        assert recent["lateness"] is None

    def test_met_deadline_is_not_late(self, editor_api, data):
        osce = data["osce"]
        deadline = osce.deadlines.get()
        response = editor_api.patch(
            reverse("api:commitment-deadline-detail", args=[osce.pk, deadline.pk]),
            {"met_on": "2022-06-30", "version": osce.version},
            format="json",
        )
        assert response.status_code == 200, response.content
        assert response.json()["lateness"] is None
        body = detail(editor_api, osce)
        assert body["due_date"] is None and body["is_overdue"] is False
        assert body["deadlines"][0]["met_on"] == "2022-06-30"

    def test_superseded_is_a_status(self, anonymous_client, db):
        schema = anonymous_client.get(reverse("api:schema"), {"format": "json"}).json()
        assert "superseded" in schema["components"]["schemas"]["StatusEnum"]["enum"]


# Filters and orderings -----------------------------------------------------------------------


class TestFilters:
    @pytest.mark.parametrize(
        ("query", "expected"),
        [
            ({"diverging": "true"}, {"osce"}),
            ({"disputed": "true"}, {"plan3"}),
            ({"to_check": "false"}, {"recent"}),
            ({"precision": "year"}, {"plan3"}),
            ({"precision": "month"}, {"osce", "crc"}),
            ({"lapsed_since": "2022-04-02"}, {"crc"}),
            ({"lapsed_since": "2021-01-01"}, {"plan3", "osce", "crc"}),
            ({"due_within": "30"}, {"recent"}),
            ({"due_within": "10"}, set()),
        ],
    )
    def test_advocacy_filters(self, viewer_api, data, query, expected):
        assert set(keys(viewer_api.get(LIST, query))) == expected

    def test_to_check_and_unowned(self, viewer_api, data):
        assert set(keys(viewer_api.get(LIST, {"to_check": "true"}))) == {
            "osce",
            "plan2",
            "plan3",
            "crc",
            "referral",
        }
        assert len(keys(viewer_api.get(LIST, {"unowned": "true"}))) == 6

    def test_waiting_longest_first_then_those_without_asks(self, viewer_api, data):
        ordered = keys(viewer_api.get(LIST, {"ordering": "waiting,title"}))
        assert ordered[:2] == ["referral", "osce"]
        assert set(ordered[2:]) == {"plan2", "plan3", "crc", "recent"}
        latest = keys(viewer_api.get(LIST, {"ordering": "-waiting,title"}))
        assert latest[:2] == ["osce", "referral"]

    def test_no_news_for_longest_first(self, viewer_api, data):
        ordered = keys(viewer_api.get(LIST, {"ordering": "last_news,title"}))
        assert ordered[-1] == "recent"

    @pytest.mark.parametrize(
        "query", [{"precision": "week"}, {"lapsed_since": "hier"}, {"due_within": "-1"}]
    )
    def test_bad_filter_is_400_on_the_field(self, viewer_api, data, query):
        response = viewer_api.get(LIST, query)
        assert response.status_code == 400
        assert set(response.json()) == set(query)


class TestCsv:
    def test_new_columns(self, viewer_api, data):
        response = viewer_api.get(LIST, {"format": "csv", "ordering": "title"}, **EN)
        assert response.status_code == 200
        rows = {
            row["key"]: row
            for row in csv.DictReader(io.StringIO(response.content.decode("utf-8-sig")))
        }
        for column in (
            "lateness",
            "precision",
            "basis",
            "caveat",
            "disputed",
            "diverging",
            "outstanding_since",
            "asks_count",
            "last_news_on",
            "to_check",
        ):
            assert column in rows["osce"], column
        osce = rows["osce"]
        assert osce["due_date_display"] == "March 2022"
        assert osce["lateness"] == "more than 3 years late"
        assert osce["precision"] == "month"
        assert osce["basis"] == "Expected by the coalition, not official"
        assert osce["caveat"] == "date deduced by the coalition, not official; approximate date"
        assert osce["diverging"] == "true"
        assert osce["state_claimed_status"] == "met"
        assert osce["outstanding_since"] == "2022-07-29"
        assert osce["asks_count"] == "1"
        assert osce["to_check"] == "true"
        assert rows["plan3"]["disputed"] == "true"
        assert rows["referral"]["lateness"] == "" and rows["referral"]["asking_bodies"] == "2"
        assert rows["recent"]["to_check"] == "false"


# Writes --------------------------------------------------------------------------------------


class TestDeadlineWrites:
    def test_add_a_deadline(self, editor_api, data, source):
        crc = data["crc"]
        response = post(
            editor_api,
            "deadlines",
            crc,
            {
                "label": "Rapport final",
                "bound": "no_later_than",
                "basis": "text",
                "date": "2021-11-18",
                "precision": "day",
                "reasoning": "Fixé par le Comité",
                "sources": [source.pk],
                "version": crc.version,
            },
            **EN,
        )
        assert response.status_code == 201, response.content
        body = response.json()
        assert (
            body["lateness"]
            == f"{(datetime.date(2026, 3, 15) - datetime.date(2021, 11, 18)).days:,} days late"
        )
        assert body["sources"] == [{"id": source.pk, "key": source.key, "title": source.title}]
        assert body["commitment_version"] == crc.version + 1
        assert response["ETag"] == f'W/"{crc.pk}-{crc.version + 1}"'
        # The earliest open deadline governs.
        assert detail(editor_api, crc)["due_date"] == "2021-11-18"

    def test_no_later_than_without_a_date_is_400_and_writes_nothing(self, editor_api, data):
        crc = data["crc"]
        payload = {
            "label": "Rapport",
            "bound": "no_later_than",
            "basis": "text",
            "version": crc.version,
        }
        response = post(editor_api, "deadlines", crc, payload, **EN)
        assert response.status_code == 400
        assert list(response.json()) == ["date"]
        assert "needs a date" in response.json()["date"][0]
        assert crc.deadlines.count() == 1
        crc.refresh_from_db()
        assert crc.version == payload["version"]

    def test_successor_of_itself_or_in_a_loop_is_400(self, editor_api, data):
        plan2, plan3 = data["plan2"], data["plan3"]
        itself = post(
            editor_api,
            "deadlines",
            plan2,
            {"label": "x", "basis": "successor", "predecessor": plan2.pk, "version": plan2.version},
            **EN,
        )
        assert itself.status_code == 400
        assert "cannot succeed itself" in itself.json()["predecessor"][0]
        loop = post(
            editor_api,
            "deadlines",
            plan2,
            {"label": "x", "basis": "successor", "predecessor": plan3.pk, "version": plan2.version},
            **EN,
        )
        assert loop.status_code == 400
        assert "loop" in loop.json()["predecessor"][0]
        assert not plan2.deadlines.exists()

    def test_count_from_another_reading(self, editor_api, data):
        plan3 = data["plan3"]
        deadline = plan3.deadlines.get()
        later = Claim.objects.get(commitment=data["plan2"], side="state")
        response = editor_api.patch(
            reverse("api:commitment-deadline-detail", args=[plan3.pk, deadline.pk]),
            {"counted_reading": later.pk, "version": plan3.version},
            format="json",
        )
        assert response.status_code == 200, response.content
        body = response.json()
        assert body["window_end"] == "2023-12-31"
        assert [r["counted"] for r in body["readings"]] == [False, True]

    def test_reading_of_another_commitment_is_400(self, editor_api, data):
        plan3 = data["plan3"]
        deadline = plan3.deadlines.get()
        other = Claim.objects.get(commitment=data["osce"])
        response = editor_api.patch(
            reverse("api:commitment-deadline-detail", args=[plan3.pk, deadline.pk]),
            {"counted_reading": other.pk, "version": plan3.version},
            format="json",
        )
        assert response.status_code == 400
        assert list(response.json()) == ["counted_reading"]

    def test_remove_a_deadline(self, editor_api, data):
        osce = data["osce"]
        deadline = osce.deadlines.get()
        url = reverse("api:commitment-deadline-detail", args=[osce.pk, deadline.pk])
        response = editor_api.delete(url, {"version": osce.version}, format="json")
        assert response.status_code == 204
        assert response["ETag"] == f'W/"{osce.pk}-{osce.version + 1}"'
        assert not Deadline.objects.filter(pk=deadline.pk).exists()
        assert detail(editor_api, osce)["due_date"] is None

    def test_deadline_of_another_commitment_is_404(self, editor_api, data):
        other = data["plan3"].deadlines.get()
        osce = data["osce"]
        url = reverse("api:commitment-deadline-detail", args=[osce.pk, other.pk])
        response = editor_api.patch(url, {"label": "x", "version": osce.version}, format="json")
        assert response.status_code == 404

    def test_out_of_range_date_is_400_in_french(self, editor_api, data):
        crc = data["crc"]
        payload = {"label": "x", "basis": "text", "date": "0001-01-01", "version": crc.version}
        response = post(editor_api, "deadlines", crc, payload, HTTP_ACCEPT_LANGUAGE="fr")
        assert response.status_code == 400
        assert response.json()["date"] == ["Indiquez une date entre 1900-01-01 et 2199-12-31."]


class TestClaimAndAskWrites:
    def test_record_a_state_claim_makes_it_diverge(self, editor_api, data, source):
        recent = data["recent"]
        response = post(
            editor_api,
            "claims",
            recent,
            {
                "side": "state",
                "body": data["ministry"].pk,
                "kind": "status",
                "claimed_status": "met",
                "text": "C'est fait",
                "made_on": "2026-03-01",
                "source": source.pk,
                "version": recent.version,
            },
        )
        assert response.status_code == 201, response.content
        assert response.json()["claimed_status"] == "met"
        body = detail(editor_api, recent)
        assert body["diverging"] is True and body["last_news_on"] == "2026-03-01"

    def test_period_without_end_is_400(self, editor_api, data, source):
        plan2 = data["plan2"]
        payload = {
            "side": "state",
            "kind": "period",
            "text": "2019-…",
            "period_start": "2019-01-01",
            "made_on": "2022-05-01",
            "source": source.pk,
            "version": plan2.version,
        }
        response = post(editor_api, "claims", plan2, payload, **EN)
        assert response.status_code == 400
        assert list(response.json()) == ["period_end"]
        assert Claim.objects.filter(commitment=plan2).count() == 2

    def test_claimed_period_moves_the_successor(self, editor_api, data, source):
        plan2, plan3 = data["plan2"], data["plan3"]
        payload = {
            "side": "monitoring_body",
            "kind": "period",
            "text": "2019-2020",
            "period_end": "2020-01-01",
            "period_precision": "year",
            "made_on": "2022-05-01",
            "source": source.pk,
            "version": plan2.version,
        }
        assert post(editor_api, "claims", plan2, payload).status_code == 201
        body = detail(editor_api, plan3)
        assert body["due_date"] == "2020-12-31"
        assert len(body["deadlines"][0]["readings"]) == 3

    def test_future_claim_is_400(self, editor_api, data, source):
        osce = data["osce"]
        payload = {
            "side": "state",
            "kind": "statement",
            "text": "Plus tard",
            "made_on": "2026-12-01",
            "source": source.pk,
            "version": osce.version,
        }
        response = post(editor_api, "claims", osce, payload)
        assert response.status_code == 400
        assert list(response.json()) == ["made_on"]

    def test_record_an_ask(self, editor_api, data, source):
        recent = data["recent"]
        payload = {
            "body": data["committee"].pk,
            "kind": "recommendation",
            "text": "Adopter le plan",
            "made_on": "2026-02-01",
            "source": source.pk,
            "version": recent.version,
        }
        response = post(editor_api, "asks", recent, payload)
        assert response.status_code == 201, response.content
        assert response.json()["body"]["key"] == "crc"
        assert detail(editor_api, recent)["outstanding_since"] == "2026-02-01"
        assert Ask.objects.filter(commitment=recent).count() == 1

    def test_ask_needs_body_and_source(self, editor_api, data):
        recent = data["recent"]
        response = post(
            editor_api,
            "asks",
            recent,
            {"text": "x", "made_on": "2026-02-01", "version": recent.version},
        )
        assert response.status_code == 400
        assert set(response.json()) == {"body", "source"}


class TestEvents:
    def test_list_is_public(self, anonymous_client, data):
        response = anonymous_client.get(reverse("api:event-list"))
        assert response.status_code == 200
        (event,) = response.json()["results"]
        assert event["key"] == "crc-session-2022-09"
        assert event["date_display"] == "septembre 2022"

    def test_moving_an_event_moves_its_deadlines(self, editor_api, data):
        session, crc = data["session"], data["crc"]
        url = reverse("api:event-detail", args=[session.pk])
        etag = editor_api.get(url)["ETag"]
        response = editor_api.patch(url, {"date": "2022-10-01"}, format="json", HTTP_IF_MATCH=etag)
        assert response.status_code == 200, response.content
        assert response.json()["version"] == session.version + 1
        assert detail(editor_api, crc)["due_date"] == "2022-10-31"

    def test_create_an_event_following_another(self, editor_api, data):
        response = editor_api.post(
            reverse("api:event-list"),
            {
                "key": "crc-report-due",
                "name": "Rapport trois mois avant la session",
                "follows": data["session"].pk,
                "offset_days": -90,
            },
            format="json",
        )
        assert response.status_code == 201, response.content
        body = response.json()
        assert (body["date"], body["date_precision"]) == ("2022-06-01", "month")
        assert response["Location"].endswith(f"/api/events/{body['id']}/")

    def test_event_loop_is_400_and_writes_nothing(self, editor_api, data):
        session = data["session"]
        follower = Event.objects.create(
            key="suite", name="Suite", follows=session, date=session.date
        )
        url = reverse("api:event-detail", args=[session.pk])
        response = editor_api.patch(
            url, {"follows": follower.pk, "version": session.version}, format="json", **EN
        )
        assert response.status_code == 400
        assert "cannot follow itself" in response.json()["follows"][0]
        session.refresh_from_db()
        assert session.follows is None
        itself = editor_api.patch(
            url, {"follows": session.pk, "version": session.version}, format="json"
        )
        assert itself.status_code == 400 and list(itself.json()) == ["follows"]

    def test_event_without_a_date_is_400(self, editor_api, data):
        response = editor_api.post(
            reverse("api:event-list"), {"key": "x", "name": "X"}, format="json"
        )
        assert response.status_code == 400
        assert list(response.json()) == ["date"]

    def test_versions(self, editor_api, data):
        session = data["session"]
        url = reverse("api:event-detail", args=[session.pk])
        missing = editor_api.patch(url, {"name": "X"}, format="json", HTTP_ACCEPT_LANGUAGE="fr")
        assert missing.status_code == 428
        assert "version de l’événement" in missing.json()["detail"]
        stale_etag = editor_api.get(url)["ETag"]
        assert (
            editor_api.patch(
                url, {"name": "A", "version": session.version}, format="json"
            ).status_code
            == 200
        )
        stale_field = editor_api.patch(
            url, {"name": "B", "version": session.version}, format="json"
        )
        assert stale_field.status_code == 409
        assert stale_field.json()["current"]["name"] == "A"
        assert stale_field.json()["code"] == "stale_version"
        stale_header = editor_api.patch(url, {"name": "B"}, format="json", HTTP_IF_MATCH=stale_etag)
        assert stale_header.status_code == 412
        assert stale_header["ETag"] == f'W/"{session.pk}-{session.version + 1}"'
        session.refresh_from_db()
        assert session.name == "A"

    def test_duplicate_key_is_400(self, editor_api, data):
        response = editor_api.post(
            reverse("api:event-list"),
            {"key": "crc-session-2022-09", "name": "Doublon", "date": "2023-01-01"},
            format="json",
        )
        assert response.status_code == 400
        assert list(response.json()) == ["key"]


def test_anonymous_reads_public_advocacy_without_names(anonymous_client, data):
    body = detail(anonymous_client, data["osce"])
    assert body["claims"][0]["text"] == "Les commentaires ont été envoyés"
    assert body["owner"] is None


def test_claims_are_bounded(viewer_api, data):
    osce = data["osce"]
    source = SourceFactory(key="beaucoup")
    for day in range(1, 56):
        add_claim(
            osce,
            side="other",
            kind="statement",
            made_on=datetime.date(2020, 1, 1) + datetime.timedelta(days=day),
            source=source,
        )
    claims = detail(viewer_api, osce)["claims"]
    assert len(claims) == 50
    assert claims[0]["made_on"] == "2022-07-01"  # the latest first


def test_anonymous_sees_nothing_of_a_private_predecessor(anonymous_client, viewer_api, data):
    plan2 = data["plan2"]
    plan2.is_public = False
    plan2.save(update_fields=["is_public"])
    (deadline,) = detail(anonymous_client, data["plan3"])["deadlines"]
    assert deadline["predecessor"] is None and deadline["readings"] == []
    assert deadline["disputed"] is True and deadline["window_end"] == "2021-12-31"
    (deadline,) = detail(viewer_api, data["plan3"])["deadlines"]
    assert deadline["predecessor"] == plan2.pk and len(deadline["readings"]) == 2
