"""Changing and resetting a password: Django's own views, with Vigie's templates, security log
and throttling.

Who may use them: the change pages, any logged-in user (viewer, editor, administrator) for
their own account; the reset pages, anyone (they are how a locked-out person gets back in).
A reset request answers the same whether or not the address belongs to someone, is
throttled (``PASSWORD_RESET_LIMIT`` an hour per client address and per e-mail address) and
logged to ``vigie.security`` like a login; the link it sends works once, for
``PASSWORD_RESET_TIMEOUT`` seconds.
"""

import logging

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import PasswordResetForm
from django.core.mail import EmailMultiAlternatives
from django.shortcuts import render
from django.template import loader
from django.urls import reverse_lazy
from django.utils import translation
from django.utils.translation import gettext as _

from tracker.http import client_ip

from .throttling import hits_within_limit

security_log = logging.getLogger("vigie.security")


def _log(event: str, request, **fields) -> None:
    extra = "".join(f" {name}={value!r}" for name, value in fields.items())
    security_log.info("%s:%s ip=%s path=%s", event, extra, client_ip(request) or "-", request.path)


class ResetRequestForm(PasswordResetForm):
    """Django's form; the e-mail is written in the recipient's language, and a failure to
    send is logged (never shown: the page must not tell whether the address exists)."""

    def send_mail(
        self,
        subject_template_name,
        email_template_name,
        context,
        from_email,
        to_email,
        html_email_template_name=None,
    ):
        with translation.override(context["user"].language or settings.LANGUAGE_CODE):
            subject = "".join(loader.render_to_string(subject_template_name, context).splitlines())
            body = loader.render_to_string(email_template_name, context)
        try:
            EmailMultiAlternatives(subject, body, from_email, [to_email]).send()
        except OSError:  # smtplib's errors included
            security_log.exception(
                "password reset e-mail not sent: username=%r", context["user"].get_username()
            )


class PasswordResetView(auth_views.PasswordResetView):
    form_class = ResetRequestForm
    template_name = "accounts/password_reset_form.html"
    subject_template_name = "accounts/email/password_reset_subject.txt"
    email_template_name = "accounts/email/password_reset.txt"
    success_url = reverse_lazy("accounts:password_reset_done")

    @property
    def extra_email_context(self):
        return {"site_url": settings.SITE_URL, "hours": settings.PASSWORD_RESET_TIMEOUT // 3600}

    def form_valid(self, form):
        email = form.cleaned_data["email"].casefold()
        ip = client_ip(self.request) or "-"
        if not hits_within_limit(
            scope="password-reset",
            idents=[f"ip:{ip}", f"email:{email}"],
            limit=settings.PASSWORD_RESET_LIMIT,
            window=settings.PASSWORD_RESET_WINDOW,
        ):
            security_log.warning(
                "password reset throttled: email=%r ip=%s path=%s", email, ip, self.request.path
            )
            return render(
                self.request,
                "accounts/password_reset_throttled.html",
                {"title": _("Too many requests")},
                status=429,
            )
        _log("password reset requested", self.request, email=email)
        return super().form_valid(form)


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "accounts/password_reset_done.html"


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("accounts:password_reset_complete")

    def form_valid(self, form):
        response = super().form_valid(form)
        _log("password reset completed", self.request, username=form.user.get_username())
        return response


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "accounts/password_reset_complete.html"


class PasswordChangeView(auth_views.PasswordChangeView):
    """Change one's own password (the old one is asked); the session stays logged in."""

    template_name = "accounts/password_change_form.html"
    success_url = reverse_lazy("accounts:profile")

    def form_valid(self, form):
        response = super().form_valid(form)
        _log("password changed", self.request, username=self.request.user.get_username())
        messages.success(self.request, _("Your password was changed."))
        return response
