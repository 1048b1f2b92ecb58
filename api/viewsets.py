"""The base of every API viewset."""

from rest_framework.renderers import BrowsableAPIRenderer, JSONRenderer

from . import schema
from .pagination import Pagination
from .permissions import ApiPermission, can_read_everything, model_permissions


class ApiViewSetMixin:
    """What every API viewset shares: permission by role, pagination, JSON errors."""

    permission_classes = [ApiPermission]
    pagination_class = Pagination
    schema = schema.ApiAutoSchema()

    def get_required_permissions(self, method: str) -> list[str]:
        return model_permissions(self.get_queryset().model, method)

    def get_serializer_context(self):
        context = super().get_serializer_context()
        context["show_people"] = can_read_everything(self.request.user)
        return context

    def handle_exception(self, exc):
        # Errors are JSON even when CSV was asked for: a spreadsheet cannot show a 400.
        request = self.request
        if getattr(request, "accepted_renderer", None) is not None and not isinstance(
            request.accepted_renderer, JSONRenderer | BrowsableAPIRenderer
        ):
            request.accepted_renderer = JSONRenderer()
            request.accepted_media_type = JSONRenderer.media_type
        return super().handle_exception(exc)
