from django.urls import path

from . import (
    access,
    dashboard,
    detail,
    editing,
    lists,
    reference,
    saved_views,
    spreadsheets,
    status,
)

app_name = "commitments"

urlpatterns = [
    path("", dashboard.dashboard, name="dashboard"),
    path("commitments/", lists.CommitmentListView.as_view(), name="list"),
    path("commitments/export.<str:fmt>", lists.export, name="export"),
    path("commitments/overdue/", lists.OverdueListView.as_view(), name="overdue"),
    path(
        "commitments/overdue/export.<str:fmt>",
        lists.export,
        {"overdue": True},
        name="overdue_export",
    ),
    path("commitments/bulk-status/", status.bulk_update, name="bulk_update"),
    path("commitments/<int:pk>/", detail.CommitmentDetailView.as_view(), name="detail"),
    path("commitments/<int:pk>/status/", status.status_update, name="status_update"),
    path("spreadsheets/", spreadsheets.index, name="spreadsheets"),
    path(
        "spreadsheets/<str:kind>/<str:what>.<str:fmt>",
        spreadsheets.download,
        name="spreadsheet_download",
    ),
    path("spreadsheets/import/", spreadsheets.upload, name="spreadsheet_upload"),
    path("spreadsheets/import/confirm/", spreadsheets.confirm, name="spreadsheet_confirm"),
    path("commitments/views/", saved_views.saved_view_list, name="saved_views"),
    path("commitments/views/<int:pk>/", saved_views.saved_view_update, name="saved_view_update"),
    path(
        "commitments/views/<int:pk>/delete/",
        saved_views.saved_view_remove,
        name="saved_view_delete",
    ),
    path("commitments/new/", editing.commitment_create, name="create"),
    path("commitments/<int:pk>/edit/", editing.commitment_edit, name="edit"),
    path("commitments/<int:pk>/deadlines/new/", editing.deadline_edit, name="deadline_create"),
    path(
        "commitments/<int:pk>/deadlines/<int:deadline_pk>/",
        editing.deadline_edit,
        name="deadline_edit",
    ),
    path(
        "commitments/<int:pk>/deadlines/<int:deadline_pk>/remove/",
        editing.deadline_remove,
        name="deadline_remove",
    ),
    path("commitments/<int:pk>/claims/new/", editing.claim_edit, name="claim_create"),
    path("commitments/<int:pk>/claims/<int:claim_pk>/", editing.claim_edit, name="claim_edit"),
    path("commitments/<int:pk>/asks/new/", editing.ask_edit, name="ask_create"),
    path("commitments/<int:pk>/asks/<int:ask_pk>/", editing.ask_edit, name="ask_edit"),
    path(
        "commitments/<int:pk>/claims/<int:claim_pk>/remove/",
        editing.claim_remove,
        name="claim_remove",
    ),
    path("commitments/<int:pk>/asks/<int:ask_pk>/remove/", editing.ask_remove, name="ask_remove"),
    path("sources/search/", reference.source_search, name="source_search"),
    *reference.urlpatterns(),
    path("language/", access.set_language, name="set_language"),
]
