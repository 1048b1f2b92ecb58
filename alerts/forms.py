from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Alert, Delivery


class InboxFilterForm(forms.Form):
    """The inbox's filters (GET): kind of alert, and whether to show acknowledged ones."""

    STATE_UNACKNOWLEDGED = "unacknowledged"
    STATE_ALL = "all"

    kind = forms.ChoiceField(
        label=_("Kind"),
        required=False,
        choices=[("", _("All kinds")), *Alert.Kind.choices],
    )
    state = forms.ChoiceField(
        label=_("Show"),
        required=False,
        choices=[
            (STATE_UNACKNOWLEDGED, _("To acknowledge")),
            (STATE_ALL, _("All, including acknowledged and closed")),
        ],
    )

    def filter(self, queryset):
        """Apply the valid filters; unknown values fall back to the defaults."""
        data = self.cleaned_data if self.is_valid() else {}
        if data.get("kind"):
            queryset = queryset.filter(alert__kind=data["kind"])
        if data.get("state") != self.STATE_ALL:
            queryset = queryset.unacknowledged()
        return queryset


class AcknowledgeForm(forms.Form):
    """Acknowledge one delivery (``only``), the ticked ones (``deliveries``) or ``all``.

    Only the requesting user's deliveries are accepted: another user's id is a form error.
    """

    deliveries = forms.ModelMultipleChoiceField(
        label=_("Alerts"), queryset=Delivery.objects.none(), required=False
    )
    only = forms.ModelChoiceField(
        label=_("Alert"), queryset=Delivery.objects.none(), required=False
    )
    all = forms.BooleanField(label=_("All my alerts"), required=False)
    kind = forms.ChoiceField(
        label=_("Kind"), required=False, choices=[("", _("All kinds")), *Alert.Kind.choices]
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        own = Delivery.objects.for_user(user)
        self.fields["deliveries"].queryset = own
        self.fields["only"].queryset = own

    def clean(self):
        data = super().clean()
        if not (data.get("only") or data.get("deliveries") or data.get("all")):
            raise forms.ValidationError(
                _("Tick at least one alert to acknowledge."), code="nothing_selected"
            )
        return data
