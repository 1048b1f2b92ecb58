"""Sources can be exchanges: a meeting, a call, a letter or an e-mail, with who said it (a person
and/or a body); ``publication_date`` is then the day of the exchange. Existing sources are
documents."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('commitments', '0007_due_dates_become_deadlines'),
    ]

    operations = [
        migrations.AddField(
            model_name='historicalsource',
            name='kind',
            field=models.CharField(choices=[('document', 'Document'), ('meeting', 'Meeting'), ('call', 'Phone call'), ('letter', 'Letter'), ('email', 'E-mail')], default='document', help_text='A document, or an exchange: a meeting, a call, a letter, an e-mail.', max_length=16, verbose_name='kind'),
        ),
        migrations.AddField(
            model_name='historicalsource',
            name='said_by',
            field=models.CharField(blank=True, help_text='For an exchange: who said it, e.g. “Mme Martin, MIPROF”.', max_length=255, verbose_name='said by'),
        ),
        migrations.AddField(
            model_name='historicalsource',
            name='said_by_body',
            field=models.ForeignKey(blank=True, db_constraint=False, help_text='For an exchange: the body that spoke, when it is one we follow.', null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='commitments.body', verbose_name='body that said it'),
        ),
        migrations.AddField(
            model_name='source',
            name='kind',
            field=models.CharField(choices=[('document', 'Document'), ('meeting', 'Meeting'), ('call', 'Phone call'), ('letter', 'Letter'), ('email', 'E-mail')], default='document', help_text='A document, or an exchange: a meeting, a call, a letter, an e-mail.', max_length=16, verbose_name='kind'),
        ),
        migrations.AddField(
            model_name='source',
            name='said_by',
            field=models.CharField(blank=True, help_text='For an exchange: who said it, e.g. “Mme Martin, MIPROF”.', max_length=255, verbose_name='said by'),
        ),
        migrations.AddField(
            model_name='source',
            name='said_by_body',
            field=models.ForeignKey(blank=True, help_text='For an exchange: the body that spoke, when it is one we follow.', null=True, on_delete=django.db.models.deletion.PROTECT, related_name='exchanges', to='commitments.body', verbose_name='body that said it'),
        ),
        migrations.AlterField(
            model_name='historicalsource',
            name='title',
            field=models.CharField(help_text="Title of the document, or subject of the exchange, e.g. “Entretien avec l'ambassadeur…”.", max_length=500, verbose_name='title'),
        ),
        migrations.AlterField(
            model_name='source',
            name='title',
            field=models.CharField(help_text="Title of the document, or subject of the exchange, e.g. “Entretien avec l'ambassadeur…”.", max_length=500, verbose_name='title'),
        ),
        migrations.AddConstraint(
            model_name='source',
            constraint=models.CheckConstraint(condition=models.Q(('kind__in', ['document', 'meeting', 'call', 'letter', 'email'])), name='source_kind_valid'),
        ),
    ]
