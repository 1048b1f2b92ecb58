"""Saved views: create, change (rename, share) and delete; only the owner changes a view."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from commitments.models import SavedView
from commitments.models.saved_views import QUERY_MAX_LENGTH, normalise_query

NAME_MAX_LENGTH = SavedView._meta.get_field("name").max_length


def is_blank_filter(key: str, value: str) -> bool:
    """A parameter that filters nothing: empty, or "unknown" for a yes/no filter (what its
    select sends for "any")."""
    from django_filters import BooleanFilter

    from commitments.filters import CommitmentFilterSet

    if value == "":
        return True
    return value == "unknown" and isinstance(
        CommitmentFilterSet.base_filters.get(key), BooleanFilter
    )


def _clean_name(name: str) -> str:
    name = " ".join((name or "").split())
    if not name:
        raise ValidationError({"name": _("Give the view a name.")}, code="required")
    if len(name) > NAME_MAX_LENGTH:
        raise ValidationError(
            {"name": _("At most %(max)d characters.") % {"max": NAME_MAX_LENGTH}},
            code="max_length",
        )
    return name


def _save(view: SavedView) -> SavedView:
    try:
        with transaction.atomic():
            view.save()
    except IntegrityError:
        raise ValidationError(
            {"name": _("You already have a view with this name on this list.")}, code="unique"
        ) from None
    return view


@transaction.atomic
def saved_view_create(*, owner, name: str, kind: str, query, shared: bool = False) -> SavedView:
    """Name the filters ``query`` (a query string or a QueryDict) of the list ``kind``.

    Only the filters in use are kept (``normalise_query``). Raises ``ValidationError`` (name
    missing, too long or already used by the owner on that list; unknown list; too many
    filters) and writes nothing then.
    """
    if kind not in SavedView.Kind.values:
        raise ValidationError({"kind": _("Unknown list.")}, code="invalid")
    clean = normalise_query(query, blank=is_blank_filter)
    if len(clean) > QUERY_MAX_LENGTH:
        raise ValidationError({"query": _("Too many filters to save.")}, code="max_length")
    view = SavedView(
        owner=owner, name=_clean_name(name), kind=kind, query=clean, shared=bool(shared)
    )
    return _save(view)


@transaction.atomic
def saved_view_change(*, view: SavedView, user, name: str, shared: bool) -> SavedView:
    """Rename a view, or share it with the team or take it back; its owner only
    (``PermissionDenied`` otherwise)."""
    if not view.can_edit(user):
        raise PermissionDenied
    view.name = _clean_name(name)
    view.shared = bool(shared)
    return _save(view)


@transaction.atomic
def saved_view_delete(*, view: SavedView, user) -> None:
    """Delete a view; its owner only (``PermissionDenied`` otherwise)."""
    if not view.can_edit(user):
        raise PermissionDenied
    view.delete()
