"""What each source says about a commitment (citations), written with the version read."""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from commitments import search_index
from commitments.models import Citation, Commitment, Source

from .versions import commitment_lock, commitment_write

CLAIM_MAX_LENGTH = 4000


@transaction.atomic
@search_index.refreshed_once()
def citations_set(
    *,
    commitment: Commitment,
    citations: Iterable[tuple[Source, str]],
    expected_version: int,
    author=None,
) -> list[Citation]:
    """Make ``commitment``'s citations exactly ``citations`` (source, what it says): those
    already there are kept as they are (their audit trail with them), the others are added or
    removed. Bumps the version; a stale ``expected_version`` raises ``StaleVersionError``."""
    locked = commitment_lock(commitment=commitment, expected_version=expected_version)
    wanted: list[tuple[Source, str]] = []
    for source, claim in citations:
        claim = (claim or "").strip()
        if len(claim) > CLAIM_MAX_LENGTH:
            raise ValidationError(
                _("What a source says is limited to %(max)d characters.")
                % {"max": CLAIM_MAX_LENGTH},
                code="max_length",
            )
        if (source.pk, claim) not in {(s.pk, c) for s, c in wanted}:
            wanted.append((source, claim))
    existing = {(c.source_id, c.claim): c for c in Citation.objects.filter(commitment=commitment)}
    keep = {(source.pk, claim) for source, claim in wanted}
    for pair, citation in existing.items():
        if pair not in keep:
            citation.delete()
    result = []
    for source, claim in wanted:
        citation = existing.get((source.pk, claim))
        if citation is None:
            citation = Citation.objects.create(commitment=commitment, source=source, claim=claim)
        result.append(citation)
    commitment_write(commitment=commitment, read_version=locked.version, author=author)
    return result
