"""The deadline rules, once, for any dated thing: a commitment's due date, its deadline rows;
milestones and reply-due dates next.

A thing is *overdue* on ``as_of`` when it is still open and its date is strictly before
``as_of``: due today is not overdue, and an undated thing is never overdue. *Due within*
``days`` includes both ends (``as_of`` and ``as_of + days``). The database side
(:class:`DeadlineRules`, :class:`DeadlineQuerySetMixin`) and the Python side
(:func:`is_overdue`, :func:`days_overdue`, :func:`days_left`, which instance methods mirror
for templates) say the same thing.

Dates known roughly have a *precision* (day, month, year): "before the September 2022 session"
falls somewhere in September 2022, its *window* (:func:`window`). A deadline is certainly
lapsed only once its whole window has passed, and how late it is can only be said in the unit
its date is known in (:func:`lateness`): "12 days late" for a day, "more than 4 months late"
for a month, never a false exact count.
"""

import calendar
import dataclasses
import datetime
from collections.abc import Callable

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from .expressions import DaysBetween
from .formatting import format_date, format_number, long_date

DAY, MONTH, YEAR = "day", "month", "year"


class DatePrecision(models.TextChoices):
    """How precisely a date is known."""

    DAY = DAY, _("Day")
    MONTH = MONTH, _("Month")
    YEAR = YEAR, _("Year")


def window(day: datetime.date, precision: str) -> tuple[datetime.date, datetime.date]:
    """The first and last day a date may be: (2022-09-01, 2022-09-30) for September 2022."""
    if precision == YEAR:
        return datetime.date(day.year, 1, 1), datetime.date(day.year, 12, 31)
    if precision == MONTH:
        return day.replace(day=1), day.replace(day=calendar.monthrange(day.year, day.month)[1])
    return day, day


def shift(day: datetime.date, precision: str, offset_days: int) -> datetime.date:
    """``day`` moved by ``offset_days``, kept at the start of its period for rough dates."""
    return window(day + datetime.timedelta(days=offset_days), precision)[0]


def format_approximate(day: datetime.date | None, precision: str) -> str:
    """A date as precisely as it is known: "1er octobre 2022", "septembre 2022", "2021"."""
    if day is None:
        return ""
    if precision == YEAR:
        return str(day.year)
    if precision == MONTH:
        return format_date(day, "YEAR_MONTH_FORMAT")
    return long_date(day)


def whole_months_between(start: datetime.date, end: datetime.date) -> int:
    """Full calendar months from ``start`` to ``end`` (0 when ``end`` is before)."""
    months = (end.year - start.year) * 12 + end.month - start.month
    if end.day < start.day:
        months -= 1
    return max(months, 0)


@dataclasses.dataclass(frozen=True)
class Lateness:
    """How late a deadline is on a day, said no more precisely than its date is known.

    ``days`` is the least it can be late (from the last day of its window), ``since`` the
    first day it was certainly late, ``months`` the full months since then.
    """

    days: int
    months: int
    since: datetime.date
    precision: str

    @property
    def is_exact(self) -> bool:
        return self.precision == DAY

    def __str__(self) -> str:
        """ "12 days late", "more than 4 months late", "more than 4 years late"."""
        if self.is_exact:
            return ngettext("%(count)s day late", "%(count)s days late", self.days) % {
                "count": format_number(self.days)
            }
        if self.months >= 12:
            years = self.months // 12
            return ngettext(
                "more than %(count)d year late", "more than %(count)d years late", years
            ) % {"count": years}
        if self.months >= 1:
            return ngettext(
                "more than %(count)d month late", "more than %(count)d months late", self.months
            ) % {"count": self.months}
        return ngettext(
            "at least %(count)s day late", "at least %(count)s days late", self.days
        ) % {"count": format_number(self.days)}


def lateness(
    window_end: datetime.date | None, precision: str, as_of: datetime.date
) -> Lateness | None:
    """How late a deadline whose window ends on ``window_end`` is on ``as_of``, or None when
    it is not certainly lapsed: the last day of the window is not late."""
    if not is_overdue(window_end, as_of):
        return None
    since = window_end + datetime.timedelta(days=1)
    return Lateness(
        days=(as_of - window_end).days,
        months=whole_months_between(since, as_of),
        since=since,
        precision=precision,
    )


def waited(day: datetime.date | None, precision: str, as_of: datetime.date) -> str:
    """How long something dated ``day`` (as precisely as ``precision``) has waited on
    ``as_of``, counted from the last day it may have been, as :func:`lateness` counts:
    "for more than 4 years", "for more than 3 months", "for 12 days", or "" when not yet."""
    if day is None:
        return ""
    latest = window(day, precision)[1]
    if latest >= as_of:
        return ""
    months = whole_months_between(latest, as_of)
    if months >= 12:
        years = months // 12
        return ngettext("for more than %(count)d year", "for more than %(count)d years", years) % {
            "count": years
        }
    if months >= 1:
        return ngettext(
            "for more than %(count)d month", "for more than %(count)d months", months
        ) % {"count": months}
    days = (as_of - latest).days
    if precision == DAY:
        return ngettext("for %(count)s day", "for %(count)s days", days) % {
            "count": format_number(days)
        }
    return ngettext("for at least %(count)s day", "for at least %(count)s days", days) % {
        "count": format_number(days)
    }


def is_overdue(due: datetime.date | None, as_of: datetime.date) -> bool:
    """Dated strictly before ``as_of`` (the caller checks that the thing is still open)."""
    return due is not None and due < as_of


def days_overdue(due: datetime.date | None, as_of: datetime.date) -> int | None:
    """Days since ``due`` when overdue (1 the day after), else ``None``."""
    return (as_of - due).days if is_overdue(due, as_of) else None


def days_left(due: datetime.date | None, as_of: datetime.date) -> int | None:
    """Days until ``due`` when not past (0 on the day itself), else ``None``."""
    return (due - as_of).days if due is not None and due >= as_of else None


@dataclasses.dataclass(frozen=True)
class DeadlineRules:
    """The rules for one kind of dated thing: which date field, and what "still open" means.

    Every condition takes a ``prefix`` so that it also counts across a relation (the
    commitments a body owes: ``prefix="commitments_owed__"``).
    """

    date_field: str
    is_open: Callable[[str], Q]  # prefix -> the "still open" condition

    def open_q(self, prefix: str = "") -> Q:
        return self.is_open(prefix)

    def overdue_q(self, as_of: datetime.date, prefix: str = "") -> Q:
        """Open and dated strictly before ``as_of``."""
        return self.open_q(prefix) & Q(**{f"{prefix}{self.date_field}__lt": as_of})

    def upcoming_q(self, as_of: datetime.date, prefix: str = "") -> Q:
        """Open and dated on or after ``as_of``."""
        return self.open_q(prefix) & Q(**{f"{prefix}{self.date_field}__gte": as_of})

    def due_within_q(self, days: int, as_of: datetime.date, prefix: str = "") -> Q:
        """Open and dated from ``as_of`` to ``as_of + days``, both included."""
        return self.upcoming_q(as_of, prefix) & Q(
            **{f"{prefix}{self.date_field}__lte": as_of + datetime.timedelta(days=days)}
        )

    def days_overdue_expression(self, as_of: datetime.date) -> models.Case:
        """Days since the date for overdue rows (computed in SQL), else NULL."""
        return models.Case(
            models.When(self.overdue_q(as_of), then=DaysBetween(F(self.date_field), as_of)),
            default=None,
            output_field=models.IntegerField(),
        )


class DeadlineQuerySetMixin:
    """``overdue``, ``not_overdue``, ``due_within`` and ``with_days_overdue`` for a QuerySet
    whose model names its rules in ``deadline_rules``."""

    deadline_rules: DeadlineRules

    def overdue(self, as_of: datetime.date):
        """Open and due strictly before ``as_of``: due today is not overdue."""
        return self.filter(self.deadline_rules.overdue_q(as_of))

    def not_overdue(self, as_of: datetime.date):
        """The complement of ``overdue``: closed, undated, or due on or after ``as_of``."""
        overdue = self.model._base_manager.filter(self.deadline_rules.overdue_q(as_of))
        return self.exclude(pk__in=overdue.values("pk"))

    def due_within(self, days: int, as_of: datetime.date):
        """Open and due from ``as_of`` (included) to ``as_of + days`` (included)."""
        return self.filter(self.deadline_rules.due_within_q(days, as_of))

    def with_days_overdue(self, as_of: datetime.date):
        """Annotate ``days_overdue``: days since the due date for overdue rows, else NULL."""
        return self.annotate(days_overdue=self.deadline_rules.days_overdue_expression(as_of))
