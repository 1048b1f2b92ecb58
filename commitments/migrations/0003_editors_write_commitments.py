from django.db import migrations
from django.db.models import Q

# What this migration granted (a frozen copy: migrations are history). Administrators already
# held these permissions.
EDITORS_GAIN = [
    ("commitments", "add_commitment"),
    ("commitments", "change_commitment"),
    ("commitments", "add_body"),
]


def grant(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    wanted = Q()
    for app_label, codename in EDITORS_GAIN:
        wanted |= Q(content_type__app_label=app_label, codename=codename)
    for group in Group.objects.filter(name="editors"):
        group.permissions.add(*Permission.objects.filter(wanted))


class Migration(migrations.Migration):
    """Editors may also create and edit commitments and bodies (through the API)."""

    dependencies = [("commitments", "0002_create_role_groups")]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
