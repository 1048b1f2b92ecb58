"""Admin for alerts: read-mostly. Alerts are raised by ``check_deadlines``, never by hand."""

from django.contrib import admin

from .models import Alert, CalendarToken, Delivery, Watch


class DeliveryInline(admin.TabularInline):
    model = Delivery
    extra = 0
    can_delete = False
    fields = ("user", "created_at", "notified_at", "acknowledged_at")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Alert)
class AlertAdmin(admin.ModelAdmin):
    list_display = (
        "commitment",
        "deadline",
        "kind",
        "due_date",
        "lead_days",
        "raised_as_of",
        "closed_at",
    )
    list_filter = ("kind", ("closed_at", admin.EmptyFieldListFilter), "raised_as_of")
    search_fields = ("commitment__title", "commitment__key")
    date_hierarchy = "raised_as_of"
    list_select_related = ("commitment", "deadline")
    readonly_fields = (
        "commitment",
        "deadline",
        "kind",
        "due_date",
        "lead_days",
        "status_change",
        "raised_as_of",
        "run_id",
        "created_at",
        "closed_at",
        "closed_reason",
    )
    inlines = [DeliveryInline]

    def has_add_permission(self, request):
        # Alerts come from the deadline check only, so each exists once.
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    list_display = ("alert", "user", "notified_at", "acknowledged_at")
    list_filter = (
        "alert__kind",
        ("notified_at", admin.EmptyFieldListFilter),
        ("acknowledged_at", admin.EmptyFieldListFilter),
    )
    search_fields = ("user__username", "alert__commitment__title")
    list_select_related = ("alert__commitment", "user")
    readonly_fields = ("alert", "user", "created_at", "notified_at", "acknowledged_at")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Watch)
class WatchAdmin(admin.ModelAdmin):
    list_display = ("commitment", "user", "watching", "created_at")
    list_filter = ("watching",)
    search_fields = ("user__username", "commitment__title")
    list_select_related = ("commitment", "user")
    raw_id_fields = ("user", "commitment")


@admin.register(CalendarToken)
class CalendarTokenAdmin(admin.ModelAdmin):
    """Administrators can revoke a token (delete it); they never see or set its value."""

    list_display = ("user", "created_at")
    search_fields = ("user__username",)
    fields = ("user", "created_at")
    readonly_fields = ("user", "created_at")
    list_select_related = ("user",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
