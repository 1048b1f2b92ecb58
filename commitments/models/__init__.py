"""The commitment domain's models: a commitment and its queries, its status history, the
evidence (bodies, sources, citations, tags), its deadlines and events, the claims of each
side and the asks of monitoring bodies. Imported here, as Django expects of a models
package."""

from .asks import Ask
from .claims import Claim, ClaimQuerySet, Side
from .commitment import (
    COMMITMENT_DEADLINE,
    STATUS_VALUES,
    ActiveCommitmentManager,
    Category,
    Commitment,
    CommitmentQuerySet,
    Status,
)
from .deadlines import DEADLINE_RULES, Deadline, DeadlineQuerySet, Event
from .evidence import (
    Body,
    BodyKind,
    BodyLevel,
    Citation,
    DatePrecision,
    NaturalKeyManager,
    Source,
    SourceKind,
    Tag,
    TagManager,
)
from .history import StatusChange, StatusChangeQuerySet
from .saved_views import SavedView, SavedViewQuerySet
from .search import SearchDocument

__all__ = [
    "Ask",
    "Claim",
    "ClaimQuerySet",
    "DEADLINE_RULES",
    "Deadline",
    "DeadlineQuerySet",
    "Event",
    "Side",
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
    "SourceKind",
    "Status",
    "StatusChange",
    "StatusChangeQuerySet",
    "SavedView",
    "SavedViewQuerySet",
    "SearchDocument",
    "Tag",
    "TagManager",
]
