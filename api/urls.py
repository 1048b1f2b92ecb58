"""``/api/``: the router's endpoints, the OpenAPI schema and its interactive documentation."""

from csp.decorators import csp_update
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework import permissions, routers
from rest_framework.exceptions import NotFound
from rest_framework.views import APIView

from .alerts import AlertViewSet
from .bodies import BodyViewSet
from .commitments import CommitmentViewSet
from .events import EventViewSet
from .sources import SourceViewSet

app_name = "api"


class ApiRootView(routers.APIRootView):
    """The list of endpoints: open to everyone, like the public reads it points to."""

    permission_classes = [permissions.AllowAny]


class Router(routers.DefaultRouter):
    APIRootView = ApiRootView


class ApiNotFoundView(APIView):
    """Any other address under /api/: a JSON 404 (for every method), never an HTML page."""

    permission_classes = [permissions.AllowAny]
    authentication_classes: list = []
    throttle_classes: list = []
    schema = None  # not an endpoint

    def http_method_not_allowed(self, request, *args, **kwargs):
        raise NotFound()

    def get(self, request, *args, **kwargs):
        raise NotFound()

    options = post = put = patch = delete = head = get


router = Router()
router.register("commitments", CommitmentViewSet, basename="commitment")
router.register("bodies", BodyViewSet, basename="body")
router.register("sources", SourceViewSet, basename="source")
router.register("events", EventViewSet, basename="event")
router.register("alerts", AlertViewSet, basename="alert")

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves its start-up script as a file: no inline script, as the CSP wants.
    # Swagger UI adds a <style> element, so this one page allows inline styles (not scripts).
    path(
        "docs/",
        csp_update({"style-src": ["'unsafe-inline'"]})(
            SpectacularSwaggerSplitView.as_view(url_name="api:schema")
        ),
        name="docs",
    ),
    path("", include(router.urls)),
    # Slash-less addresses are left to APPEND_SLASH, which redirects to the right one.
    re_path(r"^.*/$", ApiNotFoundView.as_view(), name="not-found"),
]
