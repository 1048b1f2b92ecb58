"""Commitments, ``/api/commitments/``: their representations and their viewset. Every write
goes through ``commitments.services``, the same functions as the web pages; the status
history route is :mod:`api.history`'s, the version a write states :mod:`api.versioning`'s."""

import datetime

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Prefetch, prefetch_related_objects
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.renderers import BrowsableAPIRenderer, JSONRenderer
from rest_framework.response import Response

from commitments.fields import COMMITMENT_EDITABLE_FIELDS
from commitments.filters import CommitmentFilterSet
from commitments.models import (
    Ask,
    Body,
    Citation,
    Claim,
    Commitment,
    Deadline,
    Status,
    StatusChange,
    Tag,
)
from commitments.services.lifecycle import commitment_save
from commitments.services.status import NOTE_MAX_LENGTH, StatusChangeInput

from . import schema
from .bodies import BodySummarySerializer
from .deadlines import DeadlineRoutesMixin, DeadlineSerializer, deadline_schema
from .evidence import AskSerializer, ClaimSerializer, EvidenceRoutesMixin, evidence_schema
from .exceptions import field_errors
from .fields import MAX_RELATED_ITEMS, PersonField, limit_items
from .history import StatusChangeSerializer, StatusHistoryMixin, history_schema
from .permissions import can_read_everything, model_permissions
from .renderers import CSVRenderer
from .versioning import IF_MATCH, VersionedWritesMixin, etag, etag_header, precondition_responses
from .viewsets import ApiViewSetMixin

# Representations -----------------------------------------------------------------------------


class CitationSerializer(serializers.ModelSerializer):
    """What one source says about the commitment."""

    source_title = serializers.CharField(source="source.title", read_only=True)

    class Meta:
        model = Citation
        fields = ["source", "source_title", "claim"]
        read_only_fields = fields


class CommitmentSerializer(serializers.ModelSerializer):
    """A commitment as read, as of today (Europe/Paris). ``due_date``, ``is_overdue``,
    ``days_overdue`` and ``lateness`` are its governing deadline's (the open deadline that
    lapses first); every deadline, claim and ask is listed beside them."""

    status_label = serializers.CharField(source="get_status_display", read_only=True)
    category_label = serializers.CharField(source="get_category_display", read_only=True)
    responsible_body = BodySummarySerializer(read_only=True)
    monitoring_body = BodySummarySerializer(read_only=True, allow_null=True)
    owner = PersonField(
        read_only=True,
        allow_null=True,
        help_text=_("Username of the staff member who follows it; null for anonymous callers."),
    )
    tags = serializers.SlugRelatedField(slug_field="slug", many=True, read_only=True)
    citations = CitationSerializer(many=True, read_only=True)
    due_date = serializers.DateField(
        read_only=True,
        allow_null=True,
        help_text=_(
            "The last day of the governing deadline's window (the open deadline that lapses "
            "first): 2022-09-30 for “September 2022”. Null without an open dated deadline."
        ),
    )
    due_date_note = serializers.CharField(
        read_only=True, help_text=_("The governing deadline's reasoning.")
    )
    is_overdue = serializers.SerializerMethodField(
        help_text=_(
            "Open and its governing deadline certainly lapsed: the last day of its window "
            "is strictly before today."
        )
    )
    days_overdue = serializers.SerializerMethodField(
        help_text=_(
            "Days since the last day of the governing deadline's window when overdue, else "
            "null: the least it can be late for an approximate date (see lateness)."
        )
    )
    lateness = serializers.SerializerMethodField(
        help_text=_(
            "How late the governing deadline is, no more precisely than its date is known: "
            "“12 days late”, “more than 4 months late”, “more than 4 years late”; null "
            "unless overdue. In the language of Accept-Language."
        )
    )
    deadlines = serializers.SerializerMethodField(
        help_text=_("Every deadline, the earliest first (at most 50).")
    )
    claims = serializers.SerializerMethodField(
        help_text=_("What each side claims, the latest first (at most 50).")
    )
    state_claimed_status = serializers.ChoiceField(
        choices=Status.choices,
        read_only=True,
        allow_null=True,
        help_text=_("The state's latest claimed status, or null."),
    )
    diverging = serializers.BooleanField(
        read_only=True,
        help_text=_("The state's latest claimed status differs from the coalition's status."),
    )
    asks = serializers.SerializerMethodField(
        help_text=_("Requests and recommendations, the earliest first (at most 50).")
    )
    outstanding_since = serializers.DateField(
        read_only=True,
        allow_null=True,
        help_text=_("For an open commitment, the date of its earliest ask; else null."),
    )
    asks_count = serializers.IntegerField(read_only=True, help_text=_("How many asks."))
    asking_bodies = serializers.IntegerField(
        read_only=True, help_text=_("How many different bodies asked.")
    )
    last_news_on = serializers.DateField(
        read_only=True,
        allow_null=True,
        help_text=_("The latest of its last status change and its last claim."),
    )
    to_check = serializers.SerializerMethodField(
        help_text=_(
            "Open with no news (status change or claim) for NO_NEWS_MONTHS months (12 by default)."
        )
    )
    disputed = serializers.BooleanField(
        source="has_disputed_deadline",
        read_only=True,
        help_text=_("A deadline whose sources disagree on the date it is derived from."),
    )

    class Meta:
        model = Commitment
        fields = [
            "id",
            "key",
            "title",
            "summary",
            "category",
            "category_label",
            "status",
            "status_label",
            "responsible_body",
            "monitoring_body",
            "due_date",
            "due_date_note",
            "is_overdue",
            "days_overdue",
            "lateness",
            "deadlines",
            "claims",
            "state_claimed_status",
            "diverging",
            "asks",
            "outstanding_since",
            "asks_count",
            "asking_bodies",
            "last_news_on",
            "to_check",
            "disputed",
            "owner",
            "tags",
            "citations",
            "is_public",
            "version",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.BOOL)
    def get_is_overdue(self, commitment) -> bool:
        return self.get_days_overdue(commitment) is not None

    @extend_schema_field({"type": "integer", "nullable": True, "minimum": 1})
    def get_days_overdue(self, commitment) -> int | None:
        # From the queryset's with_days_overdue() annotation: no date arithmetic per row.
        return commitment.days_overdue

    @extend_schema_field({"type": "string", "nullable": True})
    def get_lateness(self, commitment) -> str | None:
        return lateness_label(commitment, self.context)

    @extend_schema_field(DeadlineSerializer(many=True))
    def get_deadlines(self, commitment) -> list:
        rows = advocacy_rows(commitment, "deadlines")
        return DeadlineSerializer(rows, many=True, context=self.context).data

    @extend_schema_field(ClaimSerializer(many=True))
    def get_claims(self, commitment) -> list:
        rows = advocacy_rows(commitment, "claims")
        return ClaimSerializer(rows, many=True, context=self.context).data

    @extend_schema_field(AskSerializer(many=True))
    def get_asks(self, commitment) -> list:
        rows = advocacy_rows(commitment, "asks")
        return AskSerializer(rows, many=True, context=self.context).data

    @extend_schema_field(OpenApiTypes.BOOL)
    def get_to_check(self, commitment) -> bool:
        return commitment.is_to_check(self.context.get("as_of"))


def lateness_label(commitment, context) -> str | None:
    lateness = commitment.lateness(context.get("as_of"))
    return None if lateness is None else str(lateness)


class CommitmentCsvSerializer(serializers.ModelSerializer):
    """One flat spreadsheet row per commitment."""

    status_label = serializers.CharField(source="get_status_display", read_only=True)
    category_label = serializers.CharField(source="get_category_display", read_only=True)
    responsible_body = serializers.CharField(source="responsible_body.name", read_only=True)
    monitoring_body = serializers.CharField(
        source="monitoring_body.name", read_only=True, default=None
    )
    owner = PersonField(read_only=True)
    tags = serializers.SlugRelatedField(slug_field="slug", many=True, read_only=True)
    is_overdue = serializers.SerializerMethodField()
    days_overdue = serializers.IntegerField(read_only=True)
    due_date_display = serializers.CharField(
        source="governing_deadline.date_display", read_only=True, default=""
    )
    lateness = serializers.SerializerMethodField()
    precision = serializers.CharField(
        source="governing_deadline.precision", read_only=True, default=""
    )
    basis = serializers.CharField(
        source="governing_deadline.get_basis_display", read_only=True, default=""
    )
    caveat = serializers.CharField(source="governing_deadline.caveat", read_only=True, default="")
    disputed = serializers.BooleanField(source="has_disputed_deadline", read_only=True)
    diverging = serializers.BooleanField(read_only=True)
    state_claimed_status = serializers.CharField(read_only=True, default="")
    outstanding_since = serializers.DateField(read_only=True)
    asks_count = serializers.IntegerField(read_only=True)
    asking_bodies = serializers.IntegerField(read_only=True)
    last_news_on = serializers.DateField(read_only=True)
    to_check = serializers.SerializerMethodField()

    class Meta:
        model = Commitment
        fields = [
            "id",
            "key",
            "title",
            "category",
            "category_label",
            "status",
            "status_label",
            "responsible_body",
            "monitoring_body",
            "due_date",
            "due_date_display",
            "is_overdue",
            "days_overdue",
            "lateness",
            "precision",
            "basis",
            "caveat",
            "disputed",
            "diverging",
            "state_claimed_status",
            "outstanding_since",
            "asks_count",
            "asking_bodies",
            "last_news_on",
            "to_check",
            "owner",
            "tags",
            "is_public",
            "version",
            "updated_at",
        ]
        read_only_fields = fields

    def get_is_overdue(self, commitment) -> bool:
        return commitment.days_overdue is not None

    def get_lateness(self, commitment) -> str | None:
        return lateness_label(commitment, self.context)

    def get_to_check(self, commitment) -> bool:
        return commitment.is_to_check(self.context.get("as_of"))


class CommitmentWriteSerializer(serializers.ModelSerializer):
    """The descriptive fields an editor may change (never the status: see the history)."""

    responsible_body = serializers.PrimaryKeyRelatedField(queryset=Body.objects.all())
    monitoring_body = serializers.PrimaryKeyRelatedField(
        queryset=Body.objects.all(), allow_null=True, required=False
    )
    owner = serializers.SlugRelatedField(
        slug_field="username",
        queryset=get_user_model().objects.filter(is_active=True),
        allow_null=True,
        required=False,
        help_text=_("Username of the staff member who follows it."),
    )
    tags = serializers.SlugRelatedField(
        slug_field="slug", queryset=Tag.objects.all(), many=True, required=False
    )
    version = serializers.IntegerField(
        min_value=1,
        required=False,
        write_only=True,
        help_text=_("The version you read. Required unless an If-Match header carries the ETag."),
    )

    class Meta:
        model = Commitment
        fields = [*COMMITMENT_EDITABLE_FIELDS, "version"]

    def validate_tags(self, tags):
        return limit_items(tags)


class CommitmentCreateSerializer(CommitmentWriteSerializer):
    """A new commitment and the first entry of its history, which sets its status."""

    status = serializers.ChoiceField(
        choices=Status.choices,
        default=Status.NOT_STARTED,
        help_text=_("Initial status, recorded as the first history entry."),
    )
    effective_date = serializers.DateField(
        required=False,
        help_text=_("When the initial status took effect; today if omitted. Not in the future."),
    )
    note = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=NOTE_MAX_LENGTH,
        help_text=_("Why the commitment has this status, with a reference."),
    )

    class Meta(CommitmentWriteSerializer.Meta):
        fields = [f for f in CommitmentWriteSerializer.Meta.fields if f != "version"] + [
            "status",
            "effective_date",
            "note",
        ]

    def validate(self, attrs):
        attrs.setdefault("effective_date", timezone.localdate())
        return attrs


class StaleVersionSerializer(serializers.Serializer):
    """Body of 409/412: the write was refused because the commitment changed meanwhile."""

    detail = serializers.CharField()
    code = serializers.CharField()
    current = CommitmentSerializer(help_text=_("The commitment as it is now."))
    latest_change = StatusChangeSerializer(
        allow_null=True, help_text=_("Its latest status change, if any.")
    )


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


def advocacy_prefetches() -> list[Prefetch]:
    """Deadlines (with their event, sources and, for successors, the predecessor's claimed
    periods), claims and asks, with their bodies and sources: one query each for a whole
    page, at most ``MAX_RELATED_ITEMS`` (50) of each per commitment, in ``<relation>_shown``."""
    period_claims = Claim.objects.periods().select_related("source", "body")
    deadlines = (
        Deadline.objects.select_related("event", "predecessor")
        .prefetch_related(
            "sources",
            Prefetch("predecessor__claims", queryset=period_claims, to_attr="period_claims"),
        )
        .order_by("window_end", "pk")
    )
    claims = Claim.objects.select_related("body", "source").latest_first()
    asks = Ask.objects.select_related("body", "source").order_by("made_on", "pk")
    return [
        Prefetch(relation, queryset=queryset[:MAX_RELATED_ITEMS], to_attr=f"{relation}_shown")
        for relation, queryset in (("deadlines", deadlines), ("claims", claims), ("asks", asks))
    ]


def advocacy_rows(commitment, relation: str) -> list:
    """The deadlines, claims or asks a representation shows, loaded with the others if the
    queryset did not prefetch them (a single commitment after a write)."""
    if not hasattr(commitment, f"{relation}_shown"):
        prefetch_related_objects([commitment], *advocacy_prefetches())
    return getattr(commitment, f"{relation}_shown")


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
