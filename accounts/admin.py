from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from .models import User
from .services import user_deactivate, users_deactivate


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    fieldsets = (
        *BaseUserAdmin.fieldsets,
        (_("Preferences"), {"fields": ("language",)}),
    )
    list_display = (
        "username",
        "email",
        "first_name",
        "last_name",
        "language",
        "is_staff",
        "is_active",
    )
    list_filter = (*BaseUserAdmin.list_filter, "language")
    actions = ["deactivate_users"]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        # Unticking "active" goes through the service, which also ends the user's sessions.
        if change and "is_active" in form.changed_data and not obj.is_active:
            user_deactivate(user=obj, by=request.user)

    @admin.action(description=_("Deactivate selected users (and end their sessions)"))
    def deactivate_users(self, request, queryset):
        if queryset.filter(pk=request.user.pk).exists():
            self.message_user(request, _("You cannot deactivate your own account."), messages.ERROR)
            return
        users = list(queryset)
        ended = users_deactivate(users=users, by=request.user)
        self.message_user(
            request,
            " ".join(
                (
                    ngettext(
                        "%(count)d user deactivated.", "%(count)d users deactivated.", len(users)
                    )
                    % {"count": len(users)},
                    ngettext("%(count)d session ended.", "%(count)d sessions ended.", ended)
                    % {"count": ended},
                )
            ),
            messages.SUCCESS,
        )
