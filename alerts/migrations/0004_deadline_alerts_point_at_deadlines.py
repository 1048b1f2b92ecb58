"""Existing deadline alerts (lapsed, due soon) were about a commitment's single due date, which
``commitments.0007`` turned into the commitment's final deadline: each now points at that row.
An open one whose commitment has no such row (its due date was removed before the job closed
the alert) is closed, as the job would have done."""

from django.db import migrations
from django.db.models import OuterRef, Subquery
from django.utils import timezone

DEADLINE_KINDS = ("lapsed", "due_soon")


def alerts_to_final_deadlines(apps, schema_editor):
    Alert = apps.get_model("alerts", "Alert")
    Deadline = apps.get_model("commitments", "Deadline")
    final = (
        Deadline.objects.filter(commitment=OuterRef("commitment"), kind="final", basis="text")
        .order_by("pk")
        .values("pk")[:1]
    )
    about_deadlines = Alert.objects.filter(kind__in=DEADLINE_KINDS)
    about_deadlines.filter(deadline__isnull=True).update(deadline=Subquery(final))
    about_deadlines.filter(deadline__isnull=True, closed_at__isnull=True).update(
        closed_at=timezone.now(), closed_reason="due_date_moved"
    )


def alerts_back_to_commitments(apps, schema_editor):
    """Back: the alerts keep their commitment and due date; only the pointer goes."""
    Alert = apps.get_model("alerts", "Alert")
    Alert.objects.filter(deadline__isnull=False).update(deadline=None)


class Migration(migrations.Migration):
    dependencies = [
        ("alerts", "0003_alert_points_at_deadline"),
        ("commitments", "0007_due_dates_become_deadlines"),
    ]

    operations = [migrations.RunPython(alerts_to_final_deadlines, alerts_back_to_commitments)]
