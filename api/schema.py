"""OpenAPI documentation shared by the resources: the error responses every operation
documents, the record id parameter, and the documentation of a reference-data viewset."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import serializers
from rest_framework.permissions import SAFE_METHODS


class ErrorSerializer(serializers.Serializer):
    detail = serializers.CharField()


class CodedErrorSerializer(ErrorSerializer):
    code = serializers.CharField()


ID_PARAMETER = OpenApiParameter(
    "id", OpenApiTypes.INT, OpenApiParameter.PATH, description=_("Record id.")
)

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
THROTTLED = OpenApiResponse(CodedErrorSerializer, description=_("Too many requests: slow down."))

READ_ERRORS = {401: UNAUTHORIZED, 429: THROTTLED}
WRITE_ERRORS = {400: BAD_REQUEST, 401: UNAUTHORIZED, 403: FORBIDDEN, 429: THROTTLED}


def json_only(responses: dict) -> dict:
    """Error responses of a view that also renders CSV: errors are always JSON."""
    return {
        (code, "application/json") if isinstance(code, int) else code: response
        for code, response in responses.items()
    }


def reference_data_schema(serializer, *, summaries: dict, descriptions: dict):
    """The documentation of a model viewset of public reference data (bodies, sources):
    read by everyone, written with a role, never deleted while other records refer to it.

    ``summaries`` has one entry per action (list, retrieve, create, update, partial_update,
    destroy); ``descriptions`` those actions that say more (at least list and destroy).
    """
    responses = {
        "list": {
            200: serializer(many=True),
            400: BAD_REQUEST,
            404: NOT_FOUND,
            **READ_ERRORS,
        },
        "retrieve": {200: serializer, 404: NOT_FOUND, **READ_ERRORS},
        "create": {201: serializer, **WRITE_ERRORS},
        "update": {200: serializer, **WRITE_ERRORS, 404: NOT_FOUND},
        "partial_update": {200: serializer, **WRITE_ERRORS, 404: NOT_FOUND},
        "destroy": {
            204: None,
            **READ_ERRORS,
            403: FORBIDDEN,
            404: NOT_FOUND,
            409: DELETE_CONFLICT,
        },
    }
    # Only the detail routes take the record's id; list and create have none.
    with_id = {"retrieve", "update", "partial_update", "destroy"}
    return extend_schema_view(
        **{
            action: extend_schema(
                summary=summaries[action],
                description=descriptions.get(action),
                parameters=[ID_PARAMETER] if action in with_id else None,
                responses=action_responses,
            )
            for action, action_responses in responses.items()
        }
    )


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
