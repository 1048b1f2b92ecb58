"""OpenAPI descriptions of the error responses every operation documents."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiResponse
from rest_framework.permissions import SAFE_METHODS

from .serializers import CodedErrorSerializer, StaleVersionSerializer

VALIDATION_ERROR_SCHEMA = {
    "type": "object",
    "description": "Field name (or non_field_errors, or detail for an unreadable body) -> "
    "messages, in the language of Accept-Language (French or English).",
    "additionalProperties": {
        "oneOf": [
            {"type": "array", "items": {"type": "string"}},
            {"type": "string"},
        ]
    },
}

BAD_REQUEST = OpenApiResponse(
    VALIDATION_ERROR_SCHEMA,
    description=_(
        'Invalid input: messages per field, e.g. {"effective_date": ["This field is required."]}.'
    ),
)
UNAUTHORIZED = OpenApiResponse(
    CodedErrorSerializer,
    description=_("Not authenticated (or invalid token): this needs a logged-in user."),
)
FORBIDDEN = OpenApiResponse(
    CodedErrorSerializer, description=_("Authenticated, but your role does not allow this.")
)
NOT_FOUND = OpenApiResponse(
    CodedErrorSerializer,
    description=_("No such record (or not public, for anonymous callers), or no such page."),
)
DELETE_CONFLICT = OpenApiResponse(
    CodedErrorSerializer,
    description=_(
        "Other records refer to this one (a commitment with status history can never be "
        "deleted; a body or source in use neither)."
    ),
)
STALE_FIELD = OpenApiResponse(
    StaleVersionSerializer,
    description=_(
        "The version field is stale: the commitment changed since you read it. "
        "The body carries its current state."
    ),
)
STALE_IF_MATCH = OpenApiResponse(
    StaleVersionSerializer,
    description=_(
        "The If-Match header does not match the current ETag: the commitment changed since "
        "you read it. The body carries its current state."
    ),
)
VERSION_REQUIRED = OpenApiResponse(
    CodedErrorSerializer,
    description=_("Neither a version field nor an If-Match header was sent."),
)
THROTTLED = OpenApiResponse(CodedErrorSerializer, description=_("Too many requests: slow down."))

READ_ERRORS = {401: UNAUTHORIZED, 429: THROTTLED}
WRITE_ERRORS = {400: BAD_REQUEST, 401: UNAUTHORIZED, 403: FORBIDDEN, 429: THROTTLED}


def json_only(responses: dict) -> dict:
    """Error responses of a view that also renders CSV: errors are always JSON."""
    return {
        (code, "application/json") if isinstance(code, int) else code: response
        for code, response in responses.items()
    }


class ApiAutoSchema(AutoSchema):
    """Says which operations anonymous callers may use (security ``{}``): the safe methods,
    unless the view sets ``read_requires_authentication``."""

    def get_auth(self):
        auth = super().get_auth()
        if (
            self.method in SAFE_METHODS
            and not getattr(self.view, "read_requires_authentication", False)
            and {} not in auth
        ):
            auth.append({})
        return auth
