"""API representations. Every field is listed explicitly; nothing is exposed by default.

People's names (a commitment's staff owner, a status change's author) are shown only to
callers who may read everything (``can_read_everything``): anonymous callers get ``null``.
"""

from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from alerts.models import AlertKind, CloseReason, Delivery
from commitments.models import Body, Citation, Commitment, Source, Status, StatusChange, Tag
from commitments.services.status import NOTE_MAX_LENGTH

MAX_RELATED_ITEMS = 50


class PersonField(serializers.SlugRelatedField):
    """A staff member by username; ``null`` for callers who may not see people's names."""

    def __init__(self, **kwargs):
        kwargs.setdefault("slug_field", "username")
        super().__init__(**kwargs)

    def to_representation(self, value):
        if not self.context.get("show_people", False):
            return None
        return super().to_representation(value)

    def use_pk_only_optimization(self):
        return False


@extend_schema_field(
    {
        "oneOf": [
            {"type": "string", "format": "uri", "maxLength": 500},
            {"type": "string", "maxLength": 0},
        ],
        "description": "e.g. https://www.diplomatie.gouv.fr/…; empty when unknown.",
    }
)
class OptionalURLField(serializers.URLField):
    """A URL, or the empty string when there is none."""


class BlankAsNullStatusField(serializers.ChoiceField):
    """A status, or ``null`` where the model stores "" (the first history entry)."""

    def __init__(self, **kwargs):
        super().__init__(choices=Status.choices, allow_null=True, read_only=True, **kwargs)

    def to_representation(self, value):
        return super().to_representation(value) if value else None


class BodySerializer(serializers.ModelSerializer):
    class Meta:
        model = Body
        fields = ["id", "key", "name", "acronym", "kind", "level", "country", "description"]


class BodySummarySerializer(serializers.ModelSerializer):
    """A body as shown inside a commitment."""

    class Meta:
        model = Body
        fields = ["id", "key", "name", "acronym"]
        read_only_fields = fields


class SourceSerializer(serializers.ModelSerializer):
    url = OptionalURLField(max_length=500, allow_blank=True, required=False)

    class Meta:
        model = Source
        fields = [
            "id",
            "key",
            "title",
            "publisher",
            "publication_date",
            "date_precision",
            "url",
            "language",
            "document",
            "note",
            "created_at",
        ]
        read_only_fields = ["created_at"]


class CitationSerializer(serializers.ModelSerializer):
    """What one source says about the commitment."""

    source_title = serializers.CharField(source="source.title", read_only=True)

    class Meta:
        model = Citation
        fields = ["source", "source_title", "claim"]
        read_only_fields = fields


class CommitmentSerializer(serializers.ModelSerializer):
    """A commitment as read. ``is_overdue``/``days_overdue`` are derived as of today
    (Europe/Paris): overdue means open and due strictly before today."""

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
    is_overdue = serializers.SerializerMethodField(
        help_text=_("Open and due strictly before today.")
    )
    days_overdue = serializers.SerializerMethodField(
        help_text=_("Days since the due date when overdue, else null.")
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
            "is_overdue",
            "days_overdue",
            "owner",
            "tags",
            "is_public",
            "version",
            "updated_at",
        ]
        read_only_fields = fields

    def get_is_overdue(self, commitment) -> bool:
        return commitment.days_overdue is not None


def _limit_items(items):
    if len(items) > MAX_RELATED_ITEMS:
        raise serializers.ValidationError(
            _("At most %(max)d items.") % {"max": MAX_RELATED_ITEMS}, code="max_items"
        )
    return items


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
        fields = [
            "key",
            "title",
            "summary",
            "category",
            "responsible_body",
            "monitoring_body",
            "due_date",
            "due_date_note",
            "owner",
            "tags",
            "is_public",
            "version",
        ]

    def validate_tags(self, tags):
        return _limit_items(tags)


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
        queryset=Source.objects.all(), many=True, required=False, default=list
    )
    version = serializers.IntegerField(
        min_value=1,
        required=False,
        help_text=_(
            "The commitment version you read. Required unless an If-Match header carries the ETag."
        ),
    )

    def validate_sources(self, sources):
        return _limit_items(sources)


class StaleVersionSerializer(serializers.Serializer):
    """Body of 409/412: the write was refused because the commitment changed meanwhile."""

    detail = serializers.CharField()
    code = serializers.CharField()
    current = CommitmentSerializer(help_text=_("The commitment as it is now."))
    latest_change = StatusChangeSerializer(
        allow_null=True, help_text=_("Its latest status change, if any.")
    )


class ErrorSerializer(serializers.Serializer):
    detail = serializers.CharField()


class CodedErrorSerializer(ErrorSerializer):
    code = serializers.CharField()


class CommitmentSummarySerializer(serializers.ModelSerializer):
    class Meta:
        model = Commitment
        fields = ["id", "key", "title"]
        read_only_fields = fields


class AlertSerializer(serializers.ModelSerializer):
    """One alert as delivered to the caller (the ``id`` is that of the delivery)."""

    kind = serializers.ChoiceField(source="alert.kind", choices=AlertKind.choices, read_only=True)
    kind_label = serializers.CharField(source="alert.get_kind_display", read_only=True)
    commitment = CommitmentSummarySerializer(source="alert.commitment", read_only=True)
    due_date = serializers.DateField(source="alert.due_date", read_only=True, allow_null=True)
    lead_days = serializers.IntegerField(source="alert.lead_days", read_only=True)
    status_change = serializers.IntegerField(
        source="alert.status_change_id", read_only=True, allow_null=True
    )
    new_status = serializers.ChoiceField(
        source="alert.status_change.new_status",
        choices=Status.choices,
        read_only=True,
        allow_null=True,
        default=None,
        help_text=_("For a status-change alert: the new status; else null."),
    )
    raised_at = serializers.DateTimeField(source="alert.created_at", read_only=True)
    closed_at = serializers.DateTimeField(source="alert.closed_at", read_only=True)
    closed_reason = serializers.ChoiceField(
        source="alert.closed_reason",
        choices=CloseReason.choices,
        allow_blank=True,
        read_only=True,
        help_text=_("Why it no longer applies; empty while open."),
    )
    is_acknowledged = serializers.BooleanField(read_only=True)

    class Meta:
        model = Delivery
        fields = [
            "id",
            "kind",
            "kind_label",
            "commitment",
            "due_date",
            "lead_days",
            "status_change",
            "new_status",
            "raised_at",
            "closed_at",
            "closed_reason",
            "notified_at",
            "acknowledged_at",
            "is_acknowledged",
        ]
        read_only_fields = fields


class AcknowledgedCountSerializer(serializers.Serializer):
    acknowledged = serializers.IntegerField(help_text=_("How many alerts were marked as seen."))
