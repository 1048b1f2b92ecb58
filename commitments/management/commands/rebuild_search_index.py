"""Rebuild every commitment's search document (``commitments.search_index``).

Not needed in normal use: every write through Django keeps the documents up to date. Run it
after data was written behind Django's back (raw SQL, a partial restore)."""

from django.core.management.base import BaseCommand

from commitments import search_index


class Command(BaseCommand):
    help = "Rebuild the search documents of every commitment (after writes outside Django)."

    def handle(self, *args, **options):
        written = search_index.rebuild_all()
        self.stdout.write(f"{written} search documents rebuilt.")
