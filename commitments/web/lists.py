"""The lists: every commitment, and the overdue ones (the page staff print or send)."""

import functools

from django import forms as django_forms
from django.conf import settings
from django.contrib.auth.decorators import permission_required
from django.contrib.auth.mixins import PermissionRequiredMixin
from django.core.paginator import InvalidPage
from django.http import Http404, HttpResponseRedirect
from django.urls import reverse
from django.utils.functional import SimpleLazyObject
from django.views.decorators.http import require_GET
from django.views.generic import ListView

from commitments import figures
from commitments.filters import CommitmentFilterSet
from commitments.models import Commitment, SavedView, StatusChange
from commitments.paging import DeferredJoinPaginator, with_tie_break
from commitments.search import attach_matches

from . import exports
from .access import SOURCE_PERMISSION, STATUS_PERMISSION, VIEW_PERMISSION, request_as_of
from .export_rows import export_records
from .forms import BulkStatusForm
from .saved_views import clean_query, has_blank_filters, saved_views_context


def attach_latest_changes(commitments) -> None:
    """Give each commitment (annotated ``with_latest_change_id``) a ``latest_change``.

    Two queries for the whole page (entries with author, then their sources), never one per row.
    """
    ids = [c.latest_change_id for c in commitments if c.latest_change_id]
    # No order: read into a dict by id (the history's default order joins the commitments).
    entries = StatusChange.objects.select_related("author").prefetch_related("sources").order_by()
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
    for name in ("due_after", "due_before", "lapsed_since"):
        if name in form.fields:
            form.fields[name].widget = django_forms.DateInput(
                attrs={"type": "date"}, format="%Y-%m-%d"
            )
    bodies = [form.fields[name] for name in ("responsible_body", "monitoring_body")]
    # Both offer every body: read them once for the two, and only when the form is rendered
    # (its HTML is usually in the cache). iter(): no COUNT for a length hint.
    choices = functools.cache(lambda: list(iter(bodies[0].choices)))
    for field in bodies:
        field.widget.choices = choices
    if "search" in form.fields:
        form.fields["search"].widget.attrs.update({"type": "search"})
    if "ordering" in form.fields:
        # Sorting is done with the column headers; the select stays for keyboards and no-CSS.
        form.fields["ordering"].required = False


class FilteredCommitmentsMixin(PermissionRequiredMixin):
    """A list driven by the shared FilterSet; the filters live in the query string."""

    permission_required = VIEW_PERMISSION
    raise_exception = True
    default_ordering = ("due_date", "title", "pk")
    paginator_class = DeferredJoinPaginator
    http_method_names = ["get", "head", "options"]

    saved_view_kind = SavedView.Kind.LIST

    def get(self, request, *args, **kwargs):
        # Addresses carry only the filters in use: "?search=&overdue=unknown&status=met" becomes
        # "?status=met" (the form's script already leaves such fields out; this covers every
        # other way in).
        if has_blank_filters(request.GET):
            clean = clean_query(request.GET)
            return HttpResponseRedirect(request.path + (f"?{clean}" if clean else ""))
        return super().get(request, *args, **kwargs)

    def base_queryset(self, as_of):
        return Commitment.objects.all()

    def get_filterset(self):
        as_of = request_as_of(self.request)
        filterset = CommitmentFilterSet(
            self.request.GET or None,
            queryset=self.base_queryset(as_of).with_relations(),
            as_of=as_of,
        )
        style_filter_form(filterset.form)
        return filterset

    def get_queryset(self):
        """The filtered list, built only when its rows are read (``SimpleLazyObject``): a
        page seen again since the last write comes from the cache, count, filter form and
        table, and needs neither the list nor its filters validated (what they gave is in
        the cache). Building the list (a dozen annotations, a search's relevance) took
        longer than serving the cached page; validating the filters made a filtered page
        slower than the unfiltered one."""
        self.filterset = self.get_filterset()
        return SimpleLazyObject(self.rows_queryset)

    def list_key(self) -> str:
        """What the list holds: its kind, its day and its filters (not the page, nor the
        order): the count's key in the cache."""
        filters = sorted(
            (name, value)
            for name, values in self.request.GET.lists()
            if name not in (self.page_kwarg, "ordering")
            for value in values
        )
        return repr((type(self).__name__, self.filterset.as_of.isoformat(), filters))

    def rows_queryset(self):
        if self.filterset.is_bound and not self.filterset.is_valid():
            # Bad filter input: show the errors at the fields and no rows rather than guess.
            return Commitment.objects.none()
        queryset = self.filterset.qs
        if not self.request.GET.get("ordering"):
            # A search is ordered by relevance first (``search_rank``, annotated by it).
            searching = "search_rank" in queryset.query.annotations
            queryset = queryset.order_by(
                *(("-search_rank",) if searching else ()), *self.default_ordering
            )
        return with_tie_break(queryset)

    def get_template_names(self):
        # ListView's would look at the list's model, and so build the lazy list.
        return [self.template_name]

    def paginate_queryset(self, queryset, page_size):
        """As ListView's, except that the page's rows are read only when the table is rendered:
        its HTML is usually in the cache (the templates' ``{% cache %}``, per generation of
        the data like the count). The page number is checked at once: a bad one is a 404."""
        paginator = self.get_paginator(
            queryset,
            page_size,
            orphans=self.get_paginate_orphans(),
            allow_empty_first_page=self.get_allow_empty(),
            count_key=self.list_key(),
        )
        page = self.kwargs.get(self.page_kwarg) or self.request.GET.get(self.page_kwarg) or 1
        try:
            number = paginator.validate_number(paginator.num_pages if page == "last" else page)
        except InvalidPage as error:
            raise Http404(str(error)) from error
        page_obj = SimpleLazyObject(lambda: self.rows_page(paginator, number))
        rows = SimpleLazyObject(lambda: page_obj.object_list)
        return paginator, page_obj, rows, paginator.num_pages > 1

    def rows_page(self, paginator, number):
        """The page's rows, with what the table shows beside each one."""
        page = paginator.page(number)
        # Every row gets its ``matched_in`` (None without a search): a row without one cost
        # the template a failed lookup and a dir() per row.
        form = self.filterset.form
        attach_matches(
            page.object_list, form.cleaned_data.get("search") if form.is_valid() else None
        )
        return page

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
            search_text=self.request.GET.get("search", ""),
            # The filter form, the bulk form and the table read the same for everyone with the
            # same rights until the next write: their HTML is kept per generation of the data
            # (``figures``), like the dashboard's panels. The table's rows carry a dozen
            # subqueries each; the forms list every body, staff member and tag (hundreds of
            # options), which a status change, a claim or an ask leaves as they are: the forms
            # are kept per generation of that reference data.
            fragments_generation=figures.generation(),
            forms_generation=figures.reference_generation(),
            fragments_seconds=settings.FIGURES_CACHE_SECONDS,
            can_update_status=self.request.user.has_perm(STATUS_PERMISSION),
            **saved_views_context(self.request, self.saved_view_kind),
        )
        return context


class CommitmentListView(FilteredCommitmentsMixin, ListView):
    """Every commitment, filterable, sortable, paginated; editors can update several at once."""

    template_name = "commitments/commitment_list.html"
    context_object_name = "commitments"
    paginate_by = 25

    def rows_queryset(self):
        return super().rows_queryset().prefetch_related("tags")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        if user.has_perm(STATUS_PERMISSION):
            context["bulk_form"] = BulkStatusForm(
                today=request_as_of(self.request),
                can_add_source=user.has_perm(SOURCE_PERMISSION),
                prefix="bulk",
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
    # Most days overdue first: the earliest due date first, which the lists' index serves.
    default_ordering = ("due_date", "title", "pk")
    saved_view_kind = SavedView.Kind.OVERDUE

    def base_queryset(self, as_of):
        return Commitment.objects.overdue(as_of).with_latest_change_id()

    def rows_page(self, paginator, number):
        page = super().rows_page(paginator, number)
        attach_latest_changes(page.object_list)
        return page

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["export_url_csv"] = reverse("commitments:overdue_export", args=["csv"])
        context["export_url_xlsx"] = reverse("commitments:overdue_export", args=["xlsx"])
        return context


@require_GET
@permission_required(VIEW_PERMISSION, raise_exception=True)
def export(request, fmt, overdue=False):
    """The list (or overdue list) as CSV or XLSX, with the same filters as the page.

    Streamed: the rows are read in batches as the file is written (see ``export_rows``)."""
    if fmt not in exports.FORMATS:
        raise Http404
    as_of = request_as_of(request)
    base = Commitment.objects.overdue(as_of) if overdue else Commitment.objects.all()
    filterset = CommitmentFilterSet(
        request.GET or None,
        queryset=base,
        as_of=as_of,
    )
    if filterset.is_bound and not filterset.is_valid():
        commitments = []
    else:
        queryset = filterset.qs
        if not request.GET.get("ordering"):
            # Most days overdue first is the earliest due date first (the lists' index).
            queryset = queryset.order_by("due_date", "title", "pk")
        commitments = export_records(with_tie_break(queryset), as_of=as_of)
    name = "vigie-overdue" if overdue else "vigie-commitments"
    return exports.build_response(
        fmt,
        commitments,
        filename=f"{name}-{as_of.isoformat()}",
        as_of=as_of,
        base_url=request.build_absolute_uri("/"),
    )
