from django.contrib import admin
from django.urls import include, path

from . import views

handler400 = "tracker.errors.bad_request"
handler403 = "tracker.errors.permission_denied"
handler404 = "tracker.errors.page_not_found"
handler500 = "tracker.errors.server_error"

admin.site.site_header = "Vigie"
admin.site.site_title = "Vigie"

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("accounts/", include("accounts.login_urls")),
    path("accounts/two-factor/", include("accounts.two_factor_urls")),
    path("accounts/", include("accounts.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("alerts/", include("alerts.urls")),
    path("api/", include("api.urls")),
    path("", include("commitments.web.urls")),
]
