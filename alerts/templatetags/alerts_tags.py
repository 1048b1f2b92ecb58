from django import template
from django.utils import timezone

from commitments.web.access import request_as_of

from ..deadline_facts import deadline_facts as alert_deadline_facts
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


@register.simple_tag(takes_context=True)
def deadline_facts(context, alert):
    """``{% deadline_facts alert as facts %}``: what is due, the date as known, how late or
    how near as of the request's day, the caveat (None without a deadline). No query when the
    alert was loaded with ``Delivery.objects.with_relations()``."""
    request = context.get("request")
    as_of = request_as_of(request) if request is not None else timezone.localdate()
    return alert_deadline_facts(alert, as_of)
