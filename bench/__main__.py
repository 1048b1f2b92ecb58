"""``python -m bench`` (``make bench``): prepare and measure each size, one after the other.

Sizes from ``SIZES`` or ``BENCH_SIZES`` (comma-separated, default ``1000,10000,100000``); the
database from ``DATABASE_URL`` (SQLite files under var/bench/ when unset or not PostgreSQL).
``BENCH_STEPS=prepare`` only builds (or checks) the datasets.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time

from bench import database

DEFAULT_SIZES = "1000,10000,100000"


def sizes() -> list[int]:
    raw = os.environ.get("SIZES") or os.environ.get("BENCH_SIZES") or DEFAULT_SIZES
    return [int(part.replace("_", "")) for part in raw.split(",") if part.strip()]


def main() -> int:
    base = os.environ.get("DATABASE_URL")
    steps = (os.environ.get("BENCH_STEPS") or "prepare,measure").split(",")
    database.VAR.mkdir(parents=True, exist_ok=True)
    for size in sizes():
        url = database.database_url(base, size)
        env = database.environment(url)
        for step in steps:
            started = time.monotonic()
            command = [sys.executable, "-m", f"bench.{step.strip()}", str(size)]
            code = subprocess.call(command, cwd=database.ROOT, env=env)
            print(f"[bench] {size}: {step} took {time.monotonic() - started:.0f} s", flush=True)
            if code:
                print(f"[bench] {step} failed for {size} (exit {code})", file=sys.stderr)
                return code
    return 0


if __name__ == "__main__":
    sys.exit(main())
