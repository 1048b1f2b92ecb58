"""The three staff roles, as Django groups, and the permissions each grants; named here once.

The groups were created by data migrations (``commitments`` 0002 and 0003), which keep their
own copy of the lists as they were then: a change here needs a data migration that grants it.
``ensure_groups`` recreates the groups from these lists where a test flushed them.
"""

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

VIEWERS = "viewers"
EDITORS = "editors"
ADMINISTRATORS = "administrators"

ROLE_LABELS = {
    VIEWERS: _("Viewer: reads everything, changes nothing"),
    EDITORS: _("Editor: records status changes and adds sources"),
    ADMINISTRATORS: _("Administrator: data entry in the admin"),
}

# (app_label, codename) pairs each group is granted.
_VIEW = [
    ("commitments", "view_body"),
    ("commitments", "view_commitment"),
    ("commitments", "view_citation"),
    ("commitments", "view_source"),
    ("commitments", "view_statuschange"),
    ("commitments", "view_tag"),
]
_EDIT = [
    ("commitments", "change_commitment_status"),
    ("commitments", "add_statuschange"),
    ("commitments", "add_commitment"),
    ("commitments", "change_commitment"),
    ("commitments", "add_citation"),
    ("commitments", "add_source"),
    ("commitments", "add_body"),
    # Correcting bodies and sources and keeping the tags, from the staff pages.
    ("commitments", "change_body"),
    ("commitments", "change_source"),
    ("commitments", "add_tag"),
    ("commitments", "change_tag"),
]
_ADMINISTER = [
    (app, f"{action}_{model}")
    for app, model in [
        ("commitments", "body"),
        ("commitments", "commitment"),
        ("commitments", "citation"),
        ("commitments", "source"),
        ("commitments", "tag"),
    ]
    for action in ("add", "change", "delete")
] + [("accounts", "view_user")]

GROUP_PERMISSIONS = {
    VIEWERS: _VIEW,
    EDITORS: _VIEW + _EDIT,
    ADMINISTRATORS: _VIEW + _EDIT + _ADMINISTER,
}


def sync_groups(apps, schema_editor=None) -> None:
    """Create the groups and grant each exactly its permissions (idempotent).

    ``apps`` is the app registry (or a migration's historical one). Permissions are normally
    created after all migrations, so they are created here first.
    """
    from django.contrib.auth.management import create_permissions

    for app_config in apps.get_app_configs():
        # create_permissions skips an app without a models module, which every app of a
        # migration's historical registry lacks; put back what was there (the live registry
        # must keep its modules: dumpdata, for one, skips an app without one).
        models_module = getattr(app_config, "models_module", None)
        app_config.models_module = models_module or True
        create_permissions(app_config, verbosity=0, apps=apps)
        app_config.models_module = models_module

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for group_name, pairs in GROUP_PERMISSIONS.items():
        group, _created = Group.objects.get_or_create(name=group_name)
        wanted = Q()
        for app_label, codename in pairs:
            wanted |= Q(content_type__app_label=app_label, codename=codename)
        # Only the permissions that exist yet: with a migration's historical registry, a later
        # migration grants the others.
        group.permissions.set(Permission.objects.filter(wanted))


def ensure_groups() -> None:
    """Recreate the groups and their permissions if missing, e.g. after a database flush
    (transactional tests do that, and a flush does not always recreate permissions)."""
    from django.apps import apps
    from django.contrib.auth.models import Group

    complete = (
        Group.objects.filter(name__in=GROUP_PERMISSIONS, permissions__isnull=False)
        .distinct()
        .count()
    )
    if complete < len(GROUP_PERMISSIONS):
        sync_groups(apps)


def may_invite(user) -> bool:
    """Who may invite new staff: administrators (the group, with access to the admin site)
    and superusers."""
    if not (user.is_authenticated and user.is_active):
        return False
    if user.is_superuser:
        return True
    return user.is_staff and user.groups.filter(name=ADMINISTRATORS).exists()
