"""The caller's alerts, ``/api/alerts/``: list, read, acknowledge. The ``alerts`` app knows
nothing of the API; this module serves its deliveries through its services."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from alerts.delivery import deliveries_acknowledge
from alerts.models import AlertKind, CloseReason, Delivery
from commitments.models import Commitment, Status

from . import schema
from .filters import AlertFilterSet
from .viewsets import ApiViewSetMixin


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
    closed_at = serializers.DateTimeField(
        source="alert.closed_at",
        read_only=True,
        allow_null=True,
        help_text=_(
            "When it stopped applying (a final status, a due date moved); null while open."
        ),
    )
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


@extend_schema_view(
    list=extend_schema(
        summary=_("Your alerts"),
        description=_(
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
        summary=_("One of your alerts"),
        parameters=[schema.ID_PARAMETER],
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
        summary=_("Acknowledge one of your alerts"),
        description=_("Marks it as seen. Acknowledging it again changes nothing."),
        parameters=[schema.ID_PARAMETER],
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
        deliveries_acknowledge(
            user=request.user, deliveries=Delivery.objects.filter(pk=delivery.pk)
        )
        delivery.refresh_from_db(fields=["acknowledged_at"])
        return Response(AlertSerializer(delivery, context=self.get_serializer_context()).data)

    @extend_schema(
        summary=_("Acknowledge all your alerts"),
        request=None,
        responses={
            200: AcknowledgedCountSerializer,
            401: schema.UNAUTHORIZED,
            429: schema.THROTTLED,
        },
    )
    @action(detail=False, methods=["post"], url_path="acknowledge-all", filter_backends=[])
    def acknowledge_all(self, request, *args, **kwargs):
        count = deliveries_acknowledge(user=request.user)
        return Response({"acknowledged": count})
