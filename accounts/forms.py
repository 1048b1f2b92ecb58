"""The profile page's forms."""

import logging

from django import forms
from django.db import transaction
from django.utils.translation import gettext_lazy as _
from rest_framework.authtoken.models import Token

security_log = logging.getLogger("vigie.security")


class ApiTokenForm(forms.Form):
    """Create, regenerate or revoke the user's one API token.

    A user has at most one token (DRF's ``Token`` is one per user). Generating replaces any
    existing one, so the old key stops working at once; revoking deletes it.
    """

    GENERATE = "generate"
    REVOKE = "revoke"

    action = forms.ChoiceField(
        choices=[(GENERATE, _("Generate a new token")), (REVOKE, _("Revoke the token"))],
        widget=forms.HiddenInput,
    )

    def __init__(self, *args, user, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)

    def clean_action(self):
        action = self.cleaned_data["action"]
        if action == self.REVOKE and not Token.objects.filter(user=self.user).exists():
            raise forms.ValidationError(_("You have no API token to revoke."), code="no_token")
        return action

    @transaction.atomic
    def save(self, *, client_ip: str = "-") -> Token | None:
        """Apply the action; returns the new token after generating, ``None`` after revoking."""
        replaced = Token.objects.filter(user=self.user).delete()[0] > 0
        if self.cleaned_data["action"] == self.REVOKE:
            security_log.info(
                "api token revoked: username=%r ip=%s", self.user.get_username(), client_ip
            )
            return None
        token = Token.objects.create(user=self.user)
        security_log.info(
            "api token %s: username=%r ip=%s",
            "regenerated" if replaced else "created",
            self.user.get_username(),
            client_ip,
        )
        return token
