"""Commitments, ``/api/commitments/``: the viewset and its documented filters. Every write goes
through ``commitments.services``, the same functions as the web pages; the representations are
:mod:`api.commitment_serializers`', the status history route :mod:`api.history`'s, the version a
write states :mod:`api.versioning`'s."""

import datetime
import hashlib

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Prefetch
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import mixins, status, viewsets
from rest_framework.renderers import BrowsableAPIRenderer, JSONRenderer
from rest_framework.response import Response

from commitments import figures
from commitments.filters import CommitmentFilterSet
from commitments.models import (
    Citation,
    Commitment,
    StatusChange,
)
from commitments.paging import with_tie_break
from commitments.services.lifecycle import commitment_save
from commitments.services.status import StatusChangeInput

from . import schema
from .commitment_serializers import (
    CommitmentCreateSerializer,
    CommitmentCsvSerializer,
    CommitmentSerializer,
    CommitmentWriteSerializer,
    StaleVersionSerializer,
    advocacy_prefetches,
)
from .deadlines import DeadlineRoutesMixin, deadline_schema
from .evidence import EvidenceRoutesMixin, evidence_schema
from .exceptions import field_errors
from .history import StatusHistoryMixin, history_schema
from .pagination import CommitmentPagination
from .permissions import can_read_everything, model_permissions
from .renderers import CSVRenderer
from .versioning import IF_MATCH, VersionedWritesMixin, etag, etag_header, precondition_responses
from .viewsets import ApiViewSetMixin

# The viewset ---------------------------------------------------------------------------------


def _query(name: str, kind, description, **kwargs) -> OpenApiParameter:
    return OpenApiParameter(name, kind, OpenApiParameter.QUERY, description=description, **kwargs)


# The advocacy filters of the shared FilterSet, documented for API callers.
ADVOCACY_FILTERS = [
    _query(
        "diverging",
        OpenApiTypes.BOOL,
        _("true: the state's latest claimed status differs from the coalition's status."),
    ),
    _query(
        "to_check",
        OpenApiTypes.BOOL,
        _("true: open, with no status change or claim for NO_NEWS_MONTHS months (12 by default)."),
    ),
    _query(
        "disputed",
        OpenApiTypes.BOOL,
        _("true: a deadline whose sources disagree on the date it is derived from."),
    ),
    _query(
        "precision",
        OpenApiTypes.STR,
        _("How precisely the governing deadline is known: day, month or year."),
        enum=["day", "month", "year"],
    ),
    _query(
        "lapsed_since",
        OpenApiTypes.DATE,
        _(
            "A deadline certainly lapsed on or after this day and before today, approximate "
            "ones included, e.g. your last visit."
        ),
    ),
    _query(
        "due_within",
        {"type": "integer", "minimum": 0, "maximum": 3660},
        _("A deadline of any kind whose last possible day is within this many days from today."),
    ),
    _query("unowned", OpenApiTypes.BOOL, _("true: no staff member follows it.")),
]

# Routes about one part of a commitment: they load the commitment alone.
PART_ACTIONS = {"history", "deadlines", "deadline_detail", "claims", "asks"}


VERSIONED_WRITE_RESPONSES = {
    200: CommitmentSerializer,
    **schema.WRITE_ERRORS,
    404: schema.NOT_FOUND,
    **precondition_responses(StaleVersionSerializer),
}


@extend_schema_view(
    list=extend_schema(
        summary=_("List commitments"),
        description=_(
            "Anonymous callers see public commitments only. Filters are those of the web "
            "list. `?format=csv` returns every matching row (no pagination) as CSV, with the "
            "governing deadline's lateness, precision, basis and caveat, and the divergence, "
            "waiting and news columns. `ordering=waiting` puts the commitments waiting "
            "longest first (earliest outstanding ask; those without an ask last), "
            "`ordering=last_news` those without news for longest."
        ),
        parameters=[
            OpenApiParameter(
                "format",
                OpenApiTypes.STR,
                OpenApiParameter.QUERY,
                enum=["json", "csv"],
                description=_("csv: a spreadsheet of every matching row."),
            ),
            *ADVOCACY_FILTERS,
        ],
        responses={
            (200, "application/json"): CommitmentSerializer(many=True),
            (200, "text/csv"): OpenApiResponse(
                OpenApiTypes.STR, description=_("One row per commitment.")
            ),
            **schema.json_only(
                {400: schema.BAD_REQUEST, 404: schema.NOT_FOUND, **schema.READ_ERRORS}
            ),
        },
    ),
    retrieve=extend_schema(
        summary=_("Read a commitment"),
        parameters=[schema.ID_PARAMETER, etag_header(200)],
        responses={
            200: CommitmentSerializer,
            404: schema.NOT_FOUND,
            **schema.READ_ERRORS,
        },
    ),
    create=extend_schema(
        summary=_("Create a commitment (editors)"),
        parameters=[etag_header(201)],
        request=CommitmentCreateSerializer,
        responses={201: CommitmentSerializer, **schema.WRITE_ERRORS},
    ),
    update=extend_schema(
        summary=_("Replace a commitment's descriptive fields (editors)"),
        description=_(
            "Send the version you read (field `version` or header `If-Match`). "
            "The status is changed through the history endpoint, never here."
        ),
        parameters=[schema.ID_PARAMETER, IF_MATCH, etag_header(200, 409, 412)],
        request=CommitmentWriteSerializer,
        responses=VERSIONED_WRITE_RESPONSES,
    ),
    partial_update=extend_schema(
        summary=_("Change some of a commitment's descriptive fields (editors)"),
        description=_("Send the version you read (field `version` or `If-Match`)."),
        parameters=[schema.ID_PARAMETER, IF_MATCH, etag_header(200, 409, 412)],
        request=CommitmentWriteSerializer,
        responses=VERSIONED_WRITE_RESPONSES,
    ),
    destroy=extend_schema(
        summary=_("Delete a commitment (administrators)"),
        description=_("Only a commitment without status history can be deleted; otherwise 409."),
        parameters=[schema.ID_PARAMETER],
        responses={
            204: None,
            **schema.READ_ERRORS,
            403: schema.FORBIDDEN,
            404: schema.NOT_FOUND,
            409: schema.DELETE_CONFLICT,
        },
    ),
    history=history_schema(StaleVersionSerializer),
    **deadline_schema(StaleVersionSerializer),
    **evidence_schema(StaleVersionSerializer),
)
class CommitmentViewSet(
    ApiViewSetMixin,
    VersionedWritesMixin,
    StatusHistoryMixin,
    DeadlineRoutesMixin,
    EvidenceRoutesMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """Commitments. Read: everyone (anonymous: public ones only). Create and update:
    ``add_commitment``/``change_commitment`` (editors). Delete: ``delete_commitment``
    (administrators), and only without history. Status history: see ``history``; deadlines,
    claims and asks: ``change_commitment`` (editors), as parts of the commitment."""

    filterset_class = CommitmentFilterSet
    renderer_classes = [JSONRenderer, BrowsableAPIRenderer, CSVRenderer]
    queryset = Commitment.objects.none()  # the model, for permissions and the schema
    pagination_class = CommitmentPagination
    stale_version_serializer_class = StaleVersionSerializer

    def initial(self, request, *args, **kwargs):
        self.as_of: datetime.date = timezone.localdate()
        super().initial(request, *args, **kwargs)

    def get_as_of(self) -> datetime.date:
        return getattr(self, "as_of", None) or timezone.localdate()

    def get_queryset(self):
        as_of = self.get_as_of()
        # Annotated always: a stale write's answer shows the commitment as it is now.
        queryset = Commitment.objects.with_relations().with_days_overdue(as_of).with_advocacy(as_of)
        # Load only what the representation shows: the history and the writes of a part need
        # the commitment alone, the CSV rows show tags but not citations, deadlines, claims
        # or asks.
        if self.action not in PART_ACTIONS:
            queryset = queryset.prefetch_related("tags")
            if not (self.action == "list" and self._wants_csv()):
                queryset = queryset.prefetch_related(
                    Prefetch("citations", queryset=Citation.objects.select_related("source")),
                    *advocacy_prefetches(),
                )
        if not can_read_everything(self.request.user):
            queryset = queryset.public()
        return queryset

    def get_serializer_context(self):
        return {
            **super().get_serializer_context(),
            "as_of": self.get_as_of(),
            "read_all": can_read_everything(self.request.user),
        }

    def get_renderers(self):
        renderers = super().get_renderers()
        if getattr(self, "action", None) != "list":
            renderers = [r for r in renderers if not isinstance(r, CSVRenderer)]
        return renderers

    def get_serializer_class(self):
        if self.action == "list" and self._wants_csv():
            return CommitmentCsvSerializer
        return CommitmentSerializer

    def _wants_csv(self) -> bool:
        renderer = getattr(self.request, "accepted_renderer", None)
        return isinstance(renderer, CSVRenderer)

    def get_required_permissions(self, method: str) -> list[str]:
        if self.action == "history":
            if method == "POST":
                return ["commitments.change_commitment_status", "commitments.add_statuschange"]
            return []
        if self.action in PART_ACTIONS:
            # A deadline, a claim or an ask is part of the commitment, versioned with it.
            return [] if method in ("GET", "HEAD", "OPTIONS") else ["commitments.change_commitment"]
        return model_permissions(Commitment, method)

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        # The primary key breaks ties in any order asked for: a page boundary never moves.
        return with_tie_break(queryset) if self.action == "list" else queryset

    def paginate_queryset(self, queryset):
        if self._wants_csv():
            return None  # the spreadsheet gets every matching row
        return super().paginate_queryset(queryset)

    def list(self, request, *args, **kwargs):
        if not self._wants_csv():
            return Response(self._cached_page(request, *args, **kwargs))
        response = super().list(request, *args, **kwargs)
        response["Content-Disposition"] = (
            f'attachment; filename="commitments-{self.get_as_of().isoformat()}.csv"'
        )
        return response

    def _cached_page(self, request, *args, **kwargs) -> dict:
        """A page of the list as data, kept in the shared cache until the next write, like the
        web lists (``commitments.figures``): per address (host, path, query), day, language
        and what the caller may read. Rendered afterwards in the format asked for. Bad input
        raises before anything is kept."""
        key = hashlib.sha256(
            repr(
                (
                    request.build_absolute_uri(),
                    self.get_as_of().isoformat(),
                    translation.get_language(),
                    can_read_everything(request.user),
                )
            ).encode()
        ).hexdigest()

        def page() -> dict:
            data = super(CommitmentViewSet, self).list(request, *args, **kwargs).data
            # Plain values: the serializer's lists keep a reference to it (and the request).
            return {**data, "results": list(data["results"])}

        return figures.cached("api-commitments-page", key, compute=page, using="pages")

    def retrieve(self, request, *args, **kwargs):
        commitment = self.get_object()
        return self._commitment_response(commitment)

    # Writes -----------------------------------------------------------------------------

    def create(self, request, *args, **kwargs):
        serializer = CommitmentCreateSerializer(
            data=request.data, context=self.get_serializer_context()
        )
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        first_status = StatusChangeInput(
            new_status=data.pop("status"),
            effective_date=data.pop("effective_date"),
            note=data.pop("note", ""),
        )
        try:
            commitment = commitment_save(
                commitment=None,
                data=data,
                expected_version=None,
                author=request.user,
                origin=StatusChange.Origin.API,
                status_change=first_status,
                today=self.get_as_of(),
            )
        except ValidationError as error:
            raise field_errors(error, {"new_status": "status"}) from error
        commitment = self.get_queryset().get(pk=commitment.pk)
        response = self._commitment_response(commitment, status=status.HTTP_201_CREATED)
        response["Location"] = request.build_absolute_uri(
            f"{request.path.rstrip('/')}/{commitment.pk}/"
        )
        return response

    def update(self, request, *args, **kwargs):
        return self._update(request, partial=False)

    def partial_update(self, request, *args, **kwargs):
        return self._update(request, partial=True)

    def _update(self, request, *, partial: bool):
        commitment = self.get_object()
        expected_version = self.read_version(request, commitment)
        serializer = CommitmentWriteSerializer(
            commitment, data=request.data, partial=partial, context=self.get_serializer_context()
        )
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        data.pop("version", None)
        try:
            commitment_save(
                commitment=commitment,
                data=data,
                expected_version=expected_version,
                author=request.user,
                origin=StatusChange.Origin.API,
            )
        except ValidationError as error:
            raise field_errors(error) from error
        return self._commitment_response(self.get_queryset().get(pk=commitment.pk))

    def destroy(self, request, *args, **kwargs):
        commitment = self.get_object()
        with transaction.atomic():
            # A commitment with history is protected (StatusChange.commitment is PROTECT):
            # the exception handler answers 409.
            commitment.delete()
        return Response(status=status.HTTP_204_NO_CONTENT)

    def _commitment_response(self, commitment, status=status.HTTP_200_OK) -> Response:
        serializer = CommitmentSerializer(commitment, context=self.get_serializer_context())
        return Response(serializer.data, status=status, headers={"ETag": etag(commitment)})
