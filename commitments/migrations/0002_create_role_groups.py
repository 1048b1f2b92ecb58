from django.db import migrations

from commitments.roles import remove_groups, sync_groups


class Migration(migrations.Migration):
    """Create the viewer, editor and administrator groups with their permissions."""

    dependencies = [
        ("commitments", "0001_initial"),
        ("accounts", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(sync_groups, remove_groups)]
