"""The staff pages say what is late as advocacy knows it: deadlines with their precision and
basis, disputed successor readings, the state's claims beside the coalition's, how long asks
have waited; the dashboard's "what must we chase this week?" and the exports' new columns."""

import csv
import datetime
import io
import zoneinfo

import pytest
import time_machine
from django.urls import reverse
from openpyxl import load_workbook

from commitments.models import Body, Commitment

from ..factories import (
    BodyFactory,
    SourceFactory,
    make_ask,
    make_claim,
    make_commitment,
    make_deadline,
)

PARIS = zoneinfo.ZoneInfo("Europe/Paris")
AS_OF = datetime.date(2026, 12, 1)
JULY_2022 = datetime.date(2022, 7, 1)


def travel(day: datetime.date):
    return time_machine.travel(
        datetime.datetime(day.year, day.month, day.day, 10, 0, tzinfo=PARIS), tick=False
    )


@pytest.fixture(autouse=True)
def today():
    with travel(AS_OF):
        yield AS_OF


@pytest.fixture
def world(today):
    """The issue's cases, from the documents, as of 1 December 2026."""
    coalition = BodyFactory(key="collectif", name="Collectif Ensemble contre la traite")
    ministry = BodyFactory(key="miprof", name="MIPROF", acronym="MIPROF")
    report = SourceFactory(key="rapport-collectif", title="Rapport du Collectif, juillet 2022")
    interview = SourceFactory(key="entretien-2022", title="Entretien du ministère, 2022")
    page_2020 = SourceFactory(key="page-2020", title="Page du ministère, 2020")

    crc = make_commitment(key="crc", title="Rapport au Comité des droits de l'enfant")
    make_deadline(
        crc,
        label="Rapport transmis avant la session de septembre 2022",
        date=datetime.date(2022, 9, 1),
        precision="month",
        bound="no_later_than",
        basis="text",
        reasoning="Avant la session du Comité de septembre 2022.",
        sources=[report],
    )
    osce = make_commitment(
        key="osce", title="Commentaires de la France sur le rapport de l'OSCE", status="in_progress"
    )
    make_deadline(
        osce,
        label="Commentaires transmis",
        date=datetime.date(2022, 3, 1),
        precision="month",
        basis="expected",
        reasoning="« attendus depuis plus de quatre mois » en juillet 2022",
    )
    make_claim(
        osce,
        kind="status",
        claimed_status="met",
        body=ministry,
        text="Les commentaires de la France ont été transmis à l'OSCE",
        made_on=datetime.date(2022, 10, 1),
        made_on_precision="month",
    )
    second = make_commitment(key="deuxieme-plan", title="Deuxième plan d'action national")
    make_claim(
        second,
        kind="period",
        side="coalition",
        body=coalition,
        text="Le deuxième plan couvre 2019-2021",
        period_start=datetime.date(2019, 1, 1),
        period_end=datetime.date(2021, 1, 1),
        period_precision="year",
        source=page_2020,
    )
    make_claim(
        second,
        kind="period",
        body=ministry,
        text="Le deuxième plan court jusqu'en 2023",
        period_start=datetime.date(2019, 1, 1),
        period_end=datetime.date(2023, 1, 1),
        period_precision="year",
        source=interview,
    )
    third = make_commitment(key="troisieme-plan", title="Troisième plan d'action national")
    make_deadline(
        third,
        kind="final",
        label="Troisième plan adopté",
        basis="successor",
        predecessor=second,
        reasoning="Dû à la fin du deuxième plan.",
    )
    referral = make_commitment(key="mno", title="Mécanisme national d'orientation")
    make_ask(referral, body=coalition, made_on=JULY_2022, made_on_precision="month", source=report)
    make_ask(referral, body=ministry, made_on=datetime.date(2023, 2, 1), source=interview)
    make_ask(referral, body=coalition, made_on=datetime.date(2024, 2, 1), source=report)
    return {c.key: c for c in (crc, osce, second, third, referral)}


def page(client, commitment) -> str:
    response = client.get(commitment.get_absolute_url())
    assert response.status_code == 200
    return response.content.decode()


# --- The commitment page -----------------------------------------------------------------


def test_month_precision_deadline_is_stated_as_known(viewer_client, world):
    html = page(viewer_client, world["crc"])
    assert "Rapport transmis avant la session de septembre 2022" in html
    assert "Au plus tard : septembre 2022" in html
    assert "En retard de plus de 4 ans" in html  # the header, never a day count
    assert "jours de retard" not in html and "En retard de 15" not in html
    assert "Date approximative" in html  # the caveat
    assert "Avant la session du Comité de septembre 2022." in html
    assert "Rapport du Collectif, juillet 2022" in html


def test_expected_deadline_carries_its_caveat(viewer_client, world):
    html = page(viewer_client, world["osce"])
    assert "date déduite par le Collectif, non officielle" in html
    assert "Attendue par le Collectif, non officielle" in html  # the basis
    assert "mars 2022" in html


@pytest.mark.parametrize(
    ("day", "late"),
    [(datetime.date(2026, 11, 30), False), (datetime.date(2026, 12, 1), True)],
)
def test_last_day_of_a_month_precision_deadline_is_not_late(viewer_client, day, late):
    with travel(day):
        commitment = make_commitment(title="Rapport de novembre")
        make_deadline(
            commitment, date=datetime.date(2026, 11, 1), precision="month", label="Rapport"
        )
        html = page(viewer_client, commitment)
        overdue = viewer_client.get(reverse("commitments:overdue")).context["commitments"]
    assert ("En retard d’au moins 1 jour" in html) is late
    assert ("novembre 2026" in html) is True
    assert (commitment in list(overdue)) is late


def test_disputed_successor_shows_every_reading_and_the_one_counted(viewer_client, world):
    html = page(viewer_client, world["third"] if "third" in world else world["troisieme-plan"])
    assert "Échéance contestée" in html
    assert "Le deuxième plan couvre 2019-2021" in html
    assert "Le deuxième plan court jusqu&#x27;en 2023" in html
    assert "Page du ministère, 2020" in html and "Entretien du ministère, 2022" in html
    # Counted from the earliest reading, and why.
    assert "la plus ancienne lecture : la plus défendable, par défaut" in html
    assert html.index("2019 – 2021") < html.index("2019 – 2023")
    assert "En retard de plus de 4 ans" in html  # end of 2021, as of December 2026


def test_state_claim_beside_the_coalitions_assessment_flagged_divergent(viewer_client, world):
    html = page(viewer_client, world["osce"])
    assert "Ce que l’État affirme" in html
    assert "Divergent" in html
    assert "Les commentaires de la France ont été transmis à l&#x27;OSCE" in html
    assert "octobre 2022" in html
    no_claim = page(viewer_client, world["crc"])
    assert "Aucun statut affirmé par l’État." in no_claim
    assert "badge-diverging" not in no_claim


def test_asks_say_how_long_they_have_waited(viewer_client, world):
    html = page(viewer_client, world["mno"])
    assert "En attente depuis juillet 2022" in html
    assert "demandé par 2 organismes, 3 fois" in html
    assert "depuis plus de 4 ans" in html
    assert "Aucune échéance enregistrée" in html


def test_to_check_after_a_year_without_news(viewer_client, world):
    # Every commitment's only news is its first history entry on 1 January 2020.
    html = page(viewer_client, world["crc"])
    assert "À vérifier" in html
    assert "1er janvier 2020" in html


def test_english_page(viewer_client, viewer, world):
    viewer.language = "en"
    viewer.save()
    response = viewer_client.get(world["crc"].get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en")
    html = response.content.decode()
    if "More than 4 years late" not in html:
        pytest.skip("the session keeps French for this client")
    assert "approximate date" in html


# --- The dashboard ------------------------------------------------------------------------


def chase(client):
    response = client.get(reverse("commitments:dashboard"))
    assert response.status_code == 200
    return response.context["chase"], response.content.decode()


def test_chase_section_counts_and_links(viewer_client, world, editor):
    world["osce"].owner = editor
    world["osce"].save()
    counts, html = chase(viewer_client)
    assert counts["overdue"] == 3  # CRC, OSCE, third plan: approximate ones included
    assert counts["lapsed"] == 0  # they lapsed years before the first visit's week
    assert counts["diverging"] == 1
    assert counts["waiting"] == 1
    assert counts["to_check"] == 5
    assert counts["unowned"] == 4
    assert "À relancer cette semaine" in html
    assert "Première visite" in html
    # Never "no lapsed deadline" above a count of overdue commitments.
    assert "Aucune échéance dépassée à traiter" not in html
    assert "Aucune nouvelle échéance dépassée depuis le 24 novembre 2026" in html
    assert "3 engagements en retard" in html
    # Every count opens the list it counts.
    for key, expected in (
        ("diverging", counts["diverging"]),
        ("to_check", counts["to_check"]),
        ("unowned", counts["unowned"]),
        ("due", counts["due"]),
        ("lapsed", counts["lapsed"]),
    ):
        url = counts["urls"][key]
        assert (url.replace("&", "&amp;") in html) is (expected > 0 or key != "lapsed")
        listed = viewer_client.get(url).context["paginator"].count
        assert listed == expected, key
    assert "Mécanisme national d&#x27;orientation" in html
    assert "depuis plus de 4 ans" in html


def test_lapsed_since_the_previous_visit(viewer_client, viewer, world):
    step = make_commitment(title="Étape de novembre")
    make_deadline(step, date=datetime.date(2026, 11, 20), label="Étape")
    # A month-precision deadline of October lapses on 1 November.
    rough = make_commitment(title="Étape d'octobre")
    make_deadline(rough, date=datetime.date(2026, 10, 1), precision="month", label="Étape")
    viewer.dashboard_seen_on = datetime.date(2026, 10, 25)
    viewer.save()
    counts, html = chase(viewer_client)
    assert counts["since"] == datetime.date(2026, 10, 25)
    assert counts["lapsed"] == 2
    viewer.refresh_from_db()
    assert viewer.dashboard_seen_on == AS_OF
    assert viewer.dashboard_previous_visit_on == datetime.date(2026, 10, 25)
    # Reloading the same day keeps counting from the previous visit.
    again, _html = chase(viewer_client)
    assert again["since"] == datetime.date(2026, 10, 25) and again["lapsed"] == 2
    listed = viewer_client.get(reverse("commitments:list"), {"lapsed_since": "2026-10-25"})
    assert {c.title for c in listed.context["commitments"]} == {
        "Étape de novembre",
        "Étape d'octobre",
    }


def test_first_visit_counts_the_last_week(viewer_client, viewer, today):
    step = make_commitment(title="Étape récente")
    make_deadline(step, date=AS_OF - datetime.timedelta(days=6), label="Étape")
    old = make_commitment(title="Étape ancienne")
    make_deadline(old, date=AS_OF - datetime.timedelta(days=9), label="Étape")
    counts, html = chase(viewer_client)
    assert counts["since"] == AS_OF - datetime.timedelta(days=7)
    assert counts["lapsed"] == 1 and counts["overdue"] == 2
    assert "2</span> engagements en retard au total" in html


def test_coming_due_counts_every_kind_of_deadline(viewer_client, today):
    commitment = make_commitment(title="Plan", due_date=datetime.date(2027, 6, 1))
    make_deadline(commitment, date=AS_OF + datetime.timedelta(days=30), label="Étape")
    later = make_commitment(title="Plus tard")
    make_deadline(later, date=AS_OF + datetime.timedelta(days=31), label="Étape")
    counts, _html = chase(viewer_client)
    assert counts["due"] == 1


def test_coming_due_and_lapsed_count_each_listed_commitment_once(viewer_client, today):
    """Counted from the deadlines: a commitment with two deadlines due is one commitment; an
    archived one, a met deadline and a "not before" date are not counted; the lists agree."""
    from django.utils import timezone

    from commitments.models import Commitment

    twice = make_commitment(title="Deux étapes")
    make_deadline(twice, date=AS_OF + datetime.timedelta(days=5), label="Étape 1")
    make_deadline(twice, date=AS_OF + datetime.timedelta(days=20), label="Étape 2")
    make_deadline(twice, date=AS_OF - datetime.timedelta(days=2), label="Étape 0")
    make_deadline(twice, date=AS_OF - datetime.timedelta(days=3), label="Étape -1")
    archived = make_commitment(title="Archivé")
    make_deadline(archived, date=AS_OF + datetime.timedelta(days=5), label="Étape")
    make_deadline(archived, date=AS_OF - datetime.timedelta(days=2), label="Étape")
    Commitment.all_objects.filter(pk=archived.pk).update(archived_at=timezone.now())
    met = make_commitment(title="Tenu")
    make_deadline(met, date=AS_OF + datetime.timedelta(days=5), label="Étape", met_on=AS_OF)
    floor = make_commitment(title="Pas avant")
    make_deadline(floor, date=AS_OF + datetime.timedelta(days=5), label="Étape", bound="not_before")
    counts, _html = chase(viewer_client)
    assert (counts["due"], counts["lapsed"]) == (1, 1)
    for key in ("due", "lapsed"):
        listed = viewer_client.get(counts["urls"][key]).context["commitments"]
        assert [c.title for c in listed] == ["Deux étapes"], key


# --- Lists and exports --------------------------------------------------------------------


def test_lists_offer_the_new_filters_in_french(viewer_client, world):
    html = viewer_client.get(reverse("commitments:list")).content.decode()
    for label in (
        "Sans responsable",
        "Échéance dépassée depuis",
        "Une échéance dans les (jours)",
        "Échéance connue au",
        "Échéance contestée",
        "Affirmation de l’État divergente",
        "À vérifier",
    ):
        assert label in html, label
    overdue = viewer_client.get(reverse("commitments:overdue")).content.decode()
    assert "Affirmation de l’État divergente" in overdue


def test_overdue_list_states_lateness_honestly_and_sorts_by_days(viewer_client, world):
    response = viewer_client.get(reverse("commitments:overdue"))
    titles = [c.title for c in response.context["commitments"]]
    # Lapsed 31 March 2022, 30 September 2022, 31 December 2021: longest first.
    assert titles == [
        "Troisième plan d'action national",
        "Commentaires de la France sur le rapport de l'OSCE",
        "Rapport au Comité des droits de l'enfant",
    ]
    html = response.content.decode()
    assert "Retard" in html
    assert html.count("en retard de plus de 4 ans") == 3
    assert "date déduite par le Collectif, non officielle" in html
    ascending = viewer_client.get(reverse("commitments:overdue"), {"ordering": "days_overdue"})
    assert [c.title for c in ascending.context["commitments"]] == titles[::-1]
    diverging = viewer_client.get(reverse("commitments:overdue"), {"diverging": "true"})
    assert [c.key for c in diverging.context["commitments"]] == ["osce"]


NEW_COLUMNS = [
    "Échéance (telle que connue)",
    "Précision",
    "Borne",
    "Fondement",
    "Réserve",
    "Retard",
    "Affirmation de l’État",
    "Divergence",
    "En attente depuis",
    "Demandes",
    "Dernière nouvelle",
    "À vérifier",
]


def test_csv_export_carries_precision_basis_caveat_and_claims(viewer_client, world):
    response = viewer_client.get(reverse("commitments:overdue_export", args=["csv"]))
    rows = list(
        csv.DictReader(
            io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig")), delimiter=";"
        )
    )
    assert all(column in rows[0] for column in NEW_COLUMNS)
    by_title = {row["Intitulé"]: row for row in rows}
    osce = by_title["Commentaires de la France sur le rapport de l'OSCE"]
    assert osce["Échéance (telle que connue)"] == "mars 2022"
    assert osce["Précision"] == "Mois"
    assert osce["Fondement"] == "Attendue par le Collectif, non officielle"
    assert osce["Réserve"].startswith("date déduite par le Collectif, non officielle")
    assert osce["Retard"] == "en retard de plus de 4 ans"
    assert osce["Affirmation de l’État"] == "Tenu"
    assert osce["Divergence"] == "Oui"
    assert osce["À vérifier"] == "Oui"  # its last news, the claim of October 2022, is old
    third = by_title["Troisième plan d'action national"]
    assert "les sources divergent" in third["Réserve"]


def test_csv_export_of_asks(viewer_client, world):
    response = viewer_client.get(
        reverse("commitments:export", args=["csv"]), {"search": "orientation"}
    )
    (row,) = csv.DictReader(
        io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig")), delimiter=";"
    )
    assert row["En attente depuis"] == "01/07/2022"
    assert row["Demandes"] == "3"
    assert row["Échéance (telle que connue)"] == ""


def test_xlsx_export_has_the_same_columns_and_neutralises_formulas(viewer_client, world):
    Body.objects.filter(key="miprof").update(name="=HYPERLINK(1)")
    response = viewer_client.get(reverse("commitments:export", args=["xlsx"]))
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    header = [cell.value for cell in sheet[1]]
    assert all(column in header for column in NEW_COLUMNS)
    values = [cell.value for row in sheet.iter_rows(min_row=2) for cell in row]
    assert not any(isinstance(v, str) and v.startswith("=") for v in values)
    since = header.index("En attente depuis")
    dated = [row[since] for row in sheet.iter_rows(min_row=2) if row[since].value]
    assert dated and dated[0].number_format == "dd/mm/yyyy"


def test_commitment_archived_is_not_counted(viewer_client, world):
    Commitment.all_objects.filter(key="osce").update(
        archived_at=datetime.datetime(2026, 11, 1, tzinfo=PARIS)
    )
    counts, _html = chase(viewer_client)
    assert counts["diverging"] == 0 and counts["overdue"] == 2
