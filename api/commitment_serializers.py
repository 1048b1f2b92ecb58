"""Commitments' representations in the API: read (JSON and CSV), write and create, the stale
answer, and what a representation loads with a commitment (its deadlines, claims and asks)."""


from django.contrib.auth import get_user_model
from django.db.models import Prefetch, prefetch_related_objects
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    extend_schema_field,
)
from rest_framework import serializers

from commitments.fields import COMMITMENT_EDITABLE_FIELDS
from commitments.models import (
    Ask,
    Body,
    Citation,
    Claim,
    Commitment,
    Deadline,
    Status,
    Tag,
)
from commitments.search import attach_matches
from commitments.services.status import NOTE_MAX_LENGTH

from .bodies import BodySummarySerializer
from .deadlines import DeadlineSerializer
from .evidence import AskSerializer, ClaimSerializer
from .fields import MAX_RELATED_ITEMS, ChoiceLabelField, PersonField, limit_items
from .history import StatusChangeSerializer

# Representations -----------------------------------------------------------------------------


class CitationSerializer(serializers.ModelSerializer):
    """What one source says about the commitment."""

    source_title = serializers.CharField(source="source.title", read_only=True)

    class Meta:
        model = Citation
        fields = ["source", "source_title", "claim"]
        read_only_fields = fields


class MatchSerializer(serializers.Serializer):
    """One place a search matched a commitment."""

    field = serializers.CharField(
        help_text=_(
            "Where: title, key, summary, responsible_body, monitoring_body, citation_claim, "
            "source_title, source_publisher or history_note."
        )
    )
    label = serializers.CharField(
        help_text=_("Where, for people, e.g. “History note of 12/03/2022”.")
    )
    excerpt = serializers.CharField(help_text=_("The matching text, shortened around the match."))


class CommitmentListSerializer(serializers.ListSerializer):
    """A page of commitments; with a ``search``, each says where it matched (three queries for
    the page, ``commitments.search.attach_matches``)."""

    def to_representation(self, data):
        items = list(data.all() if hasattr(data, "all") else data)
        request = self.context.get("request")
        text = request.query_params.get("search") if request is not None else None
        attach_matches(items, text)
        return super().to_representation(items)


class CommitmentSerializer(serializers.ModelSerializer):
    """A commitment as read, as of today (Europe/Paris). ``due_date``, ``is_overdue``,
    ``days_overdue`` and ``lateness`` are its governing deadline's (the open deadline that
    lapses first); every deadline, claim and ask is listed beside them."""

    status_label = ChoiceLabelField(Commitment, "status")
    category_label = ChoiceLabelField(Commitment, "category")
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
    matched_in = serializers.SerializerMethodField(
        help_text=_(
            "In a list with a search: where the search words were found in this commitment. "
            "Null otherwise."
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
            "matched_in",
        ]
        read_only_fields = fields
        list_serializer_class = CommitmentListSerializer

    @extend_schema_field(MatchSerializer(many=True, allow_null=True))
    def get_matched_in(self, commitment) -> list | None:
        matches = getattr(commitment, "matched_in", None)
        return None if matches is None else [match.as_dict() for match in matches]

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
        return self._rows(commitment, "deadlines", DeadlineSerializer)

    @extend_schema_field(ClaimSerializer(many=True))
    def get_claims(self, commitment) -> list:
        return self._rows(commitment, "claims", ClaimSerializer)

    @extend_schema_field(AskSerializer(many=True))
    def get_asks(self, commitment) -> list:
        return self._rows(commitment, "asks", AskSerializer)

    def _rows(self, commitment, relation: str, serializer_class) -> list:
        """A commitment's deadlines, claims or asks, written by one serializer for the whole
        page: building one per row (its fields, from the model) was most of an API page's
        time."""
        serializers_by_relation = self.__dict__.setdefault("_row_serializers", {})
        if relation not in serializers_by_relation:
            serializers_by_relation[relation] = serializer_class(many=True, context=self.context)
        rows = advocacy_rows(commitment, relation)
        return serializers_by_relation[relation].to_representation(rows)

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



# What a representation loads with a commitment ---------------------------------------------


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


