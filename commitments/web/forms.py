"""Forms of the staff pages. Every status change they record goes through the services.

``clean()`` checks the input's shape only (a date, a known choice, the version read); the
domain's rules, the version among them, are checked by ``status_change_record`` when the form
saves, and the view puts its ``ValidationError`` back at the fields.
"""

import datetime

from django import forms
from django.core.exceptions import ValidationError
from django.db import transaction
from django.forms.utils import ErrorDict
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

from commitments import search_index
from commitments.models import Body, Commitment, Source, Status, StatusChange
from commitments.services.status import NOTE_MAX_LENGTH, status_change_record
from commitments.services.versions import StaleVersionError

from .source_fields import SourcesField

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
CHANGED_SINCE = _("changed by someone else since you opened the page")
# A service error on these is about the change itself, the same for every commitment.
SHARED_FIELDS = ("sources",)
MISSING_VERSION = _("the version shown when you opened the page is missing: reload the page")


class NewSourceForm(forms.ModelForm):
    """A source typed in while recording a change, created in the same transaction: a
    document, or an exchange (a meeting, a call, a letter, an e-mail) with its date and who
    said it (``Source.clean`` says what an exchange needs)."""

    url = forms.URLField(
        label=_("Web address (URL)"),
        max_length=500,
        required=False,
        assume_scheme="https",
        help_text=_("e.g. https://www.diplomatie.gouv.fr/…"),
    )
    said_by_body = forms.ModelChoiceField(
        label=_("Body that said it"),
        queryset=Body.objects.order_by("name"),
        required=False,
        empty_label=_("None, or not one we follow"),
        help_text=_("For an exchange, when a body we follow spoke, e.g. MIPROF."),
    )

    # The kind always has a value: it alone does not mean the user typed a source.
    INPUT_FIELDS = ("title", "said_by", "said_by_body", "publisher", "publication_date", "url")

    class Meta:
        model = Source
        fields = [
            "kind",
            "title",
            "said_by",
            "said_by_body",
            "publisher",
            "publication_date",
            "url",
        ]
        widgets = {"publication_date": DATE_WIDGET}
        labels = {
            "kind": _("Kind of source"),
            "title": _("Title or subject of the new source"),
            "said_by": _("Who said it"),
            "publisher": _("Publisher"),
            "publication_date": _("Date of publication or of the exchange"),
            "url": _("Web address (URL)"),
        }
        help_texts = {
            "kind": _("A document, or an exchange: a meeting, a call, a letter, an e-mail."),
            "title": _("e.g. “Plan national 2019-2021” or “Point sur le mécanisme national”."),
            "said_by": _("For an exchange: the person who spoke, e.g. “Mme Martin, MIPROF”."),
            "publication_date": _("For an exchange, the day it took place, e.g. 2026-11-05."),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.required = False

    def has_input(self) -> bool:
        """Whether the user typed anything into the sub-form."""
        if not self.is_bound:
            return False
        return any(
            (self.data.get(self.add_prefix(name)) or "").strip() for name in self.INPUT_FIELDS
        )

    def clean_kind(self):
        return self.cleaned_data.get("kind") or Source.Kind.DOCUMENT

    def clean(self):
        cleaned = super().clean()
        if self.has_input() and not (cleaned.get("title") or "").strip():
            self.add_error(
                "title",
                ValidationError(
                    _("Give the new source a title, or leave all its fields empty."),
                    code="required",
                ),
            )
        return cleaned

    def save(self, commit: bool = True) -> Source:
        source = super().save(commit=False)
        source.key = unique_source_key(source.title)
        if commit:
            source.save()
        return source


def unique_source_key(title: str) -> str:
    """A slug from the title, made unique with a number when already taken (“titre-2”)."""
    base = (slugify(title) or "source")[:70]
    key, number = base, 1
    while Source.objects.filter(key=key).exists():
        number += 1
        key = f"{base}-{number}"
    return key


class StatusFieldsMixin(forms.Form):
    """The fields a status change needs, shared by the single and the bulk form."""

    new_status = forms.ChoiceField(
        label=_("New status"),
        choices=[("", _("Choose a status"))] + list(Status.choices),
    )
    effective_date = forms.DateField(
        label=_("Effective date"),
        widget=DATE_WIDGET,
        help_text=_("When it happened (not today's date if it happened earlier), e.g. 2022-07-29."),
    )
    note = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=NOTE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("What happened and why it matters, e.g. “The minister announced the plan”."),
    )
    # Typed and searched (static/js/source-picker.js), never a list of every source: the page
    # stays the same size however many sources there are.
    sources = SourcesField(
        label=_("Cited sources"),
        required=False,
        help_text=_(
            "At least one source is required: type a few words of the title of a document or "
            "an exchange already recorded and choose it, or add a new one below."
        ),
    )

    def __init__(
        self, *args, today: datetime.date | None = None, can_add_source: bool = False, **kwargs
    ):
        self.today = today or timezone.localdate()
        super().__init__(*args, **kwargs)
        self.fields["effective_date"].initial = self.today
        self.can_add_source = can_add_source
        prefix = f"{self.prefix}-new_source" if self.prefix else "new_source"
        self.new_source_form = NewSourceForm(self.data or None, prefix=prefix)

    def is_valid(self) -> bool:
        # Evaluate both so that every error shows at once.
        main_valid = super().is_valid()
        source_valid = self._new_source_valid()
        return main_valid and source_valid

    def _new_source_valid(self) -> bool:
        if not self.new_source_form.has_input():
            return True
        if not self.can_add_source:
            self.add_error(
                None,
                ValidationError(
                    _("You may not add sources: pick an existing one."), code="permission_denied"
                ),
            )
            return False
        return self.new_source_form.is_valid()

    def cited_sources(self) -> list[Source]:
        """The picked sources plus the new one, created now (call inside the transaction)."""
        sources = list(self.cleaned_data.get("sources") or [])
        if self.can_add_source and self.new_source_form.has_input():
            sources.append(self.new_source_form.save())
        return sources


class StatusChangeForm(StatusFieldsMixin):
    """Record one status change on one commitment, refusing it if the commitment changed since
    the form was opened (``expected_version``)."""

    expected_version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    def __init__(self, *args, commitment: Commitment, **kwargs):
        self.commitment = commitment
        super().__init__(*args, **kwargs)
        self.fields["expected_version"].initial = commitment.version

    @transaction.atomic
    def save(self, *, author) -> StatusChange:
        """Create the new source (if any) and record the change, all or nothing.

        Raises ``StaleVersionError`` if the commitment changed since the form was opened, and
        the service's ``ValidationError`` (per field) if the change is refused.
        """
        return status_change_record(
            commitment=self.commitment,
            new_status=self.cleaned_data["new_status"],
            effective_date=self.cleaned_data["effective_date"],
            author=author,
            note=self.cleaned_data.get("note", ""),
            sources=self.cited_sources(),
            expected_version=self.cleaned_data["expected_version"],
            origin=StatusChange.Origin.WEB,
            today=self.today,
        )

    def for_review(self, current: Commitment) -> "StatusChangeForm":
        """After a conflict: what the user typed, on ``current`` (the commitment as it is now),
        not validated. Resubmitting then records the change on top of the other person's,
        deliberately."""
        data = self.data.copy()
        data[self.add_prefix("expected_version")] = str(current.version)
        form = StatusChangeForm(
            data, commitment=current, can_add_source=self.can_add_source, today=self.today
        )
        # Shown for review, not validated: no error is displayed until the user resubmits.
        form._errors = ErrorDict()
        form.new_source_form._errors = ErrorDict()
        return form


class BulkStatusForm(StatusFieldsMixin):
    """One status change, with one note and source, for several commitments at once.

    The page sends the version of each listed commitment, as read when it was rendered, as
    ``version-<id>``; a commitment without one, or changed since, is refused like any invalid
    one, and then nothing at all is written.
    """

    commitments = forms.ModelMultipleChoiceField(
        label=_("Commitments"),
        queryset=Commitment.objects.all(),
        widget=forms.MultipleHiddenInput,
        error_messages={"required": _("Select at least one commitment.")},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.row_errors: list[tuple[Commitment, list[str]]] = []

    def expected_versions(self) -> dict[int, int]:
        versions = {}
        for key, value in self.data.items():
            if key.startswith("version-"):
                try:
                    versions[int(key.removeprefix("version-"))] = int(value)
                except ValueError:
                    continue
        return versions

    def clean(self):
        cleaned = super().clean()
        # Every row states the version read when the page was rendered: one without it could
        # only overwrite blindly.
        versions = self.expected_versions()
        for commitment in cleaned.get("commitments") or ():
            if commitment.pk not in versions:
                self.row_errors.append((commitment, [str(MISSING_VERSION)]))
        self._refuse_if_row_errors()
        return cleaned

    def _refuse_if_row_errors(self) -> None:
        if self.row_errors:
            raise ValidationError(
                _(
                    "Nothing was saved: %(count)d of the selected commitments cannot take this "
                    "change."
                ),
                code="invalid_rows",
                params={"count": len(self.row_errors)},
            )

    def save(self, *, author) -> list[StatusChange]:
        """Record the change on every selected commitment in one transaction, or on none.

        Every commitment is attempted so that all failures are reported together; if any
        fails, the transaction is rolled back and ``row_errors`` says which and why.
        """
        versions = self.expected_versions()
        entries: list[StatusChange] = []
        refused = False
        # The search documents of the whole batch rebuilt once, at its end.
        with transaction.atomic(), search_index.refreshed_once():
            sources = self.cited_sources()
            for commitment in self.cleaned_data["commitments"]:
                try:
                    with transaction.atomic():
                        entries.append(
                            status_change_record(
                                commitment=commitment,
                                new_status=self.cleaned_data["new_status"],
                                effective_date=self.cleaned_data["effective_date"],
                                author=author,
                                note=self.cleaned_data.get("note", ""),
                                sources=sources,
                                expected_version=versions[commitment.pk],
                                origin=StatusChange.Origin.WEB,
                                today=self.today,
                            )
                        )
                except StaleVersionError:
                    self.row_errors.append((commitment, [str(CHANGED_SINCE)]))
                except ValidationError as error:
                    refused = True
                    self._add_row_error(commitment, error)
            if self.row_errors or refused:
                transaction.set_rollback(True)
                try:
                    self._refuse_if_row_errors()
                except ValidationError as error:
                    self.add_error(None, error)
                return []
        return entries

    def _add_row_error(self, commitment: Commitment, error: ValidationError) -> None:
        """The change's own fields (its sources) are wrong once, at the field, for all rows;
        the rest is about one commitment, and listed with it."""
        messages = []
        for field, field_errors in error.error_dict.items():
            if field in SHARED_FIELDS:
                if not self.has_error(field):
                    self.add_error(field, field_errors)
            else:
                messages.extend(m for e in field_errors for m in e.messages)
        if messages:
            self.row_errors.append((commitment, messages))
