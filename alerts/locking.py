"""Runs of a job exclude each other on every database: a lock row claimed by conditional UPDATE."""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from .models import JobLock

# Longer than any run takes; a run that died frees the job after this.
DEFAULT_LOCK_TTL = datetime.timedelta(hours=1)


@contextmanager
def job_lock(name: str, *, ttl: datetime.timedelta = DEFAULT_LOCK_TTL) -> Iterator[bool]:
    """Hold the job ``name`` for the block; yields False (and holds nothing) if another run
    holds it."""
    holder = uuid.uuid4()
    with transaction.atomic():
        JobLock.objects.get_or_create(name=name)
        now = timezone.now()
        acquired = (
            JobLock.objects.filter(name=name)
            .filter(Q(holder__isnull=True) | Q(expires_at__lt=now))
            .update(holder=holder, expires_at=now + ttl)
        )
    try:
        yield bool(acquired)
    finally:
        if acquired:
            JobLock.objects.filter(name=name, holder=holder).update(holder=None, expires_at=None)
