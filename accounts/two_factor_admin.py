"""The admin site, requiring a session verified by a second factor from staff.

Installed in place of ``django.contrib.admin`` (``VigieAdminConfig``) so that every
``admin.register`` in the project lands on this site. With ``OTP_ADMIN_REQUIRED`` on (the
default when DEBUG is off), a staff member whose session is not verified is sent to the
verification page, or to the setup page if they have no device yet.
"""

from django.conf import settings
from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.contrib.auth.decorators import login_not_required
from django.core import checks
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.views.decorators.cache import never_cache


class VigieAdminSite(admin.AdminSite):
    site_header = "Vigie"
    site_title = "Vigie"

    @property
    def login_form(self):
        # Imported late: this module is loaded with the app registry, before any form can be.
        from .login import AdminLoginForm

        return AdminLoginForm

    def has_permission(self, request):
        if not super().has_permission(request):
            return False
        if not settings.OTP_ADMIN_REQUIRED:
            return True
        from .two_factor import is_verified

        return is_verified(request.user)

    @method_decorator(never_cache)
    @login_not_required
    def login(self, request, extra_context=None):
        user = request.user
        if (
            request.method == "GET"
            and settings.OTP_ADMIN_REQUIRED
            and user.is_authenticated
            and user.is_active
            and user.is_staff
        ):
            from django_otp import user_has_device

            from .two_factor import is_verified, url_with_next

            if not is_verified(user):
                next_url = request.GET.get(REDIRECT_FIELD_NAME) or reverse(
                    "admin:index", current_app=self.name
                )
                step = "two_factor:verify" if user_has_device(user) else "two_factor:setup"
                return redirect(url_with_next(step, next_url))
        return super().login(request, extra_context)


class VigieAdminConfig(AdminConfig):
    default_site = "accounts.two_factor_admin.VigieAdminSite"

    def ready(self):
        super().ready()
        checks.register(check_admin_two_factor, checks.Tags.security, deploy=True)


def check_admin_two_factor(app_configs, **kwargs):
    """`check --deploy`: the admin must require two-factor authentication in production."""
    if settings.OTP_ADMIN_REQUIRED:
        return []
    return [
        checks.Warning(
            "OTP_ADMIN_REQUIRED is off: the admin site accepts staff without a second factor.",
            hint="Unset OTP_ADMIN_REQUIRED (or set it to 1) in production.",
            id="vigie.W001",
        )
    ]
