# Search: PostgreSQL's unaccent extension (a no-op on SQLite, which folds accents with a
# function registered on the connection: commitments/search.py). Saved views.

import django.db.models.deletion
from django.conf import settings
from django.contrib.postgres.operations import UnaccentExtension
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("commitments", "0008_source_exchanges"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        UnaccentExtension(),
        migrations.CreateModel(
            name='SavedView',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('name', models.CharField(help_text='e.g. “Plans en retard suivis par la MIPROF”.', max_length=100, verbose_name='name')),
                ('kind', models.CharField(choices=[('list', 'Commitments'), ('overdue', 'Overdue')], default='list', help_text='The list whose filters it keeps, e.g. “Overdue”.', max_length=16, verbose_name='list')),
                ('query', models.CharField(blank=True, help_text='The filters in use, as in the address, e.g. “status=in_progress&tag=onu”.', max_length=2000, verbose_name='filters')),
                ('shared', models.BooleanField(default=False, help_text='Every staff member sees it when ticked; otherwise only its owner does.', verbose_name='shared with the team')),
                ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='created at')),
                ('owner', models.ForeignKey(help_text='Who saved it; only they may rename or delete it.', on_delete=django.db.models.deletion.CASCADE, related_name='saved_views', to=settings.AUTH_USER_MODEL, verbose_name='owner')),
            ],
            options={
                'verbose_name': 'saved view',
                'verbose_name_plural': 'saved views',
                'ordering': ['name', 'pk'],
                'constraints': [models.UniqueConstraint(fields=('owner', 'kind', 'name'), name='savedview_unique_name_per_owner'), models.CheckConstraint(condition=models.Q(('kind__in', ['list', 'overdue'])), name='savedview_kind_valid')],
            },
        ),
    ]
