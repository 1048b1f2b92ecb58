"""How dates and numbers are written to staff, in one place, for pages, e-mails and exports.

One format per context:

- **prose** (sentences, headings, e-mails): ``long_date`` — "1er décembre 2026", "18 octobre
  2022" (French writes the first day of a month as an ordinal, "1er"); in English "Dec. 1, 2026";
  ``long_datetime`` adds the time: "1er décembre 2026 à 14:05".
- **tables** (columns of dates to compare at a glance): ``short_date`` — "01/12/2026"
  (``short_datetime``: "01/12/2026 14:05"). It is also what Django writes by itself in French
  (the admin's lists, a date shown with no format): ``tracker/formats/fr``.
- a date known only to the month or year is written as known, in either context:
  ``commitments.deadlines.format_approximate`` ("décembre 2026", "2026").
- **numbers** shown to staff: ``format_number`` — "1 234" in French (non-breaking space), "1,234"
  in English. Numbers written into addresses, form values and exports stay plain: the project
  does not turn ``USE_THOUSAND_SEPARATOR`` on, so an id or a version is never grouped.
"""

import datetime
import functools

from django.core.signals import setting_changed
from django.dispatch import receiver
from django.utils import timezone
from django.utils.formats import date_format, number_format, time_format
from django.utils.translation import get_language
from django.utils.translation import gettext as _


@functools.lru_cache(maxsize=8192)
def _date_in(language: str | None, day: datetime.date, format_string: str) -> str:
    return date_format(day, format_string)


def format_date(day: datetime.date, format_string: str) -> str:
    """``date_format``, remembered per language: a list writes hundreds of dates per page
    (every row's deadline and latest change), mostly the same ones from page to page, and
    formatting one was a tenth of the overdue page's time. Only for dates: a datetime's
    format may show the time zone."""
    return _date_in(get_language(), day, format_string)


@receiver(setting_changed)
def _forget_formatted_dates(**kwargs) -> None:
    # The formats or the language a test sets apply to the next date written.
    _date_in.cache_clear()


def _is_french() -> bool:
    return (get_language() or "").split("-")[0] == "fr"


def long_date(day: datetime.date | None) -> str:
    """ "1er décembre 2026", "2 décembre 2026"; in English "Dec. 1, 2026". "" for None."""
    if day is None or day == "":
        return ""
    if isinstance(day, datetime.datetime):
        day = timezone.localtime(day).date() if timezone.is_aware(day) else day.date()
    if _is_french():
        # The first of the month is an ordinal. (The project's French DATE_FORMAT is the
        # table format, see tracker/formats.)
        return format_date(day, r"\1\e\r F Y" if day.day == 1 else "j F Y")
    return format_date(day, "DATE_FORMAT")


def long_datetime(moment: datetime.datetime | None) -> str:
    """ "1er décembre 2026 à 14:05" (local time); in English "Dec. 1, 2026 at 2:05 p.m."."""
    if moment is None or moment == "":
        return ""
    if timezone.is_aware(moment):
        moment = timezone.localtime(moment)
    return _("%(date)s at %(time)s") % {
        "date": long_date(moment.date()),
        "time": time_format(moment.time(), "TIME_FORMAT"),
    }


def short_date(day: datetime.date | None) -> str:
    """ "01/12/2026" for table cells ("12/01/2026" in English). "" for None."""
    if day is None or day == "":
        return ""
    if isinstance(day, datetime.datetime) and timezone.is_aware(day):
        day = timezone.localtime(day)
    return date_format(day, "SHORT_DATE_FORMAT")


def short_datetime(moment: datetime.datetime | None) -> str:
    """ "01/12/2026 14:05" (local time) for table cells."""
    if moment is None or moment == "":
        return ""
    if timezone.is_aware(moment):
        moment = timezone.localtime(moment)
    return date_format(moment, "SHORT_DATETIME_FORMAT")


def format_number(value) -> str:
    """ "1 234" in French, "1,234" in English; "" for None."""
    if value is None or value == "":
        return ""
    return number_format(value, force_grouping=True)
