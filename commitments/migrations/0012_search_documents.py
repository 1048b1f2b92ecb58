"""Each commitment's search document (``SearchDocument``): the folded words of every place a
search looks, in one row, built here for the commitments that exist (``search_index``).

On PostgreSQL, a trigram index over its columns (``pg_trgm``): a search for a rare word (a
name) reads the few documents that hold it instead of all of them (at 100,000 commitments,
130 ms down to 1 ms). A common word still reads them all: the index cannot help there.
"""

import types

import django.db.models.deletion
from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations, models


def build_documents(apps, schema_editor):
    from commitments import search_index

    historical = types.SimpleNamespace(
        **{
            name: apps.get_model("commitments", name)
            for name in ("Commitment", "Citation", "StatusChange", "SearchDocument")
        }
    )
    search_index.rebuild_all(historical)


COLUMNS = ("title", "key", "bodies", "summary", "citations", "history")
TRIGRAM_INDEX = "search_document_trigrams"


def create_trigram_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    columns = ", ".join(f"{column} gin_trgm_ops" for column in COLUMNS)
    schema_editor.execute(
        f"CREATE INDEX {TRIGRAM_INDEX} ON commitments_searchdocument USING gin ({columns})"
    )


def drop_trigram_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {TRIGRAM_INDEX}")


class Migration(migrations.Migration):
    dependencies = [
        ("commitments", "0011_indexes_for_lists_and_alerts"),
    ]

    operations = [
        migrations.CreateModel(
            name="SearchDocument",
            fields=[
                (
                    "commitment",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        primary_key=True,
                        related_name="search_document",
                        serialize=False,
                        to="commitments.commitment",
                    ),
                ),
                ("title", models.TextField(blank=True, default="")),
                ("key", models.TextField(blank=True, default="")),
                ("bodies", models.TextField(blank=True, default="")),
                ("summary", models.TextField(blank=True, default="")),
                ("citations", models.TextField(blank=True, default="")),
                ("history", models.TextField(blank=True, default="")),
            ],
            options={
                "default_permissions": (),
            },
        ),
        migrations.RunPython(build_documents, migrations.RunPython.noop, elidable=True),
        TrigramExtension(),
        migrations.RunPython(create_trigram_index, drop_trigram_index),
    ]
