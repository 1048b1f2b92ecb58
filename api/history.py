"""A commitment's status history, ``/api/commitments/{id}/history/``: the list (GET) and a new
entry (POST), a route of the commitments viewset through :class:`StatusHistoryMixin`."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from commitments.models import Source, Status, StatusChange
from commitments.services.status import NOTE_MAX_LENGTH, status_change_record

from . import schema
from .exceptions import field_errors
from .fields import BlankAsNullStatusField, PersonField, limit_items
from .versioning import IF_MATCH, etag, etag_header, precondition_responses


class StatusChangeSerializer(serializers.ModelSerializer):
    """One entry of a commitment's status history."""

    author = PersonField(
        read_only=True,
        allow_null=True,
        help_text=_("Username of who recorded it; null for seed data and anonymous callers."),
    )
    previous_status = BlankAsNullStatusField(
        help_text=_("The status before this change; null for a commitment's first entry.")
    )
    sources = serializers.PrimaryKeyRelatedField(many=True, read_only=True)

    class Meta:
        model = StatusChange
        fields = [
            "id",
            "commitment",
            "previous_status",
            "new_status",
            "effective_date",
            "note",
            "author",
            "origin",
            "sources",
            "created_at",
        ]
        read_only_fields = fields


class StatusChangeCreatedSerializer(StatusChangeSerializer):
    commitment_version = serializers.IntegerField(
        read_only=True, help_text=_("The commitment's version after this change.")
    )

    class Meta(StatusChangeSerializer.Meta):
        fields = [*StatusChangeSerializer.Meta.fields, "commitment_version"]
        read_only_fields = fields


class StatusChangeCreateSerializer(serializers.Serializer):
    """A status change to record, through the same domain function as the web pages."""

    new_status = serializers.ChoiceField(choices=Status.choices)
    effective_date = serializers.DateField(
        help_text=_("When the change happened, e.g. 2022-07-29. Not in the future.")
    )
    note = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=NOTE_MAX_LENGTH
    )
    sources = serializers.PrimaryKeyRelatedField(
        queryset=Source.objects.all(),
        many=True,
        required=False,
        default=list,
        help_text=_(
            "Ids of the sources backing the change: at least one (a document or an exchange, "
            "created first through /api/sources/ if new); without one, 400 with an error on "
            "`sources`."
        ),
    )
    version = serializers.IntegerField(
        min_value=1,
        required=False,
        help_text=_(
            "The commitment version you read. Required unless an If-Match header carries the ETag."
        ),
    )

    def validate_sources(self, sources):
        return limit_items(sources)


def history_schema(stale_version_serializer) -> list:
    """The documentation of the ``history`` route, for ``extend_schema_view(history=...)``
    on the commitments viewset, whose stale-version answer it shares."""
    return [
        extend_schema(
            methods=["GET"],
            summary=_("A commitment's status history"),
            description=_("Oldest first, in the order the changes took effect."),
            parameters=[schema.ID_PARAMETER],
            responses={
                200: StatusChangeSerializer(many=True),
                404: schema.NOT_FOUND,
                **schema.READ_ERRORS,
            },
        ),
        extend_schema(
            methods=["POST"],
            summary=_("Record a status change (editors)"),
            description=_(
                "Writes the history entry and the new status together and bumps the version. "
                "Send the version you read (field `version` or header `If-Match`). Every change "
                "cites at least one source."
            ),
            parameters=[schema.ID_PARAMETER, IF_MATCH, etag_header(201, 409, 412)],
            request=StatusChangeCreateSerializer,
            responses={
                201: StatusChangeCreatedSerializer,
                **schema.WRITE_ERRORS,
                404: schema.NOT_FOUND,
                **precondition_responses(stale_version_serializer),
            },
        ),
    ]


class StatusHistoryMixin:
    """The ``history`` route of the commitments viewset (documented by
    :func:`history_schema`). Needs :class:`api.versioning.VersionedWritesMixin`: a new entry
    states the commitment version it was written against."""

    @action(detail=True, methods=["get", "post"], filter_backends=[], url_path="history")
    def history(self, request, *args, **kwargs):
        commitment = self.get_object()
        if request.method == "POST":
            return self._record_status_change(request, commitment)
        entries = (
            commitment.status_changes.select_related("author")
            .prefetch_related("sources")
            .chronological()
        )
        page = self.paginate_queryset(entries)
        serializer = StatusChangeSerializer(page, many=True, context=self.get_serializer_context())
        return self.get_paginated_response(serializer.data)

    def _record_status_change(self, request, commitment):
        expected_version = self.read_version(request, commitment)
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
                expected_version=expected_version,
                origin=StatusChange.Origin.API,
                today=self.get_as_of(),
            )
        except ValidationError as error:
            raise field_errors(error) from error
        entry.commitment_version = commitment.version
        body = StatusChangeCreatedSerializer(entry, context=self.get_serializer_context()).data
        return Response(body, status=status.HTTP_201_CREATED, headers={"ETag": etag(commitment)})
