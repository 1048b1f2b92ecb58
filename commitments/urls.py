from django.urls import path

from . import views

app_name = "commitments"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("commitments/", views.CommitmentListView.as_view(), name="list"),
    path("commitments/export.<str:fmt>", views.export, name="export"),
    path("commitments/overdue/", views.OverdueListView.as_view(), name="overdue"),
    path(
        "commitments/overdue/export.<str:fmt>",
        views.export,
        {"overdue": True},
        name="overdue_export",
    ),
    path("commitments/bulk-status/", views.bulk_update, name="bulk_update"),
    path("commitments/<int:pk>/", views.CommitmentDetailView.as_view(), name="detail"),
    path("commitments/<int:pk>/status/", views.status_update, name="status_update"),
    path("language/", views.set_language, name="set_language"),
]
