"""Admin data entry: the ModelAdmins. A commitment is saved through ``commitment_save``."""

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db import models
from django.http import HttpResponseRedirect
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from .admin_advocacy import AskInline, ClaimInline, DeadlineInline
from .admin_filters import ArchivedListFilter, OverdueListFilter
from .admin_forms import CommitmentAdminForm, SafeAutocompleteMixin
from .admin_titles import TitlesMixin
from .fields import COMMITMENT_EDITABLE_FIELDS, COMMITMENT_FIELD_SECTIONS
from .interchange import spreadsheets
from .models import Body, Citation, Commitment, Source, StatusChange, Tag
from .services.lifecycle import commitment_archive, commitment_restore
from .services.versions import StaleVersionError


class CitationInline(SafeAutocompleteMixin, admin.TabularInline):
    model = Citation
    extra = 1
    autocomplete_fields = ["source"]
    fields = ["source", "claim"]


class StatusChangeInline(admin.TabularInline):
    """The history, read-only: entries cannot be added, edited or deleted here."""

    model = StatusChange
    extra = 0
    can_delete = False
    fields = [
        "effective_date",
        "previous_status",
        "new_status",
        "note",
        "source_list",
        "author",
        "origin",
        "created_at",
    ]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .latest_first()
            .select_related("author")
            .prefetch_related("sources")
        )

    @admin.display(description=_("sources"))
    def source_list(self, entry):
        return "; ".join(str(source) for source in entry.sources.all()) or "—"


def _section(name: str) -> list[str]:
    return [
        field
        for field in COMMITMENT_EDITABLE_FIELDS
        if COMMITMENT_FIELD_SECTIONS.get(field) == name
    ]


@admin.register(Commitment)
class CommitmentAdmin(
    TitlesMixin, SafeAutocompleteMixin, spreadsheets.SpreadsheetMixin, SimpleHistoryAdmin
):
    """Commitments are archived, never deleted: their history must survive."""

    resource_classes = [spreadsheets.CommitmentResource]
    form = CommitmentAdminForm
    list_display = [
        "title",
        "status",
        "due_date",
        "days_overdue_display",
        "responsible_body",
        "monitoring_body",
        "owner",
        "is_public",
    ]
    list_filter = [
        ArchivedListFilter,
        "status",
        "category",
        "responsible_body",
        "monitoring_body",
        OverdueListFilter,
        "is_public",
        "tags",
    ]
    list_select_related = ["responsible_body", "monitoring_body", "owner"]
    search_fields = [
        "title",
        "summary",
        "key",
        "responsible_body__name",
        "responsible_body__acronym",
    ]
    date_hierarchy = "due_date"
    autocomplete_fields = ["responsible_body", "monitoring_body", "owner", "tags"]
    prepopulated_fields = {"key": ["title"]}
    readonly_fields = ["version", "created_at", "updated_at", "archived_at"]
    actions = ["archive_selected", "restore_selected"]
    inlines = [CitationInline, DeadlineInline, ClaimInline, AskInline, StatusChangeInline]
    fieldsets = [
        (None, {"fields": _section(None)}),
        (_("Who"), {"fields": _section("who")}),
        (_("Deadline"), {"fields": _section("deadline")}),
        (
            _("Status"),
            {
                "fields": ["status", "status_effective_date", "status_note", "status_sources"],
                "description": _("Changing the status records an entry in the history."),
            },
        ),
        (
            _("Version and dates"),
            {"fields": ["version", "created_at", "updated_at", "archived_at", "expected_version"]},
        ),
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).with_days_overdue(timezone.localdate())

    @admin.display(description=_("days overdue"), ordering="days_overdue")
    def days_overdue_display(self, commitment):
        return commitment.days_overdue

    def has_delete_permission(self, request, obj=None):
        return False

    # An admin action acts on the rows as they are when it runs: the version it states is the
    # one it reads then.
    @admin.action(description=_("Archive the selected commitments"), permissions=["change"])
    def archive_selected(self, request, queryset):
        for commitment in queryset:
            commitment_archive(
                commitment=commitment, expected_version=commitment.version, author=request.user
            )
        self.message_user(
            request,
            gettext("%(count)d commitment(s) archived: they left the lists and are kept here.")
            % {"count": len(queryset)},
            messages.SUCCESS,
        )

    @admin.action(
        description=_("Restore the selected commitments to the lists"), permissions=["change"]
    )
    def restore_selected(self, request, queryset):
        for commitment in queryset:
            commitment_restore(
                commitment=commitment, expected_version=commitment.version, author=request.user
            )
        self.message_user(
            request,
            gettext("%(count)d commitment(s) restored.") % {"count": len(queryset)},
            messages.SUCCESS,
        )

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except (StaleVersionError, ValidationError):
            # Only a change racing ours between the form's validation and the write lands
            # here; the transaction was rolled back, so nothing was saved.
            self.message_user(
                request,
                gettext(
                    "Someone else changed this commitment while you were saving. "
                    "Nothing was saved; here is the current version."
                ),
                messages.ERROR,
            )
            return HttpResponseRedirect(request.path)

    def save_model(self, request, obj, form, change):
        saved = form.save_through_service(commitment=obj if change else None, author=request.user)
        if not change:
            # The form's instance stands for the created record from now on (its tags and
            # citations are saved on it next).
            for field in Commitment._meta.concrete_fields:
                setattr(obj, field.attname, getattr(saved, field.attname))
            obj._state.adding = False


@admin.register(StatusChange)
class StatusChangeAdmin(TitlesMixin, admin.ModelAdmin):
    """Append-only: viewable here, recorded only through the commitment's status."""

    list_display = [
        "commitment",
        "previous_status",
        "new_status",
        "effective_date",
        "author",
        "origin",
        "created_at",
    ]
    list_filter = ["new_status", "origin"]
    list_select_related = ["commitment", "author"]
    search_fields = ["commitment__title", "note"]
    date_hierarchy = "effective_date"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Body)
class BodyAdmin(TitlesMixin, spreadsheets.SpreadsheetMixin, SimpleHistoryAdmin):
    resource_classes = [spreadsheets.BodyResource]
    list_display = ["name", "acronym", "kind", "level", "country"]
    list_filter = ["kind", "level"]
    search_fields = ["name", "acronym", "key"]
    prepopulated_fields = {"key": ["name"]}


@admin.register(Source)
class SourceAdmin(TitlesMixin, spreadsheets.SpreadsheetMixin, SimpleHistoryAdmin):
    resource_classes = [spreadsheets.SourceResource]
    list_display = ["title", "kind", "publisher", "publication_date", "date_precision", "language"]
    list_filter = ["kind", "language", "publisher"]
    search_fields = ["title", "publisher", "said_by", "key", "note"]
    date_hierarchy = "publication_date"
    prepopulated_fields = {"key": ["title"]}
    # A URL typed without a scheme is taken as https (Django 6's default, chosen now).
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}


@admin.register(Tag)
class TagAdmin(TitlesMixin, admin.ModelAdmin):
    list_display = ["name", "slug"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
