"""Editing a commitment from the staff pages: create it, change its fields, owner, tags and
citations, add, change or remove its deadlines, record or correct its claims and asks.
Archiving stays an administrator's action (in the admin).

Who: creating needs ``commitments.add_commitment``, changing ``commitments.change_commitment``
(editors and administrators); viewers get 403, anonymous visitors the login page. Every write
goes through the services with the version read; a stale one answers 409 with the other
person's change and the user's input kept.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Prefetch
from django.forms.utils import ErrorDict
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from commitments.models import Ask, Citation, Claim, Commitment, Deadline, StatusChange
from commitments.services.citations import citations_set
from commitments.services.deadlines import deadline_delete, deadline_save
from commitments.services.evidence import ask_delete, ask_record, claim_delete, claim_record
from commitments.services.lifecycle import commitment_save
from commitments.services.status import StatusChangeInput
from commitments.services.versions import StaleVersionError

from .access import request_as_of
from .edit_forms import (
    AskForm,
    CitationFormSet,
    ClaimForm,
    CommitmentForm,
    DeadlineForm,
    citation_initial,
    commitment_state,
    sign_state,
    state_differences,
    state_labels,
)

CREATE_PERMISSION = "commitments.add_commitment"
EDIT_PERMISSION = "commitments.change_commitment"


def add_service_errors(form, error: ValidationError) -> None:
    """Put a service's ``ValidationError`` at the form's fields; the others above the form."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for name, errors in error.error_dict.items():
        form.add_error(name if name in form.fields else None, errors)


def edit_queryset():
    """A commitment with what its editing page shows, in a constant number of queries."""
    return Commitment.all_objects.select_related(
        "responsible_body", "monitoring_body", "owner"
    ).prefetch_related(
        "tags",
        Prefetch("citations", queryset=Citation.objects.select_related("source").order_by("pk")),
        Prefetch("deadlines", queryset=Deadline.objects.order_by("date", "pk")),
    )


def _formsets_valid(form, citations) -> bool:
    form_valid = form.is_valid()  # both evaluated: every error shows at once
    citations_valid = citations.is_valid()
    return form_valid and citations_valid


@require_http_methods(["GET", "POST"])
@permission_required(CREATE_PERMISSION, raise_exception=True)
def commitment_create(request):
    """A new commitment with its first status and its citations (editors)."""
    today = request_as_of(request)
    if request.method == "GET":
        form = CommitmentForm(today=today)
        citations = CitationFormSet(prefix="citations")
        return _render(request, form, citations, None)
    form = CommitmentForm(request.POST, today=today)
    citations = CitationFormSet(request.POST, prefix="citations")
    if _formsets_valid(form, citations):
        try:
            with transaction.atomic():
                commitment = commitment_save(
                    commitment=None,
                    data=form.descriptive_data(),
                    expected_version=None,
                    author=request.user,
                    origin=StatusChange.Origin.WEB,
                    status_change=StatusChangeInput(
                        form.cleaned_data["status"],
                        form.cleaned_data["effective_date"],
                        form.cleaned_data.get("status_note", ""),
                    ),
                    today=today,
                )
                if citations.citations():
                    citations_set(
                        commitment=commitment,
                        citations=citations.citations(),
                        expected_version=commitment.version,
                        author=request.user,
                    )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                _("Commitment “%(title)s” created. Add its deadlines below.")
                % {"title": commitment.title},
            )
            return HttpResponseRedirect(reverse("commitments:edit", args=[commitment.pk]))
    return _render(request, form, citations, None, status=400)


@require_http_methods(["GET", "POST"])
@permission_required(EDIT_PERMISSION, raise_exception=True)
def commitment_edit(request, pk):
    """Change a commitment's fields, owner, tags and citations; list its deadlines (editors).
    A change made on a stale page is refused with 409, showing what changed."""
    commitment = get_object_or_404(edit_queryset(), pk=pk)
    today = request_as_of(request)
    if request.method == "GET":
        form = CommitmentForm(instance=commitment, today=today)
        citations = CitationFormSet(prefix="citations", initial=citation_initial(commitment))
        return _render(request, form, citations, commitment)
    form = CommitmentForm(request.POST, instance=commitment, today=today)
    citations = CitationFormSet(
        request.POST, prefix="citations", initial=citation_initial(commitment)
    )
    if _formsets_valid(form, citations):
        try:
            with transaction.atomic():
                saved = commitment_save(
                    commitment=commitment,
                    data=form.descriptive_data(),
                    expected_version=form.cleaned_data["expected_version"],
                    author=request.user,
                    origin=StatusChange.Origin.WEB,
                    today=today,
                )
                wanted = citations.citations()
                had = [(c.source, c.claim) for c in commitment.citations.all()]
                if _pairs(wanted) != _pairs(had):
                    citations_set(
                        commitment=saved,
                        citations=wanted,
                        expected_version=saved.version,
                        author=request.user,
                    )
        except StaleVersionError:
            return _conflict(request, pk, form, citations)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Changes saved."))
            return HttpResponseRedirect(commitment.get_absolute_url())
    return _render(request, form, citations, commitment, status=400)


def _pairs(citations) -> set[tuple[int, str]]:
    return {(source.pk, (claim or "").strip()) for source, claim in citations}


def _conflict(request, pk, form, citations):
    """Someone else changed the commitment: show what, keep the user's input on top of the
    current version (resubmitting then saves it, deliberately)."""
    current = get_object_or_404(edit_queryset(), pk=pk)
    now = commitment_state(current)
    differences = state_differences(form.read(), now, state_labels())
    data = request.POST.copy()
    data["expected_version"] = str(current.version)
    data["read_state"] = sign_state(now)
    review = CommitmentForm(data, instance=current, today=request_as_of(request))
    review._errors = ErrorDict()  # shown for review, not validated
    review_citations = CitationFormSet(data, prefix="citations")
    review_citations._errors = [ErrorDict() for _form in review_citations.forms]
    review_citations._non_form_errors = review_citations.error_class()
    for sub in review_citations.forms:
        sub._errors = ErrorDict()
    latest = current.history.select_related("history_user").order_by("-history_date").first()
    conflict = {"differences": differences, "latest": latest}
    return _render(request, review, review_citations, current, conflict=conflict, status=409)


def _render(request, form, citations, commitment, *, conflict=None, status=200):
    context = {
        "form": form,
        "citations": citations,
        "commitment": commitment,
        "conflict": conflict,
    }
    return render(request, "commitments/edit/commitment_form.html", context, status=status)


# --- Deadlines ------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@permission_required(EDIT_PERMISSION, raise_exception=True)
def deadline_edit(request, pk, deadline_pk=None):
    """Add a deadline to a commitment, or change one (editors)."""
    commitment = get_object_or_404(Commitment.all_objects, pk=pk)
    deadline = None
    if deadline_pk is not None:
        deadline = get_object_or_404(
            Deadline.objects.prefetch_related("sources"), pk=deadline_pk, commitment=commitment
        )
    if request.method == "GET":
        form = DeadlineForm(instance=deadline, commitment=commitment)
        return _render_deadline(request, form, commitment, deadline)
    form = DeadlineForm(request.POST, instance=deadline, commitment=commitment)
    if form.is_valid():
        try:
            deadline_save(
                commitment=commitment,
                deadline=deadline,
                data=form.deadline_data(),
                sources=form.cleaned_data["sources"],
                expected_version=form.cleaned_data["expected_version"],
                author=request.user,
                today=request_as_of(request),
            )
        except StaleVersionError:
            commitment.refresh_from_db()
            data = request.POST.copy()
            data["expected_version"] = str(commitment.version)
            review = DeadlineForm(data, instance=deadline, commitment=commitment)
            review._errors = ErrorDict()
            return _render_deadline(
                request,
                review,
                commitment,
                deadline,
                conflict=_deadline_conflict(commitment),
                status=409,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Deadline saved."))
            return HttpResponseRedirect(reverse("commitments:edit", args=[commitment.pk]))
    return _render_deadline(request, form, commitment, deadline, status=400)


def _deadline_conflict(commitment):
    current = get_object_or_404(edit_queryset(), pk=commitment.pk)
    latest = current.history.select_related("history_user").order_by("-history_date").first()
    return {"latest": latest, "deadlines": list(current.deadlines.all()), "current": current}


def _render_deadline(request, form, commitment, deadline, *, conflict=None, status=200):
    context = {"form": form, "commitment": commitment, "deadline": deadline, "conflict": conflict}
    return render(request, "commitments/edit/deadline_form.html", context, status=status)


@require_http_methods(["GET", "POST"])
@permission_required(EDIT_PERMISSION, raise_exception=True)
def deadline_remove(request, pk, deadline_pk):
    """Remove a deadline, after confirmation, with the version read (editors)."""
    commitment = get_object_or_404(Commitment.all_objects, pk=pk)
    deadline = get_object_or_404(Deadline, pk=deadline_pk, commitment=commitment)
    context = {"commitment": commitment, "deadline": deadline, "conflict": None}
    if request.method == "POST":
        try:
            expected = int(request.POST.get("expected_version", ""))
        except ValueError:
            context["error"] = _(
                "The version shown when you opened the page is missing: reload it."
            )
            return render(request, "commitments/edit/deadline_remove.html", context, status=400)
        try:
            deadline_delete(deadline=deadline, expected_version=expected, author=request.user)
        except StaleVersionError:
            commitment.refresh_from_db()
            context["conflict"] = _deadline_conflict(commitment)
            return render(request, "commitments/edit/deadline_remove.html", context, status=409)
        messages.success(request, _("Deadline “%(label)s” removed.") % {"label": deadline.label})
        return HttpResponseRedirect(reverse("commitments:edit", args=[commitment.pk]))
    return render(request, "commitments/edit/deadline_remove.html", context)


# --- Claims and asks ------------------------------------------------------------------------


def _evidence_page(kind: str) -> dict:
    """What differs between the claim and the ask pages; the rest is one flow."""
    if kind == "claim":
        return {
            "model": Claim,
            "form": ClaimForm,
            "save": lambda item, **kw: claim_record(claim=item, **kw),
            "title_add": _("Add a claim"),
            "title_edit": _("Edit a claim"),
            "submit": _("Save the claim"),
            "saved": _("Claim saved."),
            "delete": lambda item, **kw: claim_delete(claim=item, **kw),
            "title_remove": _("Remove a claim"),
            "confirm_remove": _("Remove the claim"),
            "removed": _("Claim removed."),
        }
    return {
        "model": Ask,
        "form": AskForm,
        "save": lambda item, **kw: ask_record(ask=item, **kw),
        "title_add": _("Add a request"),
        "title_edit": _("Edit a request"),
        "submit": _("Save the request"),
        "saved": _("Request saved."),
        "delete": lambda item, **kw: ask_delete(ask=item, **kw),
        "title_remove": _("Remove a request"),
        "confirm_remove": _("Remove the request"),
        "removed": _("Request removed."),
    }


def _evidence_edit(request, pk, item_pk, kind):
    page = _evidence_page(kind)
    commitment = get_object_or_404(Commitment.all_objects, pk=pk)
    item = None
    if item_pk is not None:
        item = get_object_or_404(
            page["model"].objects.select_related("source"), pk=item_pk, commitment=commitment
        )
    form_class = page["form"]
    if request.method == "GET":
        form = form_class(instance=item, commitment=commitment)
        return _render_evidence(request, page, kind, form, commitment, item)
    form = form_class(request.POST, instance=item, commitment=commitment)
    if form.is_valid():
        try:
            page["save"](
                item,
                commitment=commitment,
                data=form.evidence_data(),
                expected_version=form.cleaned_data["expected_version"],
                author=request.user,
                today=request_as_of(request),
            )
        except StaleVersionError:
            commitment.refresh_from_db()
            data = request.POST.copy()
            data["expected_version"] = str(commitment.version)
            review = form_class(data, instance=item, commitment=commitment)
            review._errors = ErrorDict()  # shown for review, not validated
            latest = commitment.history.select_related("history_user").order_by("-history_date")
            conflict = {"latest": latest.first(), "deadlines": None}
            return _render_evidence(
                request, page, kind, review, commitment, item, conflict=conflict, status=409
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, page["saved"])
            return HttpResponseRedirect(commitment.get_absolute_url())
    return _render_evidence(request, page, kind, form, commitment, item, status=400)


def _render_evidence(request, page, kind, form, commitment, item, *, conflict=None, status=200):
    if item is None:
        action = reverse(f"commitments:{kind}_create", args=[commitment.pk])
    else:
        action = reverse(f"commitments:{kind}_edit", args=[commitment.pk, item.pk])
    context = {
        "form": form,
        "commitment": commitment,
        "item": item,
        "conflict": conflict,
        "action": action,
        "page_title": page["title_edit"] if item else page["title_add"],
        "submit": page["submit"],
        "kind": kind,
    }
    return render(request, "commitments/edit/evidence_form.html", context, status=status)


@require_http_methods(["GET", "POST"])
@permission_required(EDIT_PERMISSION, raise_exception=True)
def claim_edit(request, pk, claim_pk=None):
    """Record what a side claims about a commitment, or correct a claim (editors)."""
    return _evidence_edit(request, pk, claim_pk, "claim")


@require_http_methods(["GET", "POST"])
@permission_required(EDIT_PERMISSION, raise_exception=True)
def ask_edit(request, pk, ask_pk=None):
    """Record a request or recommendation about a commitment, or correct one (editors)."""
    return _evidence_edit(request, pk, ask_pk, "ask")


def _evidence_remove(request, pk, item_pk, kind):
    page = _evidence_page(kind)
    commitment = get_object_or_404(Commitment.all_objects, pk=pk)
    item = get_object_or_404(
        page["model"].objects.select_related("source"), pk=item_pk, commitment=commitment
    )
    context = {
        "commitment": commitment,
        "item": item,
        "conflict": None,
        "page_title": page["title_remove"],
        "confirm": page["confirm_remove"],
        "action": reverse(f"commitments:{kind}_remove", args=[commitment.pk, item.pk]),
        "version": commitment.version,
    }
    template = "commitments/edit/evidence_remove.html"
    if request.method == "POST":
        try:
            expected = int(request.POST.get("expected_version", ""))
        except ValueError:
            context["error"] = _(
                "The version shown when you opened the page is missing: reload it."
            )
            return render(request, template, context, status=400)
        try:
            page["delete"](item, expected_version=expected, author=request.user)
        except StaleVersionError:
            commitment.refresh_from_db()
            latest = commitment.history.select_related("history_user").order_by("-history_date")
            context["conflict"] = {"latest": latest.first(), "deadlines": None}
            context["version"] = commitment.version
            return render(request, template, context, status=409)
        messages.success(request, page["removed"])
        return HttpResponseRedirect(commitment.get_absolute_url())
    return render(request, template, context)


@require_http_methods(["GET", "POST"])
@permission_required(EDIT_PERMISSION, raise_exception=True)
def claim_remove(request, pk, claim_pk):
    """Remove a claim recorded in error, after confirmation, with the version read (editors)."""
    return _evidence_remove(request, pk, claim_pk, "claim")


@require_http_methods(["GET", "POST"])
@permission_required(EDIT_PERMISSION, raise_exception=True)
def ask_remove(request, pk, ask_pk):
    """Remove an ask recorded in error, after confirmation, with the version read (editors)."""
    return _evidence_remove(request, pk, ask_pk, "ask")
