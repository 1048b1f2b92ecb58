"""Commitments through the API: fields, filters, ordering, pagination, CSV, create, history,
validation and errors."""

import csv
import datetime
import io

import pytest
from django.urls import reverse

from commitments.models import Citation, Commitment, StatusChange

from ..factories import BodyFactory, SourceFactory, TagFactory, UserFactory, make_commitment

LIST = reverse("api:commitment-list")


@pytest.fixture
def catalogue(db):
    """Five commitments around the fixed day 2026-03-15 (see conftest)."""
    ministry = BodyFactory(key="ministere", name="Ministère de l'Intérieur", acronym="MININT")
    greta = BodyFactory(key="greta", name="Groupe d'experts GRETA", acronym="GRETA")
    owner = UserFactory(username="camille")
    plan_tag = TagFactory(slug="plan-national", name="Plan national")
    victims_tag = TagFactory(slug="victimes", name="Victimes")
    rows = {
        "overdue": make_commitment(
            key="plan",
            title="Troisième plan national",
            summary="Un plan d'action attendu",
            category=Commitment.Category.ACTION_PLAN,
            status=Commitment.Status.IN_PROGRESS,
            responsible_body=ministry,
            monitoring_body=greta,
            due_date=datetime.date(2026, 3, 5),
            owner=owner,
            tags=[plan_tag],
            is_public=True,
        ),
        "upcoming": make_commitment(
            key="rapport",
            title="Rapport au comité",
            category=Commitment.Category.REPORT,
            status=Commitment.Status.ANNOUNCED,
            responsible_body=greta,
            due_date=datetime.date(2026, 6, 1),
            tags=[victims_tag],
            is_public=False,
        ),
        "met": make_commitment(
            key="mecanisme",
            title="Mécanisme national d'orientation",
            category=Commitment.Category.INSTITUTIONAL_MECHANISM,
            status=Commitment.Status.MET,
            responsible_body=ministry,
            due_date=datetime.date(2025, 1, 1),
            is_public=True,
        ),
        "undated": make_commitment(
            key="campagne",
            title="Campagne de sensibilisation",
            category=Commitment.Category.AWARENESS,
            responsible_body=ministry,
            due_date=None,
            tags=[victims_tag],
        ),
        "due_today": make_commitment(
            key="aujourdhui",
            title="Date limite du jour",
            category=Commitment.Category.LEGISLATION,
            status=Commitment.Status.IN_PROGRESS,
            responsible_body=greta,
            monitoring_body=ministry,
            due_date=datetime.date(2026, 3, 15),
        ),
    }
    rows["ministry"], rows["greta"], rows["owner"] = ministry, greta, owner
    return rows


def keys(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [row["key"] for row in response.json()["results"]]


class TestRepresentation:
    def test_fields_and_derived_overdue(self, viewer_api, catalogue):
        source = SourceFactory(key="s1", title="Rapport du collectif")
        Citation.objects.create(commitment=catalogue["overdue"], source=source, claim="2019-2021")
        response = viewer_api.get(reverse("api:commitment-detail", args=[catalogue["overdue"].pk]))
        assert response.status_code == 200
        data = response.json()
        assert data["is_overdue"] is True
        assert data["days_overdue"] == 10
        assert data["version"] == catalogue["overdue"].version
        assert response["ETag"] == f'W/"{catalogue["overdue"].pk}-{data["version"]}"'
        assert data["status"] == "in_progress"
        assert data["responsible_body"]["acronym"] == "MININT"
        assert data["monitoring_body"]["key"] == "greta"
        assert data["owner"] == "camille"
        assert data["tags"] == ["plan-national"]
        assert data["citations"] == [
            {"source": source.pk, "source_title": "Rapport du collectif", "claim": "2019-2021"}
        ]

    @pytest.mark.parametrize(
        ("row", "is_overdue", "days"),
        [
            ("overdue", True, 10),
            ("due_today", False, None),
            ("met", False, None),
            ("undated", False, None),
            ("upcoming", False, None),
        ],
    )
    def test_overdue_boundaries(self, viewer_api, catalogue, row, is_overdue, days):
        data = viewer_api.get(reverse("api:commitment-detail", args=[catalogue[row].pk])).json()
        assert (data["is_overdue"], data["days_overdue"]) == (is_overdue, days)

    def test_anonymous_sees_public_only_and_no_names(self, anonymous_client, catalogue):
        response = anonymous_client.get(LIST)
        assert sorted(keys(response)) == ["mecanisme", "plan"]
        assert response.json()["count"] == 2
        assert all(row["owner"] is None for row in response.json()["results"])
        history = anonymous_client.get(
            reverse("api:commitment-history", args=[catalogue["overdue"].pk])
        ).json()
        assert history["results"] and all(e["author"] is None for e in history["results"])

    def test_labels_follow_accept_language(self, viewer_api, catalogue):
        url = reverse("api:commitment-detail", args=[catalogue["overdue"].pk])
        assert viewer_api.get(url, HTTP_ACCEPT_LANGUAGE="en").json()["status_label"] == (
            "In progress"
        )


class TestFilters:
    @pytest.mark.parametrize(
        ("query", "expected"),
        [
            ({"search": "national"}, {"plan", "mecanisme"}),
            ({"search": "GRETA"}, {"plan", "rapport", "aujourdhui"}),
            ({"search": "plan attendu"}, {"plan"}),
            ({"status": "in_progress"}, {"plan", "aujourdhui"}),
            ({"status": ["met", "announced"]}, {"mecanisme", "rapport"}),
            ({"category": "report"}, {"rapport"}),
            ({"category": ["awareness", "legislation"]}, {"campagne", "aujourdhui"}),
            ({"overdue": "true"}, {"plan"}),
            ({"overdue": "false"}, {"rapport", "mecanisme", "campagne", "aujourdhui"}),
            ({"due_after": "2026-03-15"}, {"rapport", "aujourdhui"}),
            ({"due_before": "2026-03-05"}, {"plan", "mecanisme"}),
            ({"due_after": "2026-01-01", "due_before": "2026-03-31"}, {"plan", "aujourdhui"}),
            ({"tag": "victimes"}, {"rapport", "campagne"}),
            ({"tag": "plan-national", "status": "in_progress"}, {"plan"}),
        ],
    )
    def test_filter(self, viewer_api, catalogue, query, expected):
        assert set(keys(viewer_api.get(LIST, query))) == expected

    def test_body_and_owner_filters(self, viewer_api, catalogue):
        greta, owner = catalogue["greta"], catalogue["owner"]
        assert set(keys(viewer_api.get(LIST, {"responsible_body": greta.pk}))) == {
            "rapport",
            "aujourdhui",
        }
        assert set(keys(viewer_api.get(LIST, {"monitoring_body": greta.pk}))) == {"plan"}
        assert keys(viewer_api.get(LIST, {"owner": owner.pk})) == ["plan"]

    def test_filters_combine_with_public_only(self, anonymous_client, catalogue):
        assert keys(anonymous_client.get(LIST, {"tag": "victimes"})) == []
        assert keys(anonymous_client.get(LIST, {"overdue": "true"})) == ["plan"]

    @pytest.mark.parametrize(
        ("query", "field"),
        [
            ({"status": "bogus"}, "status"),
            ({"due_after": "not-a-date"}, "due_after"),
            ({"responsible_body": "999999"}, "responsible_body"),
            ({"tag": "no-such-tag"}, "tag"),
            ({"ordering": "password"}, "ordering"),
        ],
    )
    def test_invalid_filter_is_400_on_the_field(self, viewer_api, catalogue, query, field):
        response = viewer_api.get(LIST, query)
        assert response.status_code == 400
        assert field in response.json()


class TestOrdering:
    @pytest.mark.parametrize(
        ("ordering", "expected"),
        [
            ("title", ["campagne", "aujourdhui", "mecanisme", "rapport", "plan"]),
            ("-title", ["plan", "rapport", "mecanisme", "aujourdhui", "campagne"]),
            ("-due_date", ["rapport", "aujourdhui", "plan", "mecanisme"]),
            ("-days_overdue", ["plan"]),
            ("status,title", None),
        ],
    )
    def test_ordering(self, viewer_api, catalogue, ordering, expected):
        result = keys(viewer_api.get(LIST, {"ordering": ordering}))
        if ordering == "-due_date":
            # Undated rows sort first or last depending on the database: compare dated ones.
            result = [key for key in result if key != "campagne"]
        if ordering == "-days_overdue":
            result = [key for key in result if key == "plan"]
        if ordering == "status,title":
            statuses = [
                viewer_api.get(LIST, {"ordering": ordering}).json()["results"][i]["status"]
                for i in range(5)
            ]
            assert statuses == sorted(statuses)
            return
        assert result == expected

    def test_default_order_is_by_due_date(self, viewer_api, catalogue):
        dated = [k for k in keys(viewer_api.get(LIST)) if k != "campagne"]
        assert dated == ["mecanisme", "plan", "aujourdhui", "rapport"]


class TestPagination:
    def test_page_size_count_and_links(self, viewer_api, catalogue):
        page = viewer_api.get(LIST, {"page_size": 2, "ordering": "title"}).json()
        assert page["count"] == 5
        assert len(page["results"]) == 2
        assert "page=2" in page["next"] and page["previous"] is None
        last = viewer_api.get(LIST, {"page_size": 2, "page": 3, "ordering": "title"}).json()
        assert [r["key"] for r in last["results"]] == ["plan"]

    def test_page_size_is_capped(self, viewer_api, db):
        body = BodyFactory()
        Commitment.objects.bulk_create(
            Commitment(key=f"c-{i}", title=f"C {i}", responsible_body=body) for i in range(205)
        )
        page = viewer_api.get(LIST, {"page_size": 1000}).json()
        assert page["count"] == 205 and len(page["results"]) == 200

    def test_page_past_the_end_is_404(self, viewer_api, catalogue):
        response = viewer_api.get(LIST, {"page": 99})
        assert response.status_code == 404
        assert response.json()["code"] == "not_found"


class TestCsv:
    def read(self, response) -> list[dict]:
        assert response.status_code == 200, response.content
        assert response["Content-Type"] == "text/csv; charset=utf-8"
        text = response.content.decode("utf-8")
        assert text.startswith("\ufeff")
        return list(csv.DictReader(io.StringIO(text[1:])))

    def test_csv_has_every_matching_row_unpaginated(self, viewer_api, catalogue):
        response = viewer_api.get(LIST, {"format": "csv", "page_size": 1, "ordering": "title"})
        rows = self.read(response)
        assert [row["key"] for row in rows] == [
            "campagne",
            "aujourdhui",
            "mecanisme",
            "rapport",
            "plan",
        ]
        assert (
            'attachment; filename="commitments-2026-03-15.csv"' == (response["Content-Disposition"])
        )
        plan = rows[-1]
        assert plan["is_overdue"] == "true" and plan["days_overdue"] == "10"
        assert plan["responsible_body"] == "Ministère de l'Intérieur"
        assert plan["owner"] == "camille"
        assert plan["tags"] == "plan-national"
        assert rows[0]["days_overdue"] == "" and rows[0]["monitoring_body"] == ""

    def test_csv_applies_filters_and_accept_header(self, viewer_api, catalogue):
        rows = self.read(viewer_api.get(LIST, {"overdue": "true"}, HTTP_ACCEPT="text/csv"))
        assert [row["key"] for row in rows] == ["plan"]

    def test_csv_for_anonymous_is_public_only_without_names(self, anonymous_client, catalogue):
        rows = self.read(anonymous_client.get(LIST, {"format": "csv"}))
        assert sorted(row["key"] for row in rows) == ["mecanisme", "plan"]
        assert all(row["owner"] == "" for row in rows)

    @pytest.mark.parametrize("prefix", ["=", "+", "-", "@", "\t", "\r"])
    def test_formula_cells_are_neutralised(self, viewer_api, db, prefix):
        make_commitment(key="injection", title=f'{prefix}HYPERLINK("http://x")')
        rows = self.read(viewer_api.get(LIST, {"format": "csv"}))
        assert rows[0]["title"] == f'\'{prefix}HYPERLINK("http://x")'

    def test_empty_csv_still_has_a_header(self, viewer_api, db):
        rows_text = viewer_api.get(LIST, {"format": "csv"}).content.decode()
        assert rows_text.lstrip("\ufeff").startswith("id,key,title,")

    def test_csv_errors_are_json(self, viewer_api, catalogue):
        response = viewer_api.get(LIST, {"format": "csv", "status": "bogus"})
        assert response.status_code == 400
        assert response["Content-Type"] == "application/json"
        assert "status" in response.json()

    def test_csv_only_on_the_list(self, viewer_api, catalogue):
        url = reverse("api:commitment-detail", args=[catalogue["overdue"].pk])
        assert viewer_api.get(url, {"format": "csv"}).status_code == 404


class TestCreate:
    def payload(self, body, **overrides):
        data = {
            "key": "plan-2026",
            "title": "Quatrième plan national",
            "category": "action_plan",
            "responsible_body": body.pk,
            "due_date": "2026-12-31",
            "tags": ["plan-national"],
            "is_public": True,
            "status": "announced",
            "effective_date": "2026-03-01",
            "note": "Annoncé en conférence de presse",
        }
        data.update(overrides)
        return data

    def test_create_goes_through_the_service(self, editor_api, body):
        TagFactory(slug="plan-national")
        response = editor_api.post(LIST, self.payload(body), format="json")
        assert response.status_code == 201, response.content
        data = response.json()
        commitment = Commitment.objects.get(key="plan-2026")
        assert data["id"] == commitment.pk and data["status"] == "announced"
        assert response["Location"].endswith(f"/api/commitments/{commitment.pk}/")
        assert response["ETag"] == f'W/"{commitment.pk}-{commitment.version}"'
        entry = StatusChange.objects.get(commitment=commitment)
        assert (entry.new_status, entry.origin, entry.author.username, entry.note) == (
            "announced",
            "api",
            "editor",
            "Annoncé en conférence de presse",
        )

    def test_defaults_status_and_effective_date(self, editor_api, body):
        response = editor_api.post(
            LIST, {"key": "k", "title": "T", "responsible_body": body.pk}, format="json"
        )
        assert response.status_code == 201, response.content
        entry = StatusChange.objects.get(commitment_id=response.json()["id"])
        assert (entry.new_status, entry.effective_date) == (
            "not_started",
            datetime.date(2026, 3, 15),
        )

    @pytest.mark.parametrize(
        ("overrides", "field"),
        [
            ({"title": ""}, "title"),
            ({"key": "not a slug!"}, "key"),
            ({"responsible_body": 999999}, "responsible_body"),
            ({"tags": ["no-such-tag"]}, "tags"),
            ({"status": "done"}, "status"),
            ({"effective_date": "2026-03-16"}, "effective_date"),  # future: the service says
            ({"category": "other-thing"}, "category"),
            ({"owner": "nobody"}, "owner"),
            ({"due_date": "31/12/2026"}, "due_date"),
        ],
    )
    def test_invalid_input_is_400_on_the_field(self, editor_api, body, overrides, field):
        TagFactory(slug="plan-national")
        response = editor_api.post(LIST, self.payload(body, **overrides), format="json")
        assert response.status_code == 400, response.content
        assert field in response.json()
        assert not Commitment.objects.filter(key="plan-2026").exists()

    def test_duplicate_key_is_400(self, editor_api, public_commitment, body):
        response = editor_api.post(
            LIST, self.payload(body, key=public_commitment.key, tags=[]), format="json"
        )
        assert response.status_code == 400 and "key" in response.json()

    def test_malformed_json_is_400(self, editor_api, db):
        response = editor_api.generic("POST", LIST, "{not json", content_type="application/json")
        assert response.status_code == 400
        assert "detail" in response.json()


class TestHistory:
    def url(self, commitment):
        return reverse("api:commitment-history", args=[commitment.pk])

    def test_list_is_chronological(self, viewer_api, public_commitment, editor):
        from commitments.services.status import status_change_record

        status_change_record(
            commitment=public_commitment,
            expected_version=public_commitment.version,
            new_status="in_progress",
            effective_date=datetime.date(2025, 5, 1),
            author=editor,
            note="Lancé",
            sources=[SourceFactory()],
        )
        data = viewer_api.get(self.url(public_commitment)).json()
        assert data["count"] == 2
        assert [e["new_status"] for e in data["results"]] == ["not_started", "in_progress"]
        assert data["results"][1]["author"] == "editor"
        assert data["results"][1]["previous_status"] == "not_started"

    def test_post_records_a_change(self, editor_api, public_commitment, source):
        version = public_commitment.version
        response = editor_api.post(
            self.url(public_commitment),
            {
                "new_status": "partially_met",
                "effective_date": "2026-03-10",
                "note": "Décret publié",
                "sources": [source.pk],
                "version": version,
            },
            format="json",
        )
        assert response.status_code == 201, response.content
        public_commitment.refresh_from_db()
        assert public_commitment.status == "partially_met"
        assert public_commitment.version == version + 1
        data = response.json()
        assert data["commitment_version"] == version + 1
        assert data["sources"] == [source.pk] and data["origin"] == "api"
        assert response["ETag"] == f'W/"{public_commitment.pk}-{version + 1}"'

    @pytest.mark.parametrize(
        ("payload", "field"),
        [
            ({"new_status": "not_started", "effective_date": "2026-03-10"}, "new_status"),
            ({"new_status": "met", "effective_date": "2026-03-16"}, "effective_date"),
            ({"new_status": "met", "effective_date": "2023-01-01"}, "effective_date"),
            ({"new_status": "met"}, "effective_date"),
            ({"new_status": "fini", "effective_date": "2026-03-10"}, "new_status"),
            ({"new_status": "met", "effective_date": "2026-03-10", "sources": [9999]}, "sources"),
            ({"new_status": "met", "effective_date": "2026-03-10", "note": "x" * 4001}, "note"),
        ],
    )
    def test_invalid_change_is_400_on_the_field(
        self, editor_api, public_commitment, payload, field
    ):
        payload = {**payload, "version": public_commitment.version}
        response = editor_api.post(self.url(public_commitment), payload, format="json")
        assert response.status_code == 400, response.content
        assert field in response.json()
        assert StatusChange.objects.filter(commitment=public_commitment).count() == 1


class TestUpdate:
    def test_patch_changes_fields_and_bumps_version(self, editor_api, public_commitment):
        url = reverse("api:commitment-detail", args=[public_commitment.pk])
        version = public_commitment.version
        response = editor_api.patch(
            url, {"title": "Nouveau titre", "tags": [], "version": version}, format="json"
        )
        assert response.status_code == 200, response.content
        assert response.json()["title"] == "Nouveau titre"
        assert response.json()["tags"] == []
        assert response.json()["version"] == version + 1
        public_commitment.refresh_from_db()
        assert public_commitment.title == "Nouveau titre"

    def test_status_is_not_writable_here(self, editor_api, public_commitment):
        url = reverse("api:commitment-detail", args=[public_commitment.pk])
        response = editor_api.patch(
            url, {"status": "met", "version": public_commitment.version}, format="json"
        )
        assert response.status_code == 200
        public_commitment.refresh_from_db()
        assert public_commitment.status == "not_started"

    def test_put_requires_every_required_field(self, editor_api, public_commitment):
        url = reverse("api:commitment-detail", args=[public_commitment.pk])
        response = editor_api.put(
            url, {"title": "T", "version": public_commitment.version}, format="json"
        )
        assert response.status_code == 400
        assert {"key", "responsible_body"} <= set(response.json())
