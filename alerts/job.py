"""The daily alert job (``check_deadlines``): raise and address alerts, then e-mail digests."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db import transaction

from .digests import DigestResult, digests_send
from .locking import job_lock
from .raising.runner import RaiseResult, alerts_raise

JOB_NAME = "check_deadlines"


@dataclass
class JobResult:
    raised: RaiseResult | None
    digests: DigestResult | None

    @property
    def skipped(self) -> bool:
        """Another run held the job: this one did nothing."""
        return self.raised is None


def alert_job_run(*, as_of: datetime.date, dry_run: bool = False) -> JobResult:
    """Raise the alerts due as of ``as_of``, then e-mail each recipient one digest.

    ``dry_run`` raises inside a transaction that is rolled back and only counts the digests
    that would be sent: it reports everything and writes and sends nothing. Runs exclude each
    other: one started while another is under way does nothing and says so.
    """
    with job_lock(JOB_NAME) as acquired:
        if not acquired:
            return JobResult(raised=None, digests=None)
        return _run(as_of=as_of, dry_run=dry_run)


def _run(*, as_of: datetime.date, dry_run: bool) -> JobResult:
    if dry_run:
        with transaction.atomic():
            raised = alerts_raise(as_of=as_of)
            digests = digests_send(as_of=as_of, dry_run=True)
            transaction.set_rollback(True)
    else:
        raised = alerts_raise(as_of=as_of)
        digests = digests_send(as_of=as_of)
    return JobResult(raised=raised, digests=digests)
