"""The claim and ask pages: who may use them, what they write, what they refuse."""

import datetime

import pytest
from django.urls import reverse
from django.utils import translation

from commitments.models import Ask, Claim, Commitment

from ..factories import BodyFactory, SourceFactory, make_ask, make_claim, make_commitment
from .test_editing import form_data


@pytest.fixture(autouse=True)
def _french():
    with translation.override("fr"):
        yield


@pytest.fixture
def commitment(db):
    return make_commitment(title="Troisième plan national", responsible_body=BodyFactory())


def _urls(commitment):
    claim, ask = make_claim(commitment), make_ask(commitment)
    return {
        "claim_create": reverse("commitments:claim_create", args=[commitment.pk]),
        "claim_edit": reverse("commitments:claim_edit", args=[commitment.pk, claim.pk]),
        "ask_create": reverse("commitments:ask_create", args=[commitment.pk]),
        "ask_edit": reverse("commitments:ask_edit", args=[commitment.pk, ask.pk]),
    }


@pytest.mark.parametrize("role", ["anonymous", "viewer", "editor"])
def test_who_may_open_each_page(client, commitment, role, request):
    urls = _urls(commitment)
    if role != "anonymous":
        client.force_login(request.getfixturevalue(role))
    for name, url in urls.items():
        response = client.get(url)
        if role == "anonymous":
            assert response.status_code == 302, name
            assert response["Location"].startswith(reverse("login")), name
        else:
            assert response.status_code == (403 if role == "viewer" else 200), name
        before = Commitment.all_objects.get(pk=commitment.pk).version
        response = client.post(url, {})
        assert response.status_code == {"anonymous": 302, "viewer": 403, "editor": 400}[role]
        assert Commitment.all_objects.get(pk=commitment.pk).version == before, name
    assert Claim.objects.count() == 1 and Ask.objects.count() == 1


def test_links_show_for_editors_only(client, commitment, viewer, editor):
    urls = _urls(commitment)
    detail = reverse("commitments:detail", args=[commitment.pk])
    client.force_login(viewer)
    page = client.get(detail).content.decode()
    assert not any(url in page for url in urls.values())
    client.force_login(editor)
    page = client.get(detail).content.decode()
    assert all(url in page for url in urls.values())
    assert "Ajouter une affirmation" in page and "Ajouter une demande" in page


def test_editor_records_and_corrects_a_claim(editor_client, commitment):
    source = SourceFactory(key="miprof-2022", title="Communiqué de la MIPROF, 2022")
    body = BodyFactory(name="MIPROF")
    url = reverse("commitments:claim_create", args=[commitment.pk])
    version = Commitment.all_objects.get(pk=commitment.pk).version
    data = form_data(
        editor_client.get(url),
        side="state",
        body=str(body.pk),
        kind="status",
        text="Le plan est en cours",
        claimed_status="in_progress",
        made_on="2022-07-01",
        source="Communiqué de la MIPROF, 2022",  # by its exact title
    )
    response = editor_client.post(url, data)
    assert response.status_code == 302, response.context["form"].errors
    claim = Claim.objects.get(commitment=commitment)
    assert (claim.side, claim.body, claim.claimed_status, claim.source) == (
        "state",
        body,
        "in_progress",
        source,
    )
    assert Commitment.all_objects.get(pk=commitment.pk).version == version + 1

    edit_url = reverse("commitments:claim_edit", args=[commitment.pk, claim.pk])
    page = editor_client.get(edit_url)
    assert "miprof-2022" in page.content.decode()  # the source shown in the picker
    data = form_data(page, text="Le plan est presque fini", made_on="2022-08-15")
    assert editor_client.post(edit_url, data).status_code == 302
    claim.refresh_from_db()
    assert (claim.text, claim.made_on) == ("Le plan est presque fini", datetime.date(2022, 8, 15))
    assert Claim.objects.count() == 1
    assert claim.history.count() == 2


def test_editor_records_and_corrects_an_ask(editor_client, commitment):
    source, body = SourceFactory(key="greta-2022"), BodyFactory(name="GRETA")
    url = reverse("commitments:ask_create", args=[commitment.pk])
    data = form_data(
        editor_client.get(url),
        body=str(body.pk),
        kind="recommendation",
        text="Adopter le troisième plan",
        made_on="2022-06-01",
        made_on_precision="month",
        source="greta-2022",
    )
    assert editor_client.post(url, data).status_code == 302
    ask = Ask.objects.get(commitment=commitment)
    assert (ask.body, ask.kind, ask.made_on_precision, ask.source) == (
        body,
        "recommendation",
        "month",
        source,
    )
    edit_url = reverse("commitments:ask_edit", args=[commitment.pk, ask.pk])
    data = form_data(editor_client.get(edit_url), kind="request")
    assert editor_client.post(edit_url, data).status_code == 302
    ask.refresh_from_db()
    assert ask.kind == "request" and Ask.objects.count() == 1


CLAIM_BAD = [
    ({"text": ""}, "text", "Ce champ est obligatoire."),
    ({"kind": "status", "claimed_status": ""}, "claimed_status", "Indiquez le statut"),
    ({"kind": "period", "period_end": ""}, "period_end", "Une période"),
    ({"made_on": "2999-01-01"}, "made_on", "futur"),
    ({"made_on": "2022-13-45"}, "made_on", "Saisissez une date valide."),
    ({"source": "inconnue"}, "source", None),
    ({"side": "martiens"}, "side", "Sélectionnez un choix valide."),
]


@pytest.mark.parametrize(("overrides", "field", "message"), CLAIM_BAD)
def test_bad_claim_input_is_refused_in_french(editor_client, commitment, overrides, field, message):
    SourceFactory(key="ok")
    url = reverse("commitments:claim_create", args=[commitment.pk])
    base = {"side": "state", "kind": "statement", "text": "Dit", "made_on": "2022-01-01"}
    data = form_data(editor_client.get(url), **{"source": "ok", **base, **overrides})
    version = Commitment.all_objects.get(pk=commitment.pk).version
    response = editor_client.post(url, data)
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert errors.get(field), errors
    if message:
        assert message in " ".join(errors[field])
    assert "Le formulaire contient des erreurs" in response.content.decode()
    assert not Claim.objects.exists()
    assert Commitment.all_objects.get(pk=commitment.pk).version == version


def test_bad_ask_input_is_refused_in_french(editor_client, commitment):
    url = reverse("commitments:ask_create", args=[commitment.pk])
    data = form_data(editor_client.get(url), text="Dit", made_on="2999-01-01", source="")
    response = editor_client.post(url, data)
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert "Ce champ est obligatoire." in errors["body"]
    assert "Ce champ est obligatoire." in errors["source"]
    assert not Ask.objects.exists()


@pytest.mark.parametrize("kind", ["claim", "ask"])
def test_a_stale_page_answers_409_keeps_the_input_writes_nothing(editor_client, commitment, kind):
    SourceFactory(key="src")
    body = BodyFactory()
    url = reverse(f"commitments:{kind}_create", args=[commitment.pk])
    page = editor_client.get(url)
    make_claim(commitment, text="Celle de Camille")  # someone else, meanwhile
    data = form_data(
        page,
        side="state",
        kind="statement" if kind == "claim" else "request",
        body=str(body.pk),
        text="La mienne",
        made_on="2022-01-01",
        source="src",
    )
    version = Commitment.all_objects.get(pk=commitment.pk).version
    response = editor_client.post(url, data)
    assert response.status_code == 409
    content = response.content.decode()
    assert 'id="conflict"' in content
    assert "La mienne</textarea>" in content
    assert f'name="expected_version" value="{version}"' in content
    assert list(Claim.objects.values_list("text", flat=True)) == ["Celle de Camille"]
    assert not Ask.objects.exists()
    assert Commitment.all_objects.get(pk=commitment.pk).version == version
    # Submitting again, having seen the change, saves it.
    data["expected_version"] = str(version)
    assert editor_client.post(url, data).status_code == 302


def test_unknown_claim_or_another_commitments_claim_is_404(editor_client, commitment):
    other = make_commitment(title="Autre")
    claim, ask = make_claim(other), make_ask(other)
    assert (
        editor_client.get(
            reverse("commitments:claim_edit", args=[commitment.pk, claim.pk])
        ).status_code
        == 404
    )
    assert (
        editor_client.get(reverse("commitments:ask_edit", args=[commitment.pk, ask.pk])).status_code
        == 404
    )
    assert editor_client.get(reverse("commitments:claim_create", args=[999999])).status_code == 404


@pytest.mark.parametrize("size", [2, 20])
@pytest.mark.parametrize("kind", ["claim", "ask"])
def test_form_page_queries_do_not_grow(
    editor_client, commitment, kind, size, django_assert_num_queries
):
    for number in range(size):
        make_claim(commitment, text=f"Affirmation {number}")
        make_ask(commitment, text=f"Demande {number}")
    item = (Claim if kind == "claim" else Ask).objects.filter(commitment=commitment).first()
    url = reverse(f"commitments:{kind}_edit", args=[commitment.pk, item.pk])
    editor_client.get(url)  # warm the session
    with django_assert_num_queries(FORM_PAGE_QUERIES):
        response = editor_client.get(url)
    assert response.status_code == 200
    assert response.content.decode().count("<option") >= size  # every body offered


FORM_PAGE_QUERIES = 8


# --- Removing --------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["anonymous", "viewer"])
def test_only_editors_may_remove(client, commitment, role, request):
    claim, ask = make_claim(commitment), make_ask(commitment)
    if role != "anonymous":
        client.force_login(request.getfixturevalue(role))
    version = Commitment.all_objects.get(pk=commitment.pk).version
    for url in (
        reverse("commitments:claim_remove", args=[commitment.pk, claim.pk]),
        reverse("commitments:ask_remove", args=[commitment.pk, ask.pk]),
    ):
        expected = 302 if role == "anonymous" else 403
        assert client.get(url).status_code == expected
        assert client.post(url, {"expected_version": version}).status_code == expected
    assert Claim.objects.count() == 1 and Ask.objects.count() == 1


@pytest.mark.parametrize("kind", ["claim", "ask"])
def test_editor_removes_with_the_version_read(editor_client, editor, commitment, kind):
    item = make_claim(commitment) if kind == "claim" else make_ask(commitment)
    model = type(item)
    url = reverse(f"commitments:{kind}_remove", args=[commitment.pk, item.pk])
    edit_page = editor_client.get(
        reverse(f"commitments:{kind}_edit", args=[commitment.pk, item.pk])
    )
    assert url in edit_page.content.decode()
    page = editor_client.get(url)
    assert page.status_code == 200 and "Supprimer" in page.content.decode()
    version = Commitment.all_objects.get(pk=commitment.pk).version
    assert editor_client.post(url, {"expected_version": "x"}).status_code == 400
    response = editor_client.post(url, {"expected_version": version - 1})
    assert response.status_code == 409
    assert f'name="expected_version" value="{version}"' in response.content.decode()
    assert model.objects.filter(pk=item.pk).exists()
    assert Commitment.all_objects.get(pk=commitment.pk).version == version
    assert editor_client.post(url, {"expected_version": version}).status_code == 302
    assert not model.objects.filter(pk=item.pk).exists()
    assert Commitment.all_objects.get(pk=commitment.pk).version == version + 1
    removal = model.history.filter(id=item.pk).order_by("-history_date").first()
    assert removal.history_type == "-" and removal.history_user == editor


def test_removing_a_claimed_period_moves_the_successor_deadline(editor_client, commitment):
    from ..factories import make_deadline

    successor = make_commitment(title="Plan suivant")
    deadline = make_deadline(successor, basis="successor", predecessor=commitment, date=None)
    claim = make_claim(
        commitment, kind="period", period_end=datetime.date(2023, 1, 1), period_precision="year"
    )
    deadline.refresh_from_db()
    moved = deadline.date
    assert moved is not None
    url = reverse("commitments:claim_remove", args=[commitment.pk, claim.pk])
    version = Commitment.all_objects.get(pk=commitment.pk).version
    assert editor_client.post(url, {"expected_version": version}).status_code == 302
    deadline.refresh_from_db()
    assert deadline.date != moved
