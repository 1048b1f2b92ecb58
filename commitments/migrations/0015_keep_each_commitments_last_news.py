"""Each commitment's last news kept on it (``commitments.advocacy_facts``), computed here for the
commitments that exist, with an index of the open commitments by it ("to check")."""

import types

from django.db import migrations, models


def compute_last_news(apps, schema_editor):
    from commitments import advocacy_facts

    historical = types.SimpleNamespace(
        **{
            name: apps.get_model("commitments", name)
            for name in ("Commitment", "Claim", "StatusChange")
        }
    )
    historical.Commitment._base_manager.update(last_news_on=advocacy_facts.last_news(historical))


class Migration(migrations.Migration):
    dependencies = [
        ("commitments", "0014_index_the_states_latest_status_claim"),
    ]

    operations = [
        migrations.AddField(
            model_name="commitment",
            name="last_news_on",
            field=models.DateField(
                blank=True,
                editable=False,
                help_text="The latest effective date of its status changes and date of its claims.",
                null=True,
                verbose_name="last news",
            ),
        ),
        migrations.RunPython(compute_last_news, migrations.RunPython.noop, elidable=False),
        migrations.AddIndex(
            model_name="commitment",
            index=models.Index(
                condition=models.Q(
                    ("status__is_one_of", ("met", "abandoned", "superseded")), _negated=True
                ),
                fields=["last_news_on"],
                name="commitment_open_by_last_news",
            ),
        ),
    ]
