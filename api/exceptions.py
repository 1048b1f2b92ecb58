"""API errors: the statuses beyond DRF's own, and a handler that never lets a domain error
become a 500. (A stale version's 409/412 is :mod:`api.versioning`'s.)"""

from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import ProtectedError, RestrictedError
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, status
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler as drf_exception_handler


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = _("The request conflicts with the current state of the resource.")
    default_code = "conflict"


def validation_error_detail(
    error: DjangoValidationError, field_names: dict[str, str] | None = None
) -> dict[str, list[str]]:
    """A Django ``ValidationError`` as DRF's field-level detail, renaming fields as the API
    names them (``field_names``); errors on no field go to ``non_field_errors``."""
    field_names = field_names or {}
    non_field_key = api_settings.NON_FIELD_ERRORS_KEY
    if not hasattr(error, "error_dict"):
        return {non_field_key: list(error.messages)}
    detail: dict[str, list[str]] = {}
    for field, messages in error.message_dict.items():
        key = non_field_key if field == NON_FIELD_ERRORS else field_names.get(field, field)
        detail.setdefault(key, []).extend(messages)
    return detail


def field_errors(
    error: DjangoValidationError, field_names: dict[str, str] | None = None
) -> exceptions.ValidationError:
    """A service's ``ValidationError`` as a 400, its field names as the API's."""
    return exceptions.ValidationError(validation_error_detail(error, field_names))


def exception_handler(exc, context):
    """DRF's handler, plus: Django ``ValidationError`` -> 400 with field errors, a delete
    refused because other rows point at the object -> 409."""
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    elif isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(detail=validation_error_detail(exc))
    elif isinstance(exc, ProtectedError | RestrictedError):
        exc = Conflict(
            _("This record cannot be deleted: other records refer to it."), code="protected"
        )
    response = drf_exception_handler(exc, context)
    if (
        response is not None
        and not isinstance(exc, exceptions.ValidationError)
        and isinstance(response.data, dict)
        and "detail" in response.data
    ):
        # Every non-field error says what happened in words (``detail``, translated) and in a
        # stable machine-readable ``code``, e.g. "not_authenticated", "version_required".
        response.data["code"] = exc.get_codes()
    return response
