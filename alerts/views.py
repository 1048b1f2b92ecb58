"""The alert inbox, watching, and the calendar subscription page.

Who may use what (the server enforces it; ``LoginRequiredMiddleware`` sends anonymous users to
the login page):

- inbox and acknowledgement: any logged-in user, on their own deliveries only;
- watch / unwatch: any logged-in user who may view commitments (``view_commitment``);
- calendar page and token reset: any logged-in user, for their own token;
- the feed itself (``feeds.calendar_feed``): whoever holds a valid token (no login).
"""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST
from django.views.generic import ListView

from commitments.models import Commitment
from tracker.http import safe_next

from .calendar_tokens import calendar_token_get_or_create, calendar_token_reset
from .delivery import deliveries_acknowledge
from .forms import AcknowledgeForm, InboxFilterForm
from .links import absolute_url
from .models import Alert, Delivery
from .watching import followed_commitments, watch_start, watch_stop


class InboxView(ListView):
    """The logged-in user's alerts, newest first; filter by kind, acknowledged or not."""

    template_name = "alerts/inbox.html"
    context_object_name = "deliveries"
    paginate_by = 50

    def get_queryset(self):
        self.filter_form = InboxFilterForm(self.request.GET or None)
        queryset = Delivery.objects.for_user(self.request.user).with_relations()
        return self.filter_form.filter(queryset).order_by("-alert__created_at", "-pk")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        unacknowledged = Delivery.objects.for_user(self.request.user).unacknowledged()
        counts = unacknowledged.aggregate(
            **{kind: Count("pk", filter=Q(alert__kind=kind)) for kind in Alert.Kind.values}
        )
        query = self.request.GET.copy()
        query.pop("page", None)
        # What the page's "where alerts come from" says about this user, in one query.
        followed = followed_commitments(user=self.request.user).aggregate(
            total=Count("pk"), owned=Count("pk", filter=Q(owner=self.request.user))
        )
        context.update(
            followed_count=followed["total"],
            owned_count=followed["owned"],
            lead_days=settings.ALERT_LEAD_DAYS,
            filter_form=self.filter_form,
            kind_counts=[(value, label, counts[value]) for value, label in Alert.Kind.choices],
            current_kind=self.request.GET.get("kind", ""),
            querystring=query.urlencode(),
            inbox_path=self.request.get_full_path(),
        )
        return context


@require_POST
def acknowledge(request):
    """Acknowledge one, several or all of the user's own alerts (POST, CSRF-protected)."""
    form = AcknowledgeForm(request.POST, user=request.user)
    target = safe_next(request, reverse("alerts:inbox"))
    if not form.is_valid():
        errors = "; ".join(str(error) for errors in form.errors.values() for error in errors)
        messages.error(request, errors)
        return HttpResponseRedirect(target)
    data = form.cleaned_data
    if data["only"]:
        selected = Delivery.objects.filter(pk=data["only"].pk)
    elif data["all"]:
        selected = Delivery.objects.for_user(request.user)
        if data["kind"]:
            selected = selected.filter(alert__kind=data["kind"])
    else:
        selected = Delivery.objects.filter(pk__in=[delivery.pk for delivery in data["deliveries"]])
    count = deliveries_acknowledge(user=request.user, deliveries=selected)
    messages.success(
        request,
        ngettext("%(count)d alert acknowledged.", "%(count)d alerts acknowledged.", count)
        % {"count": count},
    )
    return HttpResponseRedirect(target)


def _commitment_for_watching(request, pk: int) -> Commitment:
    if not request.user.has_perm("commitments.view_commitment"):
        raise PermissionDenied
    return get_object_or_404(Commitment, pk=pk)


@require_POST
def watch(request, pk: int):
    """Follow a commitment's alerts; back to the commitment page."""
    commitment = _commitment_for_watching(request, pk)
    watch_start(user=request.user, commitment=commitment)
    messages.success(request, _("You will receive this commitment's alerts."))
    return redirect(commitment.get_absolute_url())


@require_POST
def unwatch(request, pk: int):
    """Stop following a commitment's alerts (owners included); back to the commitment page."""
    commitment = _commitment_for_watching(request, pk)
    watch_stop(user=request.user, commitment=commitment)
    messages.success(request, _("You will no longer receive this commitment's alerts."))
    return redirect(commitment.get_absolute_url())


@require_GET
def calendar(request):
    """The user's calendar subscription URL, and a button to reset it."""
    token = calendar_token_get_or_create(user=request.user)
    feed_url = absolute_url(reverse("alerts:calendar_feed", args=[token.token]))
    webcal_url = "webcal://" + feed_url.split("://", 1)[-1]
    return render(
        request,
        "alerts/calendar.html",
        {"token": token, "feed_url": feed_url, "webcal_url": webcal_url},
    )


@require_POST
def calendar_reset(request):
    """Replace the user's calendar token: the old URL answers 404 from now on."""
    calendar_token_reset(user=request.user)
    messages.success(
        request,
        _("Your calendar address was reset. Subscribe again with the new address below."),
    )
    return redirect("alerts:calendar")
