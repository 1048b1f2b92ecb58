"""The version a write states, and the one answer to a stale one.

Every write to a versioned record (a commitment) states the version the caller read: in the
``version`` field, or as the record's ETag in an ``If-Match`` header. None is a 428 (never
"skip the check"). The service compares it under a row lock and raises
:class:`commitments.services.versions.StaleVersionError`; :class:`VersionedWritesMixin` turns
that error into 409 (stale field) or 412 (stale If-Match), with the record's current state, here and
nowhere else.
"""

from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse
from rest_framework import exceptions, serializers, status
from rest_framework.response import Response

from commitments.services.versions import StaleVersionError

from .schema import CodedErrorSerializer


class PreconditionRequired(exceptions.APIException):
    status_code = status.HTTP_428_PRECONDITION_REQUIRED
    default_detail = gettext_lazy(
        "Send the version you read, in the “version” field or an If-Match header "
        "(the ETag of the commitment), so that nobody's change is silently overwritten."
    )
    default_code = "version_required"


def etag(record) -> str:
    """A weak entity tag: the representation changes with the date (``days_overdue``) even
    when the version does not, so it identifies the version, not the bytes."""
    return f'W/"{record.pk}-{record.version}"'


@dataclass(frozen=True)
class StatedVersion:
    """The version a caller read, and whether it came in ``If-Match`` (a stale one is 412)
    or in the ``version`` field (409)."""

    number: int
    via_header: bool


def stated_version(request, record) -> StatedVersion:
    """The version the caller read, from ``If-Match`` or the ``version`` field.

    Raises 428 when neither was sent, 400 when the field is malformed or disagrees with the
    header. ``If-Match: *`` names no version, so it does not count; an entity tag of another
    record (or garbage) cannot match, so it states version 0.
    """
    body_version = _body_version(request)
    header = request.headers.get("If-Match")
    if header is not None:
        versions = []
        prefix = f"{record.pk}-"
        for tag in _opaque_tags(header):
            if tag.startswith(prefix) and tag[len(prefix) :].isdigit():
                versions.append(int(tag[len(prefix) :]))
        if versions:
            # Of several tags of this record, one that is current wins: If-Match means "any".
            header_version = record.version if record.version in versions else versions[0]
            if body_version is not None and body_version != header_version:
                raise exceptions.ValidationError(
                    {"version": [_("The version field and the If-Match header disagree.")]}
                )
            return StatedVersion(header_version, via_header=True)
        if header.strip() != "*":
            return StatedVersion(0, via_header=True)
    if body_version is None:
        raise PreconditionRequired()
    return StatedVersion(body_version, via_header=False)


def _opaque_tags(header: str) -> list[str]:
    tags = []
    for raw in header.split(","):
        tag = raw.strip()
        if tag.startswith("W/"):
            tag = tag[2:]
        tags.append(tag.strip('"'))
    return tags


def _body_version(request) -> int | None:
    """The ``version`` field if it is a positive integer; a bad one is a 400 on that field."""
    data = request.data
    if not hasattr(data, "get"):
        return None
    raw = data.get("version")
    if raw is None or raw == "":
        return None
    try:
        return serializers.IntegerField(min_value=1).run_validation(raw)
    except exceptions.ValidationError as error:
        raise exceptions.ValidationError({"version": error.detail}) from error


class VersionedWritesMixin:
    """For a viewset whose writes go through a service that checks the version.

    A write calls :meth:`read_version` before anything else and passes the number to the
    service; a :class:`StaleVersionError` raised by the service is answered with
    ``stale_version_serializer_class`` (the record as it is now, and its latest change).
    """

    stale_version_serializer_class: type[serializers.Serializer]
    _stated: StatedVersion | None = None

    def read_version(self, request, record) -> int:
        """The version the caller read (see :func:`stated_version`), for the service."""
        self._stated = stated_version(request, record)
        return self._stated.number

    def handle_exception(self, exc):
        if isinstance(exc, StaleVersionError):
            return self.stale_version_response(exc)
        return super().handle_exception(exc)

    def stale_version_response(self, error: StaleVersionError) -> Response:
        current = self.get_queryset().get(pk=error.current.pk)
        body = self.stale_version_serializer_class(
            {
                "detail": _(
                    "This commitment was changed by someone else since you read it (you sent "
                    "version %(sent)s, it is now at version %(current)s). Nothing was saved: "
                    "reload it, re-apply your change and send the new version."
                )
                % {"sent": error.expected_version, "current": current.version},
                "code": "stale_version",
                "current": current,
                "latest_change": error.latest_change,
            },
            context=self.get_serializer_context(),
        ).data
        via_header = self._stated is not None and self._stated.via_header
        return Response(
            body,
            status=status.HTTP_412_PRECONDITION_FAILED if via_header else status.HTTP_409_CONFLICT,
            headers={"ETag": etag(current)},
        )


# Documentation of versioned writes ----------------------------------------------------------

IF_MATCH = OpenApiParameter(
    "If-Match",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    required=False,
    description=gettext_lazy(
        'The commitment\'s ETag as read, e.g. W/"12-3". Either this header or the version '
        "field is required."
    ),
)


def etag_header(*codes: int) -> OpenApiParameter:
    """The ``ETag`` response header, on the responses with these status codes."""
    return OpenApiParameter(
        "ETag",
        OpenApiTypes.STR,
        OpenApiParameter.HEADER,
        response=list(codes),
        description=gettext_lazy(
            'The commitment\'s version as a (weak) entity tag, W/"<id>-<version>": send it '
            "back in If-Match."
        ),
    )


VERSION_REQUIRED = OpenApiResponse(
    CodedErrorSerializer,
    description=gettext_lazy("Neither a version field nor an If-Match header was sent."),
)


def precondition_responses(stale_version_serializer) -> dict:
    """The 409, 412 and 428 answers of a versioned write."""
    return {
        409: OpenApiResponse(
            stale_version_serializer,
            description=gettext_lazy(
                "The version field is stale: the commitment changed since you read it. "
                "The body carries its current state."
            ),
        ),
        412: OpenApiResponse(
            stale_version_serializer,
            description=gettext_lazy(
                "The If-Match header does not match the current ETag: the commitment changed "
                "since you read it. The body carries its current state."
            ),
        ),
        428: VERSION_REQUIRED,
    }
