"""The role groups: what the data migrations create is what ``accounts.roles`` states."""

import importlib

from django.apps import apps
from django.contrib.auth.models import Group

from accounts import roles


def granted() -> dict[str, set[tuple[str, str]]]:
    return {
        group.name: set(group.permissions.values_list("content_type__app_label", "codename"))
        for group in Group.objects.filter(name__in=roles.GROUP_PERMISSIONS)
    }


def test_the_migrations_grant_exactly_the_roles_permissions(db):
    """The migrations keep frozen copies of the lists (they are history): replaying them on an
    empty table gives each group exactly what ``accounts.roles`` grants today."""
    Group.objects.filter(name__in=roles.GROUP_PERMISSIONS).delete()
    for name in (
        "0002_create_role_groups",
        "0003_editors_write_commitments",
        "0010_editors_edit_bodies_sources_tags",
    ):
        migration = importlib.import_module(f"commitments.migrations.{name}")
        operation = migration.Migration.operations[0]
        operation.code(apps, None)
    expected = {name: set(pairs) for name, pairs in roles.GROUP_PERMISSIONS.items()}
    assert granted() == expected


def test_ensure_groups_recreates_flushed_groups(db):
    Group.objects.filter(name__in=roles.GROUP_PERMISSIONS).delete()
    roles.ensure_groups()
    expected = {name: set(pairs) for name, pairs in roles.GROUP_PERMISSIONS.items()}
    assert granted() == expected


def test_each_role_includes_the_one_below():
    viewers, editors, administrators = (
        set(roles.GROUP_PERMISSIONS[name])
        for name in (roles.VIEWERS, roles.EDITORS, roles.ADMINISTRATORS)
    )
    assert viewers < editors < administrators
    assert not any(codename.startswith(("add_", "change_", "delete_")) for _, codename in viewers)
