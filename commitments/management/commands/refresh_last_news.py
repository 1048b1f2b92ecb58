"""Recompute every commitment's last news (``commitments.news``).

Not needed in normal use: every write through Django keeps it up to date. ``make restore`` runs
it (a backup taken before the column existed does not carry it); run it after data was written
behind Django's back (raw SQL, a partial restore)."""

from django.core.management.base import BaseCommand

from commitments import news


class Command(BaseCommand):
    help = "Recompute the last news of every commitment (after writes outside Django)."

    def handle(self, *args, **options):
        written = news.refresh_all()
        self.stdout.write(f"Last news recomputed for {written} commitments.")
