"""Measure one size: queries per page (test client), then every page under gunicorn,
interleaved, then ``check_deadlines`` twice on a copy of the database. Writes
``var/bench/results-<db>-<size>.json``.

``python -m bench.measure SIZE`` in the bench environment (``bench.database.environment``).
Options from the environment: ``BENCH_ROUNDS`` (timed rounds, default 7, 5 at 100k and more),
``BENCH_PORT`` (8765), ``BENCH_WORKERS`` (2), ``BENCH_SKIP_JOB=1`` (no ``check_deadlines``).
"""

from __future__ import annotations

import http.client
import json
import math
import os
import random
import re
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path

import django

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def _session_cookie() -> tuple[str, str]:
    """A logged-in, second-factor-verified session of the bench staff user (administrator)."""
    from django.conf import settings
    from django.contrib.auth import (
        BACKEND_SESSION_KEY,
        HASH_SESSION_KEY,
        SESSION_KEY,
        get_user_model,
    )
    from django.utils.module_loading import import_string
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from accounts.middleware import REFRESHED_AT_KEY
    from bench.generate import BENCH_USERNAME

    user = get_user_model().objects.get(username=BENCH_USERNAME)
    device = TOTPDevice.objects.get(user=user, confirmed=True)
    store = import_string(f"{settings.SESSION_ENGINE}.SessionStore")()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store[DEVICE_ID_SESSION_KEY] = device.persistent_id
    # Marked refreshed in 10 days: the idle-timeout middleware never rewrites this session
    # during the run, so a slow page does not pay (nor count) a session save now and then.
    store[REFRESHED_AT_KEY] = int(time.time()) + 10 * 24 * 3600
    store.set_expiry(24 * 3600)
    store.save()
    return settings.SESSION_COOKIE_NAME, store.session_key


def pages(size: int) -> list[dict]:
    """The pages measured, with their URLs on this dataset."""
    from django.db.models import Count

    from bench.generate import DETAIL_KEY
    from commitments.models import Commitment

    active = Commitment.objects.count()
    list_pages = max(1, math.ceil(active / 25))
    api_pages = max(1, math.ceil(active / 50))
    body = (
        Commitment.objects.values("responsible_body")
        .annotate(n=Count("pk"))
        .order_by("-n", "responsible_body")
        .first()["responsible_body"]
    )
    detail = Commitment.all_objects.get(key=DETAIL_KEY).pk
    html, export, api = "html", "export", "api"
    return [
        {"name": "ceiling", "url": "/bench/ceiling/", "kind": html},
        {"name": "dashboard", "url": "/", "kind": html},
        {"name": "list, first page", "url": "/commitments/", "kind": html},
        {
            "name": "list, middle page",
            "url": f"/commitments/?page={max(1, list_pages // 2)}",
            "kind": html,
        },
        {"name": "list, last page", "url": f"/commitments/?page={list_pages}", "kind": html},
        {"name": "list by status", "url": "/commitments/?status=in_progress", "kind": html},
        {"name": "list by body", "url": f"/commitments/?responsible_body={body}", "kind": html},
        {"name": "list by search", "url": "/commitments/?search=victimes", "kind": html},
        {"name": "overdue list", "url": "/commitments/overdue/", "kind": html},
        {"name": "overdue CSV", "url": "/commitments/overdue/export.csv", "kind": export},
        {"name": "overdue XLSX", "url": "/commitments/overdue/export.xlsx", "kind": export},
        {"name": "API, first page", "url": "/api/commitments/", "kind": api},
        {"name": "API, last page", "url": f"/api/commitments/?page={api_pages}", "kind": api},
        {"name": "API overdue", "url": "/api/commitments/?overdue=true", "kind": api},
        {"name": "commitment, 50 entries", "url": f"/commitments/{detail}/", "kind": html},
        {"name": "admin changelist", "url": "/admin/commitments/commitment/", "kind": html},
    ] + [
        # The same pages right after a write: what is kept per generation of the data (counts,
        # forms, tables, dashboard panels) is computed again, as the first reader after any
        # write sees it. Measured after the other rounds (a write empties every page's cache).
        {"kind": html, **page, "name": f"{page['name']}, after a write", "cold": True}
        for page in (
            {"name": "dashboard", "url": "/"},
            {"name": "list, first page", "url": "/commitments/"},
            {"name": "list by status", "url": "/commitments/?status=in_progress"},
            {"name": "list by search", "url": "/commitments/?search=victimes"},
            {"name": "overdue list", "url": "/commitments/overdue/"},
            {"name": "API, first page", "url": "/api/commitments/", "kind": api},
            {"name": "API overdue", "url": "/api/commitments/?overdue=true", "kind": api},
        )
    ]


def after_a_write() -> None:
    """What a write does to the pages' caches: a new generation of the data (``figures``)."""
    from commitments import figures

    figures.new_generation()


def count_queries(page_list, cookie) -> None:
    """Queries and status of each page, once, through Django's test client (same database)."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client()
    client.cookies[cookie[0]] = cookie[1]
    budget = int(os.environ.get("BENCH_COUNT_SECONDS") or 120)

    def give_up(signum, frame):
        raise TimeoutError

    previous = signal.signal(signal.SIGALRM, give_up)
    try:
        for page in page_list:
            signal.alarm(budget)
            if page.get("cold"):
                after_a_write()
            try:
                with CaptureQueriesContext(connection) as captured:
                    response = client.get(page["url"])
                    streamed = response.streaming
                    body = b"".join(response.streaming_content) if streamed else response.content
                page["queries"] = len(captured)
                page["status"] = response.status_code
                page["bytes"] = len(body)
            except TimeoutError:
                # Longer than gunicorn would ever wait: not counted (shown as "-").
                page["queries"] = None
                connection.close()
            finally:
                signal.alarm(0)
    finally:
        signal.signal(signal.SIGALRM, previous)


class Server:
    """gunicorn with the bench settings, stopped by the PID it wrote."""

    def __init__(self, port: int, workers: int):
        self.port, self.workers = port, workers
        from bench.database import VAR

        self.pidfile = VAR / f"gunicorn-{port}.pid"
        self.log = VAR / "gunicorn.log"

    def __enter__(self):
        self.pidfile.unlink(missing_ok=True)
        self.process = subprocess.Popen(
            [
                str(BIN / "gunicorn"),
                "tracker.wsgi:application",
                "--bind",
                f"127.0.0.1:{self.port}",
                "--workers",
                str(self.workers),
                "--pid",
                str(self.pidfile),
                "--error-logfile",
                str(self.log),
            ],
            cwd=ROOT,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                status, _ttfb, _total, _size = request(self.port, "/healthz", None)
                if status == 200 and len(self.worker_pids()) == self.workers:
                    return self
            except OSError:
                pass
            time.sleep(0.3)
        self.__exit__(None, None, None)
        raise RuntimeError(f"gunicorn did not start (see {self.log})")

    def worker_pids(self) -> list[int]:
        try:
            children = Path(
                f"/proc/{self.process.pid}/task/{self.process.pid}/children"
            ).read_text()
        except OSError:
            return []
        return [int(pid) for pid in children.split()]

    def worker_rss_kb(self) -> list[int]:
        sizes = []
        for pid in self.worker_pids():
            try:
                status = Path(f"/proc/{pid}/status").read_text()
            except OSError:
                continue  # gone meanwhile
            found = re.search(r"VmRSS:\s+(\d+)", status)
            if found:  # a worker being replaced (killed on timeout) has no memory left
                sizes.append(int(found.group(1)))
        return sizes

    def __exit__(self, *exc):
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self.pidfile.unlink(missing_ok=True)


def request(port: int, url: str, cookie) -> tuple[int, float, float, int]:
    """One GET: status, time to the headers, total time (s), body bytes.

    A connection cut before the end (a worker killed by gunicorn's timeout) is status 0."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
    headers = {"Accept-Language": "fr", "Host": "127.0.0.1"}
    if cookie:
        headers["Cookie"] = f"{cookie[0]}={cookie[1]}"
    started = time.perf_counter()
    ttfb, size, status = None, 0, 0
    try:
        conn.request("GET", url, headers=headers)
        response = conn.getresponse()
        ttfb = time.perf_counter() - started
        while chunk := response.read(65536):
            size += len(chunk)
        status = response.status
    except (http.client.HTTPException, ConnectionError, TimeoutError):
        status = 0
    finally:
        conn.close()
    total = time.perf_counter() - started
    return status, ttfb if ttfb is not None else total, total, size


def measure_pages(
    page_list, cookie, *, port: int, workers: int, rounds: int, after_round=None
) -> dict:
    rng = random.Random(7)
    samples = {page["name"]: [] for page in page_list}
    cold = [page for page in page_list if page.get("cold")]
    page_list = [page for page in page_list if not page.get("cold")]
    with Server(port, workers) as server:
        # Warm-up: every page but the exports twice (each worker), then the idle worker size.
        for page in page_list * 2:
            if page["kind"] != "export":
                request(port, page["url"], cookie)
        rss_idle = server.worker_rss_kb()
        rss_peak_after_export = list(rss_idle)
        for page in page_list:
            if page["kind"] == "export":
                request(port, page["url"], cookie)
        for _round in range(rounds):
            order = list(page_list)
            rng.shuffle(order)
            for page in order:
                status, ttfb, total, size = request(port, page["url"], cookie)
                samples[page["name"]].append(
                    {"status": status, "ttfb": ttfb, "total": total, "bytes": size}
                )
                if page["kind"] == "export":
                    rss_peak_after_export = [
                        max(a, b)
                        for a, b in zip(rss_peak_after_export, server.worker_rss_kb(), strict=False)
                    ]
            if after_round:
                after_round({"samples": samples, "worker_rss_kb": {"idle": rss_idle}})
        for _round in range(rounds):
            order = list(cold)
            rng.shuffle(order)
            for page in order:
                after_a_write()
                status, ttfb, total, size = request(port, page["url"], cookie)
                samples[page["name"]].append(
                    {"status": status, "ttfb": ttfb, "total": total, "bytes": size}
                )
        rss_after = server.worker_rss_kb()
    return {
        "samples": samples,
        "worker_rss_kb": {
            "idle": rss_idle,
            "max_after_an_export": rss_peak_after_export,
            "after_all_rounds": rss_after,
        },
    }


def run_job(url: str, size: int, env: dict) -> dict:
    """``check_deadlines`` twice on a copy of the dataset: wall time and peak memory of each."""
    from bench import database

    base = url if database.kind(url) == "pg" else None
    copy = database.database_url(base, size, suffix="_job")
    database.create(copy, template=url)
    job_env = dict(env, DATABASE_URL=copy)
    runs = []
    try:
        for label in ("first", "second"):
            # Peak memory from /usr/bin/time: a child's own maximum RSS as the kernel reports
            # it to its parent also counts the parent's size at fork (this process is large).
            stats = database.VAR / "job-time.txt"
            command = [sys.executable, "manage.py", "check_deadlines"]
            if Path("/usr/bin/time").exists():
                command = ["/usr/bin/time", "-f", "%e %M", "-o", str(stats), *command]
            started = time.perf_counter()
            process = subprocess.run(command, cwd=ROOT, env=job_env, capture_output=True, text=True)
            seconds = time.perf_counter() - started
            peak_kb = None
            if stats.exists():
                last = stats.read_text().split()
                peak_kb = int(last[-1]) if last else None
                stats.unlink()
            runs.append(
                {
                    "run": label,
                    "seconds": round(seconds, 2),
                    "peak_rss_mb": round(peak_kb / 1024, 1) if peak_kb else None,
                    "exit_code": process.returncode,
                    "output": (process.stdout + process.stderr).strip().splitlines()[-6:],
                }
            )
    finally:
        database.drop(copy)
    return {"runs": runs}


def summarise(page_list, measured) -> list[dict]:
    rows = []
    ceiling = None
    for page in page_list:
        timings = measured["samples"][page["name"]]
        totals = sorted(s["total"] * 1000 for s in timings)
        ttfbs = sorted(s["ttfb"] * 1000 for s in timings)
        sizes = [s["bytes"] for s in timings if s["status"] == 200]
        median = statistics.median(totals) if totals else None
        row = {
            "page": page["name"],
            "url": page["url"],
            "median_ms": round(median, 1) if median is not None else None,
            "p95_ms": round(_percentile(totals, 95), 1) if totals else None,
            "ttfb_median_ms": round(statistics.median(ttfbs), 1) if ttfbs else None,
            "queries": page.get("queries"),
            # The size of a complete answer; failures (a 500, a cut connection) are counted.
            "bytes": statistics.median(sizes) if sizes else page.get("bytes"),
            "statuses": sorted({s["status"] for s in timings}),
            "failures": sum(s["status"] != 200 for s in timings),
            "samples": len(timings),
            # Each request's time in the order measured, one per round for the interleaved
            # pages: what compares two pages round by round (``report``).
            "rounds_ms": [round(s["total"] * 1000, 2) for s in timings],
        }
        if page["name"] == "ceiling":
            ceiling = median
        rows.append(row)
    for row in rows:
        row["ratio"] = (
            round(row["median_ms"] / ceiling, 1) if ceiling and row["median_ms"] else None
        )
    return rows


def _percentile(values: list[float], percent: float) -> float:
    """Nearest-rank percentile of sorted ``values``."""
    rank = max(1, math.ceil(percent / 100 * len(values)))
    return values[rank - 1]


def main(size: int) -> int:
    from bench import database, report

    url = os.environ["DATABASE_URL"]
    env = dict(os.environ)
    django.setup()
    from django.db import connection

    _collectstatic()
    cookie = _session_cookie()
    page_list = pages(size)
    print(f"[bench] {size}: counting queries per page (test client)", flush=True)
    count_queries(page_list, cookie)
    connection.close()
    default_rounds = 5 if size >= 100_000 else 7
    rounds = int(os.environ.get("BENCH_ROUNDS") or default_rounds)
    port = int(os.environ.get("BENCH_PORT") or 8765)
    workers = int(os.environ.get("BENCH_WORKERS") or 2)
    print(f"[bench] {size}: {rounds} rounds of {len(page_list)} pages under gunicorn", flush=True)
    path = database.VAR / f"results-{database.kind(url)}-{size}.json"

    def save(measured, job=None, complete=False):
        results = {
            "database": database.kind(url),
            "size": size,
            "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "git": _git_head(),
            "rounds": rounds,
            "workers": workers,
            "complete": complete,
            "pages": summarise(page_list, measured),
            "worker_rss_kb": measured["worker_rss_kb"],
            "check_deadlines": job,
        }
        path.write_text(json.dumps(results, indent=2, ensure_ascii=False))
        return results

    # Saved after every round: a run cut short still leaves what it measured.
    measured = measure_pages(
        page_list, cookie, port=port, workers=workers, rounds=rounds, after_round=save
    )
    save(measured)
    job = None
    if os.environ.get("BENCH_SKIP_JOB") != "1":
        print(f"[bench] {size}: check_deadlines, first and second run", flush=True)
        job = run_job(url, size, env)
    results = save(measured, job, complete=True)
    print(report.table(results))
    print(report.targets_table(results))
    print(f"[bench] written: {path}")
    return 0


def _collectstatic() -> None:
    """Production serves fingerprinted, compressed static files: gather them once (again when a
    file under static/ changed)."""
    from django.conf import settings
    from django.core.management import call_command

    manifest = Path(settings.STATIC_ROOT) / "staticfiles.json"
    sources = [p.stat().st_mtime for p in (ROOT / "static").rglob("*") if p.is_file()]
    if manifest.exists() and manifest.stat().st_mtime > max(sources, default=0):
        return
    call_command("collectstatic", interactive=False, verbosity=0)


def _git_head() -> str:
    try:
        return subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
        ).stdout.strip()
    except OSError:
        return ""


def job_only(size: int) -> int:
    """``python -m bench.measure SIZE --job-only``: measure ``check_deadlines`` again and
    update the saved results."""
    from bench import database, report

    url = os.environ["DATABASE_URL"]
    path = database.VAR / f"results-{database.kind(url)}-{size}.json"
    results = json.loads(path.read_text())
    results["check_deadlines"] = run_job(url, size, dict(os.environ))
    path.write_text(json.dumps(results, indent=2, ensure_ascii=False))
    print(report.table(results))
    return 0


if __name__ == "__main__":
    if "--job-only" in sys.argv:
        sys.exit(job_only(int(sys.argv[1])))
    sys.exit(main(int(sys.argv[1])))
