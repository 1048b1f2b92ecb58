"""Evidence on every change in a real browser: an editor records a status change citing a call
with MIPROF, and finds it among the sources of the commitment (issue 11, item 2)."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from accounts import roles
from commitments.models import Commitment, Source

from ..factories import BodyFactory, SourceFactory, UserFactory, make_commitment

pytestmark = pytest.mark.browser


@pytest.fixture
def mechanism(role_groups):
    miprof = BodyFactory(
        key="miprof",
        name="Mission interministérielle pour la protection des femmes",
        acronym="MIPROF",
    )
    commitment = make_commitment(
        key="mecanisme-national",
        title="Mécanisme national d'orientation des victimes",
        responsible_body=miprof,
        status=Commitment.Status.ANNOUNCED,
        effective_date=datetime.date(2024, 1, 10),
    )
    commitment.citations.create(
        source=SourceFactory(title="Rapport du GRETA sur la France"),
        claim="mécanisme promis depuis 2019",
    )
    return commitment


@pytest.fixture
def editor(role_groups):
    return UserFactory(
        username="camille", first_name="Camille", last_name="Martin", groups=[roles.EDITORS]
    )


def test_editor_records_a_change_citing_a_call_with_miprof(
    page, live_server, mechanism, editor, login_as, assert_accessible
):
    login_as(editor)
    page.goto(f"{live_server.url}{mechanism.get_absolute_url()}")
    evidence = page.locator("#evidence")
    expect(evidence).to_contain_text("Rapport du GRETA sur la France")
    expect(evidence).to_contain_text("Cité : « mécanisme promis depuis 2019 »")
    today = timezone.localdate()
    form = page.locator("#status-form")
    form.get_by_label("Nouveau statut").select_option(label="En cours")
    form.get_by_label("Date d’effet").fill(today.isoformat())
    form.get_by_label("Note").fill("La MIPROF nous a indiqué que le décret est à la signature.")
    # Without a source, the change is refused, in French, at the field, and nothing is saved.
    form.get_by_role("button", name="Enregistrer le changement de statut").click()
    expect(page.locator("#id_sources_error")).to_contain_text("Citez au moins une source")
    assert_accessible(page)
    assert Commitment.objects.get(pk=mechanism.pk).status == Commitment.Status.ANNOUNCED
    # The note is kept; the source is an exchange: a call with MIPROF.
    expect(page.get_by_label("Note")).to_have_value(
        "La MIPROF nous a indiqué que le décret est à la signature."
    )
    page.get_by_label("Type de source").select_option(label="Appel")
    page.get_by_label("Titre ou objet de la nouvelle source").fill(
        "Point téléphonique sur le mécanisme national"
    )
    page.get_by_label("Qui l’a dit", exact=True).fill("Mme Durand, cheffe de mission")
    page.get_by_label("Organisme qui l’a dit").select_option(label=str(mechanism.responsible_body))
    page.get_by_label("Date de publication ou de l’échange").fill(today.isoformat())
    page.get_by_role("button", name="Enregistrer le changement de statut").click()

    expect(page.locator(".messages")).to_contain_text("Statut enregistré : « En cours »")
    item = page.locator("#evidence li", has_text="Point téléphonique sur le mécanisme national")
    expect(item).to_contain_text("Appel")
    expect(item).to_contain_text("selon Mme Durand, cheffe de mission (MIPROF)")
    expect(item).to_contain_text("Changement de statut vers « En cours »")
    expect(page.locator("#timeline .timeline > li").first).to_contain_text(
        "Point téléphonique sur le mécanisme national"
    )
    source = Source.objects.get(title="Point téléphonique sur le mécanisme national")
    assert (source.kind, source.said_by_body_id) == ("call", mechanism.responsible_body_id)
    assert Commitment.objects.get(pk=mechanism.pk).status == Commitment.Status.IN_PROGRESS
    assert_accessible(page)


@pytest.mark.parametrize("language", ["fr", "en"])
def test_status_form_and_sources_accessible_in_both_languages(
    page, live_server, mechanism, editor, login_as, assert_accessible, language
):
    login_as(editor)
    page.context.add_cookies(
        [{"name": "django_language", "value": language, "url": live_server.url}]
    )
    page.goto(f"{live_server.url}{mechanism.get_absolute_url()}")
    expect(page.locator("#evidence-title")).to_have_text(
        "Toutes les sources de cet engagement"
        if language == "fr"
        else "Every source behind this commitment"
    )
    assert_accessible(page)
    page.goto(f"{live_server.url}{reverse('commitments:status_update', args=[mechanism.pk])}")
    expect(
        page.locator(
            "legend",
            has_text="a document or an exchange"
            if language == "en"
            else "un document ou un échange",
        )
    ).to_be_visible()
    assert_accessible(page)
