"""The commitment domain's models: a commitment and its queries, its status history, and the
evidence (bodies, sources, citations, tags). Imported here, as Django expects of a models
package."""

from .commitment import (
    COMMITMENT_DEADLINE,
    STATUS_VALUES,
    ActiveCommitmentManager,
    Category,
    Commitment,
    CommitmentQuerySet,
    Status,
)
from .evidence import (
    Body,
    BodyKind,
    BodyLevel,
    Citation,
    DatePrecision,
    NaturalKeyManager,
    Source,
    Tag,
    TagManager,
)
from .history import StatusChange, StatusChangeQuerySet

__all__ = [
    "COMMITMENT_DEADLINE",
    "STATUS_VALUES",
    "ActiveCommitmentManager",
    "Body",
    "BodyKind",
    "BodyLevel",
    "Category",
    "Citation",
    "Commitment",
    "CommitmentQuerySet",
    "DatePrecision",
    "NaturalKeyManager",
    "Source",
    "Status",
    "StatusChange",
    "StatusChangeQuerySet",
    "Tag",
    "TagManager",
]
