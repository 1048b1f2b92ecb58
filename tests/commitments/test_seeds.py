"""The seed loader: every named commitment present, sourced, idempotent, all or nothing."""

import datetime
import shutil
from pathlib import Path

import pytest
import yaml
from django.conf import settings
from django.core.management import CommandError, call_command
from django.utils import translation

from commitments.interchange.seeds import load_seeds
from commitments.models import Body, Citation, Commitment, Source, Status, StatusChange
from commitments.services.status import status_change_record

from ..factories import SourceFactory

SEEDS = Path(settings.BASE_DIR) / "seeds"

# The commitments the foundation issue names, by key.
NAMED_COMMITMENTS = {
    "mecanisme-national-orientation",
    "delegation-interministerielle-premier-ministre",
    "troisieme-plan-action-national",
    "deuxieme-plan-action-national",
    "rapport-france-comite-droits-enfant",
    "examen-periodique-universel-france",
    "evaluation-greta-france",
    "rapport-osce-france",
    "loi-13-avril-2016",
    "strategie-ue-2021-2025",
    "revision-strategie-ue-2024",
    "plan-commun-ue-refugies-ukraine",
    "campagne-coeur-bleu",
    "engagement-franco-suedois",
    "resolution-cpcjp-2018-protection-mineurs",
}


@pytest.fixture
def seed_copy(tmp_path):
    target = tmp_path / "seeds"
    shutil.copytree(SEEDS, target)
    return target


def _counts():
    return (
        Body.objects.count(),
        Source.objects.count(),
        Commitment.objects.count(),
        StatusChange.objects.count(),
        Citation.objects.count(),
    )


def test_loads_every_named_commitment(db):
    call_command("load_seeds")
    keys = set(Commitment.objects.values_list("key", flat=True))
    assert NAMED_COMMITMENTS <= keys


def test_seeded_facts_from_the_documents(db):
    call_command("load_seeds")
    referral = Commitment.objects.get(key="mecanisme-national-orientation")
    assert referral.due_date is None
    assert referral.status == Status.NOT_STARTED
    third_plan = Commitment.objects.get(key="troisieme-plan-action-national")
    # Due when the second plan ends: counted from the earliest reading (end of 2021), disputed.
    assert third_plan.due_date.isoformat() == "2021-12-31"
    assert third_plan.due_date_note
    assert third_plan.governing_deadline.disputed
    second_plan = Commitment.objects.get(key="deuxieme-plan-action-national")
    claims = " ".join(second_plan.citations.values_list("claim", flat=True))
    assert "2019-2021" in claims and "2019-2023" in claims
    assert second_plan.citations.values("source").distinct().count() >= 2


def test_every_record_cites_a_source(db):
    call_command("load_seeds")
    assert not Commitment.objects.filter(citations__isnull=True).exists()
    assert not StatusChange.objects.filter(sources__isnull=True).exists()
    assert not StatusChange.objects.exclude(origin=StatusChange.Origin.SEED).exists()
    assert not Source.objects.filter(document="").exists()


def test_idempotent(db):
    call_command("load_seeds")
    first = _counts()
    call_command("load_seeds")
    assert _counts() == first


def test_never_overwrites_a_status_staff_changed(db, seed_copy, editor):
    load_seeds(seed_copy)
    plan = Commitment.objects.get(key="troisieme-plan-action-national")
    status_change_record(
        commitment=plan,
        new_status=Status.ANNOUNCED,
        effective_date=plan.status_changes.latest().effective_date,
        author=editor,
        expected_version=plan.version,
        sources=[SourceFactory()],
    )
    # The seed file later gains an entry for the same commitment.
    data = yaml.safe_load((seed_copy / "commitments.yaml").read_text(encoding="utf-8"))
    entry = next(item for item in data if item["key"] == plan.key)
    entry["history"].append(
        {
            "status": "abandoned",
            "effective_date": "2023-01-01",
            "note": "x",
            "sources": [entry["citations"][0]["source"]],
        }
    )
    entry["title"] = "Titre modifié dans le fichier"
    (seed_copy / "commitments.yaml").write_text(yaml.safe_dump(data, allow_unicode=True))

    report = load_seeds(seed_copy)

    plan.refresh_from_db()
    assert plan.status == Status.ANNOUNCED
    assert plan.title != "Titre modifié dans le fichier"
    assert report.history_kept_for_staff == [plan.key]


def test_new_seeded_entries_apply_while_only_seeds_wrote_history(db, seed_copy):
    load_seeds(seed_copy)
    data = yaml.safe_load((seed_copy / "commitments.yaml").read_text(encoding="utf-8"))
    entry = next(item for item in data if item["key"] == "troisieme-plan-action-national")
    entry["history"].append(
        {
            "status": "abandoned",
            "effective_date": "2023-01-01",
            "note": "x",
            "sources": [entry["citations"][0]["source"]],
        }
    )
    (seed_copy / "commitments.yaml").write_text(yaml.safe_dump(data, allow_unicode=True))

    report = load_seeds(seed_copy)

    assert Commitment.objects.get(key=entry["key"]).status == Status.ABANDONED
    assert report.history_recorded == 1


@pytest.mark.parametrize(
    ("file", "mutate", "message"),
    [
        (
            "commitments.yaml",
            lambda data: data[-1]["history"][0].update(status="forgotten"),
            "unknown status 'forgotten'",
        ),
        (
            "commitments.yaml",
            lambda data: data[-1].update(responsible_body="nobody"),
            "unknown body 'nobody'",
        ),
        ("commitments.yaml", lambda data: data[-1].update(due_date="18/10/2022"), "is not a date"),
        ("commitments.yaml", lambda data: data[-1].update(citations=[]), "at least one citation"),
        (
            "commitments.yaml",
            lambda data: data[-1].update(colour="red"),
            "unknown field(s): colour",
        ),
        ("bodies.yaml", lambda data: data[-1].update(kind="alien"), "kind"),
        ("sources.yaml", lambda data: data.append(dict(data[0])), "duplicate key"),
    ],
)
def test_malformed_file_stops_the_load_and_writes_nothing(db, seed_copy, file, mutate, message):
    path = seed_copy / file
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    mutate(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")

    with pytest.raises(CommandError) as caught:
        call_command("load_seeds", dir=str(seed_copy))

    assert file in str(caught.value)
    assert message in str(caught.value)
    if file == "commitments.yaml":
        assert f"entry {len(data)}" in str(caught.value)
    assert _counts() == (0, 0, 0, 0, 0)


def test_not_yaml_or_not_utf8(db, seed_copy):
    (seed_copy / "sources.yaml").write_bytes("- key: été\n".encode("latin-1"))
    with pytest.raises(CommandError, match="sources.yaml, file: not valid UTF-8"):
        call_command("load_seeds", dir=str(seed_copy))
    (seed_copy / "sources.yaml").write_text("- key: [unclosed\n", encoding="utf-8")
    with pytest.raises(CommandError, match="not valid YAML"):
        call_command("load_seeds", dir=str(seed_copy))
    assert _counts() == (0, 0, 0, 0, 0)


def test_what_is_late_as_of_1_december_2026(db):
    """The issue's acceptance: what the source documents say is late, said honestly."""
    call_command("load_seeds")
    as_of = datetime.date(2026, 12, 1)
    overdue = {c.key: c for c in Commitment.objects.overdue(as_of).with_relations()}
    for key, precision, basis in [
        ("rapport-france-comite-droits-enfant", "month", "event"),
        ("rapport-osce-france", "month", "expected"),
        ("troisieme-plan-action-national", "year", "successor"),
    ]:
        deadline = overdue[key].governing_deadline
        assert (deadline.precision, deadline.basis) == (precision, basis), key
        with translation.override("en"):
            assert str(overdue[key].lateness(as_of)) == "more than 4 years late", key
    assert list(Commitment.objects.diverging().values_list("key", flat=True)) == [
        "rapport-osce-france"
    ]
    referral = Commitment.objects.with_asks().get(key="mecanisme-national-orientation")
    assert referral.outstanding_since == datetime.date(2022, 7, 1)
    assert referral.asks_count == 1
    first_plan = Commitment.objects.get(key="premier-plan-action-national")
    assert first_plan.status == Status.SUPERSEDED
    assert first_plan.status_changes.latest().effective_date == datetime.date(2019, 10, 1)
