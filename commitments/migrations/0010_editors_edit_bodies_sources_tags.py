from django.db import migrations
from django.db.models import Q

# What this migration granted (a frozen copy: migrations are history). Administrators already
# held these permissions.
EDITORS_GAIN = [
    ("commitments", "change_body"),
    ("commitments", "change_source"),
    ("commitments", "add_tag"),
    ("commitments", "change_tag"),
]


def grant(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    wanted = Q()
    for app_label, codename in EDITORS_GAIN:
        wanted |= Q(content_type__app_label=app_label, codename=codename)
    for group in Group.objects.filter(name="editors"):
        group.permissions.add(*Permission.objects.filter(wanted))


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    wanted = Q()
    for app_label, codename in EDITORS_GAIN:
        wanted |= Q(content_type__app_label=app_label, codename=codename)
    for group in Group.objects.filter(name="editors"):
        group.permissions.remove(*Permission.objects.filter(wanted))


class Migration(migrations.Migration):
    """Editors may also correct bodies and sources and keep the tags, from the staff pages."""

    dependencies = [("commitments", "0009_search_and_saved_views")]

    operations = [migrations.RunPython(grant, revoke)]
