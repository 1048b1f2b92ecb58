"""Every commitment's single due date becomes its final deadline, without loss: the date (exact
to the day), its note as the reasoning, "no later than", set by a text. The commitment keeps
the date and note as those of its governing deadline."""

from django.db import migrations


def due_dates_to_deadlines(apps, schema_editor):
    Commitment = apps.get_model("commitments", "Commitment")
    Deadline = apps.get_model("commitments", "Deadline")
    for commitment in Commitment.all_objects.filter(due_date__isnull=False).iterator():
        deadline = Deadline.objects.create(
            commitment=commitment,
            kind="final",
            label="Échéance",
            bound="no_later_than",
            basis="text",
            date=commitment.due_date,
            precision="day",
            reasoning=commitment.due_date_note,
            window_start=commitment.due_date,
            window_end=commitment.due_date,
        )
        Commitment.all_objects.filter(pk=commitment.pk).update(governing_deadline=deadline)


def deadlines_to_due_dates(apps, schema_editor):
    """Back: the governing deadline's last day stays the due date; the rows go."""
    Commitment = apps.get_model("commitments", "Commitment")
    Deadline = apps.get_model("commitments", "Deadline")
    Commitment.all_objects.update(governing_deadline=None)
    Deadline.objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("commitments", "0006_deadlines_claims_asks")]

    operations = [migrations.RunPython(due_dates_to_deadlines, deadlines_to_due_dates)]
