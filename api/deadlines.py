"""A commitment's deadlines as the API shows them, and their writes: ``POST
/api/commitments/{id}/deadlines/``, ``PATCH`` and ``DELETE``
``/api/commitments/{id}/deadlines/{deadline_pk}/``, routes of the commitments viewset through
:class:`DeadlineRoutesMixin`.

Nothing is derived here: windows, readings, the reading counted and the governing deadline are
``commitments.services.deadlines``'s, lateness is ``Deadline.lateness``'s (never more precise
than the date is known)."""

import datetime

from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from commitments.models import Claim, Commitment, Deadline, Event, Source
from commitments.services.deadlines import (
    deadline_delete,
    deadline_save,
    reading_counted,
    readings,
)

from . import schema
from .bodies import BodySummarySerializer
from .exceptions import field_errors
from .fields import BoundedDateField, ChoiceLabelField, limit_items
from .sources import SourceSummarySerializer
from .versioning import IF_MATCH, etag, etag_header, precondition_responses

# An offset of more than a century is a typo, and would overflow the calendar.
MAX_OFFSET_DAYS = 36600


def as_of(context) -> datetime.date:
    """The day the representation is computed for (the view's, else today in Europe/Paris)."""
    return context.get("as_of") or timezone.localdate()


# Representations -----------------------------------------------------------------------------


class EventSummarySerializer(serializers.ModelSerializer):
    """The event a deadline is derived from."""

    precision = serializers.CharField(source="date_precision", read_only=True)
    date_display = serializers.CharField(
        read_only=True, help_text=_("The date as precisely as it is known, e.g. “septembre 2022”.")
    )

    class Meta:
        model = Event
        fields = ["id", "key", "name", "date", "precision", "date_display"]
        read_only_fields = fields


class ReadingSerializer(serializers.ModelSerializer):
    """One source's claim of the end of the commitment a successor deadline follows."""

    claim = serializers.IntegerField(source="pk", read_only=True)
    body = BodySummarySerializer(read_only=True, allow_null=True)
    source = SourceSummarySerializer(read_only=True)
    end = serializers.DateField(source="period_end", read_only=True, allow_null=True)
    precision = serializers.CharField(source="period_precision", read_only=True)
    end_window_start = serializers.SerializerMethodField(
        help_text=_("First day the claimed end may be.")
    )
    end_window_end = serializers.SerializerMethodField(
        help_text=_("Last day the claimed end may be.")
    )
    period_display = serializers.CharField(read_only=True)
    counted = serializers.SerializerMethodField(
        help_text=_(
            "Whether Vigie counts the deadline from this reading: the one staff chose, "
            "else the earliest."
        )
    )

    class Meta:
        model = Claim
        fields = [
            "claim",
            "side",
            "body",
            "text",
            "end",
            "precision",
            "end_window_start",
            "end_window_end",
            "period_display",
            "made_on",
            "source",
            "counted",
        ]
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.DATE)
    def get_end_window_start(self, claim) -> datetime.date:
        return claim.period_end_window[0]

    @extend_schema_field(OpenApiTypes.DATE)
    def get_end_window_end(self, claim) -> datetime.date:
        return claim.period_end_window[1]

    def get_counted(self, claim) -> bool:
        return claim.pk == self.context.get("counted_reading")


class DeadlineSerializer(serializers.ModelSerializer):
    """One deadline of a commitment, as precisely as it is known, with its basis."""

    bound_label = ChoiceLabelField(Deadline, "bound")
    basis_label = ChoiceLabelField(Deadline, "basis")
    date_display = serializers.CharField(
        read_only=True,
        help_text=_(
            "The date as precisely as it is known: “18 octobre 2022”, “mars 2022”, “2021”."
        ),
    )
    window_start = serializers.DateField(
        read_only=True, allow_null=True, help_text=_("First day the deadline may fall on.")
    )
    window_end = serializers.DateField(
        read_only=True,
        allow_null=True,
        help_text=_("Last day it may fall on: it has certainly lapsed the day after."),
    )
    lateness = serializers.SerializerMethodField(
        help_text=_(
            "How late it is today, no more precisely than its date is known (“12 days late”, "
            "“more than 4 months late”); null unless open and certainly lapsed."
        )
    )
    days_left = serializers.SerializerMethodField(
        help_text=_("Days to the last day of its window (0 on the day) when open, else null.")
    )
    caveat = serializers.CharField(
        read_only=True,
        help_text=_(
            "What to know before quoting the date, e.g. “date deduced by the coalition, not "
            "official; approximate date”; empty for an official exact date."
        ),
    )
    disputed = serializers.BooleanField(
        read_only=True, help_text=_("The sources disagree on the date it is derived from.")
    )
    event = EventSummarySerializer(read_only=True, allow_null=True)
    readings = serializers.SerializerMethodField(
        help_text=_(
            "For a successor deadline: every source's claim of the predecessor's end, earliest "
            "first, and which one is counted. Empty otherwise."
        )
    )
    sources = SourceSummarySerializer(many=True, read_only=True)

    class Meta:
        model = Deadline
        fields = [
            "id",
            "kind",
            "label",
            "bound",
            "bound_label",
            "basis",
            "basis_label",
            "date",
            "precision",
            "date_display",
            "window_start",
            "window_end",
            "lateness",
            "days_left",
            "caveat",
            "disputed",
            "reasoning",
            "event",
            "offset_days",
            "predecessor",
            "counted_reading",
            "readings",
            "met_on",
            "sources",
        ]
        read_only_fields = fields

    @extend_schema_field({"type": "string", "nullable": True})
    def get_lateness(self, deadline) -> str | None:
        lateness = deadline.lateness(as_of(self.context))
        return None if lateness is None else str(lateness)

    @extend_schema_field({"type": "integer", "nullable": True, "minimum": 0})
    def get_days_left(self, deadline) -> int | None:
        return deadline.days_left(as_of(self.context))

    @extend_schema_field(ReadingSerializer(many=True))
    def get_readings(self, deadline) -> list:
        if deadline.basis != Deadline.Basis.SUCCESSOR or not self._may_read(deadline.predecessor):
            return []
        # Prefetched by the list (``period_claims``); queried for a single deadline.
        prefetched = getattr(deadline.predecessor, "period_claims", None)
        found = readings(deadline, prefetched)
        counted = reading_counted(deadline, found)
        context = {**self.context, "counted_reading": counted.pk if counted else None}
        return ReadingSerializer(found, many=True, context=context).data

    def to_representation(self, deadline):
        data = super().to_representation(deadline)
        if deadline.predecessor_id and not self._may_read(deadline.predecessor):
            data["predecessor"] = data["counted_reading"] = None
        return data

    def _may_read(self, commitment) -> bool:
        """A caller who reads public commitments only sees nothing of a private predecessor
        (its id, its claims): the deadline's date and caveat still say it is disputed."""
        return commitment is None or commitment.is_public or self.context.get("read_all", False)


class DeadlineWrittenSerializer(DeadlineSerializer):
    commitment_version = serializers.IntegerField(
        read_only=True, help_text=_("The commitment's version after this change.")
    )

    class Meta(DeadlineSerializer.Meta):
        fields = [*DeadlineSerializer.Meta.fields, "commitment_version"]
        read_only_fields = fields


class DeadlineWriteSerializer(serializers.ModelSerializer):
    """A deadline to create or change, through ``deadline_save``: its checks (a dated basis
    without a date, a successor of itself or in a loop…) answer 400 on the field."""

    date = BoundedDateField(
        required=False,
        allow_null=True,
        help_text=_(
            "e.g. 2022-03-01 with the precision “month” for “March 2022”. Required for the "
            "bases “text” and “expected”; derived (what you send is ignored) for “event” "
            "and “successor”."
        ),
    )
    offset_days = serializers.IntegerField(
        required=False,
        min_value=-MAX_OFFSET_DAYS,
        max_value=MAX_OFFSET_DAYS,
        help_text=_(
            "Days after the event, e.g. -1 for the day before. Only for the basis “event”."
        ),
    )
    event = serializers.PrimaryKeyRelatedField(
        queryset=Event.objects.all(),
        allow_null=True,
        required=False,
        help_text=_("For the basis “event”: the event's id (see /api/events/)."),
    )
    predecessor = serializers.PrimaryKeyRelatedField(
        queryset=Commitment.objects.all(),
        allow_null=True,
        required=False,
        help_text=_("For the basis “successor”: the id of the commitment whose end sets it."),
    )
    counted_reading = serializers.PrimaryKeyRelatedField(
        queryset=Claim.objects.all(),
        allow_null=True,
        required=False,
        help_text=_(
            "For a successor: the id of the predecessor's period claim to count from; the "
            "earliest when null."
        ),
    )
    met_on = BoundedDateField(
        required=False,
        allow_null=True,
        help_text=_("When what was due was done. Not in the future."),
    )
    sources = serializers.PrimaryKeyRelatedField(
        queryset=Source.objects.all(), many=True, required=False
    )
    version = serializers.IntegerField(
        min_value=1,
        required=False,
        write_only=True,
        help_text=_(
            "The commitment version you read. Required unless an If-Match header carries the ETag."
        ),
    )

    class Meta:
        model = Deadline
        fields = [
            "kind",
            "label",
            "bound",
            "basis",
            "date",
            "precision",
            "event",
            "offset_days",
            "predecessor",
            "counted_reading",
            "reasoning",
            "met_on",
            "sources",
            "version",
        ]

    def validate_sources(self, sources):
        return limit_items(sources)


# Routes ------------------------------------------------------------------------------------

DEADLINE_ID = OpenApiParameter(
    "deadline_pk", OpenApiTypes.INT, OpenApiParameter.PATH, description=_("Deadline id.")
)


def deadline_schema(stale_version_serializer) -> dict:
    """The documentation of the ``deadlines`` and ``deadline_detail`` routes, for
    ``extend_schema_view(**deadline_schema(...))`` on the commitments viewset."""
    errors = {
        **schema.WRITE_ERRORS,
        404: schema.NOT_FOUND,
        **precondition_responses(stale_version_serializer),
    }
    version_note = _(
        "Send the commitment version you read (field `version` or header `If-Match`); the "
        "commitment's version is bumped and its governing deadline (`due_date`) re-derived."
    )
    return {
        "deadlines": extend_schema(
            summary=_("Add a deadline to a commitment (editors)"),
            description=version_note,
            parameters=[schema.ID_PARAMETER, IF_MATCH, etag_header(201, 409, 412)],
            request=DeadlineWriteSerializer,
            responses={201: DeadlineWrittenSerializer, **errors},
        ),
        "deadline_detail": [
            extend_schema(
                methods=["PATCH"],
                summary=_("Change a deadline (editors)"),
                description=version_note,
                parameters=[schema.ID_PARAMETER, DEADLINE_ID, IF_MATCH, etag_header(200, 409, 412)],
                request=DeadlineWriteSerializer,
                responses={200: DeadlineWrittenSerializer, **errors},
            ),
            extend_schema(
                methods=["DELETE"],
                summary=_("Remove a deadline (editors)"),
                description=version_note,
                parameters=[schema.ID_PARAMETER, DEADLINE_ID, IF_MATCH, etag_header(204, 409, 412)],
                request=None,
                responses={204: None, **errors},
            ),
        ],
    }


class DeadlineRoutesMixin:
    """The deadline routes of the commitments viewset (documented by :func:`deadline_schema`).
    Needs :class:`api.versioning.VersionedWritesMixin`."""

    @action(detail=True, methods=["post"], filter_backends=[], url_path="deadlines")
    def deadlines(self, request, *args, **kwargs):
        commitment = self.get_object()
        expected_version = self.read_version(request, commitment)
        serializer = DeadlineWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        deadline = self._deadline_save(request, commitment, None, serializer, expected_version)
        return self._deadline_response(commitment, deadline, status.HTTP_201_CREATED)

    @action(
        detail=True,
        methods=["patch", "delete"],
        filter_backends=[],
        url_path=r"deadlines/(?P<deadline_pk>[0-9]+)",
    )
    def deadline_detail(self, request, *args, deadline_pk=None, **kwargs):
        commitment = self.get_object()
        deadline = get_object_or_404(commitment.deadlines.all(), pk=deadline_pk)
        expected_version = self.read_version(request, commitment)
        if request.method == "DELETE":
            deadline_delete(
                deadline=deadline, expected_version=expected_version, author=request.user
            )
            return Response(status=status.HTTP_204_NO_CONTENT, headers={"ETag": etag(commitment)})
        serializer = DeadlineWriteSerializer(deadline, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        deadline = self._deadline_save(request, commitment, deadline, serializer, expected_version)
        return self._deadline_response(commitment, deadline, status.HTTP_200_OK)

    def _deadline_save(self, request, commitment, deadline, serializer, expected_version):
        data = dict(serializer.validated_data)
        data.pop("version", None)
        sources = data.pop("sources", None)
        try:
            return deadline_save(
                commitment=commitment,
                data=data,
                expected_version=expected_version,
                deadline=deadline,
                sources=sources,
                author=request.user,
                today=self.get_as_of(),
            )
        except ValidationError as error:
            raise field_errors(error) from error

    def _deadline_response(self, commitment, deadline, code) -> Response:
        deadline.commitment = commitment  # its status says whether the deadline is open
        deadline.commitment_version = commitment.version
        body = DeadlineWrittenSerializer(deadline, context=self.get_serializer_context()).data
        return Response(body, status=code, headers={"ETag": etag(commitment)})
