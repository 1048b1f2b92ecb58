from django import template

from .. import services

register = template.Library()


@register.simple_tag(takes_context=True)
def is_watching(context, commitment) -> bool:
    """``{% is_watching commitment as watching %}``: one query for the current user."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None:
        return False
    return services.is_watching(user=user, commitment=commitment)
