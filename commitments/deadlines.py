"""The deadline rules, once, for any dated thing: a commitment's due date today; deadline rows,
milestones and reply-due dates next.

A thing is *overdue* on ``as_of`` when it is still open and its date is strictly before
``as_of``: due today is not overdue, and an undated thing is never overdue. *Due within*
``days`` includes both ends (``as_of`` and ``as_of + days``). The database side
(:class:`DeadlineRules`, :class:`DeadlineQuerySetMixin`) and the Python side
(:func:`is_overdue`, :func:`days_overdue`, :func:`days_left`, which instance methods mirror
for templates) say the same thing.
"""

import dataclasses
import datetime
from collections.abc import Callable

from django.db import models
from django.db.models import F, Q

from .expressions import DaysBetween


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
