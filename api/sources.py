"""Sources, ``/api/sources/``: public reference data, the evidence that commitments and status
changes cite."""

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import serializers, viewsets

from commitments.models import Source

from .exceptions import Conflict
from .fields import OptionalURLField
from .schema import reference_data_schema
from .viewsets import ApiViewSetMixin


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


class SourceSummarySerializer(serializers.ModelSerializer):
    """A source as shown inside a deadline, a claim or an ask."""

    class Meta:
        model = Source
        fields = ["id", "key", "title"]
        read_only_fields = fields


@reference_data_schema(
    SourceSerializer,
    summaries={
        "list": gettext_lazy("List sources"),
        "retrieve": gettext_lazy("Read a source"),
        "create": gettext_lazy("Create a source (editors)"),
        "update": gettext_lazy("Replace a source (administrators)"),
        "partial_update": gettext_lazy("Change a source (administrators)"),
        "destroy": gettext_lazy("Delete a source (administrators)"),
    },
    descriptions={
        "list": gettext_lazy("Sources are public data: anonymous callers read them too."),
        "destroy": gettext_lazy(
            "A source cited by a commitment or a status change cannot be deleted: 409."
        ),
    },
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
