"""Every URL of the site, plus ``/bench/ceiling/``: a fixed 50-row page behind the same
middleware and login, the yardstick each page's time is divided by. Bench settings only."""

from django.shortcuts import render
from django.urls import path

from tracker.urls import handler400, handler403, handler404, handler500  # noqa: F401
from tracker.urls import urlpatterns as site_urlpatterns

ROWS = [
    {
        "number": n,
        "title": f"Engagement de référence n° {n}",
        "status": "En cours",
        "due": "2030-01-01",
    }
    for n in range(1, 51)
]


def ceiling(request):
    """No query of its own: only what every page pays (session, user, base template)."""
    return render(request, "bench/ceiling.html", {"rows": ROWS})


urlpatterns = [path("bench/ceiling/", ceiling, name="bench_ceiling"), *site_urlpatterns]
