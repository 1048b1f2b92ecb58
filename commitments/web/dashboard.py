"""The dashboard: counts, what lapsed, what comes due, what changed lately."""

import datetime

from django.contrib.auth.decorators import permission_required
from django.db.models import Count, Q
from django.shortcuts import render
from django.views.decorators.http import require_GET

from commitments.models import COMMITMENT_DEADLINE, Body, Commitment, Status, StatusChange

from . import charts
from .access import VIEW_PERMISSION, request_as_of

DASHBOARD_OVERDUE_LIMIT = 10
DASHBOARD_LATEST_CHANGES = 8


@require_GET
@permission_required(VIEW_PERMISSION, raise_exception=True)
def dashboard(request):
    """Counts, what lapsed, what comes due, what changed lately. Every role."""
    as_of = request_as_of(request)
    commitments = Commitment.objects.all()
    counts = commitments.count_by_status()
    overdue = list(
        commitments.overdue(as_of)
        .for_dashboard(as_of)
        .order_by("-days_overdue", "title")[: DASHBOARD_OVERDUE_LIMIT + 1]
    )
    overdue_total = commitments.overdue(as_of).count()
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
