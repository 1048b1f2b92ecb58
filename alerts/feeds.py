"""The per-user iCalendar feed of deadlines, authenticated by the secret token in its URL.

It lists the open commitments with a due date that the token's owner follows (owns without
having opted out, or watches): one all-day event per commitment on its due date. Lapsed ones
stay on their date, marked overdue, until the commitment is met or abandoned. The event UID is
stable per commitment, so moving a due date moves the event instead of duplicating it.
"""

import datetime
from urllib.parse import urlsplit

import icalendar
from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpResponse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from .links import absolute_url
from .models import CalendarToken
from .watching import followed_commitments


def _event(commitment, *, as_of: datetime.date, domain: str) -> icalendar.Event:
    event = icalendar.Event()
    event.add("uid", f"commitment-{commitment.pk}@{domain}")
    event.add("dtstamp", commitment.updated_at)
    event.add("last-modified", commitment.updated_at)
    event.add("sequence", commitment.version)
    event.add("dtstart", commitment.due_date)
    event.add("dtend", commitment.due_date + datetime.timedelta(days=1))
    event.add("transp", "TRANSPARENT")
    if commitment.is_overdue(as_of):
        summary = _("Overdue: %(title)s") % {"title": commitment.title}
    else:
        summary = _("Due: %(title)s") % {"title": commitment.title}
    event.add("summary", summary)
    url = absolute_url(commitment.get_absolute_url())
    lines = [
        _("Responsible body: %(body)s") % {"body": commitment.responsible_body},
        _("Status: %(status)s") % {"status": commitment.get_status_display()},
    ]
    if commitment.due_date_note:
        lines.append(commitment.due_date_note)
    lines.append(url)
    event.add("description", "\n".join(lines))
    event.add("url", url)
    event.add("categories", [str(commitment.get_category_display())])
    return event


def build_calendar(*, user, as_of: datetime.date) -> icalendar.Calendar:
    """The calendar for ``user``, in the user's language; two queries whatever its size."""
    commitments = (
        followed_commitments(user=user)
        .open()
        .filter(due_date__isnull=False)
        .select_related("responsible_body")
        .order_by("due_date", "pk")
    )
    domain = urlsplit(settings.SITE_URL).hostname or "vigie"
    with translation.override(getattr(user, "language", "") or settings.LANGUAGE_CODE):
        calendar = icalendar.Calendar()
        calendar.add("prodid", "-//Vigie//Deadlines//FR")
        calendar.add("version", "2.0")
        calendar.add("calscale", "GREGORIAN")
        calendar.add("method", "PUBLISH")
        calendar.add("x-wr-calname", _("Vigie deadlines (%(user)s)") % {"user": user})
        calendar.add("x-wr-timezone", settings.TIME_ZONE)
        calendar.add("x-published-ttl", "PT6H")
        for commitment in commitments:
            calendar.add_component(_event(commitment, as_of=as_of, domain=domain))
    return calendar


@login_not_required
@never_cache
@require_GET
def calendar_feed(request, token: str):
    """The feed for the token's owner; 404 for an unknown (or reset) token or inactive user."""
    found = CalendarToken.objects.select_related("user").filter(token=token).first()
    if found is None or not found.user.is_active:
        raise Http404(_("No calendar at this address."))
    calendar = build_calendar(user=found.user, as_of=timezone.localdate())
    response = HttpResponse(calendar.to_ical(), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="vigie.ics"'
    response["X-Robots-Tag"] = "noindex"
    return response
