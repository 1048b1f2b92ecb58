"""What the advocacy columns read, kept on each commitment and true to its history and claims.

- ``last_news_on``: the latest of the effective dates of its status changes and the dates of
  its claims (either side). "To check" counts the open commitments with some news, none for
  a year (``CommitmentQuerySet.to_check``).
- ``state_claimed_status``: the status the state claimed last (its latest claim of a status),
  or NULL. The commitment diverges when it differs from the status of record
  (``CommitmentQuerySet.diverging``), compared when read, so that a status change needs no
  refresh here.
- ``first_asked_on``: the date of its earliest ask, or NULL. An open commitment with one is
  waiting since then (``CommitmentQuerySet.waiting``; "open" also read when counted).

They are read at every dashboard and in every list row: kept on the commitment instead of being
looked up in the history, the claims and the asks for each of them (at 100,000 commitments, a
quarter of a second for the dashboard's "to check" count, 80 to 150 ms for its "diverging"
one, 70 to 100 ms for the asks waiting and those waiting longest).

The rules are ``last_news``, ``state_claimed_status`` and ``first_asked_on`` below, their one
home. They are applied:

- whenever a status change, a claim or an ask is saved or deleted through the ORM (signals),
  whoever writes it: services, admin, imports, seeds, tests; in the same transaction as the
  write;
- whenever a commitment is saved again through the ORM: ``save()`` writes every field from
  the instance, whose copy of the facts may predate a claim recorded since;
- to every commitment by ``refresh_all`` (``manage.py refresh_advocacy_facts``): the bench's
  generator, ``make restore``, and after data was written behind Django's back. The
  migrations that added the columns computed them with the same expressions.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import models
from django.db.models.functions import Coalesce, Greatest
from django.db.models.signals import post_save

from .derived_data import PROJECT_MODELS, on_save_and_delete

CHUNK_SIZE = 500


def last_news(models_=PROJECT_MODELS) -> models.Expression:
    """The latest of the commitment's status changes (effective date) and claims (date)."""
    commitment = models.OuterRef("pk")
    last_change = models.Subquery(
        models_.StatusChange.objects.filter(commitment=commitment)
        .order_by("-effective_date")
        .values("effective_date")[:1]
    )
    last_claim = models.Subquery(
        models_.Claim.objects.filter(commitment=commitment)
        .order_by("-made_on")
        .values("made_on")[:1]
    )
    # GREATEST is NULL on SQLite as soon as one side is: fill each side with the other.
    return Greatest(Coalesce(last_change, last_claim), Coalesce(last_claim, last_change))


def state_claimed_status(models_=PROJECT_MODELS) -> models.Expression:
    """The status of the state's latest claim of a status (by date, then as recorded)."""
    return models.Subquery(
        models_.Claim.objects.filter(commitment=models.OuterRef("pk"), side="state", kind="status")
        .order_by("-made_on", "-pk")
        .values("claimed_status")[:1]
    )


def first_asked_on(models_=PROJECT_MODELS) -> models.Expression:
    """The date of the commitment's earliest ask (read from the index of its asks by date)."""
    return models.Subquery(
        models_.Ask.objects.filter(commitment=models.OuterRef("pk"))
        .order_by("made_on")
        .values("made_on")[:1]
    )


def _facts(models_) -> dict[str, models.Expression]:
    return {
        "last_news_on": last_news(models_),
        "state_claimed_status": state_claimed_status(models_),
        "first_asked_on": first_asked_on(models_),
    }


def refresh(ids: Iterable[int | None], models_=PROJECT_MODELS) -> None:
    """Recompute the facts of the commitments ``ids`` (a deleted one is skipped)."""
    ids = sorted({pk for pk in ids if pk is not None})
    commitments = models_.Commitment._base_manager
    for start in range(0, len(ids), CHUNK_SIZE):
        chunk = ids[start : start + CHUNK_SIZE]
        # An UPDATE, not save(): derived data, not a change of the commitment (no new version,
        # no audit-trail entry).
        commitments.filter(pk__in=chunk).update(**_facts(models_))


def refresh_all(models_=PROJECT_MODELS) -> int:
    """Every commitment's facts, archived ones included; returns how many were written."""
    return models_.Commitment._base_manager.update(**_facts(models_))


def _written(sender, instance, raw=False, **kwargs):
    # Loaded from a fixture (``raw``): the commitment's own row carries its facts, and
    # ``make restore`` recomputes them all.
    if not raw:
        refresh([instance.commitment_id])


def _commitment_saved(sender, instance, created=False, raw=False, **kwargs):
    # Created: no history, claim or ask yet. Saved again: its facts written back from the instance.
    if not raw and not created:
        refresh([instance.pk])


def connect_signals() -> None:
    from .models import Ask, Claim, Commitment, StatusChange

    uid = "commitments.advocacy_facts"
    post_save.connect(_commitment_saved, sender=Commitment, dispatch_uid=f"{uid}.commitment")
    on_save_and_delete(_written, (StatusChange, Claim, Ask), uid)
