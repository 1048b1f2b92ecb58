"""Tags carry their real French names (accents, acronyms), on a new and an existing database."""

import shutil
from pathlib import Path

import pytest
import yaml
from django.conf import settings

from commitments.interchange.seeds import SeedError, load_seeds
from commitments.models import Commitment, Tag

SEEDS = Path(settings.BASE_DIR) / "seeds"


@pytest.fixture
def seed_copy(tmp_path):
    target = tmp_path / "seeds"
    shutil.copytree(SEEDS, target)
    return target


def test_seeded_tags_have_their_real_names(db):
    load_seeds(SEEDS)
    names = dict(Tag.objects.values_list("slug", "name"))
    assert names["onu"] == "ONU"
    assert names["osce"] == "OSCE"
    assert names["cooperation"] == "Coopération internationale"
    assert names["societe-civile"] == "Société civile"
    assert names["union-europeenne"] == "Union européenne"
    assert names["conseil-de-l-europe"] == "Conseil de l'Europe"
    named = yaml.safe_load((SEEDS / "tags.yaml").read_text(encoding="utf-8"))
    assert names == {entry["slug"]: entry["name"] for entry in named}


def test_every_tag_a_commitment_uses_is_named(db):
    load_seeds(SEEDS)
    used = set(Commitment.objects.values_list("tags__slug", flat=True)) - {None}
    assert used == set(Tag.objects.values_list("slug", flat=True))


def test_existing_database_gets_the_real_names_but_staff_names_are_kept(db):
    Tag.objects.create(slug="onu", name="Onu")  # what the earlier loader made
    Tag.objects.create(slug="cooperation", name="Cooperation")
    Tag.objects.create(slug="osce", name="Organisation pour la sécurité")  # renamed by staff
    report = load_seeds(SEEDS)
    names = dict(Tag.objects.values_list("slug", "name"))
    assert names["onu"] == "ONU"
    assert names["cooperation"] == "Coopération internationale"
    assert names["osce"] == "Organisation pour la sécurité"
    assert report.renamed["tags"] == 2
    again = load_seeds(SEEDS)
    assert again.renamed.get("tags", 0) == 0


def test_a_commitment_tag_missing_from_tags_yaml_is_refused(db, seed_copy):
    path = seed_copy / "commitments.yaml"
    entries = yaml.safe_load(path.read_text(encoding="utf-8"))
    entries[0]["tags"] = ["victimes", "inconnu"]
    path.write_text(yaml.safe_dump(entries, allow_unicode=True), encoding="utf-8")
    with pytest.raises(SeedError, match="inconnu"):
        load_seeds(seed_copy)
    assert not Tag.objects.exists()


@pytest.mark.parametrize(
    ("entry", "reason"),
    [
        ({"slug": "Pas Un Slug", "name": "X"}, "not a slug"),
        ({"slug": "x"}, "required"),
        ({"slug": "x", "name": "X", "colour": "red"}, "unknown field"),
    ],
)
def test_a_malformed_tag_entry_is_refused(db, seed_copy, entry, reason):
    path = seed_copy / "tags.yaml"
    entries = yaml.safe_load(path.read_text(encoding="utf-8"))
    path.write_text(yaml.safe_dump([*entries, entry], allow_unicode=True), encoding="utf-8")
    with pytest.raises(SeedError, match=reason):
        load_seeds(seed_copy)
