"""The daily alert job (``check_deadlines``): raise and address alerts, then e-mail digests."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db import transaction

from .digests import DigestResult, digests_send
from .raising.runner import RaiseResult, alerts_raise


@dataclass
class JobResult:
    raised: RaiseResult
    digests: DigestResult


def alert_job_run(*, as_of: datetime.date, dry_run: bool = False) -> JobResult:
    """Raise the alerts due as of ``as_of``, then e-mail each recipient one digest.

    ``dry_run`` raises inside a transaction that is rolled back and only counts the digests
    that would be sent: it reports everything and writes and sends nothing.
    """
    if dry_run:
        with transaction.atomic():
            raised = alerts_raise(as_of=as_of)
            digests = digests_send(as_of=as_of, dry_run=True)
            transaction.set_rollback(True)
    else:
        raised = alerts_raise(as_of=as_of)
        digests = digests_send(as_of=as_of)
    return JobResult(raised=raised, digests=digests)
