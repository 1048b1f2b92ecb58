"""The results table: ``python -m bench.report var/bench/results-*.json`` prints the saved ones."""

from __future__ import annotations

import json
import sys

ROW = "| {page} | {median} | {p95} | {ratio} | {ttfb} | {queries} | {size} | {status} | {failed} |"
RSS = "gunicorn workers, RSS MB: idle {} / max after an export {} / after all rounds {}"


def _kb(value) -> str:
    if value is None:
        return "-"
    return f"{value / 1024:.0f} KB" if value < 1024 * 1024 else f"{value / 1024 / 1024:.1f} MB"


def table(results: dict) -> str:
    """Markdown: page, median and p95 ms, ratio to the ceiling, queries, bytes; then memory and
    the alert job."""
    lines = [
        f"### {results['database']}, {results['size']:,} commitments "
        f"({results['rounds']} rounds, {results['workers']} workers, "
        f"{results['when']}, {results['git']})",
        "",
        "| page | median ms | p95 ms | x ceiling | 1st byte ms | queries | bytes | status "
        "| failed |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: |",
    ]
    for row in results["pages"]:
        lines.append(
            ROW.format(
                page=row["page"],
                median=row["median_ms"],
                p95=row["p95_ms"],
                ratio=f"{row['ratio']}x" if row["ratio"] is not None else "-",
                ttfb=row["ttfb_median_ms"],
                queries=row["queries"] if row["queries"] is not None else "-",
                size=_kb(row["bytes"]),
                status=",".join(str(s) for s in row["statuses"]),
                failed=row.get("failures", 0),
            )
        )
    rss = results.get("worker_rss_kb") or {}
    if rss:
        lines += [
            "",
            RSS.format(
                *(
                    "+".join(f"{kb / 1024:.0f}" for kb in rss.get(key, []))
                    for key in ("idle", "max_after_an_export", "after_all_rounds")
                )
            ),
        ]
    job = results.get("check_deadlines")
    if job:
        for run in job["runs"]:
            lines.append(
                f"check_deadlines, {run['run']} run: {run['seconds']} s, "
                f"peak {run['peak_rss_mb']} MB, exit {run['exit_code']}"
            )
    return "\n".join(lines)


if __name__ == "__main__":
    for path in sys.argv[1:]:
        with open(path) as handle:
            print(table(json.load(handle)))
            print()
