"""What each side claims about a commitment and what bodies asked of it, as the API shows them,
and their writes: ``POST /api/commitments/{id}/claims/`` and ``POST /api/commitments/{id}/asks/``,
routes of the commitments viewset through :class:`EvidenceRoutesMixin`, through
``commitments.services.evidence`` (``claim_record``, ``ask_record``)."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from commitments.fields import ASK_FIELDS, CLAIM_FIELDS
from commitments.models import Ask, Body, Claim, Source
from commitments.services.evidence import ask_record, claim_record

from . import schema
from .bodies import BodySummarySerializer
from .exceptions import field_errors
from .fields import BlankAsNullStatusField, BoundedDateField, ChoiceLabelField
from .sources import SourceSummarySerializer
from .versioning import IF_MATCH, etag, etag_header, precondition_responses

VERSION_HELP = _(
    "The commitment version you read. Required unless an If-Match header carries the ETag."
)


# Representations -----------------------------------------------------------------------------


class ClaimSerializer(serializers.ModelSerializer):
    """One side's dated, sourced assertion: a status, a period or a statement."""

    side_label = ChoiceLabelField(Claim, "side")
    body = BodySummarySerializer(read_only=True, allow_null=True)
    claimed_status = BlankAsNullStatusField(
        help_text=_("For a status claim, the status this side asserts; else null.")
    )
    period_display = serializers.CharField(
        read_only=True, help_text=_("e.g. “2019 – 2023”; empty unless a period is claimed.")
    )
    made_on_display = serializers.CharField(
        read_only=True, help_text=_("When it was said, as precisely as known: “juillet 2022”.")
    )
    source = SourceSummarySerializer(read_only=True)

    class Meta:
        model = Claim
        fields = [
            "id",
            "side",
            "side_label",
            "body",
            "kind",
            "text",
            "claimed_status",
            "period_start",
            "period_end",
            "period_precision",
            "period_display",
            "made_on",
            "made_on_precision",
            "made_on_display",
            "source",
        ]
        read_only_fields = fields


class AskSerializer(serializers.ModelSerializer):
    """A request or recommendation a body made about the commitment."""

    body = BodySummarySerializer(read_only=True)
    made_on_display = serializers.CharField(
        read_only=True, help_text=_("When it was asked, as precisely as known: “juillet 2022”.")
    )
    source = SourceSummarySerializer(read_only=True)

    class Meta:
        model = Ask
        fields = [
            "id",
            "body",
            "kind",
            "text",
            "made_on",
            "made_on_precision",
            "made_on_display",
            "source",
        ]
        read_only_fields = fields


class ClaimRecordedSerializer(ClaimSerializer):
    commitment_version = serializers.IntegerField(
        read_only=True, help_text=_("The commitment's version after this change.")
    )

    class Meta(ClaimSerializer.Meta):
        fields = [*ClaimSerializer.Meta.fields, "commitment_version"]
        read_only_fields = fields


class AskRecordedSerializer(AskSerializer):
    commitment_version = serializers.IntegerField(
        read_only=True, help_text=_("The commitment's version after this change.")
    )

    class Meta(AskSerializer.Meta):
        fields = [*AskSerializer.Meta.fields, "commitment_version"]
        read_only_fields = fields


# Writes --------------------------------------------------------------------------------------


class ClaimWriteSerializer(serializers.ModelSerializer):
    """A claim to record, through ``claim_record``: a status claim needs its status, a
    period its end (400 on the field otherwise). A claimed period moves the deadlines of the
    commitments that succeed this one."""

    body = serializers.PrimaryKeyRelatedField(
        queryset=Body.objects.all(),
        allow_null=True,
        required=False,
        help_text=_("Who claims it (a body's id), e.g. MIPROF."),
    )
    source = serializers.PrimaryKeyRelatedField(
        queryset=Source.objects.all(), help_text=_("The document it is claimed in (a source's id).")
    )
    period_start = BoundedDateField(required=False, allow_null=True)
    period_end = BoundedDateField(
        required=False,
        allow_null=True,
        help_text=_("For a period claim: its end, e.g. 2021-01-01 with the precision “year”."),
    )
    made_on = BoundedDateField(
        help_text=_("When it was said or published, e.g. 2022-07-01. Not in the future.")
    )
    version = serializers.IntegerField(
        min_value=1, required=False, write_only=True, help_text=VERSION_HELP
    )

    class Meta:
        model = Claim
        fields = [*CLAIM_FIELDS, "version"]


class AskWriteSerializer(serializers.ModelSerializer):
    """An ask to record, through ``ask_record``."""

    body = serializers.PrimaryKeyRelatedField(
        queryset=Body.objects.all(),
        help_text=_("Who asked (a body's id), e.g. GRETA or the coalition."),
    )
    source = serializers.PrimaryKeyRelatedField(
        queryset=Source.objects.all(), help_text=_("The document it is asked in (a source's id).")
    )
    made_on = BoundedDateField(
        help_text=_("When it was asked, e.g. 2022-07-01. Not in the future.")
    )
    version = serializers.IntegerField(
        min_value=1, required=False, write_only=True, help_text=VERSION_HELP
    )

    class Meta:
        model = Ask
        fields = [*ASK_FIELDS, "version"]


def evidence_schema(stale_version_serializer) -> dict:
    """The documentation of the ``claims`` and ``asks`` routes, for
    ``extend_schema_view(**evidence_schema(...))`` on the commitments viewset."""
    errors = {
        **schema.WRITE_ERRORS,
        404: schema.NOT_FOUND,
        **precondition_responses(stale_version_serializer),
    }
    parameters = [schema.ID_PARAMETER, IF_MATCH, etag_header(201, 409, 412)]
    return {
        "claims": extend_schema(
            summary=_("Record what a side claims about a commitment (editors)"),
            description=_(
                "Send the commitment version you read (field `version` or header `If-Match`). "
                "A state's status claim that differs from the coalition's status makes the "
                "commitment `diverging`; a claimed period re-derives the deadlines of the "
                "commitments that succeed it."
            ),
            parameters=parameters,
            request=ClaimWriteSerializer,
            responses={201: ClaimRecordedSerializer, **errors},
        ),
        "asks": extend_schema(
            summary=_("Record an ask made about a commitment (editors)"),
            description=_(
                "Send the commitment version you read (field `version` or header `If-Match`). "
                "An open commitment is outstanding since its earliest ask."
            ),
            parameters=parameters,
            request=AskWriteSerializer,
            responses={201: AskRecordedSerializer, **errors},
        ),
    }


class EvidenceRoutesMixin:
    """The ``claims`` and ``asks`` routes of the commitments viewset (documented by
    :func:`evidence_schema`). Needs :class:`api.versioning.VersionedWritesMixin`."""

    @action(detail=True, methods=["post"], filter_backends=[], url_path="claims")
    def claims(self, request, *args, **kwargs):
        return self._record(request, ClaimWriteSerializer, claim_record, ClaimRecordedSerializer)

    @action(detail=True, methods=["post"], filter_backends=[], url_path="asks")
    def asks(self, request, *args, **kwargs):
        return self._record(request, AskWriteSerializer, ask_record, AskRecordedSerializer)

    def _record(self, request, write_serializer, service, output_serializer) -> Response:
        commitment = self.get_object()
        expected_version = self.read_version(request, commitment)
        serializer = write_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        data.pop("version", None)
        try:
            record = service(
                commitment=commitment,
                data=data,
                expected_version=expected_version,
                author=request.user,
                today=self.get_as_of(),
            )
        except ValidationError as error:
            raise field_errors(error) from error
        record.commitment_version = commitment.version
        body = output_serializer(record, context=self.get_serializer_context()).data
        return Response(body, status=status.HTTP_201_CREATED, headers={"ETag": etag(commitment)})
