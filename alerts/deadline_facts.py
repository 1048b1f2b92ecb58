"""What a deadline alert says about its deadline, the same in the digest, the inbox and the
dashboard panel: what is due, the date as it is known, how late (or how near) it is, and the
caveat a reader must know before quoting the date.

Lateness is never stored: it is the deadline's own (``Deadline.lateness``), as of the day the
reader looks, and stated no more precisely than the date is known ("more than 4 years late"
for "septembre 2022", "12 days late" for an exact day).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from commitments.deadlines import DatePrecision


@dataclass(frozen=True)
class DeadlineFacts:
    label: str  # what is due, e.g. "Rapport remis au Comité avant sa session"
    date: str  # as known, e.g. "septembre 2022", "15 juin 2024"
    state: str  # e.g. "more than 4 years late", "in 5 days", "last day today"; "" if neither
    caveat: str  # e.g. "date deduced by the coalition, not official; approximate date"
    is_late: bool


def _state(deadline, as_of: datetime.date) -> tuple[str, bool]:
    lateness = deadline.lateness(as_of)
    if lateness is not None:
        return str(lateness), True
    days_left = deadline.days_left(as_of)
    if days_left is None:
        return "", False
    if deadline.precision == DatePrecision.DAY:
        if days_left == 0:
            return _("due today"), False
        return ngettext("in %(count)d day", "in %(count)d days", days_left) % {
            "count": days_left
        }, False
    if days_left == 0:
        return _("its last possible day is today"), False
    return ngettext("%(count)d day left at most", "%(count)d days left at most", days_left) % {
        "count": days_left
    }, False


def deadline_facts(alert, as_of: datetime.date) -> DeadlineFacts | None:
    """The facts of ``alert``'s deadline as of ``as_of``; None for an alert without one (a
    status change, or a deadline since deleted). Reads ``alert.deadline`` and its commitment:
    load them with ``Delivery.objects.with_relations()``."""
    deadline = alert.deadline
    if deadline is None:
        return None
    state, is_late = _state(deadline, as_of)
    return DeadlineFacts(
        label=deadline.label,
        date=deadline.date_display,
        state=state,
        caveat=deadline.caveat,
        is_late=is_late,
    )
