"""Bodies, ``/api/bodies/``: public reference data."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers, viewsets

from commitments.models import Body

from .schema import reference_data_schema
from .viewsets import ApiViewSetMixin


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


@reference_data_schema(
    BodySerializer,
    summaries={
        "list": _("List bodies"),
        "retrieve": _("Read a body"),
        "create": _("Create a body (editors)"),
        "update": _("Replace a body (administrators)"),
        "partial_update": _("Change a body (administrators)"),
        "destroy": _("Delete a body (administrators)"),
    },
    descriptions={
        "list": _("Bodies are public data: anonymous callers read them too."),
        "destroy": _("A body that commitments refer to cannot be deleted: 409."),
    },
)
class BodyViewSet(ApiViewSetMixin, viewsets.ModelViewSet):
    """Bodies (public data). Read: everyone. Create: ``add_body`` (editors). Change and
    delete: ``change_body``/``delete_body`` (administrators); a body in use is never deleted."""

    queryset = Body.objects.order_by("name", "pk")
    serializer_class = BodySerializer
    filterset_fields = ["kind", "level"]
