"""Keeping each commitment's search document (``SearchDocument``) true to what it holds.

One rule, whatever writes: every write that changes what a search looks into marks the
commitments concerned stale, and their documents are rebuilt from the database before the write's
transaction ends. The writes are caught where they happen:

- saves and deletions through the ORM (a commitment created, a citation added or removed, a
  status change recorded with its sources, a body or source renamed or deleted) by the signals
  connected in ``connect_signals``, whichever page, API, import, admin, seed or test made them;
- the conditional UPDATE that writes a commitment's fields (``services.versions``), which
  bypasses ``save()``, by a call there.

A service that writes several things at once wraps them in ``refreshed_once()``: the documents
are then rebuilt once at the end, a few queries for the whole batch (a bulk status update, an
import), not per row. ``manage.py rebuild_search_index`` rebuilds them all, after data was
written behind Django's back (raw SQL, a restored dump).
"""

from __future__ import annotations

import contextlib
import re
import threading
from collections import defaultdict
from collections.abc import Iterable

from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete, pre_save

from .derived_data import PROJECT_MODELS, on_save_and_delete
from .search import fold

# The commitment's own fields a search reads (``documents``).
SEARCHED_FIELDS = frozenset(
    {"title", "key", "summary", "responsible_body", "monitoring_body"}
    | {"responsible_body_id", "monitoring_body_id"}
)
# Commitments rebuilt per round of queries: bounded memory and IN lists, whatever the batch.
CHUNK_SIZE = 500
_WORD = re.compile(r"\w+")
_state = threading.local()


def words(*texts: str | None) -> str:
    """The distinct folded words of ``texts``, in the order they first appear, space-separated."""
    seen: dict[str, None] = {}
    for text in texts:
        if text:
            seen.update(dict.fromkeys(_WORD.findall(fold(text))))
    return " ".join(seen)


def documents(ids: Iterable[int], models) -> list:
    """Unsaved ``SearchDocument`` rows for the commitments ``ids``, in four queries.

    ``models`` gives ``Commitment``, ``Citation``, ``StatusChange`` and ``SearchDocument``: the
    project's own, or a migration's historical ones. Archived commitments included (their base
    manager): an archived commitment restored is found at once."""
    ids = list(ids)
    if not ids:
        return []
    citations: dict[int, list[str]] = defaultdict(list)
    for commitment_id, claim, title, publisher in models.Citation.objects.filter(
        commitment_id__in=ids
    ).values_list("commitment_id", "claim", "source__title", "source__publisher"):
        citations[commitment_id] += [claim, title, publisher]
    history: dict[int, list[str]] = defaultdict(list)
    for commitment_id, note in (
        models.StatusChange.objects.filter(commitment_id__in=ids)
        .order_by("commitment_id", "effective_date", "created_at", "pk")
        .values_list("commitment_id", "note")
    ):
        history[commitment_id].append(note)
    through = models.StatusChange.sources.through
    for commitment_id, title, publisher in (
        through.objects.filter(statuschange__commitment_id__in=ids)
        .order_by("statuschange__commitment_id", "pk")
        .values_list("statuschange__commitment_id", "source__title", "source__publisher")
    ):
        history[commitment_id] += [title, publisher]
    rows = models.Commitment._base_manager.filter(pk__in=ids).values_list(
        "pk",
        "title",
        "key",
        "summary",
        "responsible_body__name",
        "responsible_body__acronym",
        "monitoring_body__name",
        "monitoring_body__acronym",
    )
    return [
        models.SearchDocument(
            commitment_id=pk,
            title=words(title),
            key=words(key),
            bodies=words(*bodies),
            summary=words(summary),
            citations=words(*citations[pk]),
            history=words(*history[pk]),
        )
        for pk, title, key, summary, *bodies in rows
    ]


def refresh(ids: Iterable[int], models=PROJECT_MODELS) -> int:
    """Rebuild the documents of the commitments ``ids`` now (a missing one is created, the
    document of a deleted commitment goes with it). Returns how many were written."""
    ids = sorted(set(ids))
    written = 0
    for start in range(0, len(ids), CHUNK_SIZE):
        chunk = ids[start : start + CHUNK_SIZE]
        built = documents(chunk, models)
        with transaction.atomic(using=models.SearchDocument.objects.db):
            models.SearchDocument.objects.filter(pk__in=chunk).delete()
            models.SearchDocument.objects.bulk_create(built)
        written += len(built)
    return written


def rebuild_all(models=PROJECT_MODELS) -> int:
    """Every commitment's document, archived ones included, rebuilt; returns how many."""
    commitments = models.Commitment._base_manager.all()
    ids = list(commitments.order_by("pk").values_list("pk", flat=True))
    models.SearchDocument.objects.exclude(pk__in=commitments).delete()
    return refresh(ids, models)


def stale(ids: Iterable[int | None]) -> None:
    """The documents of ``ids`` no longer match: rebuilt now, or at the end of the enclosing
    ``refreshed_once()`` block."""
    ids = {pk for pk in ids if pk is not None}
    if not ids:
        return
    pending = getattr(_state, "pending", None)
    if pending is not None:
        pending.update(ids)
    else:
        refresh(ids)


@contextlib.contextmanager
def refreshed_once():
    """Within the block, stale documents are rebuilt once, when it ends without an error.

    Use it inside the write's transaction, so that the documents commit (or roll back) with
    what they describe. Nested blocks join the outermost one."""
    if getattr(_state, "pending", None) is not None:
        yield
        return
    _state.pending = set()
    try:
        yield
        ids = _state.pending
    finally:
        _state.pending = None
    if not transaction.get_connection().needs_rollback:  # a refused batch writes nothing
        refresh(ids)


# Signals --------------------------------------------------------------------------------------


def _commitment_saved(sender, instance, raw=False, **kwargs):
    if not raw:
        stale([instance.pk])


def _child_written(sender, instance, raw=False, **kwargs):
    # A citation or a status change: its commitment's document changes.
    if not raw:
        stale([instance.commitment_id])


def _history_sources_changed(sender, instance, action, reverse, pk_set, **kwargs):
    if action not in ("post_add", "post_remove", "post_clear"):
        return
    from .models import StatusChange

    if not reverse:
        stale([instance.commitment_id])
    elif pk_set:
        # ``source.statuschange_set.add(...)``: the entries named by ``pk_set``.
        stale(StatusChange.objects.filter(pk__in=pk_set).values_list("commitment_id", flat=True))


def _cited_by(source_id) -> set[int]:
    from .models import Citation, StatusChange

    cited = Citation.objects.filter(source_id=source_id).values_list("commitment_id", flat=True)
    through = StatusChange.sources.through
    in_history = through.objects.filter(source_id=source_id).values_list(
        "statuschange__commitment_id", flat=True
    )
    return {*cited, *in_history}


def _owed_or_monitored_by(body_id) -> set[int]:
    from .models import Commitment

    rows = Commitment.all_objects.filter(responsible_body_id=body_id).values_list("pk", flat=True)
    monitored = Commitment.all_objects.filter(monitoring_body_id=body_id).values_list(
        "pk", flat=True
    )
    return {*rows, *monitored}


# What a search reads of a body and a source: only a change of these refreshes their commitments.
_SEARCHED = {"Body": ("name", "acronym"), "Source": ("title", "publisher")}


def _remember_searched(sender, instance, raw=False, **kwargs):
    fields = _SEARCHED[sender.__name__]
    instance._searched_before = None
    if not raw and instance.pk is not None:
        instance._searched_before = (
            sender._default_manager.filter(pk=instance.pk).values_list(*fields).first()
        )


def _reference_saved(sender, instance, created=False, raw=False, **kwargs):
    if raw or created:
        return
    fields = _SEARCHED[sender.__name__]
    now = tuple(getattr(instance, name) for name in fields)
    if getattr(instance, "_searched_before", None) == now:
        return
    if sender.__name__ == "Body":
        stale(_owed_or_monitored_by(instance.pk))
    else:
        stale(_cited_by(instance.pk))


def _source_deleting(sender, instance, **kwargs):
    # Its rows in the history's sources go without a signal: remember whose they were.
    instance._cited_by = _cited_by(instance.pk)


def _source_deleted(sender, instance, **kwargs):
    stale(getattr(instance, "_cited_by", ()))


def connect_signals() -> None:
    from .models import Body, Citation, Commitment, Source, StatusChange

    uid = "commitments.search_index"
    post_save.connect(_commitment_saved, sender=Commitment, dispatch_uid=f"{uid}.commitment")
    on_save_and_delete(_child_written, (Citation, StatusChange), uid)
    m2m_changed.connect(
        _history_sources_changed,
        sender=StatusChange.sources.through,
        dispatch_uid=f"{uid}.history_sources",
    )
    for model in (Body, Source):
        name = model.__name__
        pre_save.connect(_remember_searched, sender=model, dispatch_uid=f"{uid}.pre.{name}")
        post_save.connect(_reference_saved, sender=model, dispatch_uid=f"{uid}.post.{name}")
    pre_delete.connect(_source_deleting, sender=Source, dispatch_uid=f"{uid}.source_deleting")
    post_delete.connect(_source_deleted, sender=Source, dispatch_uid=f"{uid}.source_deleted")
