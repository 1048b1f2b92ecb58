"""The admin's commitment form: the editable fields, what a status change needs, and the
version read. It holds no domain rule: it asks the save service, and shows its objections.
Also the admin's autocomplete widgets, which survive a posted value that is not an id."""

from django import forms
from django.contrib.admin import widgets as admin_widgets
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .fields import COMMITMENT_EDITABLE_FIELDS, STATUS_CHANGE_COLUMNS
from .models import Commitment, Source, StatusChange
from .services.lifecycle import commitment_save
from .services.status import NOTE_MAX_LENGTH, StatusChangeInput
from .services.versions import StaleVersionError

STALE_MESSAGE = _(
    "Someone else changed this commitment after you opened it. Reload the page to see their "
    "change; nothing was saved."
)


class _KnownKeysOnly:
    """Django's autocomplete widget looks up the submitted values to show them again, and
    crashes (a 500) when one is not even a key (``"a"``, a NUL): the form's own error, "select
    a valid choice", is shown instead; values that are not keys are simply not shown."""

    def optgroups(self, name, value, attr=None):
        remote = self.field.remote_field
        key_field = remote.model._meta.get_field(
            getattr(remote, "field_name", None) or remote.model._meta.pk.name
        )
        keys = []
        for item in value:
            try:
                key_field.to_python(item)
            except ValidationError:
                continue
            keys.append(item)
        return super().optgroups(name, keys, attr)


class AutocompleteSelect(_KnownKeysOnly, admin_widgets.AutocompleteSelect):
    pass


class AutocompleteSelectMultiple(_KnownKeysOnly, admin_widgets.AutocompleteSelectMultiple):
    pass


class SafeAutocompleteMixin:
    """For a ModelAdmin or inline: its ``autocomplete_fields`` use the widgets above."""

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if "widget" not in kwargs and db_field.name in self.get_autocomplete_fields(request):
            kwargs["widget"] = AutocompleteSelect(
                db_field, self.admin_site, using=kwargs.get("using")
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if "widget" not in kwargs and db_field.name in self.get_autocomplete_fields(request):
            kwargs["widget"] = AutocompleteSelectMultiple(
                db_field, self.admin_site, using=kwargs.get("using")
            )
        return super().formfield_for_manytomany(db_field, request, **kwargs)


class _DryRun(Exception):
    """Rolls back the validating save."""


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
        max_length=NOTE_MAX_LENGTH,
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
        fields = [*COMMITMENT_EDITABLE_FIELDS, "status"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            # Every change states the version it read: a form without one is refused.
            self.fields["expected_version"].required = True
            self.fields["expected_version"].initial = self.instance.version

    def _post_clean(self):
        super()._post_clean()
        if self.errors:
            return
        # The service itself validates, in a savepoint always rolled back: its objections
        # come back at the fields, and the admin's own save cannot find anything else to refuse
        # (unless someone writes in between, which ``CommitmentAdmin`` reports).
        stored = Commitment.all_objects.get(pk=self.instance.pk) if self.instance.pk else None
        try:
            with transaction.atomic():
                self.save_through_service(commitment=stored, author=None)
                raise _DryRun
        except _DryRun:
            pass
        except StaleVersionError:
            self.add_error(None, ValidationError(STALE_MESSAGE, code="stale_version"))
        except ValidationError as error:
            self._add_service_errors(error)

    def save_through_service(self, *, commitment: Commitment | None, author) -> Commitment:
        """Save the commitment and its status change through ``commitment_save``."""
        cleaned = self.cleaned_data
        return commitment_save(
            commitment=commitment,
            data={name: cleaned[name] for name in COMMITMENT_EDITABLE_FIELDS if name in cleaned},
            expected_version=cleaned.get("expected_version") if commitment else None,
            status_change=StatusChangeInput(
                new_status=cleaned["status"],
                effective_date=cleaned.get("status_effective_date") or timezone.localdate(),
                note=cleaned.get("status_note") or "",
                sources=tuple(cleaned.get("status_sources") or ()),
            ),
            author=author,
            origin=StatusChange.Origin.ADMIN,
        )

    def _add_service_errors(self, error: ValidationError) -> None:
        if not hasattr(error, "error_dict"):
            self.add_error(None, error)
            return
        for field, errors in error.error_dict.items():
            name = STATUS_CHANGE_COLUMNS.get(field, field)
            self.add_error(name if name in self.fields else None, errors)
