from django import template

from ..watching import is_watching as user_is_watching

register = template.Library()


@register.simple_tag(takes_context=True)
def is_watching(context, commitment) -> bool:
    """``{% is_watching commitment as watching %}``: one query for the current user."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None:
        return False
    return user_is_watching(user=user, commitment=commitment)
