"""gunicorn's settings for Vigie: one home for `make serve-prod`, the systemd unit and the bench.

gunicorn reads ``gunicorn.conf.py`` from the directory it starts in (the repository, or
``/srv/vigie`` under systemd); the command line only says where to listen and how many workers.
"""

import gc

# A 100,000-row export streams for about 10 s; the XLSX import's confirmation is bounded by
# IMPORT_MAX_ROWS (README, "Spreadsheets"). Well above both, still below a reverse proxy's usual
# read timeout.
timeout = 120
# A worker is replaced after about a thousand requests, so that memory a large page or export
# took is given back to the system (Python seldom returns it).
max_requests = 1000
max_requests_jitter = 100

# Python's cyclic garbage collector: a full collection walks every object the process tracks,
# Django's own (models, URL patterns, compiled templates...) included: 20 to 30 ms at a time on a
# 200-row page at 100,000 commitments (issue 12). The objects loaded at start never become
# garbage: they are frozen out of the collector's sight once loaded, and the youngest
# generation is collected after 50,000 allocations instead of 700 (a page allocates hundreds of
# thousands of short-lived objects, nearly all freed by reference counting).
GC_THRESHOLDS = (50_000, 20, 10)


def post_worker_init(worker):
    """The application is loaded in this worker: load the URL configuration too, then freeze."""
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018 - imports every view module now, not at request 1
    gc.collect()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)
