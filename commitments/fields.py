"""The one list of each shape: a commitment's editable fields and the exchange columns.

Adding a field to Commitment is the model, its migration and ``COMMITMENT_EDITABLE_FIELDS``:
the save service, the admin form and its fieldsets, the spreadsheet columns and the seed
loader all read these lists.
"""

# What a save may write, in the order the spreadsheets show it. ``status`` is written only
# by a recorded status change, ``version`` by the services; ``tags`` is the one many-to-many.
COMMITMENT_EDITABLE_FIELDS = (
    "key",
    "title",
    "summary",
    "category",
    "responsible_body",
    "monitoring_body",
    "due_date",
    "due_date_note",
    "owner",
    "tags",
    "is_public",
)
COMMITMENT_MANY_TO_MANY_FIELDS = ("tags",)

# Where the admin form shows each field; a field not named here goes in the first section.
COMMITMENT_FIELD_SECTIONS = {
    "responsible_body": "who",
    "monitoring_body": "who",
    "owner": "who",
    "due_date": "deadline",
    "due_date_note": "deadline",
}

# A status change's input, as the admin form and the spreadsheet columns call it.
STATUS_CHANGE_COLUMNS = {
    "new_status": "status",
    "effective_date": "status_effective_date",
    "note": "status_note",
    "sources": "status_sources",
}

# Spreadsheet columns of a commitment: its fields, a status change, the version it was read at.
COMMITMENT_COLUMNS = (*COMMITMENT_EDITABLE_FIELDS, *STATUS_CHANGE_COLUMNS.values(), "version")

# Seed entries: the editable fields except the staff owner (seeds never name staff), the
# evidence, the history, the deadlines, the claims of each side and the asks.
COMMITMENT_SEED_FIELDS = (
    *(name for name in COMMITMENT_EDITABLE_FIELDS if name != "owner"),
    "citations",
    "history",
    "deadlines",
    "claims",
    "asks",
)
# A deadline, a claim, an ask and an event as the seed files (and the services) name them.
DEADLINE_FIELDS = (
    "kind",
    "label",
    "bound",
    "basis",
    "date",
    "precision",
    "event",
    "offset_days",
    "predecessor",
    "reasoning",
    "met_on",
    "sources",
)
CLAIM_FIELDS = (
    "side",
    "body",
    "kind",
    "text",
    "claimed_status",
    "period_start",
    "period_end",
    "period_precision",
    "made_on",
    "made_on_precision",
    "source",
)
ASK_FIELDS = ("body", "kind", "text", "made_on", "made_on_precision", "source")
EVENT_FIELDS = (
    "key",
    "name",
    "kind",
    "body",
    "date",
    "date_precision",
    "follows",
    "offset_days",
    "note",
    "sources",
)
HISTORY_SEED_FIELDS = ("status", "effective_date", "note", "sources")

# The fields of a body and of a source in every exchange format: seed files and spreadsheets.
BODY_FIELDS = ("key", "name", "acronym", "kind", "level", "country", "description")
SOURCE_FIELDS = (
    "key",
    "title",
    "publisher",
    "publication_date",
    "date_precision",
    "url",
    "language",
    "document",
    "note",
)
