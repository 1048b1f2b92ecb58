"""A commitment's page: every field, the status timeline, sources, the status form."""

from django.contrib.auth.mixins import PermissionRequiredMixin
from django.db.models import Prefetch
from django.utils.translation import gettext as _
from django.views.generic import DetailView

from commitments.formatting import long_date
from commitments.models import (
    Ask,
    Citation,
    Claim,
    Commitment,
    Deadline,
    Source,
    Status,
    StatusChange,
)
from commitments.models.commitment import no_news_threshold

from .access import SOURCE_PERMISSION, STATUS_PERMISSION, VIEW_PERMISSION, request_as_of
from .forms import StatusChangeForm


class CommitmentDetailView(PermissionRequiredMixin, DetailView):
    """Every field, the status timeline, sources; the status form for editors."""

    permission_required = VIEW_PERMISSION
    raise_exception = True
    template_name = "commitments/commitment_detail.html"
    context_object_name = "commitment"
    http_method_names = ["get", "head", "options"]

    def get_queryset(self):
        return detail_queryset(request_as_of(self.request))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(detail_context(self.request, self.object))
        user = self.request.user
        if user.has_perm(STATUS_PERMISSION):
            context["form"] = StatusChangeForm(
                today=request_as_of(self.request),
                commitment=self.object,
                can_add_source=user.has_perm(SOURCE_PERMISSION),
            )
        return context


def detail_queryset(as_of):
    # Archived commitments left the lists but stay reachable here. Every source comes with the
    # body that said it (an exchange): the page lists them all without a query per source.
    sources = Source.objects.select_related("said_by_body")
    return (
        Commitment.all_objects.for_dashboard(as_of)
        .with_advocacy(as_of)
        .prefetch_related(
            "tags",
            Prefetch(
                "deadlines",
                queryset=Deadline.objects.select_related("event", "predecessor").prefetch_related(
                    Prefetch("sources", queryset=sources),
                    Prefetch(
                        "predecessor__claims",
                        queryset=Claim.objects.periods().select_related("source", "body"),
                        to_attr="period_claims",
                    ),
                ),
                to_attr="deadline_rows",
            ),
            Prefetch(
                "claims",
                queryset=Claim.objects.select_related("body", "source__said_by_body").order_by(
                    "made_on", "pk"
                ),
                to_attr="claim_rows",
            ),
            Prefetch(
                "asks",
                queryset=Ask.objects.select_related("body", "source__said_by_body").order_by(
                    "made_on", "pk"
                ),
                to_attr="ask_rows",
            ),
            Prefetch("citations", queryset=Citation.objects.select_related("source__said_by_body")),
            Prefetch(
                "status_changes",
                queryset=StatusChange.objects.latest_first()
                .select_related("author")
                .prefetch_related(Prefetch("sources", queryset=sources)),
                to_attr="timeline",
            ),
        )
    )


def successor_readings(deadline) -> list[dict]:
    """Every reading of the predecessor's end, earliest first (as ``services.readings``
    orders them), with the one Vigie counts from: staff's choice, else the earliest."""
    if deadline.basis != Deadline.Basis.SUCCESSOR or deadline.predecessor is None:
        return []
    claims = sorted(
        deadline.predecessor.period_claims,
        key=lambda claim: (claim.period_end_window[1], claim.pk),
    )
    counted = next((c for c in claims if c.pk == deadline.counted_reading_id), None)
    chosen = counted is not None
    counted = counted or (claims[0] if claims else None)
    return [
        {"claim": claim, "counted": claim is counted, "chosen_by_staff": chosen} for claim in claims
    ]


def deadline_rows(commitment, as_of) -> list[dict]:
    return [
        {
            "deadline": deadline,
            "lateness": deadline.lateness(as_of),
            "days_left": deadline.days_left(as_of),
            "readings": successor_readings(deadline),
            "governs": deadline.pk == commitment.governing_deadline_id,
        }
        for deadline in commitment.deadline_rows
    ]


def backing_sources(commitment) -> list[dict]:
    """Every source behind the commitment, once each, with what cites it: its citations, its
    status history, its deadlines, claims and asks. From the prefetched rows: no query."""
    found: dict[int, dict] = {}

    def cite(source, text: str, anchor: str = "") -> None:
        if source is None:
            return
        item = found.setdefault(source.pk, {"source": source, "uses": []})
        item["uses"].append({"text": text, "anchor": anchor})

    for citation in commitment.citations.all():
        if citation.claim:
            cite(citation.source, _("Cited: “%(claim)s”") % {"claim": citation.claim})
        else:
            cite(citation.source, _("Cited for this commitment"))
    for entry in reversed(commitment.timeline):  # oldest first
        text = _("Status change to “%(status)s” on %(date)s") % {
            "status": entry.get_new_status_display(),
            "date": long_date(entry.effective_date),
        }
        for source in entry.sources.all():
            cite(source, text, "timeline")
    for deadline in commitment.deadline_rows:
        for source in deadline.sources.all():
            cite(
                source,
                _("Deadline: %(label)s") % {"label": deadline.label or deadline},
                "deadlines",
            )
    for claim in commitment.claim_rows:
        cite(
            claim.source,
            _("Claim by %(who)s, %(date)s")
            % {
                "who": claim.body.short_name if claim.body else claim.get_side_display(),
                "date": claim.made_on_display,
            },
            "claims",
        )
    for ask in commitment.ask_rows:
        cite(
            ask.source,
            _("%(kind)s by %(body)s, %(date)s")
            % {
                "kind": ask.get_kind_display(),
                "body": ask.body.short_name,
                "date": ask.made_on_display,
            },
            "asks",
        )
    return list(found.values())


def detail_context(request, commitment) -> dict:
    as_of = request_as_of(request)
    state_claims = [
        claim
        for claim in commitment.claim_rows
        if claim.side == Claim.Side.STATE and claim.kind == Claim.Kind.STATUS
    ]
    # The latest, as ``advocacy_facts.state_claimed_status`` takes it (made_on, then pk).
    state_claim = max(state_claims, key=lambda c: (c.made_on, c.pk), default=None)
    first_ask = commitment.ask_rows[0] if commitment.ask_rows else None
    return {
        "as_of": as_of,
        "lateness": commitment.lateness(as_of),
        "days_overdue": commitment.get_days_overdue(as_of),
        "days_left": commitment.get_days_left(as_of),
        "deadlines": deadline_rows(commitment, as_of),
        "state_claim": state_claim,
        "state_claimed_status_label": (
            Status(commitment.state_claimed_status).label if commitment.state_claimed_status else ""
        ),
        "first_ask": first_ask if commitment.outstanding_since else None,
        "last_news_on": commitment.last_news_on,
        "to_check": commitment.is_to_check(as_of),
        "no_news_threshold": no_news_threshold(as_of),
        "backing_sources": backing_sources(commitment),
    }
