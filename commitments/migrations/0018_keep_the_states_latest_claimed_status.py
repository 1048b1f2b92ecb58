"""The state's latest claimed status kept on each commitment (``commitments.advocacy_facts``),
computed here for the commitments that exist, with an index of the commitments that have one
("diverging")."""

import types

from django.db import migrations, models


def compute_state_claimed_status(apps, schema_editor):
    from commitments import advocacy_facts

    historical = types.SimpleNamespace(
        **{name: apps.get_model("commitments", name) for name in ("Commitment", "Claim")}
    )
    historical.Commitment._base_manager.update(
        state_claimed_status=advocacy_facts.state_claimed_status(historical)
    )


class Migration(migrations.Migration):
    dependencies = [
        ("commitments", "0017_index_each_commitments_asks_by_date"),
    ]

    operations = [
        migrations.AddField(
            model_name="commitment",
            name="state_claimed_status",
            field=models.CharField(
                blank=True,
                choices=[
                    ("not_started", "Not started"),
                    ("announced", "Announced"),
                    ("in_progress", "In progress"),
                    ("partially_met", "Partially met"),
                    ("met", "Met"),
                    ("abandoned", "Abandoned"),
                    ("superseded", "Superseded"),
                ],
                editable=False,
                help_text="The status of the state's latest claim of a status.",
                max_length=16,
                null=True,
                verbose_name="status the state claims",
            ),
        ),
        migrations.RunPython(compute_state_claimed_status, migrations.RunPython.noop),
        migrations.AddIndex(
            model_name="commitment",
            index=models.Index(
                condition=models.Q(("state_claimed_status__isnull", False)),
                fields=["state_claimed_status", "status"],
                name="commitment_claimed_by_state",
            ),
        ),
    ]
