"""Sources, ``/api/sources/``: public reference data, the evidence that commitments and status
changes cite."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import serializers, viewsets

from commitments.models import Body, Source

from .exceptions import Conflict, field_errors
from .fields import OptionalURLField
from .schema import reference_data_schema
from .viewsets import ApiViewSetMixin


class SourceSerializer(serializers.ModelSerializer):
    """A document, or an exchange (a meeting, a call, a letter, an e-mail): for an exchange,
    ``publication_date`` is the day it took place, and ``said_by`` and/or ``said_by_body``
    say who said it."""

    url = OptionalURLField(max_length=500, allow_blank=True, required=False)
    said_by_body = serializers.PrimaryKeyRelatedField(
        queryset=Body.objects.all(),
        allow_null=True,
        required=False,
        help_text=gettext_lazy(
            "For an exchange: the id of the body that said it, when it is one we follow."
        ),
    )

    class Meta:
        model = Source
        fields = [
            "id",
            "key",
            "kind",
            "title",
            "said_by",
            "said_by_body",
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
        extra_kwargs = {
            "publication_date": {
                "help_text": gettext_lazy(
                    "When it was published; for an exchange, the day it took place (required "
                    "then), e.g. 2026-11-05."
                )
            },
        }

    def validate(self, attrs):
        """What ``Source.clean`` requires (an exchange has a date and who said it), on the
        record as it would be saved."""
        attrs = super().validate(attrs)
        source = Source(**{**self._current(), **attrs})
        try:
            source.clean()
        except DjangoValidationError as error:
            raise field_errors(error) from error
        return attrs

    def _current(self) -> dict:
        if self.instance is None:
            return {}
        names = ("kind", "said_by", "said_by_body", "publication_date")
        return {name: getattr(self.instance, name) for name in names}


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
    filterset_fields = ["language", "date_precision", "kind"]

    def perform_destroy(self, instance):
        if instance.status_changes.exists():
            # The M2M would silently drop the evidence from the append-only history.
            raise Conflict(
                _("This source is evidence for a status change: it cannot be deleted."),
                code="protected",
            )
        with transaction.atomic():
            instance.delete()
