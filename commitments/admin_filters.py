"""List filters of the admin's commitment list, on the domain's queries."""

from django.contrib import admin
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class OverdueListFilter(admin.SimpleListFilter):
    title = _("overdue")
    parameter_name = "overdue"

    def lookups(self, request, model_admin):
        return (("yes", _("Yes")), ("no", _("No")))

    def queryset(self, request, queryset):
        today = timezone.localdate()
        if self.value() == "yes":
            return queryset.overdue(today)
        if self.value() == "no":
            return queryset.not_overdue(today)
        return queryset


class ArchivedListFilter(admin.SimpleListFilter):
    title = _("archived")
    parameter_name = "archived"

    def lookups(self, request, model_admin):
        return (("no", _("No")), ("yes", _("Yes")))

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.archived()
        if self.value() == "no":
            return queryset.filter(archived_at__isnull=True)
        return queryset
