"""Make sure the bench database of one size holds its dataset, generating it only when needed.

``python -m bench.prepare SIZE`` in the bench environment (``bench.database.environment``).
The dataset is kept between runs: it is rebuilt only when the generator changed
(``bench.GENERATOR_VERSION``), when its size or row count is not the one asked, or when it has
migrations this checkout does not have (another branch). Otherwise ``migrate`` applies this
checkout's newer migrations (new indexes) to it, and the measures run on the same data.
"""

from __future__ import annotations

import json
import sys
import time

import django


def main(size: int) -> int:
    import os

    from bench import database

    url = os.environ["DATABASE_URL"]
    meta_path = database.VAR / f"meta-{database.kind(url)}-{size}.json"
    database.VAR.mkdir(parents=True, exist_ok=True)
    reason = _stale(url, meta_path, size)
    if reason:
        print(f"[bench] {size}: generating ({reason})", flush=True)
        database.create(url)
    django.setup()
    from django.core.management import call_command

    if reason:
        started = time.monotonic()
        call_command("migrate", verbosity=0, interactive=False)
        from bench import GENERATOR_VERSION
        from bench.generate import generate

        counts = generate(size, verbose=True)
        from django.utils import timezone

        meta = {
            "generator_version": GENERATOR_VERSION,
            "size": size,
            "generated_on": timezone.localdate().isoformat(),
            "seconds": round(time.monotonic() - started, 1),
            "rows": counts,
        }
        meta_path.write_text(json.dumps(meta, indent=2))
        print(f"[bench] {size}: generated in {meta['seconds']} s", flush=True)
    else:
        print(f"[bench] {size}: cached dataset reused ({meta_path.name})", flush=True)
    call_command("migrate", verbosity=0, interactive=False)
    return 0


def _stale(url: str, meta_path, size: int) -> str:
    """Why the cached dataset cannot be reused ("" when it can)."""
    from bench import GENERATOR_VERSION, database

    if not meta_path.exists() or not database.exists(url):
        return "no dataset yet"
    meta = json.loads(meta_path.read_text())
    if meta.get("generator_version") != GENERATOR_VERSION or meta.get("size") != size:
        return "generator changed"
    django.setup()
    from django.db import connection
    from django.db.migrations.loader import MigrationLoader

    from commitments.models import Commitment

    try:
        loader = MigrationLoader(connection)
        unknown = set(loader.applied_migrations) - set(loader.disk_migrations)
        count = Commitment.all_objects.count()
    except Exception as error:  # a half-written database: rebuild it
        return f"unreadable ({error.__class__.__name__})"
    finally:
        connection.close()
    if unknown:
        return f"migrations not in this checkout: {sorted(unknown)[:3]}"
    if count != size:
        return f"{count} commitments instead of {size}"
    return ""


if __name__ == "__main__":
    sys.exit(main(int(sys.argv[1])))
