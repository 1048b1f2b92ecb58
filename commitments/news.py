"""Each commitment's last news (``Commitment.last_news_on``), kept true to its history and claims.

The last news of a commitment is the latest of the effective dates of its status changes and
the dates of its claims (either side): "to check" counts the open commitments with some news,
none for a year (``CommitmentQuerySet.to_check``). Read at every dashboard and in every list
row, it is kept on the commitment instead of being looked up in both tables for each of them
(a quarter of a second for the dashboard's count at 100,000 commitments).

The rule is ``last_news`` below, its one home. It is applied:

- whenever a status change or a claim is saved or deleted through the ORM (signals), whoever
  writes it: services, admin, imports, seeds, tests; in the same transaction as the write;
- to every commitment by ``refresh_all`` (``manage.py refresh_last_news``): the migration
  that added the column, the bench's generator, ``make restore``, and after data was written
  behind Django's back.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import models
from django.db.models.functions import Coalesce, Greatest
from django.db.models.signals import post_delete, post_save

CHUNK_SIZE = 500


class _ProjectModels:
    """The project's own models (a migration passes its historical ones instead)."""

    def __getattr__(self, name):
        from . import models as project_models

        return getattr(project_models, name)


PROJECT_MODELS = _ProjectModels()


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


def refresh(ids: Iterable[int | None], models_=PROJECT_MODELS) -> None:
    """Recompute the last news of the commitments ``ids`` (a deleted one is skipped)."""
    ids = sorted({pk for pk in ids if pk is not None})
    commitments = models_.Commitment._base_manager
    for start in range(0, len(ids), CHUNK_SIZE):
        chunk = ids[start : start + CHUNK_SIZE]
        # An UPDATE, not save(): derived data, not a change of the commitment (no new version,
        # no audit-trail entry).
        commitments.filter(pk__in=chunk).update(last_news_on=last_news(models_))


def refresh_all(models_=PROJECT_MODELS) -> int:
    """Every commitment's last news, archived ones included; returns how many were written."""
    return models_.Commitment._base_manager.update(last_news_on=last_news(models_))


def _written(sender, instance, raw=False, **kwargs):
    # Loaded from a fixture (``raw``): the commitment's own row carries its last news, and
    # ``make restore`` recomputes them all.
    if not raw:
        refresh([instance.commitment_id])


def connect_signals() -> None:
    from .models import Claim, StatusChange

    uid = "commitments.news"
    for model in (StatusChange, Claim):
        name = model.__name__
        post_save.connect(_written, sender=model, dispatch_uid=f"{uid}.save.{name}")
        post_delete.connect(_written, sender=model, dispatch_uid=f"{uid}.delete.{name}")
