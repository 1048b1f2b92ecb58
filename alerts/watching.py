"""Who follows a commitment, and following or no longer following one.

The rule, the same here and in ``delivery`` (which applies it to every alert at once): the
owner follows their commitment unless they opted out (their row with ``watching=False``), and
anyone with a ``watching=True`` row follows it too.
"""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q, QuerySet

from commitments.models import Commitment

from .models import Watch


def is_watching(*, user, commitment: Commitment) -> bool:
    """Whether ``user`` receives ``commitment``'s alerts (owners do unless they opted out).

    One query (none for an anonymous user).
    """
    if not user.is_authenticated:
        return False
    row = Watch.objects.filter(user=user, commitment=commitment).values_list("watching").first()
    if row is not None:
        return row[0]
    return commitment.owner_id == user.pk


def followed_commitments(*, user) -> QuerySet:
    """Commitments ``user`` follows: owned (not opted out) or explicitly watched."""
    watched = Watch.objects.watching().filter(user=user, commitment=OuterRef("pk"))
    opted_out = Watch.objects.opted_out().filter(user=user, commitment=OuterRef("pk"))
    return Commitment.objects.filter((Q(owner=user) & ~Exists(opted_out)) | Exists(watched))


def watch_start(*, user, commitment: Commitment) -> Watch:
    """Follow ``commitment`` (for its owner: cancel an opt-out)."""
    watch, _created = Watch.objects.update_or_create(
        user=user, commitment=commitment, defaults={"watching": True}
    )
    return watch


def watch_stop(*, user, commitment: Commitment) -> None:
    """Stop following ``commitment``; its owner's choice is kept as an opt-out row."""
    if commitment.owner_id == user.pk:
        Watch.objects.update_or_create(
            user=user, commitment=commitment, defaults={"watching": False}
        )
    else:
        Watch.objects.filter(user=user, commitment=commitment).delete()
