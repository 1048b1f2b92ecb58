import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from alerts.job import JobResult, alert_job_run


def _parse_date(value: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(value)
    except ValueError as error:
        raise CommandError(
            f"--as-of expects a date as YYYY-MM-DD, e.g. 2024-05-31; got {value!r}."
        ) from error


class Command(BaseCommand):
    help = (
        "Raise the alerts due as of a date (lapsed deadlines, deadlines approaching at the "
        "lead times of ALERT_LEAD_DAYS, status changes of watched commitments), close those "
        "that no longer apply, and e-mail each recipient one digest of their new alerts. "
        "Meant to run daily; running it again raises nothing twice, and a run started while "
        "another is under way does nothing. Exits with an error when an e-mail could not be "
        "sent; those alerts are retried on the next run."
    )

    # Run daily by a timer: the system checks (every model, URL and admin) are the deployment's
    # (``manage.py check --deploy``), not each run's, which they slowed by a second.
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument(
            "--as-of",
            metavar="YYYY-MM-DD",
            help="The day to check as of (default: today in the site's time zone).",
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Report what would be raised and e-mailed; write nothing, send nothing.",
        )

    def handle(self, *args, as_of: str | None = None, dry_run: bool = False, **options):
        day = _parse_date(as_of) if as_of else timezone.localdate()
        result = alert_job_run(as_of=day, dry_run=dry_run)
        if result.skipped:
            self.stdout.write(
                "Another check_deadlines run is under way: this one did nothing "
                "(it will raise and e-mail everything that is still due)."
            )
            return
        self._report(result, dry_run=dry_run)
        failures = result.digests.failures
        if failures:
            names = ", ".join(failure.username for failure in failures)
            raise CommandError(
                f"{len(failures)} digest(s) could not be sent ({names}); "
                "their alerts stay pending and the next run retries them."
            )

    def _report(self, result: JobResult, *, dry_run: bool) -> None:
        raised, digests = result.raised, result.digests
        prefix = "[dry run] would have " if dry_run else ""
        closed = sum(raised.closed.values())
        self.stdout.write(
            f"{prefix}raised as of {raised.as_of.isoformat()}: {raised.summary}; closed {closed}."
        )
        self.stdout.write(
            f"{prefix}e-mailed {digests.sent} digest(s) carrying {digests.alerts} alert(s)"
            + (f"; {len(digests.failures)} failed." if digests.failures else ".")
        )
        for failure in digests.failures:
            self.stderr.write(f"  e-mail to {failure.username} failed: {failure.error}")
