"""Admin data entry for deadlines, events, claims and asks, saved through their services.

Each form states the version of the commitment (or event) it read: a form opened before
someone else's change is refused, never saved over it. Like the commitment form, a form asks
the service itself whether the input is acceptable (in a savepoint always rolled back), so its
objections come back at the fields.
"""

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from .admin_forms import STALE_MESSAGE, SafeAutocompleteMixin
from .admin_titles import TitlesMixin
from .fields import ASK_FIELDS, CLAIM_FIELDS, DEADLINE_FIELDS, EVENT_FIELDS
from .models import Ask, Claim, Deadline, Event
from .services.deadlines import deadline_save, event_save
from .services.evidence import ask_record, claim_record
from .services.versions import StaleVersionError


class _DryRun(Exception):
    """Rolls back the validating save."""


class ServiceForm(forms.ModelForm):
    """A ModelForm whose save goes through a service, refusing a stale version."""

    expected_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        parent = self.versioned()
        if parent is not None:
            self.fields["expected_version"].initial = parent.version
        if self.instance.pk:
            # A change states the version it read: a form without one is refused.
            self.fields["expected_version"].required = True

    def versioned(self):
        """The record whose version this form states (the commitment, or the event itself)."""
        raise NotImplementedError

    def _post_clean(self):
        # The service judges first: its messages are clearer than the model's constraints.
        if self.errors:
            return super()._post_clean()
        self._expected_version = self.expected()
        try:
            with transaction.atomic():
                self.save_through_service(author=None)
                raise _DryRun
        except _DryRun:
            # The rolled-back save changed the records in memory: read them again.
            for record in (self.cleaned_data.get("commitment"), self.instance):
                if record is not None and record.pk:
                    record.refresh_from_db()
        except StaleVersionError:
            self.add_error(None, ValidationError(STALE_MESSAGE, code="stale_version"))
            return
        except ValidationError as error:
            for field, messages in error.message_dict.items():
                target = field if field in self.fields else None
                for message in messages:
                    self.add_error(target, message)
            return
        super()._post_clean()

    def data_for_service(self) -> dict:
        excluded = {"sources", "expected_version", "commitment"}
        return {
            name: self.cleaned_data[name]
            for name in self._meta.fields
            if name in self.cleaned_data and name not in excluded
        }

    def expected(self) -> int | None:
        """The version stated by the form; for a new record under a commitment chosen in the
        form, the version that commitment had when the form was checked."""
        if hasattr(self, "_expected_version"):
            return self._expected_version
        version = self.cleaned_data.get("expected_version")
        commitment = self.cleaned_data.get("commitment")
        if version is None and commitment is not None and not self.instance.pk:
            version = (
                type(commitment).all_objects.values_list("version", flat=True).get(pk=commitment.pk)
            )
        return version


class DeadlineForm(ServiceForm):
    class Meta:
        model = Deadline
        fields = ["commitment", *DEADLINE_FIELDS, "counted_reading"]

    def versioned(self):
        return self.instance.commitment if self.instance.commitment_id else None

    def save_through_service(self, *, author):
        commitment = self.cleaned_data["commitment"]
        return deadline_save(
            commitment=commitment,
            deadline=self.instance if self.instance.pk else None,
            data=self.data_for_service(),
            sources=self.cleaned_data.get("sources"),
            expected_version=self.expected(),
            author=author,
        )


class ClaimForm(ServiceForm):
    class Meta:
        model = Claim
        fields = ["commitment", *CLAIM_FIELDS]

    def versioned(self):
        return self.instance.commitment if self.instance.commitment_id else None

    def save_through_service(self, *, author):
        return claim_record(
            commitment=self.cleaned_data["commitment"],
            claim=self.instance if self.instance.pk else None,
            data=self.data_for_service(),
            expected_version=self.expected(),
            author=author,
        )


class AskForm(ServiceForm):
    class Meta:
        model = Ask
        fields = ["commitment", *ASK_FIELDS]

    def versioned(self):
        return self.instance.commitment if self.instance.commitment_id else None

    def save_through_service(self, *, author):
        return ask_record(
            commitment=self.cleaned_data["commitment"],
            ask=self.instance if self.instance.pk else None,
            data=self.data_for_service(),
            expected_version=self.expected(),
            author=author,
        )


class EventForm(ServiceForm):
    class Meta:
        model = Event
        fields = list(EVENT_FIELDS)

    def versioned(self):
        return self.instance if self.instance.pk else None

    def save_through_service(self, *, author):
        return event_save(
            event=self.instance if self.instance.pk else None,
            data=self.data_for_service(),
            sources=self.cleaned_data.get("sources"),
            expected_version=self.expected(),
            author=author,
        )


class ServiceAdmin(TitlesMixin, SafeAutocompleteMixin, SimpleHistoryAdmin):
    """Saves through the form's service; deleting is not offered (records are evidence)."""

    def save_model(self, request, obj, form, change):
        saved = form.save_through_service(author=request.user)
        obj.pk = saved.pk
        obj._state.adding = False

    def save_related(self, request, form, formsets, change):
        """The service saved the many-to-many fields already."""

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Deadline)
class DeadlineAdmin(ServiceAdmin):
    form = DeadlineForm
    list_display = [
        "label",
        "commitment",
        "date_display",
        "bound",
        "basis",
        "window_end",
        "disputed",
        "met_on",
    ]
    list_filter = ["basis", "precision", "bound", "kind", "disputed"]
    list_select_related = ["commitment"]
    search_fields = ["label", "commitment__title", "reasoning"]
    autocomplete_fields = ["commitment", "predecessor", "event", "sources"]
    readonly_fields = ["window_start", "window_end", "disputed"]

    @admin.display(description=_("date"), ordering="window_start")
    def date_display(self, deadline):
        return deadline.date_display


@admin.register(Event)
class EventAdmin(ServiceAdmin):
    form = EventForm
    list_display = ["name", "kind", "body", "date_display", "follows"]
    list_filter = ["kind"]
    search_fields = ["name", "key", "note"]
    autocomplete_fields = ["body", "follows", "sources"]
    prepopulated_fields = {"key": ["name"]}

    @admin.display(description=_("date"), ordering="date")
    def date_display(self, event):
        return event.date_display


@admin.register(Claim)
class ClaimAdmin(ServiceAdmin):
    form = ClaimForm
    list_display = ["text", "commitment", "side", "body", "kind", "claimed_status", "made_on"]
    list_filter = ["side", "kind"]
    list_select_related = ["commitment", "body"]
    search_fields = ["text", "commitment__title"]
    autocomplete_fields = ["commitment", "body", "source"]


@admin.register(Ask)
class AskAdmin(ServiceAdmin):
    form = AskForm
    list_display = ["text", "commitment", "body", "kind", "made_on"]
    list_filter = ["kind"]
    list_select_related = ["commitment", "body"]
    search_fields = ["text", "commitment__title"]
    autocomplete_fields = ["commitment", "body", "source"]


class ReadOnlyInline(admin.TabularInline):
    """Shown on the commitment's page; added and changed on their own admin pages."""

    extra = 0
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class DeadlineInline(ReadOnlyInline):
    model = Deadline
    fk_name = "commitment"
    fields = ["label", "bound", "basis", "precision", "window_start", "window_end", "disputed"]
    readonly_fields = fields


class ClaimInline(ReadOnlyInline):
    model = Claim
    fields = ["side", "body", "kind", "text", "claimed_status", "made_on"]
    readonly_fields = fields


class AskInline(ReadOnlyInline):
    model = Ask
    fields = ["body", "kind", "text", "made_on"]
    readonly_fields = fields
