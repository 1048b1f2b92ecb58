"""A commitment's page: every field, the status timeline, sources, the status form."""

from django.contrib.auth.mixins import PermissionRequiredMixin
from django.db.models import Prefetch
from django.views.generic import DetailView

from commitments.models import Citation, Commitment, StatusChange

from .access import SOURCE_PERMISSION, STATUS_PERMISSION, VIEW_PERMISSION, request_as_of
from .forms import StatusChangeForm


class CommitmentDetailView(PermissionRequiredMixin, DetailView):
    """Every field, the status timeline, sources; the status form for editors."""

    permission_required = VIEW_PERMISSION
    raise_exception = True
    template_name = "commitments/commitment_detail.html"
    context_object_name = "commitment"
    http_method_names = ["get", "head", "options"]

    def get_queryset(self):
        return detail_queryset(request_as_of(self.request))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(detail_context(self.request, self.object))
        user = self.request.user
        if user.has_perm(STATUS_PERMISSION):
            context["form"] = StatusChangeForm(
                today=request_as_of(self.request),
                commitment=self.object,
                can_add_source=user.has_perm(SOURCE_PERMISSION),
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
    as_of = request_as_of(request)
    return {
        "as_of": as_of,
        "days_overdue": commitment.get_days_overdue(as_of),
        "days_left": commitment.get_days_left(as_of),
    }
