"""Audit trail of every change (django-simple-history) and archiving instead of deletion."""

import datetime

import pytest
from django.urls import reverse

from commitments.models import Body, Commitment, Source, Status, StatusChange
from commitments.services.lifecycle import commitment_archive, commitment_restore, commitment_save
from commitments.services.status import status_change_record
from commitments.services.versions import StaleVersionError

from ..factories import BodyFactory, SourceFactory, UserFactory, make_commitment

TODAY = datetime.date(2026, 11, 23)


@pytest.fixture
def commitment(db):
    return make_commitment(title="Avant", due_date=datetime.date(2022, 10, 18))


class TestAuditTrail:
    def test_field_changes_keep_who_when_and_previous_values(self, commitment):
        author = UserFactory()
        commitment_save(
            commitment=commitment,
            expected_version=1,
            data={"title": "Après"},
            author=author,
            origin=StatusChange.Origin.WEB,
        )
        latest, previous = commitment.history.all()[:2]
        assert latest.title == "Après" and previous.title == "Avant"
        assert latest.history_user == author
        assert latest.history_type == "~"
        assert latest.history_date is not None
        delta = latest.diff_against(previous)
        assert [
            (change.field, change.old, change.new)
            for change in delta.changes
            if change.field == "title"
        ] == [("title", "Avant", "Après")]

    def test_status_changes_are_in_the_trail_too(self, commitment):
        author = UserFactory()
        status_change_record(
            commitment=commitment,
            new_status=Status.ANNOUNCED,
            effective_date=datetime.date(2022, 7, 1),
            author=author,
            today=TODAY,
            expected_version=commitment.version,
            sources=[SourceFactory()],
        )
        latest = commitment.history.first()
        assert (latest.status, latest.version, latest.history_user) == (Status.ANNOUNCED, 2, author)

    def test_creation_is_recorded(self, db):
        author = UserFactory()
        created = make_commitment(author=author)
        assert created.history.last().history_type == "+"
        assert created.history.last().history_user == author

    def test_bodies_and_sources_are_audited(self, db):
        body = BodyFactory(name="Avant")
        body.name = "Après"
        body.save()
        assert [record.name for record in body.history.all()] == ["Après", "Avant"]
        source = SourceFactory()
        source.delete()
        assert Source.history.filter(history_type="-").count() == 1

    def test_admin_change_records_the_admin_user(self, admin_client, admin_user, commitment):
        url = reverse("admin:commitments_commitment_change", args=[commitment.pk])
        form = admin_client.get(url).context["adminform"].form
        data = {name: value for name, value in form.initial.items() if value is not None}
        data.update(
            {
                "title": "Par l'admin",
                "expected_version": commitment.version,
                "tags": [],
                "citations-TOTAL_FORMS": "0",
                "citations-INITIAL_FORMS": "0",
                "status_changes-TOTAL_FORMS": "0",
                "status_changes-INITIAL_FORMS": "0",
                "deadlines-TOTAL_FORMS": "0",
                "deadlines-INITIAL_FORMS": "0",
                "claims-TOTAL_FORMS": "0",
                "claims-INITIAL_FORMS": "0",
                "asks-TOTAL_FORMS": "0",
                "asks-INITIAL_FORMS": "0",
            }
        )
        data.pop("owner", None)
        data.pop("monitoring_body", None)
        response = admin_client.post(url, data)
        assert response.status_code == 302, response.context["adminform"].form.errors
        assert commitment.history.first().history_user == admin_user

    def test_history_is_viewable_in_the_admin(self, admin_client, commitment):
        commitment_save(
            commitment=commitment,
            expected_version=1,
            data={"title": "Après"},
            author=None,
            origin=StatusChange.Origin.WEB,
        )
        for name, obj in (("commitment", commitment), ("body", commitment.responsible_body)):
            response = admin_client.get(reverse(f"admin:commitments_{name}_history", args=[obj.pk]))
            assert response.status_code == 200


class TestArchiving:
    def test_archived_leave_the_lists_but_are_kept(self, commitment):
        commitment_archive(
            commitment=commitment,
            expected_version=commitment.version,
        )
        assert not Commitment.objects.filter(pk=commitment.pk).exists()
        assert not Commitment.objects.overdue(TODAY).exists()
        assert Commitment.all_objects.archived().get() == commitment
        assert commitment.status_changes.exists()
        assert commitment.history.first().archived_at is not None

    def test_restore(self, commitment):
        commitment_archive(
            commitment=commitment,
            expected_version=commitment.version,
        )
        commitment_restore(
            commitment=commitment,
            expected_version=commitment.version,
        )
        assert Commitment.objects.get(pk=commitment.pk).archived_at is None

    def test_archiving_is_versioned(self, commitment):
        commitment_archive(
            commitment=commitment,
            expected_version=commitment.version,
        )
        with pytest.raises(StaleVersionError):
            commitment_restore(
                commitment=commitment,
                expected_version=1,
            )

    def test_a_commitment_is_never_deleted_in_the_admin(self, admin_client, commitment):
        url = reverse("admin:commitments_commitment_delete", args=[commitment.pk])
        assert admin_client.post(url, {"post": "yes"}).status_code == 403
        assert Commitment.all_objects.filter(pk=commitment.pk).exists()

    def test_admin_archive_and_restore_actions(self, admin_client, commitment):
        url = reverse("admin:commitments_commitment_changelist")
        admin_client.post(url, {"action": "archive_selected", "_selected_action": [commitment.pk]})
        assert Commitment.all_objects.get(pk=commitment.pk).is_archived
        response = admin_client.get(url, {"archived": "yes"})
        assert list(response.context["cl"].queryset) == [commitment]
        admin_client.post(url, {"action": "restore_selected", "_selected_action": [commitment.pk]})
        assert not Commitment.all_objects.get(pk=commitment.pk).is_archived

    def test_seeds_never_duplicate_an_archived_commitment(self, db):
        from django.core.management import call_command

        call_command("load_seeds")
        plan = Commitment.objects.get(key="troisieme-plan-action-national")
        commitment_archive(
            commitment=plan,
            expected_version=plan.version,
        )
        call_command("load_seeds")
        assert Commitment.all_objects.filter(key=plan.key).count() == 1

    def test_body_of_an_archived_commitment_stays_protected(self, commitment):
        commitment_archive(
            commitment=commitment,
            expected_version=commitment.version,
        )
        from django.db.models import ProtectedError

        with pytest.raises(ProtectedError):
            Body.objects.get(pk=commitment.responsible_body_id).delete()


def test_archived_commitment_page_stays_reachable(viewer_client, commitment):
    commitment_archive(
        commitment=commitment,
        expected_version=commitment.version,
    )
    response = viewer_client.get(commitment.get_absolute_url())
    assert response.status_code == 200
    assert "Archivé le" in response.content.decode()
    listed = viewer_client.get(reverse("commitments:list")).context["commitments"]
    assert commitment not in list(listed)


def test_pages_show_alerts_and_watching(viewer_client, commitment):
    page = viewer_client.get(commitment.get_absolute_url()).content.decode()
    assert reverse("alerts:watch", args=[commitment.pk]) in page
    assert reverse("alerts:inbox") in page
    dashboard = viewer_client.get(reverse("commitments:dashboard")).content.decode()
    # The alerts panel shows only when there is something to acknowledge (an empty one said
    # "no lapsed deadline" above a count of overdue commitments); the chase list stays.
    assert 'id="chase"' in dashboard
    assert 'id="my-lapsed-alerts"' not in dashboard


def test_api_changes_record_the_token_user(client, editor, commitment):
    from rest_framework.authtoken.models import Token

    token = Token.objects.create(user=editor)
    response = client.patch(
        f"/api/commitments/{commitment.pk}/",
        {"title": "Par l'API", "version": commitment.version},
        content_type="application/json",
        headers={"authorization": f"Token {token.key}"},
    )
    assert response.status_code == 200, response.content
    assert commitment.history.first().history_user == editor
