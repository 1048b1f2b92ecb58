"""Inviting new staff: an administrator enters a name, an e-mail address and a role; the new
member receives a one-time link (``accounts.tokens``) to set their password.

Who may use it: the invitation page, administrators only (``roles.may_invite``; anyone else
gets 403, and the link to it shows only to them); the page the link opens, anyone holding a
valid link (it expires after ``INVITATION_TIMEOUT`` and works once).
"""

import logging

from django import forms
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from tracker.http import client_ip

from . import roles
from .models import User
from .services import user_invite
from .tokens import invitation_tokens

security_log = logging.getLogger("vigie.security")


class InvitationForm(forms.Form):
    first_name = forms.CharField(label=gettext_lazy("First name"), max_length=150)
    last_name = forms.CharField(label=gettext_lazy("Last name"), max_length=150)
    email = forms.EmailField(
        label=gettext_lazy("E-mail address"),
        # The address is also the username, which is at most 150 characters.
        max_length=150,
        help_text=gettext_lazy("The invitation is sent there; it is also their username."),
        widget=forms.EmailInput(attrs={"autocomplete": "off"}),
    )
    role = forms.ChoiceField(
        label=gettext_lazy("Role"),
        choices=list(roles.ROLE_LABELS.items()),
        initial=roles.VIEWERS,
        widget=forms.RadioSelect,
    )


@never_cache
@require_http_methods(["GET", "POST"])
def invite(request):
    """GET shows the form; POST creates the account and sends the invitation."""
    if not roles.may_invite(request.user):
        raise PermissionDenied
    form = InvitationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = user_invite(**form.cleaned_data, by=request.user, client_ip=client_ip(request))
        except ValidationError as error:
            if hasattr(error, "error_dict"):
                for field, errors in error.error_dict.items():
                    form.add_error(field, errors)
            else:
                form.add_error(None, error)
        else:
            messages.success(
                request,
                _("%(name)s was invited: the e-mail is on its way to %(email)s.")
                % {"name": user.get_full_name(), "email": user.email},
            )
            return redirect("accounts:invite")
    pending = User.objects.filter(is_active=True, password__startswith="!", last_login=None)
    return render(
        request,
        "accounts/invite.html",
        {"form": form, "pending": pending.order_by("-date_joined")[:50]},
        status=400 if form.is_bound and form.errors else 200,
    )


class InvitationAcceptView(auth_views.PasswordResetConfirmView):
    """The page the invitation opens: choose a password, then log in."""

    template_name = "accounts/invitation_accept.html"
    token_generator = invitation_tokens
    reset_url_token = "set-password"
    success_url = reverse_lazy("login")

    def form_valid(self, form):
        response = super().form_valid(form)
        security_log.info(
            "invitation accepted: username=%r ip=%s path=%s",
            form.user.get_username(),
            client_ip(self.request) or "-",
            self.request.path,
        )
        messages.success(self.request, _("Your password is set: you can now log in."))
        return response

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["title"] = (
            _("Choose your password") if self.validlink else _("This link no longer works")
        )
        return context
