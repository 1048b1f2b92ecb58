"""Saved views (issue 11, item 6): named filters found again in one click, private or shared,
changed by their owner only; list addresses carry only the filters in use."""

import pytest
from django.urls import reverse

from commitments.models import SavedView
from commitments.models.saved_views import normalise_query
from commitments.services.saved_views import is_blank_filter

from ..factories import UserFactory

LIST = reverse("commitments:list")
OVERDUE = reverse("commitments:overdue")
VIEWS = reverse("commitments:saved_views")


def save(client, name, query, *, kind="list", shared=False):
    data = {"save-name": name, "save-kind": kind, "save-query": query}
    if shared:
        data["save-shared"] = "on"
    return client.post(VIEWS, data)


# --- Addresses carry only the filters in use ---------------------------------------------------


def test_normalise_query_drops_empty_values_and_the_page():
    assert normalise_query("?search=&status=met&page=3&status=&tag=onu") == "status=met&tag=onu"
    assert (
        normalise_query("overdue=unknown&search=unknown", blank=is_blank_filter) == "search=unknown"
    )
    assert normalise_query("tag=onu&status=met") == normalise_query("status=met&tag=onu")


@pytest.mark.parametrize("url", [LIST, OVERDUE])
def test_empty_parameters_redirect_to_the_clean_address(viewer_client, url):
    response = viewer_client.get(url + "?search=&status=met&due_after=&ordering=&unowned=unknown")
    assert response.status_code == 302
    assert response["Location"] == url + "?status=met"
    # "unknown" is a yes/no filter's "any"; elsewhere it is a word like another.
    assert viewer_client.get(url + "?search=unknown&unowned=true").status_code == 200
    response = viewer_client.get(url + "?search=&ordering=")
    assert response["Location"] == url
    assert viewer_client.get(url + "?status=met").status_code == 200


def test_the_filter_form_leaves_empty_fields_out(viewer_client):
    html = viewer_client.get(LIST).content.decode()
    assert 'class="filters-form"' in html
    assert "js/clean-filters.js" in html


# --- Saving and finding again ------------------------------------------------------------------


@pytest.mark.parametrize("role", ["viewer", "editor", "administrator"])
def test_every_role_saves_a_view_and_finds_it_again(role, request, client):
    user = request.getfixturevalue(role)
    client.force_login(user)
    response = save(client, "Plans en retard", "status=in_progress&search=&page=2&tag=onu")
    assert response.status_code == 302
    assert response["Location"] == LIST + "?status=in_progress&tag=onu"
    view = SavedView.objects.get()
    assert (view.owner, view.name, view.kind, view.shared) == (
        user,
        "Plans en retard",
        "list",
        False,
    )
    page = client.get(LIST + "?status=in_progress&tag=onu")
    assert [v.name for v in page.context["saved_views"]] == ["Plans en retard"]
    html = page.content.decode()
    assert 'href="/commitments/?status=in_progress&amp;tag=onu" aria-current="page"' in html
    # And on the dashboard, in one click.
    assert "/commitments/?status=in_progress&amp;tag=onu" in client.get("/").content.decode()


def test_an_overdue_view_opens_the_overdue_list(viewer_client, viewer):
    response = save(viewer_client, "Retards MIPROF", "search=miprof", kind="overdue")
    assert response["Location"] == OVERDUE + "?search=miprof"
    assert [v.name for v in viewer_client.get(OVERDUE).context["saved_views"]] == ["Retards MIPROF"]
    assert viewer_client.get(LIST).context["saved_views"] == []


def test_private_views_stay_private_shared_ones_are_seen_by_all(client, viewer, editor):
    client.force_login(editor)
    save(client, "Mes suivis", "owner=1")
    save(client, "Pour toute l’équipe", "status=met", shared=True)
    client.force_login(viewer)
    assert [v.name for v in client.get(LIST).context["saved_views"]] == ["Pour toute l’équipe"]
    html = client.get(VIEWS).content.decode()
    assert "Pour toute l’équipe" in html and "Mes suivis" not in html
    owner = editor.get_full_name() or editor.get_username()
    assert f'<td data-label="Enregistrée par">{owner}</td>' in html
    assert f"(partagée par {owner})" in client.get(LIST).content.decode()


def test_bad_input_is_refused_with_a_message_and_writes_nothing(viewer_client):
    response = save(viewer_client, "   ", "status=met")
    assert response.status_code == 400
    assert "Donnez un nom à la vue." in response.content.decode()
    response = save(viewer_client, "Vue", "status=met", kind="nowhere")
    assert response.status_code == 400
    assert SavedView.objects.count() == 0
    save(viewer_client, "Vue", "status=met")
    response = save(viewer_client, "Vue", "status=abandoned")
    assert response.status_code == 400
    assert "Vous avez déjà une vue de ce nom sur cette liste." in response.content.decode()
    assert SavedView.objects.count() == 1


# --- Owner only ----------------------------------------------------------------------------


@pytest.fixture
def shared_view(editor):
    return SavedView.objects.create(
        owner=editor, name="Partagée", kind="list", query="status=met", shared=True
    )


def test_the_owner_renames_shares_and_deletes(client, editor, shared_view):
    client.force_login(editor)
    url = reverse("commitments:saved_view_update", args=[shared_view.pk])
    prefix = f"view-{shared_view.pk}"
    response = client.post(url, {f"{prefix}-name": "Renommée"})
    assert response.status_code == 302
    shared_view.refresh_from_db()
    assert (shared_view.name, shared_view.shared) == ("Renommée", False)
    response = client.post(url, {f"{prefix}-name": ""})
    assert response.status_code == 400
    assert shared_view.name == SavedView.objects.get().name == "Renommée"
    delete = reverse("commitments:saved_view_delete", args=[shared_view.pk])
    assert client.post(delete).status_code == 302
    assert not SavedView.objects.exists()


@pytest.mark.parametrize("role", ["viewer", "administrator"])
def test_others_cannot_change_a_shared_view(role, request, client, shared_view):
    client.force_login(request.getfixturevalue(role))
    update = reverse("commitments:saved_view_update", args=[shared_view.pk])
    delete = reverse("commitments:saved_view_delete", args=[shared_view.pk])
    assert client.post(update, {f"view-{shared_view.pk}-name": "Volée"}).status_code == 403
    assert client.post(delete).status_code == 403
    shared_view.refresh_from_db()
    assert shared_view.name == "Partagée"
    # The page offers them no form to change it.
    html = client.get(VIEWS).content.decode()
    assert update not in html and delete not in html


def test_a_private_view_of_someone_else_is_not_found(viewer_client, editor):
    private = SavedView.objects.create(owner=editor, name="Privée", query="status=met")
    update = reverse("commitments:saved_view_update", args=[private.pk])
    delete = reverse("commitments:saved_view_delete", args=[private.pk])
    assert viewer_client.post(update, {f"view-{private.pk}-name": "x"}).status_code == 404
    assert viewer_client.post(delete).status_code == 404


def test_saved_views_need_a_staff_role(client, db):
    client.force_login(UserFactory())  # no group
    assert client.get(VIEWS).status_code == 403
    assert save(client, "Vue", "status=met").status_code == 403
    client.logout()
    assert client.get(VIEWS).status_code == 302  # to the login page


def test_changes_are_posted_only(viewer_client, shared_view):
    url = reverse("commitments:saved_view_delete", args=[shared_view.pk])
    assert viewer_client.get(url).status_code == 405
