"""Recording status changes: on one commitment (with the conflict page), or on several."""

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from commitments.formatting import long_date
from commitments.services.versions import StaleVersionError

from .access import SOURCE_PERMISSION, STATUS_PERMISSION, request_as_of
from .detail import detail_context, detail_queryset
from .forms import BulkStatusForm, StatusChangeForm


@require_http_methods(["GET", "POST"])
@permission_required(STATUS_PERMISSION, raise_exception=True)
def status_update(request, pk):
    """Record a status change (editors). Refuses, with HTTP 409, a change made on a stale page."""
    commitment = get_object_or_404(detail_queryset(request_as_of(request)), pk=pk)
    can_add_source = request.user.has_perm(SOURCE_PERMISSION)
    if request.method == "GET":
        form = StatusChangeForm(
            commitment=commitment, can_add_source=can_add_source, today=request_as_of(request)
        )
        return render_status_form(request, commitment, form)

    form = StatusChangeForm(
        request.POST,
        commitment=commitment,
        can_add_source=can_add_source,
        today=request_as_of(request),
    )
    conflict = None
    if form.is_valid():
        try:
            entry = form.save(author=request.user)
        except StaleVersionError as error:
            conflict = error
        except ValidationError as error:
            form.add_error(None, error)  # the service's objections, at their fields
        else:
            messages.success(
                request,
                _("Status recorded: “%(status)s” from %(date)s.")
                % {
                    "status": entry.get_new_status_display(),
                    "date": django_date(entry.effective_date),
                },
            )
            return HttpResponseRedirect(commitment.get_absolute_url() + "#timeline")

    if conflict is not None:
        # Show the other person's change and keep what the user typed, on the new version.
        current = get_object_or_404(detail_queryset(request_as_of(request)), pk=pk)
        form = form.for_review(current)
        return render_status_form(request, current, form, conflict=conflict, status=409)
    return render_status_form(request, commitment, form, status=400)


def render_status_form(request, commitment, form, *, conflict=None, status=200):
    context = {"commitment": commitment, "form": form, "conflict": conflict}
    context.update(detail_context(request, commitment))
    return render(request, "commitments/status_form.html", context, status=status)


def django_date(value) -> str:
    return long_date(value)


@require_http_methods(["GET", "HEAD", "POST"])
@permission_required(STATUS_PERMISSION, raise_exception=True)
def bulk_update(request):
    """Record one status change on several commitments, all or none (editors).

    Reached by GET (a reload, a bookmark, the login's return after a lapsed session), it sends
    to the list, where the commitments are chosen, instead of a blank "405" page.
    """
    if request.method != "POST":
        messages.info(
            request,
            _(
                "To change several statuses at once, tick the commitments in the list, "
                "then choose the status below it."
            ),
        )
        return HttpResponseRedirect(reverse("commitments:list"))
    form = BulkStatusForm(
        request.POST,
        prefix="bulk",
        can_add_source=request.user.has_perm(SOURCE_PERMISSION),
        today=request_as_of(request),
    )
    next_url = safe_next(request, reverse("commitments:list"))
    if form.is_valid():
        entries = form.save(author=request.user)
        if entries:
            messages.success(
                request,
                _("Status recorded on %(count)d commitments.") % {"count": len(entries)},
            )
            return HttpResponseRedirect(next_url)
    selected = list(form.cleaned_data.get("commitments") or [])
    context = {
        "form": form,
        "selected": selected,
        "row_errors": form.row_errors,
        "next_url": next_url,
        "versions": form.expected_versions(),
    }
    return render(request, "commitments/bulk_form.html", context, status=400)


def safe_next(request, default: str) -> str:
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return default
