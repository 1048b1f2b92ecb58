"""Staff pages. Every view states who may use it; the server enforces it whatever the UI shows.

Reading (every page and export) needs ``commitments.view_commitment`` (all three roles);
recording status changes needs ``commitments.change_commitment_status`` (editors and
administrators). Login itself is required everywhere by ``LoginRequiredMiddleware``.
"""

import datetime

from django import forms as django_forms
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required, permission_required
from django.contrib.auth.mixins import PermissionRequiredMixin
from django.core.exceptions import ValidationError
from django.db.models import Count, Prefetch, Q
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views import i18n as i18n_views
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.generic import DetailView, ListView

from . import charts, exports
from .filters import CommitmentFilterSet
from .forms import BulkStatusForm, StatusChangeForm
from .models import COMMITMENT_DEADLINE, Body, Citation, Commitment, Status, StatusChange
from .services.versions import StaleVersionError

VIEW_PERMISSION = "commitments.view_commitment"
STATUS_PERMISSION = "commitments.change_commitment_status"
SOURCE_PERMISSION = "commitments.add_source"

DASHBOARD_OVERDUE_LIMIT = 10
DASHBOARD_LATEST_CHANGES = 8


# Django's own view, open to anonymous visitors too so the login page can switch language
# (the one mounted at /i18n/ is behind LoginRequiredMiddleware).
set_language = login_not_required(i18n_views.set_language)


def today() -> datetime.date:
    return timezone.localdate()


def attach_latest_changes(commitments) -> None:
    """Give each commitment (annotated ``with_latest_change_id``) a ``latest_change``.

    Two queries for the whole page (entries with author, then their sources), never one per row.
    """
    ids = [c.latest_change_id for c in commitments if c.latest_change_id]
    entries = StatusChange.objects.select_related("author").prefetch_related("sources")
    by_id = {entry.pk: entry for entry in entries.filter(pk__in=ids)} if ids else {}
    for commitment in commitments:
        commitment.latest_change = by_id.get(commitment.latest_change_id)


def style_filter_form(form) -> None:
    """Widgets for the web page: checkboxes for statuses and categories, date pickers.

    The FilterSet itself stays the one shared with the API; only its form's widgets change.
    """
    for name in ("status", "category"):
        if name in form.fields:
            field = form.fields[name]
            field.widget = django_forms.CheckboxSelectMultiple(choices=field.choices)
    for name in ("due_after", "due_before"):
        if name in form.fields:
            form.fields[name].widget = django_forms.DateInput(
                attrs={"type": "date"}, format="%Y-%m-%d"
            )
    if "search" in form.fields:
        form.fields["search"].widget.attrs.update({"type": "search"})
    if "ordering" in form.fields:
        # Sorting is done with the column headers; the select stays for keyboards and no-CSS.
        form.fields["ordering"].required = False


@require_GET
@permission_required(VIEW_PERMISSION, raise_exception=True)
def dashboard(request):
    """Counts, what lapsed, what comes due, what changed lately. Every role."""
    as_of = today()
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


class FilteredCommitmentsMixin(PermissionRequiredMixin):
    """A list driven by the shared FilterSet; the filters live in the query string."""

    permission_required = VIEW_PERMISSION
    raise_exception = True
    default_ordering = ("due_date", "title")
    http_method_names = ["get", "head", "options"]

    def base_queryset(self, as_of):
        return Commitment.objects.all()

    def get_filterset(self):
        as_of = today()
        filterset = CommitmentFilterSet(
            self.request.GET or None,
            queryset=self.base_queryset(as_of).with_relations(),
            as_of=as_of,
        )
        style_filter_form(filterset.form)
        return filterset

    def filtered_queryset(self):
        self.filterset = self.get_filterset()
        if self.filterset.is_bound and not self.filterset.is_valid():
            # Bad filter input: show the errors at the fields and no rows rather than guess.
            return self.filterset.queryset.none()
        queryset = self.filterset.qs
        if not self.request.GET.get("ordering"):
            queryset = queryset.order_by(*self.default_ordering)
        return queryset

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        query = self.request.GET.copy()
        query.pop("page", None)
        context.update(
            filterset=self.filterset,
            filter_form=self.filterset.form,
            as_of=self.filterset.as_of,
            query_string=query.urlencode(),
            current_ordering=self.request.GET.get("ordering", ""),
            is_filtered=any(
                k not in ("page", "ordering") and v for k, v in self.request.GET.items()
            ),
        )
        return context


class CommitmentListView(FilteredCommitmentsMixin, ListView):
    """Every commitment, filterable, sortable, paginated; editors can update several at once."""

    template_name = "commitments/commitment_list.html"
    context_object_name = "commitments"
    paginate_by = 25

    def get_queryset(self):
        return self.filtered_queryset().prefetch_related("tags")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        if user.has_perm(STATUS_PERMISSION):
            context["bulk_form"] = BulkStatusForm(
                can_add_source=user.has_perm(SOURCE_PERMISSION), prefix="bulk"
            )
        context["export_url_csv"] = reverse("commitments:export", args=["csv"])
        context["export_url_xlsx"] = reverse("commitments:export", args=["xlsx"])
        return context


class OverdueListView(FilteredCommitmentsMixin, ListView):
    """Overdue commitments, most days overdue first, with the change that set their status.

    The page staff print or send to partners; exportable as CSV or XLSX with the same filters.
    """

    template_name = "commitments/commitment_overdue.html"
    context_object_name = "commitments"
    paginate_by = 200
    default_ordering = ("-days_overdue", "title")

    def base_queryset(self, as_of):
        return Commitment.objects.overdue(as_of).with_latest_change_id()

    def get_queryset(self):
        return self.filtered_queryset()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        attach_latest_changes(context["commitments"])
        context["export_url_csv"] = reverse("commitments:overdue_export", args=["csv"])
        context["export_url_xlsx"] = reverse("commitments:overdue_export", args=["xlsx"])
        return context


class CommitmentDetailView(PermissionRequiredMixin, DetailView):
    """Every field, the status timeline, sources; the status form for editors."""

    permission_required = VIEW_PERMISSION
    raise_exception = True
    template_name = "commitments/commitment_detail.html"
    context_object_name = "commitment"
    http_method_names = ["get", "head", "options"]

    def get_queryset(self):
        return detail_queryset(today())

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(detail_context(self.request, self.object))
        user = self.request.user
        if user.has_perm(STATUS_PERMISSION):
            context["form"] = StatusChangeForm(
                commitment=self.object, can_add_source=user.has_perm(SOURCE_PERMISSION)
            )
        return context


def detail_queryset(as_of):
    # Archived commitments left the lists but stay reachable here.
    return Commitment.all_objects.for_dashboard(as_of).prefetch_related(
        "tags",
        Prefetch("citations", queryset=Citation.objects.select_related("source")),
        Prefetch(
            "status_changes",
            queryset=StatusChange.objects.latest_first()
            .select_related("author")
            .prefetch_related("sources"),
            to_attr="timeline",
        ),
    )


def detail_context(request, commitment) -> dict:
    as_of = today()
    return {
        "as_of": as_of,
        "days_overdue": commitment.get_days_overdue(as_of),
        "days_left": commitment.get_days_left(as_of),
    }


@require_http_methods(["GET", "POST"])
@permission_required(STATUS_PERMISSION, raise_exception=True)
def status_update(request, pk):
    """Record a status change (editors). Refuses, with HTTP 409, a change made on a stale page."""
    commitment = get_object_or_404(detail_queryset(today()), pk=pk)
    can_add_source = request.user.has_perm(SOURCE_PERMISSION)
    if request.method == "GET":
        form = StatusChangeForm(commitment=commitment, can_add_source=can_add_source)
        return render_status_form(request, commitment, form)

    form = StatusChangeForm(request.POST, commitment=commitment, can_add_source=can_add_source)
    conflict = None
    if form.is_valid():
        try:
            entry = form.save(author=request.user)
        except StaleVersionError as error:
            conflict = error
        except ValidationError as error:
            form.add_error(None, error)  # the service's objections, at their fields
        else:
            messages.success(
                request,
                _("Status recorded: “%(status)s” from %(date)s.")
                % {
                    "status": entry.get_new_status_display(),
                    "date": django_date(entry.effective_date),
                },
            )
            return HttpResponseRedirect(commitment.get_absolute_url() + "#timeline")

    if conflict is not None:
        # Show the other person's change and keep what the user typed, on the new version.
        current = get_object_or_404(detail_queryset(today()), pk=pk)
        form = form.for_review(current)
        return render_status_form(request, current, form, conflict=conflict, status=409)
    return render_status_form(request, commitment, form, status=400)


def render_status_form(request, commitment, form, *, conflict=None, status=200):
    context = {"commitment": commitment, "form": form, "conflict": conflict}
    context.update(detail_context(request, commitment))
    return render(request, "commitments/status_form.html", context, status=status)


def django_date(value) -> str:
    return date_format(value, "DATE_FORMAT")


@require_POST
@permission_required(STATUS_PERMISSION, raise_exception=True)
def bulk_update(request):
    """Record one status change on several commitments, all or none (editors)."""
    form = BulkStatusForm(
        request.POST, prefix="bulk", can_add_source=request.user.has_perm(SOURCE_PERMISSION)
    )
    next_url = safe_next(request, reverse("commitments:list"))
    if form.is_valid():
        entries = form.save(author=request.user)
        if entries:
            messages.success(
                request,
                _("Status recorded on %(count)d commitments.") % {"count": len(entries)},
            )
            return HttpResponseRedirect(next_url)
    selected = list(form.cleaned_data.get("commitments") or [])
    context = {
        "form": form,
        "selected": selected,
        "row_errors": form.row_errors,
        "next_url": next_url,
        "versions": form.expected_versions(),
    }
    return render(request, "commitments/bulk_form.html", context, status=400)


def safe_next(request, default: str) -> str:
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return default


@require_GET
@permission_required(VIEW_PERMISSION, raise_exception=True)
def export(request, fmt, overdue=False):
    """The list (or overdue list) as CSV or XLSX, with the same filters as the page."""
    if fmt not in exports.FORMATS:
        raise Http404
    as_of = today()
    base = Commitment.objects.overdue(as_of) if overdue else Commitment.objects.all()
    filterset = CommitmentFilterSet(
        request.GET or None,
        queryset=base.with_relations().with_latest_change_id(),
        as_of=as_of,
    )
    if filterset.is_bound and not filterset.is_valid():
        commitments = []
    else:
        queryset = filterset.qs
        if not request.GET.get("ordering"):
            queryset = queryset.order_by(
                *(("-days_overdue", "title") if overdue else ("due_date", "title"))
            )
        commitments = list(queryset)
    attach_latest_changes(commitments)
    name = "vigie-overdue" if overdue else "vigie-commitments"
    return exports.build_response(
        fmt,
        commitments,
        filename=f"{name}-{as_of.isoformat()}",
        as_of=as_of,
        base_url=request.build_absolute_uri("/"),
    )
