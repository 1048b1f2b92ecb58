from django.db import migrations

from commitments.roles import sync_groups


class Migration(migrations.Migration):
    """Editors may also create and edit commitments and bodies (through the API)."""

    dependencies = [("commitments", "0002_create_role_groups")]

    operations = [migrations.RunPython(sync_groups, migrations.RunPython.noop)]
