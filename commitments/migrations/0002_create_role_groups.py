from django.db import migrations
from django.db.models import Q

# The groups and their permissions as this migration created them (a frozen copy: migrations
# are history; the roles of today are in accounts/roles.py, later grants in later migrations).
VIEW = [
    ("commitments", "view_body"),
    ("commitments", "view_commitment"),
    ("commitments", "view_citation"),
    ("commitments", "view_source"),
    ("commitments", "view_statuschange"),
    ("commitments", "view_tag"),
]
EDIT = [
    ("commitments", "change_commitment_status"),
    ("commitments", "add_statuschange"),
    ("commitments", "add_source"),
    ("commitments", "add_citation"),
]
ADMINISTER = [
    ("commitments", f"{action}_{model}")
    for model in ("body", "commitment", "citation", "source", "tag")
    for action in ("add", "change", "delete")
] + [("accounts", "view_user")]
GROUP_PERMISSIONS = {
    "viewers": VIEW,
    "editors": VIEW + EDIT,
    "administrators": VIEW + EDIT + ADMINISTER,
}


def create_groups(apps, schema_editor):
    from django.contrib.auth.management import create_permissions

    # Permissions are normally created after all migrations: create them now.
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
        group.permissions.set(Permission.objects.filter(wanted))


def remove_groups(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=GROUP_PERMISSIONS).delete()


class Migration(migrations.Migration):
    """Create the viewer, editor and administrator groups with their permissions."""

    dependencies = [
        ("commitments", "0001_initial"),
        ("accounts", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_groups, remove_groups)]
