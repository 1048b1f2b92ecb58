"""Give the demo editor some seeded commitments, then run the alert job once: after
``make run`` the editor's alerts page and dashboard show real alerts, not an empty inbox."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from alerts.job import alert_job_run
from commitments.models import Commitment, StatusChange
from commitments.services.lifecycle import commitment_save

DEMO_EDITOR = "editor"
# Seeded commitments long overdue, each with a lapsed deadline: France's report to the UN
# Committee on the Rights of the Child, France's comments on the OSCE country report, the
# third national action plan.
DEMO_OWNED = (
    "rapport-france-comite-droits-enfant",
    "rapport-osce-france",
    "troisieme-plan-action-national",
)


class Command(BaseCommand):
    help = (
        "Development only (refused when DEBUG is off): make the demo account 'editor' the "
        "owner of a few overdue seeded commitments that have no owner yet, then run the daily "
        "alert job (check_deadlines) once, so that alerts show from the start. Run after "
        "load_seeds and create_demo_users; running it again changes nothing."
    )

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError("Demo data is for development only (DEBUG is off).")
        editor = get_user_model().objects.filter(username=DEMO_EDITOR).first()
        if editor is None:
            raise CommandError("No demo account 'editor': run create_demo_users first.")
        today = timezone.localdate()
        given = 0
        for commitment in Commitment.objects.filter(key__in=DEMO_OWNED, owner__isnull=True):
            commitment_save(
                commitment=commitment,
                data={"owner": editor},
                expected_version=commitment.version,
                author=None,
                origin=StatusChange.Origin.SEED,
                today=today,
            )
            given += 1
        owned = Commitment.objects.filter(owner=editor).count()
        self.stdout.write(f"demo editor: {given} commitment(s) given, {owned} owned in all")
        result = alert_job_run(as_of=today)
        if result.skipped:
            self.stdout.write("The alert job is already running; its alerts will show.")
        else:
            self.stdout.write(f"alert job run as of {today.isoformat()}")
