"""Saved views: a list's filters named and found again in one click, private or shared.

Every staff member (``view_commitment``: viewers, editors, administrators) may save views;
they see their own and those shared with the team; only a view's owner renames, shares or
deletes it (403 for anyone else, 404 for a private view of someone else).
"""

from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from commitments.models import SavedView
from commitments.models.saved_views import normalise_query
from commitments.services.saved_views import (
    NAME_MAX_LENGTH,
    is_blank_filter,
    saved_view_change,
    saved_view_create,
    saved_view_delete,
)

from .access import VIEW_PERMISSION


def has_blank_filters(query) -> bool:
    return any(is_blank_filter(k, v) for k, values in query.lists() for v in values)


def clean_query(query) -> str:
    """The query string without the parameters that filter nothing, in the order it came."""
    return urlencode(
        [(k, v) for k, values in query.lists() for v in values if not is_blank_filter(k, v)]
    )


def saved_views_context(request, kind: str) -> dict:
    """What a list page shows of saved views: those of its kind the user sees (one query)."""
    views = list(SavedView.objects.visible_to(request.user).of_kind(kind).select_related("owner"))
    return {
        "saved_views": views,
        "saved_view_kind": kind,
        "saved_view_query": normalise_query(request.GET, blank=is_blank_filter),
    }


class SavedViewForm(forms.Form):
    name = forms.CharField(
        label=gettext_lazy("Name of the view"),
        max_length=NAME_MAX_LENGTH,
        help_text=gettext_lazy("e.g. “Plans en retard suivis par la MIPROF”."),
        error_messages={"required": gettext_lazy("Give the view a name.")},
    )
    shared = forms.BooleanField(
        label=gettext_lazy("Share with the team"),
        required=False,
        help_text=gettext_lazy("Every staff member will see it; only you can change it."),
    )


class SavedViewCreateForm(SavedViewForm):
    kind = forms.ChoiceField(choices=SavedView.Kind.choices, widget=forms.HiddenInput)
    query = forms.CharField(required=False, widget=forms.HiddenInput)


def _add_service_errors(form, error: ValidationError) -> None:
    for field, errors in error.message_dict.items():
        form.add_error(field if field in form.fields else None, errors)


@require_http_methods(["GET", "POST"])
@permission_required(VIEW_PERMISSION, raise_exception=True)
def saved_view_list(request):
    """Every view the user sees, to open, rename, share or delete; POST saves a new one."""
    form = None
    status = 200
    if request.method == "POST":
        form = SavedViewCreateForm(request.POST, prefix="save")
        if form.is_valid():
            try:
                view = saved_view_create(
                    owner=request.user,
                    name=form.cleaned_data["name"],
                    kind=form.cleaned_data["kind"],
                    query=form.cleaned_data["query"],
                    shared=form.cleaned_data["shared"],
                )
            except ValidationError as error:
                _add_service_errors(form, error)
            else:
                messages.success(request, _("View “%(name)s” saved.") % {"name": view.name})
                return HttpResponseRedirect(view.get_absolute_url())
        status = 400
    return _render_page(request, create_form=form, status=status)


def _render_page(request, *, create_form=None, bound=None, status=200):
    """The saved views page; ``bound`` is a rename form that failed, shown with its errors."""
    rows = []
    for view in SavedView.objects.visible_to(request.user).select_related("owner"):
        form = None
        if bound is not None and bound.prefix == f"view-{view.pk}":
            form = bound
        elif view.can_edit(request.user):
            form = SavedViewForm(
                initial={"name": view.name, "shared": view.shared}, prefix=f"view-{view.pk}"
            )
        rows.append({"view": view, "form": form})
    context = {"rows": rows, "create_form": create_form}
    return render(request, "commitments/saved_views.html", context, status=status)


def _own_view(request, pk) -> SavedView:
    """The view, if the user sees it (404 otherwise); a view they see but do not own: 403."""
    view = get_object_or_404(SavedView.objects.visible_to(request.user), pk=pk)
    if not view.can_edit(request.user):
        raise PermissionDenied
    return view


@require_POST
@permission_required(VIEW_PERMISSION, raise_exception=True)
def saved_view_update(request, pk):
    """Rename a view or change whether it is shared (its owner only)."""
    view = _own_view(request, pk)
    form = SavedViewForm(request.POST, prefix=f"view-{view.pk}")
    if form.is_valid():
        try:
            saved_view_change(
                view=view,
                user=request.user,
                name=form.cleaned_data["name"],
                shared=form.cleaned_data["shared"],
            )
        except ValidationError as error:
            _add_service_errors(form, error)
        else:
            messages.success(request, _("View “%(name)s” updated.") % {"name": view.name})
            return HttpResponseRedirect(reverse("commitments:saved_views"))
    return _render_page(request, bound=form, status=400)


@require_POST
@permission_required(VIEW_PERMISSION, raise_exception=True)
def saved_view_remove(request, pk):
    """Delete a view (its owner only)."""
    view = _own_view(request, pk)
    name = view.name
    saved_view_delete(view=view, user=request.user)
    messages.success(request, _("View “%(name)s” deleted.") % {"name": name})
    return HttpResponseRedirect(reverse("commitments:saved_views"))
