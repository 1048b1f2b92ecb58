"""Each commitment's earliest ask kept on it (``commitments.advocacy_facts``), computed here for
the commitments that exist, with an index of the listed open commitments by it (the asks
waiting, the longest first)."""

import types

from django.db import migrations, models


def compute_first_asks(apps, schema_editor):
    from commitments import advocacy_facts

    historical = types.SimpleNamespace(
        **{name: apps.get_model("commitments", name) for name in ("Commitment", "Ask")}
    )
    historical.Commitment._base_manager.update(
        first_asked_on=advocacy_facts.first_asked_on(historical)
    )


class Migration(migrations.Migration):
    dependencies = [
        ("commitments", "0019_index_the_owed_deadlines_and_the_listed_claims"),
    ]

    operations = [
        migrations.AddField(
            model_name="commitment",
            name="first_asked_on",
            field=models.DateField(
                blank=True,
                editable=False,
                help_text="The date of its earliest ask.",
                null=True,
                verbose_name="first asked on",
            ),
        ),
        migrations.RunPython(compute_first_asks, migrations.RunPython.noop, elidable=False),
        migrations.AddIndex(
            model_name="commitment",
            index=models.Index(
                condition=models.Q(
                    ("archived_at__isnull", True),
                    ("first_asked_on__isnull", False),
                    models.Q(
                        ("status__is_one_of", ("met", "abandoned", "superseded")), _negated=True
                    ),
                ),
                fields=["first_asked_on", "id"],
                name="commitment_waiting_longest",
            ),
        ),
    ]
