"""Bodies, sources and tags from the staff pages: a list, a creation page and an editing page
each, and the source search that the source inputs use as you type.

Who: the lists and forms need the permission to change that kind of record (editors and
administrators); the search needs ``commitments.view_source`` (every role). Viewers get 403,
anonymous visitors the login page. A record changed by someone else since the form was opened
is not overwritten: 409, with what changed and the user's input kept.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.forms.utils import ErrorDict
from django.http import HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from commitments.models import Body, Source, Tag
from commitments.services.reference import (
    StaleRecordError,
    body_save,
    record_state,
    source_save,
    state_fingerprint,
    tag_save,
)

from .edit_forms import RECORD_FORMS, sign_state, state_differences
from .editing import add_service_errors

SEARCH_LIMIT = 20
SEARCH_MAX_QUERY = 100
LIST_PAGE_SIZE = 50


class Kind:
    """What differs between bodies, sources and tags on these pages."""

    def __init__(self, model, slug, save, *, plural, new, edit, columns, search_fields, order):
        self.model, self.slug, self.save = model, slug, save
        self.plural, self.new_title, self.edit_title = plural, new, edit
        self.columns, self.search_fields, self.order = columns, search_fields, order

    @property
    def name(self) -> str:
        return self.model._meta.model_name

    @property
    def list_url(self) -> str:
        return reverse(f"commitments:{self.name}_list")

    @property
    def create_url(self) -> str:
        return reverse(f"commitments:{self.name}_create")

    def edit_url(self, pk) -> str:
        return reverse(f"commitments:{self.name}_edit", args=[pk])

    @property
    def add_permission(self) -> str:
        return f"commitments.add_{self.model._meta.model_name}"

    @property
    def change_permission(self) -> str:
        return f"commitments.change_{self.model._meta.model_name}"


KINDS = {
    "bodies": Kind(
        Body,
        "bodies",
        lambda *, record, **kw: body_save(body=record, **kw),
        plural=gettext_lazy("Bodies"),
        new=gettext_lazy("New body"),
        edit=gettext_lazy("Edit a body"),
        columns=("name", "acronym", "key", "kind"),
        search_fields=("name", "acronym", "key"),
        order=("name",),
    ),
    "sources": Kind(
        Source,
        "sources",
        lambda *, record, **kw: source_save(source=record, **kw),
        plural=gettext_lazy("Sources"),
        new=gettext_lazy("New source"),
        edit=gettext_lazy("Edit a source"),
        columns=("title", "publisher", "publication_date", "key"),
        search_fields=("title", "publisher", "key"),
        order=("-publication_date", "title", "pk"),
    ),
    "tags": Kind(
        Tag,
        "tags",
        lambda *, record, **kw: tag_save(tag=record, **kw),
        plural=gettext_lazy("Tags"),
        new=gettext_lazy("New tag"),
        edit=gettext_lazy("Edit a tag"),
        columns=("name", "slug"),
        search_fields=("name", "slug"),
        order=("name",),
    ),
}


def search_text(request) -> str:
    """The ``q`` parameter, bounded, without the null characters PostgreSQL refuses."""
    return (request.GET.get("q") or "").replace("\x00", "").strip()[:SEARCH_MAX_QUERY]


def _kind(slug: str) -> Kind:
    return KINDS[slug]


def urlpatterns() -> list:
    """``/bodies/``, ``/bodies/new/``, ``/bodies/<id>/`` and the same for sources and tags,
    named ``body_list``, ``body_create``, ``body_edit``…"""
    from django.urls import path

    patterns = []
    for slug, kind in KINDS.items():
        name = kind.model._meta.model_name
        patterns += [
            path(f"{slug}/", record_list, {"kind": slug}, name=f"{name}_list"),
            path(f"{slug}/new/", record_edit, {"kind": slug}, name=f"{name}_create"),
            path(f"{slug}/<int:pk>/", record_edit, {"kind": slug}, name=f"{name}_edit"),
        ]
    return patterns


@require_GET
def record_list(request, kind):
    """Every body, source or tag, searchable, 50 a page, with links to change them."""
    kind = _kind(kind)
    if not request.user.has_perm(kind.change_permission):
        raise PermissionDenied
    query = search_text(request)
    records = kind.model.objects.order_by(*kind.order)
    if query:
        condition = Q()
        for name in kind.search_fields:
            condition |= Q(**{f"{name}__icontains": query})
        records = records.filter(condition)
    page = Paginator(records, LIST_PAGE_SIZE).get_page(request.GET.get("page"))
    headers = [
        str(kind.model._meta.get_field(name).verbose_name).capitalize() for name in kind.columns
    ]
    rows = [
        (
            kind.edit_url(record.pk),
            list(zip(headers, [_cell(record, n) for n in kind.columns], strict=True)),
        )
        for record in page.object_list
    ]
    context = {
        "kind": kind,
        "page": page,
        "rows": rows,
        "headers": headers,
        "query": query,
        "can_add": request.user.has_perm(kind.add_permission),
    }
    return render(request, "commitments/edit/record_list.html", context)


def _cell(record, name: str) -> str:
    field = record._meta.get_field(name)
    if field.choices:
        return getattr(record, f"get_{name}_display")()
    if name == "publication_date":
        return record.publication_date_display
    return getattr(record, name) or ""


@require_http_methods(["GET", "POST"])
def record_edit(request, kind, pk=None):
    """Create (``pk`` None) or change a body, a source or a tag."""
    kind = _kind(kind)
    permission = kind.add_permission if pk is None else kind.change_permission
    if not request.user.has_perm(permission):
        raise PermissionDenied
    record = get_object_or_404(kind.model, pk=pk) if pk is not None else None
    form_class = RECORD_FORMS[kind.model]
    if request.method == "GET":
        return _render(request, kind, form_class(instance=record), record)
    form = form_class(request.POST, instance=record or kind.model())
    if form.is_valid():
        read = form.read()
        if record is not None and read is None:
            form.add_error(
                None, _("This page is out of date: reload it and type your change again.")
            )
            return _render(request, kind, form, record, status=400)
        try:
            saved = kind.save(
                record=record,
                data=form.record_data(),
                expected_fingerprint=state_fingerprint(read) if record is not None else None,
                author=request.user,
            )
        except StaleRecordError as error:
            return _conflict(request, kind, form, error.current)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("“%(name)s” saved.") % {"name": saved})
            return HttpResponseRedirect(_next(request, kind))
    return _render(request, kind, form, record, status=400)


def _next(request, kind) -> str:
    from .status import safe_next  # the one rule for a redirect after a form

    return safe_next(request, reverse(f"commitments:{kind.name}_list"))


def _conflict(request, kind, form, current):
    now = record_state(current)
    labels = {name: str(current._meta.get_field(name).verbose_name) for name in now}
    differences = state_differences(form.read(), now, labels)
    data = request.POST.copy()
    data["read_state"] = sign_state(now)
    review = RECORD_FORMS[kind.model](data, instance=current)
    review._errors = ErrorDict()
    conflict = {"differences": differences}
    return _render(request, kind, review, current, conflict=conflict, status=409)


def _render(request, kind, form, record, *, conflict=None, status=200):
    context = {
        "kind": kind,
        "form": form,
        "record": record,
        "action": kind.edit_url(record.pk) if record is not None else kind.create_url,
        "conflict": conflict,
        "next_url": request.POST.get("next") or request.GET.get("next") or "",
    }
    return render(request, "commitments/edit/record_form.html", context, status=status)


@require_GET
@permission_required("commitments.view_source", raise_exception=True)
def source_search(request):
    """Sources whose title, publisher or key contains every word typed, at most 20, as JSON:
    ``{"results": [{"id", "key", "title", "label"}]}``. Always JSON, never an error page."""
    query = search_text(request)
    words = query.split()[:8]
    if not words:
        return JsonResponse({"results": []})
    condition = Q()
    for word in words:
        condition &= (
            Q(title__icontains=word) | Q(publisher__icontains=word) | Q(key__icontains=word)
        )
    sources = Source.objects.filter(condition).order_by("-publication_date", "title", "pk")
    results = [
        {"id": s.pk, "key": s.key, "title": s.title, "label": str(s)}
        for s in sources.only("pk", "key", "title", "kind", "publication_date", "date_precision")[
            :SEARCH_LIMIT
        ]
    ]
    return JsonResponse({"results": results})
