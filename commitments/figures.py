"""Figures computed over every commitment (the dashboard's counts), kept between writes.

Counting what to chase, the tallies per status and due date and the figures per body reads
every commitment, its deadlines, claims and asks: about a second at 100,000 commitments, for
numbers that change only when someone writes. So they are computed once per *generation* of
the data and kept in the shared cache (the one every gunicorn worker reads), under a key that
also names the day they are counted for.

A new generation starts whenever something of the commitments app is written: every save or
deletion through the ORM (signals, whoever wrote) and the conditional UPDATE of
``services.versions.commitment_write``, which sends none. It starts at once (the writer's own
next page counts afresh, inside its transaction too) and again when the transaction commits,
so that a page computed from the data as it was before the commit is never kept under the
new generation. Figures are kept ``FIGURES_CACHE_SECONDS`` at most, in case data was written
behind Django's back.

The forms of the lists offer every body, staff member and tag as a choice: hundreds of
options, a third of what a list costs to build after a write. What they offer is *reference
data*, with a generation of its own (``reference_generation``) that a write of a
commitment's own records (its status changes, claims, asks, deadlines, citations and their
history) or of a source (typed and searched, never listed) leaves alone; any other write
starts both.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.cache import cache, caches
from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save

GENERATION_KEY = "vigie:figures:generation"
REFERENCE_KEY = "vigie:figures:reference"
# Written often, never counted: no new generation for these.
_NOT_COUNTED = {"savedview", "searchdocument"}
# A commitment's own records and the sources (and their history, ``historical<name>``): no
# form offers them as a choice, so their writes leave the reference data's generation alone.
# Any other model, one added later included, counts as reference data.
_NOT_OFFERED = {
    "commitment",
    "commitment_tags",
    "statuschange",
    "statuschange_sources",
    "claim",
    "ask",
    "deadline",
    "deadline_sources",
    "citation",
    "source",
}
# The user's fields the dashboard shows (``User.__str__``).
_NAMED_BY = {"username", "first_name", "last_name"}


def new_generation(key: str = GENERATION_KEY) -> str:
    generation = uuid.uuid4().hex
    cache.set(key, generation, timeout=None)
    return generation


def generation() -> str:
    return cache.get(GENERATION_KEY) or new_generation()


def reference_generation() -> str:
    """The generation of what the forms offer as choices (bodies, staff, tags)."""
    return cache.get(REFERENCE_KEY) or new_generation(REFERENCE_KEY)


def _new_generations(*keys: str) -> None:
    for key in keys:
        new_generation(key)


def data_changed(*, reference: bool = False) -> None:
    """The figures no longer hold (nor, with ``reference``, the forms' choices): a new
    generation now, and another once committed."""
    keys = (GENERATION_KEY, REFERENCE_KEY) if reference else (GENERATION_KEY,)
    _new_generations(*keys)
    transaction.on_commit(lambda: _new_generations(*keys))


def cached(name: str, *parts: Any, compute: Callable[[], Any], using: str = "default") -> Any:
    """``compute()``'s value for this generation of the data and these ``parts`` (the day
    counted for...), computed at most once per generation, kept in the cache ``using`` (the
    generation itself is always in the default one)."""
    timeout = settings.FIGURES_CACHE_SECONDS
    if not timeout:
        return compute()
    key = ":".join(["vigie:figures", generation(), name, *map(str, parts)])
    store = caches[using]
    value = store.get(key)
    if value is None:
        value = compute()
        store.set(key, value, timeout=timeout)
    return value


def _written(sender, update_fields=None, **kwargs):
    meta = sender._meta
    if meta.app_label == "commitments" and meta.model_name not in _NOT_COUNTED:
        record = meta.model_name.removeprefix("historical")
        data_changed(reference=record not in _NOT_OFFERED)
    elif meta.label == settings.AUTH_USER_MODEL and (
        update_fields is None or _NAMED_BY & set(update_fields)
    ):
        # The dashboard's panels name who recorded each change, the filters offer every
        # staff member; a login (``last_login`` only) changes nothing shown.
        data_changed(reference=True)


def _relation_changed(sender, action, **kwargs):
    if action in ("post_add", "post_remove", "post_clear"):
        _written(sender)


def connect_signals() -> None:
    uid = "commitments.figures"
    post_save.connect(_written, dispatch_uid=f"{uid}.save")
    post_delete.connect(_written, dispatch_uid=f"{uid}.delete")
    m2m_changed.connect(_relation_changed, dispatch_uid=f"{uid}.relation")
