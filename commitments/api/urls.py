"""``/api/``: the router's endpoints, the OpenAPI schema and its interactive documentation."""

from csp.decorators import csp_update
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework import permissions, routers

from . import views

app_name = "api"


class ApiRootView(routers.APIRootView):
    """The list of endpoints: open to everyone, like the public reads it points to."""

    permission_classes = [permissions.AllowAny]


class Router(routers.DefaultRouter):
    APIRootView = ApiRootView


router = Router()
router.register("commitments", views.CommitmentViewSet, basename="commitment")
router.register("bodies", views.BodyViewSet, basename="body")
router.register("sources", views.SourceViewSet, basename="source")
router.register("alerts", views.AlertViewSet, basename="alert")

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
    re_path(r"^.*/$", views.ApiNotFoundView.as_view(), name="not-found"),
]
