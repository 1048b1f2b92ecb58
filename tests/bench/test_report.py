"""The bench's verdict on issue 12's targets, from a run's results (no server needed)."""

from bench import report


def page(name, median_ms, ratio, ttfb_ms=None, statuses=(200,), failures=0, rounds=None):
    return {
        "rounds_ms": rounds,
        "page": name,
        "median_ms": median_ms,
        "p95_ms": median_ms,
        "ratio": ratio,
        "ttfb_median_ms": ttfb_ms if ttfb_ms is not None else median_ms,
        "queries": 10,
        "bytes": 1000,
        "statuses": list(statuses),
        "failures": failures,
    }


def results(**changes):
    """A run that meets every target (ceiling 10 ms), with ``changes`` by page name."""
    pages = {
        "ceiling": page("ceiling", 10, 1.0),
        "dashboard": page("dashboard", 40, 4.0),
        "dashboard, after a write": page("dashboard, after a write", 45, 4.5),
        **{name: page(name, 20, 2.0) for name in report.LISTS + report.APIS},
        **{name: page(name, 28, 2.8) for name in report.AFTER_A_WRITE},
        "list by status": page("list by status", 15, 1.5),
        "list by body": page("list by body", 15, 1.5),
        "list by search": page("list by search", 18, 1.8),
        "admin changelist": page("admin changelist", 50, 5.0),
        **{name: page(name, 4000, 400, ttfb_ms=80) for name in report.EXPORTS},
    }
    pages.update(changes)
    return {
        "pages": list(pages.values()),
        "worker_rss_kb": {"idle": [100_000, 100_000], "max_after_an_export": [110_000, 105_000]},
        "check_deadlines": {
            "runs": [
                {"run": "first", "seconds": 9.5, "peak_rss_mb": 90, "exit_code": 0},
                {"run": "second", "seconds": 2.0, "peak_rss_mb": 88, "exit_code": 0},
            ]
        },
    }


def verdicts(run) -> dict[str, bool | None]:
    return {target: met for target, met, _measured in report.targets(run)}


def test_a_run_that_meets_every_target():
    judged = verdicts(results())
    assert len(judged) == 12 and all(judged.values()), judged
    assert "| check_deadlines: first run within 15 s | yes | first run 9.5 s, peak 90 MB |" in (
        report.targets_table(results())
    )


def test_each_target_can_fail():
    failing = {
        "lists and API lists within 3x the ceiling": results(
            **{"API overdue": page("API overdue", 35, 3.5)}
        ),
        "lists and API lists right after a write within 3x the ceiling": results(
            **{"overdue list, after a write": page("overdue list, after a write", 35, 3.5)}
        ),
        "dashboard within 5x the ceiling": results(dashboard=page("dashboard", 60, 6.0)),
        "dashboard right after a write within 5x the ceiling": results(
            **{"dashboard, after a write": page("dashboard, after a write", 60, 6.0)}
        ),
        "any list page within 1.5x of the first": results(
            **{"list, last page": page("list, last page", 31, 2.9)}
        ),
        "any API page within 1.5x of the first": results(
            **{"API, last page": page("API, last page", 31, 2.9)}
        ),
        "a filtered list never slower than the unfiltered one (x unfiltered)": results(
            **{"list by search": page("list by search", 25, 2.5)}
        ),
        "overdue page and API faster than the admin changelist (x admin)": results(
            **{"admin changelist": page("admin changelist", 19, 1.9)}
        ),
        "exports: first byte within a second": results(
            **{"overdue XLSX": page("overdue XLSX", 4000, 400, ttfb_ms=3900)}
        ),
        "exports: every request answered (no worker timeout)": results(
            **{
                "overdue CSV": page(
                    "overdue CSV", 30000, 3000, ttfb_ms=80, statuses=(500,), failures=1
                )
            }
        ),
    }
    barely_slower = results(**{"list by body": page("list by body", 20.4, 2.04)})
    assert "| no | list by status 0.75x, list by body 1.02x," in report.targets_table(barely_slower)
    for target, run in failing.items():
        judged = verdicts(run)
        assert judged[target] is False, target
        assert sum(met is False for met in judged.values()) == 1, (target, judged)

    grown = results()
    grown["worker_rss_kb"]["max_after_an_export"] = [130_000, 100_000]
    assert verdicts(grown)["exports: worker memory within 1.2x of idle"] is False
    slow_job = results()
    slow_job["check_deadlines"]["runs"][0]["seconds"] = 16
    assert verdicts(slow_job)["check_deadlines: first run within 15 s"] is False


def test_a_filtered_list_is_slower_when_it_is_in_every_round():
    """Two pages doing the same work differ by noise: a filtered list is judged slower when
    it was slower than the unfiltered one in each of at least five rounds (a sign test),
    not when its median alone is higher."""
    target = "a filtered list never slower than the unfiltered one (x unfiltered)"
    unfiltered = page("list, first page", 20, 2.0, rounds=[20, 22, 20, 18, 20])

    def run(rounds):
        median = sorted(rounds)[len(rounds) // 2]
        filtered = page("list by body", median, median / 10, rounds=rounds)
        return results(**{"list, first page": unfiltered, "list by body": filtered})

    noise = run([20.8, 21.6, 19.8, 19.0, 20.4])  # median 1.02x, slower in 3 rounds of 5
    assert verdicts(noise)[target] is True
    assert "list by body 1.02x (slower in 3 of 5 rounds)" in report.targets_table(noise)
    slower = run([21.0, 22.4, 20.6, 18.8, 20.2])  # slower in every round
    assert verdicts(slower)[target] is False
    assert "list by body 1.03x (slower in 5 of 5 rounds)" in report.targets_table(slower)
    faster_median = run([19.0, 22.4, 19.6, 18.8, 19.8])  # 0.98x: never slower
    assert verdicts(faster_median)[target] is True
    too_few = results(
        **{
            "list, first page": page("list, first page", 20, 2.0, rounds=[20, 22, 20]),
            "list by body": page("list by body", 20.8, 2.08, rounds=[20.8, 21.6, 19.8]),
        }
    )
    assert verdicts(too_few)[target] is False  # three rounds prove nothing: the medians


def test_what_a_run_did_not_measure_is_said():
    run = results()
    run["pages"] = [row for row in run["pages"] if row["page"] not in report.EXPORTS]
    del run["check_deadlines"]
    judged = verdicts(run)
    assert judged["exports: first byte within a second"] is None
    assert judged["check_deadlines: first run within 15 s"] is None
    assert "| exports: first byte within a second | not measured |" in report.targets_table(run)
