"""API endpoints. Each viewset states who may use it (``ApiPermission`` and its queryset);
every write goes through ``commitments.services``, the same functions as the web pages."""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Prefetch
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.exceptions import ValidationError as ApiValidationError
from rest_framework.permissions import AllowAny
from rest_framework.renderers import BrowsableAPIRenderer, JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from alerts import services as alert_services
from alerts.models import Delivery
from commitments.filters import CommitmentFilterSet
from commitments.models import Body, Citation, Commitment, Source, StatusChange
from commitments.services.lifecycle import commitment_save
from commitments.services.status import StatusChangeInput, status_change_record
from commitments.services.versions import StaleVersionError

from . import schema
from .exceptions import Conflict, PreconditionRequired, validation_error_detail
from .filters import AlertFilterSet
from .pagination import Pagination
from .permissions import ApiPermission, can_read_everything, model_permissions
from .renderers import CSVRenderer
from .serializers import (
    AcknowledgedCountSerializer,
    AlertSerializer,
    BodySerializer,
    CommitmentCreateSerializer,
    CommitmentCsvSerializer,
    CommitmentSerializer,
    CommitmentWriteSerializer,
    SourceSerializer,
    StatusChangeCreatedSerializer,
    StatusChangeCreateSerializer,
    StatusChangeSerializer,
)

ID_PARAMETER = OpenApiParameter(
    "id", OpenApiTypes.INT, OpenApiParameter.PATH, description=gettext_lazy("Record id.")
)
IF_MATCH = OpenApiParameter(
    "If-Match",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    required=False,
    description=gettext_lazy(
        'The commitment\'s ETag as read, e.g. W/"12-3". Either this header or the version '
        "field is required."
    ),
)


def etag_header(*codes: int) -> OpenApiParameter:
    return OpenApiParameter(
        "ETag",
        OpenApiTypes.STR,
        OpenApiParameter.HEADER,
        response=list(codes),
        description=gettext_lazy(
            'The commitment\'s version as a (weak) entity tag, W/"<id>-<version>": send it '
            "back in If-Match."
        ),
    )


class ApiViewSetMixin:
    """What every API viewset shares: permission by role, pagination, JSON errors."""

    permission_classes = [ApiPermission]
    pagination_class = Pagination
    schema = schema.ApiAutoSchema()

    def get_required_permissions(self, method: str) -> list[str]:
        return model_permissions(self.get_queryset().model, method)

    def get_serializer_context(self):
        context = super().get_serializer_context()
        context["show_people"] = can_read_everything(self.request.user)
        return context

    def handle_exception(self, exc):
        # Errors are JSON even when CSV was asked for: a spreadsheet cannot show a 400.
        request = self.request
        if getattr(request, "accepted_renderer", None) is not None and not isinstance(
            request.accepted_renderer, JSONRenderer | BrowsableAPIRenderer
        ):
            request.accepted_renderer = JSONRenderer()
            request.accepted_media_type = JSONRenderer.media_type
        return super().handle_exception(exc)


def commitment_etag(commitment: Commitment) -> str:
    """A weak entity tag: the representation changes with the date (``days_overdue``) even
    when the version does not, so it identifies the version, not the bytes."""
    return f'W/"{commitment.pk}-{commitment.version}"'


def _opaque_tags(header: str) -> list[str]:
    tags = []
    for raw in header.split(","):
        tag = raw.strip()
        if tag.startswith("W/"):
            tag = tag[2:]
        tags.append(tag.strip('"'))
    return tags


@extend_schema_view(
    list=extend_schema(
        summary=gettext_lazy("List commitments"),
        description=gettext_lazy(
            "Anonymous callers see public commitments only. Filters are those of the web "
            "list. `?format=csv` returns every matching row (no pagination) as CSV."
        ),
        parameters=[
            OpenApiParameter(
                "format",
                OpenApiTypes.STR,
                OpenApiParameter.QUERY,
                enum=["json", "csv"],
                description=gettext_lazy("csv: a spreadsheet of every matching row."),
            )
        ],
        responses={
            (200, "application/json"): CommitmentSerializer(many=True),
            (200, "text/csv"): OpenApiResponse(
                OpenApiTypes.STR, description=gettext_lazy("One row per commitment.")
            ),
            **schema.json_only(
                {400: schema.BAD_REQUEST, 404: schema.NOT_FOUND, **schema.READ_ERRORS}
            ),
        },
    ),
    retrieve=extend_schema(
        summary=gettext_lazy("Read a commitment"),
        parameters=[ID_PARAMETER, etag_header(200)],
        responses={
            200: CommitmentSerializer,
            404: schema.NOT_FOUND,
            **schema.READ_ERRORS,
        },
    ),
    create=extend_schema(
        summary=gettext_lazy("Create a commitment (editors)"),
        parameters=[etag_header(201)],
        request=CommitmentCreateSerializer,
        responses={201: CommitmentSerializer, **schema.WRITE_ERRORS},
    ),
    update=extend_schema(
        summary=gettext_lazy("Replace a commitment's descriptive fields (editors)"),
        description=gettext_lazy(
            "Send the version you read (field `version` or header `If-Match`). "
            "The status is changed through the history endpoint, never here."
        ),
        parameters=[ID_PARAMETER, IF_MATCH, etag_header(200, 409, 412)],
        request=CommitmentWriteSerializer,
        responses={
            200: CommitmentSerializer,
            **schema.WRITE_ERRORS,
            404: schema.NOT_FOUND,
            409: schema.STALE_FIELD,
            412: schema.STALE_IF_MATCH,
            428: schema.VERSION_REQUIRED,
        },
    ),
    partial_update=extend_schema(
        summary=gettext_lazy("Change some of a commitment's descriptive fields (editors)"),
        description=gettext_lazy("Send the version you read (field `version` or `If-Match`)."),
        parameters=[ID_PARAMETER, IF_MATCH, etag_header(200, 409, 412)],
        request=CommitmentWriteSerializer,
        responses={
            200: CommitmentSerializer,
            **schema.WRITE_ERRORS,
            404: schema.NOT_FOUND,
            409: schema.STALE_FIELD,
            412: schema.STALE_IF_MATCH,
            428: schema.VERSION_REQUIRED,
        },
    ),
    destroy=extend_schema(
        summary=gettext_lazy("Delete a commitment (administrators)"),
        description=gettext_lazy(
            "Only a commitment without status history can be deleted; otherwise 409."
        ),
        parameters=[ID_PARAMETER],
        responses={
            204: None,
            **schema.READ_ERRORS,
            403: schema.FORBIDDEN,
            404: schema.NOT_FOUND,
            409: schema.DELETE_CONFLICT,
        },
    ),
)
class CommitmentViewSet(
    ApiViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """Commitments. Read: everyone (anonymous: public ones only). Create and update:
    ``add_commitment``/``change_commitment`` (editors). Delete: ``delete_commitment``
    (administrators), and only without history. Status history: see ``history``."""

    filterset_class = CommitmentFilterSet
    renderer_classes = [JSONRenderer, BrowsableAPIRenderer, CSVRenderer]
    queryset = Commitment.objects.none()  # the model, for permissions and the schema

    def initial(self, request, *args, **kwargs):
        self.as_of: datetime.date = timezone.localdate()
        super().initial(request, *args, **kwargs)

    def get_as_of(self) -> datetime.date:
        return getattr(self, "as_of", None) or timezone.localdate()

    def get_queryset(self):
        queryset = Commitment.objects.with_relations().with_days_overdue(self.get_as_of())
        # Load only what the representation shows: the history needs the commitment alone,
        # the CSV rows show tags but not citations.
        if self.action != "history":
            queryset = queryset.prefetch_related("tags")
            if not (self.action == "list" and self._wants_csv()):
                queryset = queryset.prefetch_related(
                    Prefetch("citations", queryset=Citation.objects.select_related("source"))
                )
        if not can_read_everything(self.request.user):
            queryset = queryset.public()
        return queryset

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
        return model_permissions(Commitment, method)

    def paginate_queryset(self, queryset):
        if self._wants_csv():
            return None  # the spreadsheet gets every matching row
        return super().paginate_queryset(queryset)

    def list(self, request, *args, **kwargs):
        response = super().list(request, *args, **kwargs)
        if self._wants_csv():
            response["Content-Disposition"] = (
                f'attachment; filename="commitments-{self.get_as_of().isoformat()}.csv"'
            )
        return response

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
        tags = data.pop("tags", [])
        try:
            change = StatusChangeInput(
                data.pop("status"), data.pop("effective_date"), data.pop("note", "")
            )
            commitment = commitment_save(
                commitment=None,
                data={**data, "tags": tags},
                expected_version=None,
                status_change=change,
                author=request.user,
                origin=StatusChange.Origin.API,
                today=self.get_as_of(),
            )
        except ValidationError as error:
            raise _field_errors(error, {"new_status": "status"}) from error
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
        expected, via_header = self._expected_version(request, commitment)
        if expected != commitment.version:
            return self._stale_response(
                StaleVersionError(current=commitment, expected_version=expected),
                via_header=via_header,
            )
        serializer = CommitmentWriteSerializer(
            commitment, data=request.data, partial=partial, context=self.get_serializer_context()
        )
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        data.pop("version", None)
        tags = data.pop("tags", None)
        try:
            commitment_save(
                commitment=commitment,
                data=data if tags is None else {**data, "tags": tags},
                expected_version=expected,
                author=request.user,
                origin=StatusChange.Origin.API,
            )
        except StaleVersionError as error:
            return self._stale_response(error, via_header=via_header)
        except ValidationError as error:
            raise _field_errors(error) from error
        return self._commitment_response(self.get_queryset().get(pk=commitment.pk))

    def destroy(self, request, *args, **kwargs):
        commitment = self.get_object()
        with transaction.atomic():
            # A commitment with history is protected (StatusChange.commitment is PROTECT):
            # the exception handler answers 409.
            commitment.delete()
        return Response(status=status.HTTP_204_NO_CONTENT)

    # Status history ------------------------------------------------------------------------

    @extend_schema(
        methods=["GET"],
        summary=gettext_lazy("A commitment's status history"),
        description=gettext_lazy("Oldest first, in the order the changes took effect."),
        parameters=[ID_PARAMETER],
        responses={
            200: StatusChangeSerializer(many=True),
            404: schema.NOT_FOUND,
            **schema.READ_ERRORS,
        },
    )
    @extend_schema(
        methods=["POST"],
        summary=gettext_lazy("Record a status change (editors)"),
        description=gettext_lazy(
            "Writes the history entry and the new status together and bumps the version. "
            "Send the version you read (field `version` or header `If-Match`)."
        ),
        parameters=[ID_PARAMETER, IF_MATCH, etag_header(201, 409, 412)],
        request=StatusChangeCreateSerializer,
        responses={
            201: StatusChangeCreatedSerializer,
            **schema.WRITE_ERRORS,
            404: schema.NOT_FOUND,
            409: schema.STALE_FIELD,
            412: schema.STALE_IF_MATCH,
            428: schema.VERSION_REQUIRED,
        },
    )
    @action(detail=True, methods=["get", "post"], filter_backends=[], url_path="history")
    def history(self, request, *args, **kwargs):
        commitment = self.get_object()
        if request.method == "POST":
            return self._record_status_change(request, commitment)
        entries = (
            commitment.status_changes.select_related("author")
            .prefetch_related("sources")
            .order_by("effective_date", "created_at", "pk")
        )
        page = self.paginate_queryset(entries)
        serializer = StatusChangeSerializer(page, many=True, context=self.get_serializer_context())
        return self.get_paginated_response(serializer.data)

    def _record_status_change(self, request, commitment):
        expected, via_header = self._expected_version(request, commitment)
        if expected != commitment.version:
            return self._stale_response(
                StaleVersionError(current=commitment, expected_version=expected),
                via_header=via_header,
            )
        serializer = StatusChangeCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        try:
            entry = status_change_record(
                commitment=commitment,
                new_status=data["new_status"],
                effective_date=data["effective_date"],
                note=data["note"],
                sources=data["sources"],
                author=request.user,
                expected_version=expected,
                origin=StatusChange.Origin.API,
                today=self.get_as_of(),
            )
        except StaleVersionError as error:
            return self._stale_response(error, via_header=via_header)
        except ValidationError as error:
            raise _field_errors(error) from error
        entry.commitment_version = commitment.version
        body = StatusChangeCreatedSerializer(entry, context=self.get_serializer_context()).data
        return Response(
            body, status=status.HTTP_201_CREATED, headers={"ETag": commitment_etag(commitment)}
        )

    # Helpers -------------------------------------------------------------------------------

    def _commitment_response(self, commitment, status=status.HTTP_200_OK) -> Response:
        serializer = CommitmentSerializer(commitment, context=self.get_serializer_context())
        return Response(
            serializer.data, status=status, headers={"ETag": commitment_etag(commitment)}
        )

    def _expected_version(self, request, commitment) -> tuple[int, bool]:
        """The version the caller read, from ``If-Match`` or the ``version`` field.

        Returns ``(version, came_from_header)``. Raises 428 when neither was sent.
        ``If-Match: *`` names no version, so it does not count.
        """
        body_version = _body_version(request)
        header = request.headers.get("If-Match")
        if header is not None:
            versions = []
            prefix = f"{commitment.pk}-"
            for tag in _opaque_tags(header):
                if tag.startswith(prefix) and tag[len(prefix) :].isdigit():
                    versions.append(int(tag[len(prefix) :]))
            if versions:
                header_version = (
                    commitment.version if commitment.version in versions else versions[0]
                )
                if body_version is not None and body_version != header_version:
                    raise ApiValidationError(
                        {"version": [_("The version field and the If-Match header disagree.")]}
                    )
                return header_version, True
            if header.strip() != "*":
                # An entity tag of another record, or garbage: it cannot match.
                return 0, True
        if body_version is None:
            raise PreconditionRequired()
        return body_version, False

    def _stale_response(self, error: StaleVersionError, *, via_header: bool) -> Response:
        current = self.get_queryset().get(pk=error.current.pk)
        context = self.get_serializer_context()
        latest = error.latest_change
        body = {
            "detail": _(
                "This commitment was changed by someone else since you read it (you sent "
                "version %(sent)s, it is now at version %(current)s). Nothing was saved: "
                "reload it, re-apply your change and send the new version."
            )
            % {"sent": error.expected_version, "current": current.version},
            "code": "stale_version",
            "current": CommitmentSerializer(current, context=context).data,
            "latest_change": StatusChangeSerializer(latest, context=context).data
            if latest
            else None,
        }
        return Response(
            body,
            status=status.HTTP_412_PRECONDITION_FAILED if via_header else status.HTTP_409_CONFLICT,
            headers={"ETag": commitment_etag(current)},
        )


def _body_version(request) -> int | None:
    """The ``version`` field if it is a positive integer; a bad one is a 400 on that field."""
    data = request.data
    if not hasattr(data, "get"):
        return None
    raw = data.get("version")
    if raw is None or raw == "":
        return None
    field = StatusChangeCreateSerializer().fields["version"]
    try:
        return field.run_validation(raw)
    except ApiValidationError as error:
        raise ApiValidationError({"version": error.detail}) from error


def _field_errors(error: ValidationError, field_names: dict[str, str] | None = None):
    """A service's ``ValidationError`` as a 400, its field names as the API's."""
    return ApiValidationError(validation_error_detail(error, field_names))


@extend_schema_view(
    list=extend_schema(
        summary=gettext_lazy("List bodies"),
        description=gettext_lazy("Bodies are public data: anonymous callers read them too."),
        responses={
            200: BodySerializer(many=True),
            400: schema.BAD_REQUEST,
            404: schema.NOT_FOUND,
            **schema.READ_ERRORS,
        },
    ),
    retrieve=extend_schema(
        summary=gettext_lazy("Read a body"),
        parameters=[ID_PARAMETER],
        responses={200: BodySerializer, 404: schema.NOT_FOUND, **schema.READ_ERRORS},
    ),
    create=extend_schema(
        summary=gettext_lazy("Create a body (editors)"),
        responses={201: BodySerializer, **schema.WRITE_ERRORS},
    ),
    update=extend_schema(
        summary=gettext_lazy("Replace a body (administrators)"),
        parameters=[ID_PARAMETER],
        responses={200: BodySerializer, **schema.WRITE_ERRORS, 404: schema.NOT_FOUND},
    ),
    partial_update=extend_schema(
        summary=gettext_lazy("Change a body (administrators)"),
        parameters=[ID_PARAMETER],
        responses={200: BodySerializer, **schema.WRITE_ERRORS, 404: schema.NOT_FOUND},
    ),
    destroy=extend_schema(
        summary=gettext_lazy("Delete a body (administrators)"),
        description=gettext_lazy("A body that commitments refer to cannot be deleted: 409."),
        parameters=[ID_PARAMETER],
        responses={
            204: None,
            **schema.READ_ERRORS,
            403: schema.FORBIDDEN,
            404: schema.NOT_FOUND,
            409: schema.DELETE_CONFLICT,
        },
    ),
)
class BodyViewSet(ApiViewSetMixin, viewsets.ModelViewSet):
    """Bodies (public data). Read: everyone. Create: ``add_body`` (editors). Change and
    delete: ``change_body``/``delete_body`` (administrators); a body in use is never deleted."""

    queryset = Body.objects.order_by("name", "pk")
    serializer_class = BodySerializer
    filterset_fields = ["kind", "level"]


@extend_schema_view(
    list=extend_schema(
        summary=gettext_lazy("List sources"),
        description=gettext_lazy("Sources are public data: anonymous callers read them too."),
        responses={
            200: SourceSerializer(many=True),
            400: schema.BAD_REQUEST,
            404: schema.NOT_FOUND,
            **schema.READ_ERRORS,
        },
    ),
    retrieve=extend_schema(
        summary=gettext_lazy("Read a source"),
        parameters=[ID_PARAMETER],
        responses={200: SourceSerializer, 404: schema.NOT_FOUND, **schema.READ_ERRORS},
    ),
    create=extend_schema(
        summary=gettext_lazy("Create a source (editors)"),
        responses={201: SourceSerializer, **schema.WRITE_ERRORS},
    ),
    update=extend_schema(
        summary=gettext_lazy("Replace a source (administrators)"),
        parameters=[ID_PARAMETER],
        responses={200: SourceSerializer, **schema.WRITE_ERRORS, 404: schema.NOT_FOUND},
    ),
    partial_update=extend_schema(
        summary=gettext_lazy("Change a source (administrators)"),
        parameters=[ID_PARAMETER],
        responses={200: SourceSerializer, **schema.WRITE_ERRORS, 404: schema.NOT_FOUND},
    ),
    destroy=extend_schema(
        summary=gettext_lazy("Delete a source (administrators)"),
        description=gettext_lazy(
            "A source cited by a commitment or a status change cannot be deleted: 409."
        ),
        parameters=[ID_PARAMETER],
        responses={
            204: None,
            **schema.READ_ERRORS,
            403: schema.FORBIDDEN,
            404: schema.NOT_FOUND,
            409: schema.DELETE_CONFLICT,
        },
    ),
)
class SourceViewSet(ApiViewSetMixin, viewsets.ModelViewSet):
    """Sources (public data). Read: everyone. Create: ``add_source`` (editors). Change and
    delete: ``change_source``/``delete_source`` (administrators); a source cited as evidence
    (by a commitment or a status change) is never deleted."""

    queryset = Source.objects.order_by("-publication_date", "title", "pk")
    serializer_class = SourceSerializer
    filterset_fields = ["language", "date_precision"]

    def perform_destroy(self, instance):
        if instance.status_changes.exists():
            # The M2M would silently drop the evidence from the append-only history.
            raise Conflict(
                _("This source is evidence for a status change: it cannot be deleted."),
                code="protected",
            )
        with transaction.atomic():
            instance.delete()


@extend_schema_view(
    list=extend_schema(
        summary=gettext_lazy("Your alerts"),
        description=gettext_lazy(
            "The alerts delivered to you (as owner or watcher of a commitment), newest first."
        ),
        responses={
            200: AlertSerializer(many=True),
            400: schema.BAD_REQUEST,
            401: schema.UNAUTHORIZED,
            404: schema.NOT_FOUND,
            429: schema.THROTTLED,
        },
    ),
    retrieve=extend_schema(
        summary=gettext_lazy("One of your alerts"),
        parameters=[ID_PARAMETER],
        responses={
            200: AlertSerializer,
            401: schema.UNAUTHORIZED,
            404: schema.NOT_FOUND,
            429: schema.THROTTLED,
        },
    ),
)
class AlertViewSet(ApiViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """The caller's own alerts (deliveries). Any authenticated user, on their own alerts only:
    someone else's is 404. Anonymous callers: 401."""

    serializer_class = AlertSerializer
    filterset_class = AlertFilterSet
    read_requires_authentication = True
    queryset = Delivery.objects.none()  # the model, for the schema

    def get_queryset(self):
        user = self.request.user
        if not user.is_authenticated:
            return Delivery.objects.none()
        return (
            Delivery.objects.for_user(user).with_relations().order_by("-alert__created_at", "-pk")
        )

    def get_required_permissions(self, method: str) -> list[str]:
        return []  # acknowledging one's own alerts needs no role

    @extend_schema(
        summary=gettext_lazy("Acknowledge one of your alerts"),
        description=gettext_lazy("Marks it as seen. Acknowledging it again changes nothing."),
        parameters=[ID_PARAMETER],
        request=None,
        responses={
            200: AlertSerializer,
            401: schema.UNAUTHORIZED,
            404: schema.NOT_FOUND,
            429: schema.THROTTLED,
        },
    )
    @action(detail=True, methods=["post"], filter_backends=[])
    def acknowledge(self, request, *args, **kwargs):
        delivery = self.get_object()
        alert_services.deliveries_acknowledge(
            user=request.user, deliveries=Delivery.objects.filter(pk=delivery.pk)
        )
        delivery.refresh_from_db(fields=["acknowledged_at"])
        return Response(AlertSerializer(delivery, context=self.get_serializer_context()).data)

    @extend_schema(
        summary=gettext_lazy("Acknowledge all your alerts"),
        request=None,
        responses={
            200: AcknowledgedCountSerializer,
            401: schema.UNAUTHORIZED,
            429: schema.THROTTLED,
        },
    )
    @action(detail=False, methods=["post"], url_path="acknowledge-all", filter_backends=[])
    def acknowledge_all(self, request, *args, **kwargs):
        count = alert_services.deliveries_acknowledge(user=request.user)
        return Response({"acknowledged": count})


class ApiNotFoundView(APIView):
    """Any other address under /api/: a JSON 404 (for every method), never an HTML page."""

    permission_classes = [AllowAny]
    authentication_classes: list = []
    throttle_classes: list = []
    schema = None  # not an endpoint

    def http_method_not_allowed(self, request, *args, **kwargs):
        raise NotFound()

    def get(self, request, *args, **kwargs):
        raise NotFound()

    options = post = put = patch = delete = head = get
