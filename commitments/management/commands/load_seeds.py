from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from commitments.interchange.seeds import SEED_FILES, SeedError, load_seeds


class Command(BaseCommand):
    help = (
        "Load the seed data (bodies, sources, events, commitments with their history, "
        "deadlines, claims and asks) from the YAML "
        f"files in seeds/ ({', '.join(SEED_FILES)}). Idempotent: records that exist are kept "
        "as they are, and a status staff have changed is never overwritten. A malformed "
        "entry stops the load, names the file, the entry and the reason, and writes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dir",
            default=str(Path(settings.BASE_DIR) / "seeds"),
            help="Folder holding the seed files (default: seeds/ in the project).",
        )

    def handle(self, *args, dir: str, **options):
        try:
            report = load_seeds(Path(dir))
        except SeedError as error:
            raise CommandError(f"Seed data not loaded, nothing written: {error}") from error
        for kind in (
            "tags",
            "bodies",
            "sources",
            "events",
            "commitments",
            "claims",
            "asks",
            "deadlines",
        ):
            self.stdout.write(
                f"{kind}: {report.created.get(kind, 0)} created, "
                f"{report.kept.get(kind, 0)} already present (kept as they are)"
            )
        if report.renamed.get("tags"):
            self.stdout.write(
                f"tags: {report.renamed['tags']} renamed from their slug to their real name"
            )
        self.stdout.write(f"history entries recorded: {report.history_recorded}")
        for key in report.history_kept_for_staff:
            self.stdout.write(
                self.style.WARNING(
                    f"{key}: staff have recorded status changes since; seeded entries not applied"
                )
            )
        self.stdout.write(self.style.SUCCESS("Seed data loaded."))
