"""The per-user iCalendar feed of deadlines, authenticated by the secret token in its URL.

It lists every open deadline of the commitments the token's owner follows (owns without having
opted out, or watches): one all-day event per deadline, on the last day of its window (the day
after which it is certainly lapsed), its summary naming the commitment and what is due, and
saying when the date is approximate. Lapsed ones stay on their date, marked overdue, until
the deadline is met or the commitment final. The event UID is stable per deadline, so moving a
deadline (or the event it follows) moves the calendar event instead of duplicating it.
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

from commitments.deadlines import DatePrecision
from commitments.models import Deadline

from .links import absolute_url
from .models import CalendarToken
from .watching import followed_commitments


def _summary(deadline: Deadline, *, as_of: datetime.date) -> str:
    names = {"title": deadline.commitment.title, "label": deadline.label}
    if deadline.lateness(as_of) is not None:
        summary = _("Overdue: %(title)s — %(label)s") % names
    else:
        summary = _("Due: %(title)s — %(label)s") % names
    if deadline.precision != DatePrecision.DAY:
        summary += " " + _("(approximate date: %(date)s)") % {"date": deadline.date_display}
    return summary


def _event(deadline: Deadline, *, as_of: datetime.date, domain: str) -> icalendar.Event:
    commitment = deadline.commitment
    event = icalendar.Event()
    event.add("uid", f"deadline-{deadline.pk}@{domain}")
    event.add("dtstamp", deadline.updated_at)
    event.add("last-modified", deadline.updated_at)
    event.add("sequence", commitment.version)
    event.add("dtstart", deadline.window_end)
    event.add("dtend", deadline.window_end + datetime.timedelta(days=1))
    event.add("transp", "TRANSPARENT")
    event.add("summary", _summary(deadline, as_of=as_of))
    url = absolute_url(commitment.get_absolute_url())
    lines = [
        _("What is due: %(label)s") % {"label": deadline.label},
        _("Deadline: %(date)s") % {"date": deadline.date_display},
    ]
    if deadline.caveat:
        lines.append(_("Note: %(caveat)s") % {"caveat": deadline.caveat})
    lines += [
        _("Responsible body: %(body)s") % {"body": commitment.responsible_body},
        _("Status: %(status)s") % {"status": commitment.get_status_display()},
    ]
    if deadline.reasoning:
        lines.append(deadline.reasoning)
    lines.append(url)
    event.add("description", "\n".join(lines))
    event.add("url", url)
    event.add("categories", [str(commitment.get_category_display())])
    return event


def build_calendar(*, user, as_of: datetime.date) -> icalendar.Calendar:
    """The calendar for ``user``, in the user's language; two queries whatever its size."""
    deadlines = (
        Deadline.objects.open()
        .filter(window_end__isnull=False, commitment__in=followed_commitments(user=user))
        .select_related("commitment__responsible_body")
        .order_by("window_end", "pk")
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
        for deadline in deadlines:
            calendar.add_component(_event(deadline, as_of=as_of, domain=domain))
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
