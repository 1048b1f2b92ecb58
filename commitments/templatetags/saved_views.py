"""``{% saved_views_menu %}``: the saved views a user sees, on pages whose view does not list
them itself (the dashboard). One query."""

from django import template

from commitments.models import SavedView

register = template.Library()


@register.inclusion_tag("commitments/_saved_views_menu.html", takes_context=True)
def saved_views_menu(context):
    request = context["request"]
    views = list(SavedView.objects.visible_to(request.user).select_related("owner"))
    return {"saved_views": views, "user": request.user}
