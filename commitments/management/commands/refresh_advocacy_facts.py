"""Recompute what every commitment's advocacy columns read (``commitments.advocacy_facts``):
its last news and the state's latest claimed status.

Not needed in normal use: every write through Django keeps them up to date. ``make restore``
runs it (a backup taken before the columns existed does not carry them); run it after data was
written behind Django's back (raw SQL, a partial restore)."""

from django.core.management.base import BaseCommand

from commitments import advocacy_facts


class Command(BaseCommand):
    help = (
        "Recompute the last news and the state's latest claimed status of every commitment "
        "(after writes outside Django)."
    )

    def handle(self, *args, **options):
        written = advocacy_facts.refresh_all()
        self.stdout.write(f"Advocacy facts recomputed for {written} commitments.")
