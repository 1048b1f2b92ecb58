"""The dashboard: what must we chase this week, counts, what lapsed, what comes due, what
changed lately."""

import datetime
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth.decorators import permission_required
from django.db.models import Count, Prefetch, Q
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET

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
# "Coming due" on the chase list: every kind of deadline due within this many days.
CHASE_DUE_DAYS = 30
# The asks waiting longest, shown by name on the chase list.
CHASE_WAITING_LIMIT = 5


def _list_url(**params) -> str:
    return f"{reverse('commitments:list')}?{urlencode(params, doseq=True)}"


def chase(*, as_of: datetime.date, since: datetime.date, first_visit: bool = False) -> dict:
    """What must we chase this week: every count in one query, each the size of the filtered
    list it links to (same filters, ``commitments.filters``), and the asks waiting longest.

    Counted among the commitments the lists show (not archived): those with a deadline lapsed
    since ``since`` (approximate ones included, once certainly lapsed), overdue in all, with a
    deadline of any kind due within 30 days, whose state's claim diverges, with asks waiting,
    to check (no news), and still owed without a staff owner.
    """
    rules = COMMITMENT_DEADLINE
    lapsed = Deadline.objects.lapsed_between(since, as_of).values("commitment")
    due = Deadline.objects.due_within(CHASE_DUE_DAYS, as_of).values("commitment")
    diverging = Commitment.all_objects.diverging().values("pk")
    to_check = Commitment.all_objects.to_check(as_of).values("pk")
    waiting = Commitment.all_objects.open().with_asks().filter(outstanding_since__isnull=False)
    counts = Commitment.objects.aggregate(
        lapsed=Count("pk", filter=Q(pk__in=lapsed)),
        overdue=Count("pk", filter=rules.overdue_q(as_of)),
        due=Count("pk", filter=Q(pk__in=due)),
        diverging=Count("pk", filter=Q(pk__in=diverging)),
        waiting=Count("pk", filter=Q(pk__in=waiting.values("pk"))),
        to_check=Count("pk", filter=Q(pk__in=to_check)),
        unowned=Count("pk", filter=Q(owner__isnull=True) & rules.open_q()),
    )
    longest = list(
        Commitment.objects.open()
        .with_asks()
        .filter(outstanding_since__isnull=False)
        .select_related("responsible_body")
        .prefetch_related(
            Prefetch(
                "asks", queryset=Ask.objects.order_by("made_on", "pk"), to_attr="asks_in_order"
            )
        )
        .order_by("outstanding_since", "pk")[:CHASE_WAITING_LIMIT]
    )
    for commitment in longest:
        commitment.first_ask = commitment.asks_in_order[0]
    return {
        **counts,
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


@require_GET
@permission_required(VIEW_PERMISSION, raise_exception=True)
def dashboard(request):
    """Counts, what lapsed, what comes due, what changed lately. Every role."""
    as_of = request_as_of(request)
    since = request.user.dashboard_visit(as_of)
    first_visit = request.user.dashboard_previous_visit_on is None
    to_chase = chase(as_of=as_of, since=since, first_visit=first_visit)
    commitments = Commitment.objects.all()
    counts = commitments.count_by_status()
    overdue = list(
        commitments.overdue(as_of)
        .for_dashboard(as_of)
        .order_by("-days_overdue", "title")[: DASHBOARD_OVERDUE_LIMIT + 1]
    )
    overdue_total = to_chase["overdue"]
    upcoming = list(
        commitments.due_within(90, as_of).for_dashboard(as_of).order_by("due_date", "title")
    )
    within_30 = as_of + datetime.timedelta(days=30)
    due_30 = [c for c in upcoming if c.due_date <= within_30]
    due_90 = [c for c in upcoming if c.due_date > within_30]
    latest_changes = (
        StatusChange.objects.recorded_latest_first()
        .select_related("commitment__responsible_body")
        .prefetch_related("sources")[:DASHBOARD_LATEST_CHANGES]
    )
    rules, owed = COMMITMENT_DEADLINE, "commitments_owed__"
    bodies = (
        Body.objects.annotate(
            total=Count("commitments_owed"),
            open=Count("commitments_owed", filter=rules.open_q(owed)),
            overdue=Count("commitments_owed", filter=rules.overdue_q(as_of, owed)),
            met=Count("commitments_owed", filter=Q(commitments_owed__status=Status.MET)),
        )
        .filter(total__gt=0)
        .order_by("-overdue", "-open", "name")
    )
    status_rows = [
        {"value": value, "label": label, "count": counts[value]} for value, label in Status.choices
    ]
    years = commitments.deadlines_per_year(as_of)
    context = {
        "as_of": as_of,
        "chase": to_chase,
        "total": sum(counts.values()),
        "status_rows": status_rows,
        "overdue": overdue[:DASHBOARD_OVERDUE_LIMIT],
        "overdue_total": overdue_total,
        "due_30": due_30,
        "due_90": due_90,
        "latest_changes": latest_changes,
        "bodies": bodies,
        "status_chart": charts.status_bar_chart(status_rows),
        "timeline_chart": charts.deadline_timeline(years, as_of),
        "years": years,
    }
    return render(request, "commitments/dashboard.html", context)
