"""The dashboard: what must we chase this week, counts, what lapsed, what comes due, what
changed lately."""

import datetime
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth.decorators import permission_required
from django.db.models import Count, Prefetch, Q
from django.shortcuts import render
from django.urls import reverse
from django.utils.functional import SimpleLazyObject
from django.views.decorators.http import require_GET

from commitments import figures
from commitments.models import (
    COMMITMENT_DEADLINE,
    Ask,
    Body,
    Commitment,
    Deadline,
    Status,
    StatusChange,
)

from . import charts
from .access import VIEW_PERMISSION, request_as_of

DASHBOARD_OVERDUE_LIMIT = 10
DASHBOARD_LATEST_CHANGES = 8
# "Due in the next 30 days", "due in 31 to 90 days": the earliest of each shown, the rest
# counted and linked to the filtered list.
DASHBOARD_DUE_LIMIT = 20
DUE_SOON_DAYS = 30
DUE_LATER_DAYS = 90
# "Coming due" on the chase list: every kind of deadline due within this many days.
CHASE_DUE_DAYS = 30
# The asks waiting longest, shown by name on the chase list.
CHASE_WAITING_LIMIT = 5


def _list_url(**params) -> str:
    return f"{reverse('commitments:list')}?{urlencode(params, doseq=True)}"


def chase(
    *, as_of: datetime.date, since: datetime.date, overdue: int, first_visit: bool = False
) -> dict:
    """What must we chase this week: every count the size of the filtered list it links to
    (same filters, ``commitments.filters``), and the asks waiting longest.

    Counted among the commitments the lists show (not archived): those with a deadline lapsed
    since ``since`` (approximate ones included, once certainly lapsed), overdue in all (given:
    the dashboard's tallies count them), with a deadline of any kind due within 30 days, whose
    state's claim diverges, with asks waiting, to check (no news), and still owed without a
    staff owner.
    """
    rules = COMMITMENT_DEADLINE
    counts = figures.cached(
        "chase",
        as_of,
        since,
        # A statement per count, each read from an index of its own: in one aggregate over
        # every commitment, they cost 150 ms at 100,000 commitments (one scan, a lookup per
        # row for each count), about 50 ms apart.
        compute=lambda: {
            "lapsed": Deadline.objects.lapsed_between(since, as_of).listed_commitments_count(),
            "due": Deadline.objects.due_within(CHASE_DUE_DAYS, as_of).listed_commitments_count(),
            "diverging": Commitment.objects.diverging().count(),
            "waiting": Commitment.objects.waiting().count(),
            "to_check": Commitment.objects.to_check(as_of).count(),
            "unowned": Commitment.objects.filter(Q(owner__isnull=True) & rules.open_q()).count(),
        },
    )
    longest_ids = figures.cached(
        "waiting-longest",
        as_of,
        compute=lambda: list(
            Commitment.objects.waiting()
            .order_by("first_asked_on", "pk")
            .values_list("pk", flat=True)[:CHASE_WAITING_LIMIT]
        ),
    )
    by_id = (
        Commitment.objects.filter(pk__in=longest_ids)
        .with_asks()
        .select_related("responsible_body")
        .prefetch_related(
            Prefetch(
                "asks", queryset=Ask.objects.order_by("made_on", "pk"), to_attr="asks_in_order"
            )
        )
        .in_bulk()
        if longest_ids
        else {}
    )
    longest = [by_id[pk] for pk in longest_ids if pk in by_id]
    for commitment in longest:
        commitment.first_ask = commitment.asks_in_order[0]
    return {
        **counts,
        "overdue": overdue,
        "since": since,
        "first_visit": first_visit,
        "no_news_months": settings.NO_NEWS_MONTHS,
        "due_days": CHASE_DUE_DAYS,
        "longest": longest,
        "urls": {
            "lapsed": _list_url(lapsed_since=since.isoformat()),
            "overdue": reverse("commitments:overdue"),
            "due": _list_url(due_within=CHASE_DUE_DAYS),
            "diverging": _list_url(diverging="true"),
            "waiting": _list_url(ordering="waiting"),
            "to_check": _list_url(to_check="true"),
            "unowned": _list_url(unowned="true", status=Status.open_values()),
        },
    }


def _due_list(commitments, as_of: datetime.date, first: int, last: int, total: int) -> dict:
    """Commitments due from ``first`` to ``last`` days after ``as_of`` (open), the earliest
    ``DASHBOARD_DUE_LIMIT`` shown, the rest counted and linked to the list that holds them."""
    start, end = (as_of + datetime.timedelta(days=days) for days in (first, last))
    rows = list(
        commitments.open()
        .filter(due_date__gte=start, due_date__lte=end)
        .for_dashboard(as_of)
        .order_by("due_date", "title", "pk")[:DASHBOARD_DUE_LIMIT]
    )
    return {
        "rows": rows,
        "total": total,
        "others": max(total - len(rows), 0),
        "url": _list_url(
            due_after=start.isoformat(), due_before=end.isoformat(), status=Status.open_values()
        ),
    }


def _overdue_list(commitments, as_of: datetime.date) -> list:
    # Most days overdue first is the earliest due date first: the lists' index serves it.
    return list(
        commitments.overdue(as_of)
        .for_dashboard(as_of)
        .order_by("due_date", "title", "pk")[:DASHBOARD_OVERDUE_LIMIT]
    )


def _latest_changes() -> list:
    # The ids first, from the index on the effective date: joined at once, SQLite would scan
    # the commitments and sort their whole history instead.
    latest_ids = list(
        StatusChange.objects.latest_first().values_list("pk", flat=True)[:DASHBOARD_LATEST_CHANGES]
    )
    return list(
        StatusChange.objects.filter(pk__in=latest_ids)
        .latest_first()
        .select_related("commitment__responsible_body", "author")
        .prefetch_related("sources")
    )


def _bodies(as_of: datetime.date) -> list[dict]:
    """Per responsible body, its commitments in the lists (not archived: each row links to the
    list of the body's commitments, and counts what it shows), still owed, overdue and met."""
    rules = COMMITMENT_DEADLINE

    def compute():
        # Counted from the index of the listed commitments by body alone (it ends with their
        # status), then named: joined to the bodies, SQLite grouped by their names as well.
        counts = (
            Commitment.objects.order_by()
            .values("responsible_body")
            .annotate(
                total=Count("pk"),
                open=Count("pk", filter=rules.open_q()),
                overdue=Count("pk", filter=rules.overdue_q(as_of)),
                met=Count("pk", filter=Q(status=Status.MET)),
            )
        )
        by_body = {row.pop("responsible_body"): row for row in counts}
        # By name as the database collates names, then (a stable sort) most overdue first.
        names = Body.objects.filter(pk__in=by_body).order_by("name", "pk")
        rows = [{**body, **by_body[body["pk"]]} for body in names.values("pk", "name", "acronym")]
        return sorted(rows, key=lambda row: (-row["overdue"], -row["open"]))

    return figures.cached("bodies", as_of, compute=compute)


@require_GET
@permission_required(VIEW_PERMISSION, raise_exception=True)
def dashboard(request):
    """Counts, what lapsed, what comes due, what changed lately. Every role.

    Bounded whatever the number of commitments: every list is capped (the rest counted and
    linked), and the counts come from a few statements (what to chase, a count each, each
    read from an index; the tallies per status and due date; the tallies per body), kept per
    generation of the data (``commitments.figures``); the latest changes are read from the
    index on their effective date (migration 0008).
    """
    as_of = request_as_of(request)
    since = request.user.dashboard_visit(as_of)
    first_visit = request.user.dashboard_previous_visit_on is None
    commitments = Commitment.objects.all()
    tallies = figures.cached(
        "tallies",
        as_of,
        compute=lambda: commitments.dashboard_tallies(
            as_of, soon=DUE_SOON_DAYS, later=DUE_LATER_DAYS
        ),
    )
    to_chase = chase(as_of=as_of, since=since, overdue=tallies["overdue"], first_visit=first_visit)
    counts = tallies["by_status"]
    status_rows = [
        {"value": value, "label": label, "count": counts[value]} for value, label in Status.choices
    ]
    years = tallies["years"]
    # The panels below the counts are the same for every user on a day: their HTML is kept in
    # the shared cache for this generation of the data (``{% cache %}`` in the template), and
    # what they show is read only when they are rendered afresh, hence the lazy values.
    context = {
        "as_of": as_of,
        "chase": to_chase,
        "total": tallies["total"],
        "status_rows": status_rows,
        "overdue_total": to_chase["overdue"],
        "overdue": SimpleLazyObject(lambda: _overdue_list(commitments, as_of)),
        "due_soon": SimpleLazyObject(
            lambda: _due_list(commitments, as_of, 0, DUE_SOON_DAYS, tallies["due_soon"])
        ),
        "due_later": SimpleLazyObject(
            lambda: _due_list(
                commitments, as_of, DUE_SOON_DAYS + 1, DUE_LATER_DAYS, tallies["due_later"]
            )
        ),
        "latest_changes": SimpleLazyObject(_latest_changes),
        "bodies": SimpleLazyObject(lambda: _bodies(as_of)),
        "status_chart": SimpleLazyObject(lambda: charts.status_bar_chart(status_rows)),
        "timeline_chart": SimpleLazyObject(lambda: charts.deadline_timeline(years, as_of)),
        "years": years,
        "panels_generation": figures.generation(),
        "panels_seconds": settings.FIGURES_CACHE_SECONDS,
    }
    return render(request, "commitments/dashboard.html", context)
