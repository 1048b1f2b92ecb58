"""Backup and restore: a dump of a filled database, restored into an empty one, gives back every
record and every history entry. The dump is made exactly as `make backup` makes it (same options,
same exclusions, read from the Makefile) and restored as `make restore` does (loaddata).

Runs on SQLite and on PostgreSQL: the database is flushed between dump and restore, which leaves
it as empty as a freshly migrated one (content types and permissions, which `migrate` rebuilds
and backups leave out)."""

import datetime
import re

import pytest
from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.db import connection
from django.test import override_settings
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.authtoken.models import Token

from accounts import roles
from alerts.models import Alert, Watch
from commitments.models import (
    Body,
    Citation,
    Commitment,
    SearchDocument,
    Source,
    Status,
    StatusChange,
    Tag,
)
from commitments.search import search_queryset
from commitments.services.status import status_change_record

from .factories import SourceFactory, UserFactory

TODAY = datetime.date(2026, 11, 23)


def backup_exclusions() -> list[str]:
    makefile = (settings.BASE_DIR / "Makefile").read_text()
    return re.search(r"^BACKUP_EXCLUDE := (.+)$", makefile, flags=re.MULTILINE).group(1).split()


def backup_format() -> str:
    makefile = (settings.BASE_DIR / "Makefile").read_text()
    return re.search(r"^BACKUP_FORMAT := (\w+)$", makefile, flags=re.MULTILINE).group(1)


def backed_up_models():
    excluded = set(backup_exclusions())
    return [
        model
        for model in apps.get_models(include_auto_created=True)
        if model._meta.app_label not in excluded and model._meta.label_lower not in excluded
    ]


def snapshot() -> dict:
    """Everything a backup must keep, by natural keys (restored rows may get new ids)."""
    return {
        "counts": {
            model._meta.label: model._default_manager.count() for model in backed_up_models()
        },
        "users": sorted(
            get_user_model().objects.values_list(
                "username",
                "email",
                "first_name",
                "last_name",
                "password",
                "is_active",
                "is_staff",
                "is_superuser",
                "language",
                "date_joined",
                "last_login",
            )
        ),
        "memberships": sorted(
            get_user_model().groups.through.objects.values_list("user__username", "group__name")
        ),
        "group_permissions": sorted(
            Group.permissions.through.objects.values_list(
                "group__name", "permission__content_type__app_label", "permission__codename"
            )
        ),
        "bodies": sorted(
            Body.objects.values_list(
                "key", "name", "acronym", "kind", "level", "country", "description"
            )
        ),
        "sources": sorted(
            Source.objects.values_list(
                "key",
                "title",
                "publisher",
                "publication_date",
                "date_precision",
                "url",
                "language",
                "document",
                "note",
                "created_at",
            )
        ),
        "tags": sorted(Tag.objects.values_list("slug", "name")),
        "commitments": sorted(
            Commitment.objects.values_list(
                "key",
                "title",
                "summary",
                "category",
                "responsible_body__key",
                "monitoring_body__key",
                "status",
                "due_date",
                "due_date_note",
                "owner__username",
                "is_public",
                "version",
                "created_at",
                "updated_at",
            )
        ),
        "commitment_tags": sorted(
            Commitment.tags.through.objects.values_list("commitment__key", "tag__slug")
        ),
        "citations": sorted(
            Citation.objects.values_list("commitment__key", "source__key", "claim")
        ),
        "status_changes": sorted(
            StatusChange.objects.values_list(
                "commitment__key",
                "previous_status",
                "new_status",
                "effective_date",
                "note",
                "author__username",
                "origin",
                "created_at",
            ),
            key=repr,
        ),
        "status_change_sources": sorted(
            StatusChange.sources.through.objects.values_list(
                "statuschange__commitment__key",
                "statuschange__effective_date",
                "statuschange__new_status",
                "source__key",
            )
        ),
        "alerts": sorted(
            Alert.objects.values_list(
                "kind", "commitment__key", "due_date", "raised_as_of", "recipients__username"
            ),
            key=repr,
        ),
        "watches": sorted(Watch.objects.values_list("user__username", "commitment__key")),
        "totp_devices": sorted(
            TOTPDevice.objects.values_list("user__username", "key", "confirmed")
        ),
        "tokens": sorted(Token.objects.values_list("user__username", "key")),
        # Left out of the dump and rebuilt by the restore: what a search finds must not change.
        # Each place holds a set of distinct words (their order follows the rows' ids, which a
        # restore renumbers).
        "search_documents": sorted(
            (key, *(sorted(words.split()) for words in places))
            for key, *places in SearchDocument.objects.values_list(
                "commitment__key", "title", "key", "bodies", "summary", "citations", "history"
            )
        ),
        "found_by_search": sorted(
            search_queryset(Commitment.objects.all(), "ministère").values_list("key", flat=True)
        ),
    }


@pytest.fixture
def filled_database(mailoutbox):
    # An earlier transactional test's flush may have removed the groups and permissions.
    roles.ensure_groups()
    call_command("load_seeds", verbosity=0)
    editor = UserFactory(username="editrice", groups=[roles.EDITORS], first_name="Élise")
    UserFactory(username="lecteur", groups=[roles.VIEWERS])
    TOTPDevice.objects.create(user=editor, name="téléphone", confirmed=True)
    Token.objects.create(user=editor)
    report = SourceFactory(key="rapport-2026", title="Rapport annuel 2026")
    for commitment in Commitment.objects.open().order_by("key")[:3]:
        Watch.objects.create(user=editor, commitment=commitment)
        commitment.owner = editor
        commitment.save(update_fields=["owner"])
        new_status = Status.IN_PROGRESS if commitment.status != Status.IN_PROGRESS else Status.MET
        status_change_record(
            commitment=commitment,
            new_status=new_status,
            effective_date=TODAY,
            author=editor,
            note="Annonce du ministère — « suivi » confirmé",
            sources=[report],
            expected_version=commitment.version,
            origin=StatusChange.Origin.WEB,
            today=TODAY,
        )
    call_command("check_deadlines", as_of=TODAY.isoformat(), verbosity=0)


# Inside the test's transaction: dump, flush and load run as `make backup`/`make restore`
# run them, and the test stays independent of what earlier transactional tests left behind.
@pytest.mark.django_db
def test_restore_into_an_empty_database_gives_back_every_record(filled_database, tmp_path):
    before = snapshot()
    assert before["counts"]["commitments.StatusChange"] > before["counts"]["commitments.Commitment"]
    assert before["status_change_sources"], "history entries with their sources"
    assert before["memberships"] and before["group_permissions"]
    assert before["alerts"] and before["watches"]
    assert before["found_by_search"], "the history notes mention the ministry"
    dump = tmp_path / "vigie.yaml.gz"

    call_command(
        "dumpdata",
        natural_foreign=True,
        natural_primary=True,
        exclude=backup_exclusions(),
        format=backup_format(),
        output=str(dump),
        verbosity=0,
    )
    # Inside a transaction PostgreSQL refuses to TRUNCATE rows with deferred constraint
    # checks pending: run those checks now, as a commit would.
    connection.check_constraints()
    call_command("flush", interactive=False, verbosity=0)
    ContentType.objects.clear_cache()
    assert all(count == 0 for count in snapshot()["counts"].values())

    # As `make restore` does: SIMPLE_HISTORY_ENABLED=0, the backup already holds the history.
    assert "SIMPLE_HISTORY_ENABLED=0 $(BIN)/python manage.py loaddata" in (
        (settings.BASE_DIR / "Makefile").read_text()
    )
    with override_settings(SIMPLE_HISTORY_ENABLED=False):
        call_command("loaddata", str(dump), verbosity=0)
    assert "$(BIN)/python manage.py rebuild_search_index" in (
        (settings.BASE_DIR / "Makefile").read_text()
    )
    call_command("rebuild_search_index", verbosity=0)

    after = snapshot()
    for part in before:
        assert after[part] == before[part], part

    # The restored database keeps working: the next status change is recorded after the others.
    commitment = Commitment.objects.open().order_by("key").first()
    status_change_record(
        commitment=commitment,
        new_status=Status.ABANDONED,
        effective_date=TODAY,
        author=get_user_model().objects.get(username="editrice"),
        note="",
        sources=[Source.objects.get(key="rapport-2026")],
        expected_version=commitment.version,
        origin=StatusChange.Origin.WEB,
        today=TODAY,
    )
    assert StatusChange.objects.count() == before["counts"]["commitments.StatusChange"] + 1
