"""Admin data entry. A status chosen here is recorded through ``services.change_status``."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db import models
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from import_export.admin import ImportExportMixin
from simple_history.admin import SimpleHistoryAdmin

from . import resources, services
from .models import Body, Citation, Commitment, Source, StatusChange, Tag


class OverdueListFilter(admin.SimpleListFilter):
    title = _("overdue")
    parameter_name = "overdue"

    def lookups(self, request, model_admin):
        return (("yes", _("Yes")), ("no", _("No")))

    def queryset(self, request, queryset):
        today = timezone.localdate()
        if self.value() == "yes":
            return queryset.overdue(today)
        if self.value() == "no":
            return queryset.not_overdue(today)
        return queryset


class CitationInline(admin.TabularInline):
    model = Citation
    extra = 1
    autocomplete_fields = ["source"]
    fields = ["source", "claim"]


class StatusChangeInline(admin.TabularInline):
    """The history, read-only: entries cannot be added, edited or deleted here."""

    model = StatusChange
    extra = 0
    can_delete = False
    ordering = ["-effective_date", "-created_at", "-pk"]
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
        return super().get_queryset(request).select_related("author").prefetch_related("sources")

    @admin.display(description=_("sources"))
    def source_list(self, entry):
        return "; ".join(str(source) for source in entry.sources.all()) or "—"


class CommitmentAdminForm(forms.ModelForm):
    """Adds what a status change needs, and the version read, to the commitment form."""

    status_effective_date = forms.DateField(
        label=_("status effective date"),
        required=False,
        help_text=_("When the status change happened, e.g. 2022-07-29. Defaults to today."),
    )
    status_note = forms.CharField(
        label=_("status change note"),
        required=False,
        max_length=services.NOTE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Why the status changes, e.g. “Le rapport a été transmis”."),
    )
    status_sources = forms.ModelMultipleChoiceField(
        label=_("status change sources"),
        queryset=Source.objects.all(),
        required=False,
        help_text=_("The documents that prove the status change."),
    )
    expected_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Commitment
        fields = [
            "title",
            "key",
            "summary",
            "category",
            "tags",
            "is_public",
            "responsible_body",
            "monitoring_body",
            "owner",
            "due_date",
            "due_date_note",
            "status",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["expected_version"].initial = self.instance.version

    def clean(self):
        cleaned = super().clean()
        expected = cleaned.get("expected_version")
        if self.instance.pk and expected is not None:
            current = (
                Commitment.all_objects.filter(pk=self.instance.pk)
                .values_list("version", flat=True)
                .first()
            )
            if current != expected:
                raise ValidationError(
                    _(
                        "Someone else changed this commitment after you opened it. Reload the "
                        "page to see their change; nothing was saved."
                    ),
                    code="stale_version",
                )
        self._check_status_change(cleaned)
        return cleaned

    def _check_status_change(self, cleaned):
        """Bring the domain's objections to a status change back at the form's fields."""
        new_status = cleaned.get("status")
        if new_status is None:
            return
        stored = (
            Commitment.all_objects.filter(pk=self.instance.pk).first()
            if self.instance.pk
            else Commitment(status=new_status)
        )
        if stored.pk and stored.status == new_status:
            return
        try:
            services.check_status_change(
                commitment=stored,
                new_status=new_status,
                effective_date=cleaned.get("status_effective_date") or timezone.localdate(),
                note=cleaned.get("status_note") or "",
            )
        except ValidationError as error:
            field_names = {
                "new_status": "status",
                "effective_date": "status_effective_date",
                "note": "status_note",
            }
            for field, errors in error.error_dict.items():
                self.add_error(field_names.get(field), errors)


class SpreadsheetMixin(ImportExportMixin):
    """CSV and XLSX import (with a preview) and export, from the admin's list pages.

    All or nothing: a row that turns out invalid when the import is confirmed (someone changed
    the data since the preview) rolls the whole file back, and the rows' errors are shown.
    """

    import_formats = resources.IMPORT_FORMATS
    export_formats = resources.EXPORT_FORMATS

    def get_import_data_kwargs(self, **kwargs):
        return {**super().get_import_data_kwargs(**kwargs), "rollback_on_validation_errors": True}

    def process_result(self, result, request):
        if not (result.has_errors() or result.has_validation_errors()):
            return super().process_result(result, request)
        self.message_user(
            request,
            gettext(
                "The import was cancelled and nothing was written: the data changed since "
                "the preview. Here are the rows' errors; correct the file and import it "
                "again."
            ),
            messages.ERROR,
        )
        resource_classes = self.get_import_resource_classes(request)
        form = self.get_import_form_class(request)(self.get_import_formats(), resource_classes)
        context = {
            **self.admin_site.each_context(request),
            "title": gettext("Import"),
            "form": form,
            "opts": self.model._meta,
            "media": self.media + form.media,
            "result": result,
            "import_error_display": self.import_error_display,
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, [self.import_template_name], context)


class ArchivedListFilter(admin.SimpleListFilter):
    title = _("archived")
    parameter_name = "archived"

    def lookups(self, request, model_admin):
        return (("no", _("No")), ("yes", _("Yes")))

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.archived()
        if self.value() == "no":
            return queryset.filter(archived_at__isnull=True)
        return queryset


@admin.register(Commitment)
class CommitmentAdmin(SpreadsheetMixin, SimpleHistoryAdmin):
    """Commitments are archived, never deleted: their history must survive."""

    resource_classes = [resources.CommitmentResource]
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
    inlines = [CitationInline, StatusChangeInline]
    fieldsets = [
        (None, {"fields": ["title", "key", "summary", "category", "tags", "is_public"]}),
        (_("Who"), {"fields": ["responsible_body", "monitoring_body", "owner"]}),
        (_("Deadline"), {"fields": ["due_date", "due_date_note"]}),
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

    @admin.action(description=_("Archive the selected commitments"),
                  permissions=["change"])
    def archive_selected(self, request, queryset):
        for commitment in queryset:
            services.commitment_archive(commitment=commitment, author=request.user)
        self.message_user(
            request,
            gettext("%(count)d commitment(s) archived: they left the lists and are kept here.")
            % {"count": len(queryset)},
            messages.SUCCESS,
        )

    @admin.action(description=_("Restore the selected commitments to the lists"),
                  permissions=["change"])
    def restore_selected(self, request, queryset):
        for commitment in queryset:
            services.commitment_restore(commitment=commitment, author=request.user)
        self.message_user(
            request,
            gettext("%(count)d commitment(s) restored.") % {"count": len(queryset)},
            messages.SUCCESS,
        )

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except (services.StaleVersionError, ValidationError):
            # Only a change racing ours between the form's checks and the write lands here;
            # the transaction was rolled back, so nothing was saved.
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
        data = form.cleaned_data
        new_status = data["status"]
        status_kwargs = {
            "new_status": new_status,
            "effective_date": data.get("status_effective_date") or timezone.localdate(),
            "note": data.get("status_note") or "",
            "sources": data.get("status_sources") or (),
            "author": request.user,
            "origin": StatusChange.Origin.ADMIN,
        }
        if not change:
            obj.save()
            services.change_status(commitment=obj, **status_kwargs)
            return
        previous_status = Commitment.all_objects.values_list("status", flat=True).get(pk=obj.pk)
        obj.status = previous_status
        fields = {name: getattr(obj, name) for name in services.EDITABLE_FIELDS}
        services.commitment_update(
            commitment=obj,
            expected_version=data.get("expected_version"),
            author=request.user,
            **fields,
        )
        if new_status != previous_status:
            services.change_status(commitment=obj, expected_version=obj.version, **status_kwargs)


@admin.register(StatusChange)
class StatusChangeAdmin(admin.ModelAdmin):
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
class BodyAdmin(SpreadsheetMixin, SimpleHistoryAdmin):
    resource_classes = [resources.BodyResource]
    list_display = ["name", "acronym", "kind", "level", "country"]
    list_filter = ["kind", "level"]
    search_fields = ["name", "acronym", "key"]
    prepopulated_fields = {"key": ["name"]}


@admin.register(Source)
class SourceAdmin(SpreadsheetMixin, SimpleHistoryAdmin):
    resource_classes = [resources.SourceResource]
    list_display = ["title", "publisher", "publication_date", "date_precision", "language"]
    list_filter = ["language", "publisher"]
    search_fields = ["title", "publisher", "key", "note"]
    date_hierarchy = "publication_date"
    prepopulated_fields = {"key": ["title"]}
    # A URL typed without a scheme is taken as https (Django 6's default, chosen now).
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    list_display = ["name", "slug"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
