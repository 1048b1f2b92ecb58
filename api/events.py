"""Events, ``/api/events/``: the dated things deadlines hang on (a treaty-body session, a review
cycle, a country visit). Read by everyone; created and changed by editors through
``event_save``, which moves every deadline derived from the event (and from the events that
follow it). A change states the event's version, as a commitment's write does."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.response import Response

from commitments.models import Body, Event, Source
from commitments.services.deadlines import event_save

from . import schema
from .exceptions import field_errors
from .fields import BoundedDateField, limit_items
from .versioning import (
    IF_MATCH,
    PreconditionRequired,
    StatedVersion,
    etag,
    etag_header,
    stated_version,
)
from .viewsets import ApiViewSetMixin

MAX_OFFSET_DAYS = 36600


class EventSerializer(serializers.ModelSerializer):
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    date_display = serializers.CharField(
        read_only=True,
        help_text=gettext_lazy("The date as precisely as it is known, e.g. “septembre 2022”."),
    )
    sources = serializers.PrimaryKeyRelatedField(many=True, read_only=True)

    class Meta:
        model = Event
        fields = [
            "id",
            "key",
            "name",
            "kind",
            "kind_label",
            "body",
            "date",
            "date_precision",
            "date_display",
            "follows",
            "offset_days",
            "note",
            "sources",
            "version",
        ]
        read_only_fields = fields


class EventWriteSerializer(serializers.ModelSerializer):
    """An event to create or change, through ``event_save``: an event with neither a date
    nor an event it follows, or one that would follow itself (directly or through others),
    is a 400 on the field."""

    body = serializers.PrimaryKeyRelatedField(
        queryset=Body.objects.all(), allow_null=True, required=False
    )
    date = BoundedDateField(
        required=False,
        allow_null=True,
        help_text=gettext_lazy(
            "e.g. 2022-09-01 with the precision “month” for September 2022. Derived (what you "
            "send is ignored) when the event follows another."
        ),
    )
    follows = serializers.PrimaryKeyRelatedField(
        queryset=Event.objects.all(),
        allow_null=True,
        required=False,
        help_text=gettext_lazy("The id of the event this one is dated from."),
    )
    offset_days = serializers.IntegerField(
        required=False,
        min_value=-MAX_OFFSET_DAYS,
        max_value=MAX_OFFSET_DAYS,
        help_text=gettext_lazy("Days after the event it follows, e.g. -90."),
    )
    sources = serializers.PrimaryKeyRelatedField(
        queryset=Source.objects.all(), many=True, required=False
    )
    version = serializers.IntegerField(
        min_value=1,
        required=False,
        write_only=True,
        help_text=gettext_lazy(
            "The event version you read, to change one. Required unless an If-Match header "
            "carries its ETag."
        ),
    )

    class Meta:
        model = Event
        fields = [
            "key",
            "name",
            "kind",
            "body",
            "date",
            "date_precision",
            "follows",
            "offset_days",
            "note",
            "sources",
            "version",
        ]
        # event_save checks the key's uniqueness with the rest, in one answer.
        extra_kwargs = {"key": {"validators": []}}

    def validate_sources(self, sources):
        return limit_items(sources)


class StaleEventSerializer(serializers.Serializer):
    """Body of 409/412: the event changed since it was read; nothing was saved."""

    detail = serializers.CharField()
    code = serializers.CharField()
    current = EventSerializer(help_text=gettext_lazy("The event as it is now."))


EVENT_PRECONDITIONS = {
    409: OpenApiResponse(
        StaleEventSerializer,
        description=gettext_lazy(
            "The version field is stale: the event changed since you read it."
        ),
    ),
    412: OpenApiResponse(
        StaleEventSerializer,
        description=gettext_lazy("The If-Match header does not match the event's current ETag."),
    ),
    428: OpenApiResponse(
        schema.CodedErrorSerializer,
        description=gettext_lazy("Neither a version field nor an If-Match header was sent."),
    ),
}
UPDATE_DOCS = {
    "description": gettext_lazy(
        "Send the event version you read (field `version` or header `If-Match`). The "
        "deadlines derived from it, and from the events that follow it, move with it; their "
        "commitments' versions are bumped."
    ),
    "parameters": [schema.ID_PARAMETER, IF_MATCH, etag_header(200, 409, 412)],
    "request": EventWriteSerializer,
    "responses": {
        200: EventSerializer,
        **schema.WRITE_ERRORS,
        404: schema.NOT_FOUND,
        **EVENT_PRECONDITIONS,
    },
}


@extend_schema_view(
    list=extend_schema(
        summary=gettext_lazy("List events"),
        description=gettext_lazy(
            "Events are public data: anonymous callers read them too. Earliest first."
        ),
        responses={
            200: EventSerializer(many=True),
            400: schema.BAD_REQUEST,
            404: schema.NOT_FOUND,
            **schema.READ_ERRORS,
        },
    ),
    retrieve=extend_schema(
        summary=gettext_lazy("Read an event"),
        parameters=[schema.ID_PARAMETER, etag_header(200)],
        responses={200: EventSerializer, 404: schema.NOT_FOUND, **schema.READ_ERRORS},
    ),
    create=extend_schema(
        summary=gettext_lazy("Create an event (editors)"),
        parameters=[etag_header(201)],
        request=EventWriteSerializer,
        responses={201: EventSerializer, **schema.WRITE_ERRORS},
    ),
    update=extend_schema(summary=gettext_lazy("Replace an event (editors)"), **UPDATE_DOCS),
    partial_update=extend_schema(summary=gettext_lazy("Change an event (editors)"), **UPDATE_DOCS),
)
class EventViewSet(
    ApiViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Events. Read: everyone. Create and change: whoever may change commitments (editors),
    since moving an event moves commitments' deadlines. Never deleted here."""

    queryset = Event.objects.prefetch_related("sources").order_by("date", "name", "pk")
    serializer_class = EventSerializer
    filterset_fields = ["kind"]

    def get_required_permissions(self, method: str) -> list[str]:
        return [] if method in ("GET", "HEAD", "OPTIONS") else ["commitments.change_commitment"]

    def retrieve(self, request, *args, **kwargs):
        return self._event_response(self.get_object())

    def create(self, request, *args, **kwargs):
        serializer = EventWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        event = self._event_save(request, serializer, None, None)
        response = self._event_response(event, status.HTTP_201_CREATED)
        response["Location"] = request.build_absolute_uri(f"{request.path.rstrip('/')}/{event.pk}/")
        return response

    def update(self, request, *args, partial=False, **kwargs):
        event = self.get_object()
        try:
            stated = stated_version(request, event)
        except PreconditionRequired as error:
            raise PreconditionRequired(
                _(
                    "Send the version of the event you read, in the “version” field or an "
                    "If-Match header (its ETag), so that nobody's change is silently overwritten."
                )
            ) from error
        serializer = EventWriteSerializer(event, data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        saved = self._event_save(request, serializer, event, stated.number)
        if saved is None:
            return self._stale_response(event, stated)
        return self._event_response(saved)

    def _event_save(self, request, serializer, event, expected_version) -> Event | None:
        """The saved event, or None when its version was stale (nothing was written)."""
        data = dict(serializer.validated_data)
        data.pop("version", None)
        sources = data.pop("sources", None)
        try:
            return event_save(
                data=data,
                event=event,
                expected_version=expected_version,
                sources=sources,
                author=request.user,
            )
        except ValidationError as error:
            if getattr(error, "code", None) == "stale":
                return None
            raise field_errors(error) from error

    def _stale_response(self, event, stated: StatedVersion) -> Response:
        current = self.get_queryset().get(pk=event.pk)
        body = StaleEventSerializer(
            {
                "detail": _(
                    "This event was changed by someone else since you read it (you sent version "
                    "%(sent)s, it is now at version %(current)s). Nothing was saved: reload it, "
                    "re-apply your change and send the new version."
                )
                % {"sent": stated.number, "current": current.version},
                "code": "stale_version",
                "current": current,
            }
        ).data
        code = (
            status.HTTP_412_PRECONDITION_FAILED if stated.via_header else status.HTTP_409_CONFLICT
        )
        return Response(body, status=code, headers={"ETag": etag(current)})

    def _event_response(self, event, code=status.HTTP_200_OK) -> Response:
        event = self.get_queryset().get(pk=event.pk)
        body = EventSerializer(event, context=self.get_serializer_context()).data
        return Response(body, status=code, headers={"ETag": etag(event)})
