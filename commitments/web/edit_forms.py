"""Forms of the editing pages: a commitment (its fields, first status, citations), a deadline,
a body, a source, a tag. They check the input's shape; the services check the rules.

Each form carries what its user read: a commitment's ``expected_version``, a record's
``read_state`` (its values as read, signed, whose fingerprint the service compares) and, for
a commitment, the same signed snapshot so that a conflict page can show what changed.
"""

from __future__ import annotations

import datetime

from django import forms
from django.contrib.auth import get_user_model
from django.core import signing
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from commitments.fields import (
    ASK_FIELDS,
    CLAIM_FIELDS,
    COMMITMENT_EDITABLE_FIELDS,
    DEADLINE_FIELDS,
)
from commitments.models import (
    Ask,
    Body,
    Claim,
    Commitment,
    Deadline,
    Event,
    Source,
    Status,
    Tag,
)
from commitments.services.citations import CLAIM_MAX_LENGTH
from commitments.services.lifecycle import DEADLINE_SHORTHAND
from commitments.services.reference import EDITABLE_FIELDS, record_state
from commitments.services.status import NOTE_MAX_LENGTH

from .source_fields import SourceField, SourcesField

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
STATE_SALT = "vigie.edit.read-state"
# The commitment's fields on its form: the one list, less the due date shorthand (deadlines
# have their own form, which the shorthand would bypass).
COMMITMENT_FORM_FIELDS = [f for f in COMMITMENT_EDITABLE_FIELDS if f not in DEADLINE_SHORTHAND]
MAX_CITATIONS = 50
STALE_PAGE = _("This page is out of date or was altered: reload it and type your change again.")


# --- What the user read ---------------------------------------------------------------------


def sign_state(state: dict[str, str]) -> str:
    return signing.dumps(state, salt=STATE_SALT, compress=True)


def unsign_state(value: str) -> dict[str, str] | None:
    try:
        state = signing.loads(value or "", salt=STATE_SALT)
    except signing.BadSignature:
        return None
    return state if isinstance(state, dict) else None


def commitment_state(commitment: Commitment) -> dict[str, str]:
    """What the editing page shows of a commitment, as text, to compare after a conflict.
    Expects the relations the edit page prefetches (tags, citations with their source,
    deadlines)."""
    state = {}
    for name in COMMITMENT_FORM_FIELDS:
        if name == "tags":
            state[name] = ", ".join(sorted(tag.name for tag in commitment.tags.all()))
            continue
        field = Commitment._meta.get_field(name)
        if field.choices:
            value = getattr(commitment, f"get_{name}_display")()
        elif field.is_relation:
            related = getattr(commitment, name)
            value = "" if related is None else str(related)
        elif isinstance(getattr(commitment, name), bool):
            value = str(_("yes") if getattr(commitment, name) else _("no"))
        else:
            value = str(getattr(commitment, name) or "")
        state[name] = str(value)
    state["citations"] = "\n".join(
        f"{c.source.title} — {c.claim}" if c.claim else c.source.title
        for c in commitment.citations.all()
    )
    state["deadlines"] = "\n".join(
        f"{d.label} ({d.date.isoformat() if d.date else '—'})" for d in commitment.deadlines.all()
    )
    return state


def state_labels() -> dict[str, str]:
    labels = {
        name: str(Commitment._meta.get_field(name).verbose_name) for name in COMMITMENT_FORM_FIELDS
    }
    labels["citations"] = str(_("Sources and what they say"))
    labels["deadlines"] = str(_("Deadlines"))
    return labels


def state_differences(read: dict[str, str] | None, now: dict[str, str], labels) -> list[dict]:
    """Each value that changed between what the user read and what is there now."""
    if read is None:
        return []
    return [
        {"label": labels.get(name, name), "before": read.get(name, ""), "after": value}
        for name, value in now.items()
        if read.get(name, "") != value
    ]


class ReadStateMixin(forms.Form):
    """A hidden, signed copy of what the form showed when it was opened."""

    read_state = forms.CharField(widget=forms.HiddenInput, required=False)

    def clean_read_state(self):
        value = self.cleaned_data.get("read_state") or ""
        if value and unsign_state(value) is None:
            raise ValidationError(STALE_PAGE, code="bad_state")
        return value

    def read(self) -> dict[str, str] | None:
        return unsign_state(self.data.get(self.add_prefix("read_state"), ""))


# --- A commitment ---------------------------------------------------------------------------


class CommitmentForm(ReadStateMixin, forms.ModelForm):
    """A commitment's descriptive fields, its owner and tags. On creation, its first status."""

    expected_version = forms.IntegerField(widget=forms.HiddenInput, min_value=1, required=False)
    status = forms.ChoiceField(
        label=_("Status"), choices=Status.choices, initial=Status.NOT_STARTED, required=False
    )
    effective_date = forms.DateField(
        label=_("Status effective since"),
        widget=DATE_WIDGET,
        required=False,
        help_text=_("When the commitment reached this status, e.g. 2022-07-29."),
    )
    status_note = forms.CharField(
        label=_("Note on the status"),
        required=False,
        max_length=NOTE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Why this status, e.g. “announced in the 2019 plan, nothing since”."),
    )

    class Meta:
        model = Commitment
        fields = COMMITMENT_FORM_FIELDS
        widgets = {
            "summary": forms.Textarea(attrs={"rows": 6}),
            "tags": forms.CheckboxSelectMultiple,
        }

    def __init__(self, *args, today: datetime.date | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today or timezone.localdate()
        self.creating = self.instance.pk is None
        if self.creating:
            del self.fields["expected_version"]
            self.fields["status"].required = True
            self.fields["effective_date"].required = True
            self.fields["effective_date"].initial = self.today
        else:
            for name in ("status", "effective_date", "status_note"):
                del self.fields[name]
            self.fields["expected_version"].required = True
            self.fields["expected_version"].initial = self.instance.version
            self.fields["read_state"].initial = sign_state(commitment_state(self.instance))
        self.fields["owner"].queryset = (
            get_user_model().objects.filter(is_active=True).order_by("username")
        )
        self.fields["tags"].queryset = Tag.objects.order_by("name")
        for name in ("responsible_body", "monitoring_body"):
            self.fields[name].queryset = Body.objects.order_by("name")

    def _post_clean(self):
        # Only the shape here: the service runs the model's checks (full_clean) when it saves.
        pass

    def descriptive_data(self) -> dict:
        return {name: self.cleaned_data[name] for name in COMMITMENT_FORM_FIELDS}


class CitationForm(forms.Form):
    source = SourceField(
        label=_("Source"),
        required=False,
        help_text=_("Type a few words of its title, then choose it; or type its key."),
    )
    claim = forms.CharField(
        label=_("What this source says"),
        required=False,
        max_length=CLAIM_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("In our words, e.g. “plan covering 2019-2021”."),
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("claim") and not cleaned.get("source") and "source" not in self.errors:
            self.add_error("source", ValidationError(_("Choose the source that says this.")))
        return cleaned

    def source_title(self) -> str:
        value = self.initial.get("source")
        return value.title if isinstance(value, Source) else ""


class BaseCitationFormSet(forms.BaseFormSet):
    def citations(self) -> list[tuple[Source, str]]:
        return [
            (form.cleaned_data["source"], form.cleaned_data.get("claim", ""))
            for form in self.forms
            if form.cleaned_data.get("source") and not form.cleaned_data.get("DELETE")
        ]


CitationFormSet = forms.formset_factory(
    CitationForm,
    formset=BaseCitationFormSet,
    extra=2,
    can_delete=True,
    max_num=MAX_CITATIONS,
    validate_max=True,
    absolute_max=MAX_CITATIONS + 5,
)


def citation_initial(commitment: Commitment | None) -> list[dict]:
    if commitment is None:
        return []
    return [{"source": c.source, "claim": c.claim} for c in commitment.citations.all()]


# --- A deadline -----------------------------------------------------------------------------


class DeadlineForm(forms.ModelForm):
    """One deadline; saved by ``deadline_save`` with the commitment's version read."""

    expected_version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    sources = SourcesField(
        label=_("Sources of this deadline"),
        required=False,
        help_text=_("Type a few words of a title, then choose it; or type its key."),
    )

    class Meta:
        model = Deadline
        fields = [f for f in DEADLINE_FIELDS if f != "sources"]
        widgets = {
            "date": DATE_WIDGET,
            "met_on": DATE_WIDGET,
            "reasoning": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, commitment: Commitment, **kwargs):
        super().__init__(*args, **kwargs)
        self.commitment = commitment
        self.fields["expected_version"].initial = commitment.version
        self.fields["event"].queryset = Event.objects.order_by("date", "name")
        self.fields["predecessor"].queryset = Commitment.objects.exclude(pk=commitment.pk).order_by(
            "title"
        )
        if self.instance.pk:
            self.fields["sources"].initial = list(self.instance.sources.all())

    def _post_clean(self):
        pass  # the service validates the deadline (full_clean and the deadline rules)

    def deadline_data(self) -> dict:
        return {name: self.cleaned_data[name] for name in self._meta.fields}


# --- A claim, an ask ------------------------------------------------------------------------


class EvidenceForm(forms.ModelForm):
    """A claim or an ask; saved by ``claim_record`` / ``ask_record`` with the commitment's
    version read. One source, typed and searched like the deadline's sources."""

    expected_version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    source = SourceField(
        label=_("Source"),
        help_text=_("Type a few words of its title, then choose it; or type its key."),
    )

    def __init__(self, *args, commitment: Commitment, **kwargs):
        super().__init__(*args, **kwargs)
        self.commitment = commitment
        self.fields["expected_version"].initial = commitment.version
        self.fields["body"].queryset = Body.objects.order_by("name")
        if self.instance.pk and "source" not in kwargs.get("initial", {}):
            self.initial["source"] = self.instance.source  # its key, not its id

    def _post_clean(self):
        pass  # the service validates (full_clean and the claim or ask rules)

    def evidence_data(self) -> dict:
        return {name: self.cleaned_data[name] for name in self._meta.fields}


class ClaimForm(EvidenceForm):
    class Meta:
        model = Claim
        fields = list(CLAIM_FIELDS)
        widgets = {
            "text": forms.Textarea(attrs={"rows": 3}),
            "made_on": DATE_WIDGET,
            "period_start": DATE_WIDGET,
            "period_end": DATE_WIDGET,
        }


class AskForm(EvidenceForm):
    class Meta:
        model = Ask
        fields = list(ASK_FIELDS)
        widgets = {"text": forms.Textarea(attrs={"rows": 3}), "made_on": DATE_WIDGET}


# --- Bodies, sources, tags ------------------------------------------------------------------


class RecordForm(ReadStateMixin, forms.ModelForm):
    """A body, a source or a tag, with what was read (for an existing one)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["read_state"].initial = sign_state(record_state(self.instance))

    def _post_clean(self):
        pass  # the service runs full_clean, unique checks included

    def record_data(self) -> dict:
        return {name: self.cleaned_data[name] for name in self._meta.fields}


class BodyForm(RecordForm):
    class Meta:
        model = Body
        fields = list(EDITABLE_FIELDS[Body])
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}


class SourceForm(RecordForm):
    url = forms.URLField(
        label=_("URL"),
        max_length=500,
        required=False,
        assume_scheme="https",
        help_text=_("e.g. https://www.diplomatie.gouv.fr/…"),
    )

    class Meta:
        model = Source
        fields = list(EDITABLE_FIELDS[Source])
        widgets = {
            "publication_date": DATE_WIDGET,
            "note": forms.Textarea(attrs={"rows": 3}),
            "title": forms.TextInput(attrs={"maxlength": 500}),
        }


class TagForm(RecordForm):
    class Meta:
        model = Tag
        fields = list(EDITABLE_FIELDS[Tag])


RECORD_FORMS = {Body: BodyForm, Source: SourceForm, Tag: TagForm}
