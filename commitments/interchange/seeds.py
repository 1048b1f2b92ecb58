"""Loading the seed files in ``seeds/``: idempotent, all or nothing, never over staff's work.

- A record is identified by its ``key``; one that exists already is left as it is, so that a
  correction made by staff is never overwritten by a second run.
- A commitment is created through ``commitment_save`` and its later seeded history entries are
  recorded through ``status_change_record``. On a later run, entries added to the file since
  are recorded too, but only while every entry of the commitment came from the seeds: once
  staff have recorded a change, its status is theirs.
- Deadlines, claims and asks of a commitment are added when missing (a deadline is known by
  its label, a claim and an ask by their source and text) and never changed once there; events
  are known by their key. Deadlines come last, once every commitment and claim is in, since a
  successor deadline is derived from the claims about the commitment it follows.
- Tags are named in ``tags.yaml`` (slug and the name staff read, with its accents). A tag
  still carrying the name an earlier loader made up from its slug ("Cooperation", "Onu") is
  renamed; a name staff gave is kept. A commitment may only use a tag of that file.
- Any malformed entry stops the load with the file, the entry and the reason, and the whole load
  is rolled back.
"""

import dataclasses
import datetime
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import yaml
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.text import slugify

from commitments.fields import (
    ASK_FIELDS,
    BODY_FIELDS,
    CLAIM_FIELDS,
    COMMITMENT_EDITABLE_FIELDS,
    COMMITMENT_MANY_TO_MANY_FIELDS,
    COMMITMENT_SEED_FIELDS,
    DEADLINE_FIELDS,
    EVENT_FIELDS,
    HISTORY_SEED_FIELDS,
    SOURCE_FIELDS,
)
from commitments.models import (
    Ask,
    Body,
    Citation,
    Commitment,
    Deadline,
    Event,
    Source,
    Status,
    StatusChange,
    Tag,
)
from commitments.services.deadlines import deadline_save, event_save
from commitments.services.evidence import ask_record, claim_record
from commitments.services.lifecycle import commitment_save
from commitments.services.status import StatusChangeInput, status_change_record

SEED_FILES = ("tags.yaml", "bodies.yaml", "sources.yaml", "events.yaml", "commitments.yaml")


class SeedError(Exception):
    """A malformed seed entry: says which file, which entry and why."""

    def __init__(self, file: str, entry: str, reason: str):
        self.file, self.entry, self.reason = file, entry, reason
        super().__init__(f"{file}, {entry}: {reason}")


@dataclasses.dataclass
class SeedReport:
    created: dict[str, int] = dataclasses.field(default_factory=dict)
    kept: dict[str, int] = dataclasses.field(default_factory=dict)
    renamed: dict[str, int] = dataclasses.field(default_factory=dict)
    history_recorded: int = 0
    history_kept_for_staff: list[str] = dataclasses.field(default_factory=list)

    def count(self, bucket: str, kind: str) -> None:
        counts = getattr(self, bucket)
        counts[kind] = counts.get(kind, 0) + 1


def load_seeds(seed_dir: Path, *, today: datetime.date | None = None) -> SeedReport:
    """Load every seed file in ``seed_dir`` in one transaction; raise ``SeedError`` if malformed."""
    today = today or timezone.localdate()
    entries = {name: _read(seed_dir / name) for name in SEED_FILES}
    report = SeedReport()
    with transaction.atomic():
        tags = _load_tags(entries["tags.yaml"], report)
        bodies = _load_records(
            Body, "bodies.yaml", entries["bodies.yaml"], set(BODY_FIELDS), report, kind="bodies"
        )
        sources = _load_records(
            Source,
            "sources.yaml",
            entries["sources.yaml"],
            set(SOURCE_FIELDS),
            report,
            kind="sources",
        )
        events = _load_events(entries["events.yaml"], bodies, sources, report)
        refs = _Refs(bodies=bodies, sources=sources, events=events, commitments={})
        loaded = []
        for index, entry in enumerate(entries["commitments.yaml"], start=1):
            commitment = _load_commitment(entry, index, bodies, sources, tags, report, today)
            refs.commitments[commitment.key] = commitment
            loaded.append((index, entry, commitment))
        for index, entry, commitment in loaded:
            label = _entry_label(index, entry)
            _load_claims_and_asks(entry, label, commitment, refs, report, today)
        for index, entry, commitment in loaded:
            label = _entry_label(index, entry)
            _load_deadlines(entry, label, commitment, refs, report, today)
    return report


def _read(path: Path) -> list[dict[str, Any]]:
    name = path.name
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as error:
        raise SeedError(name, "file", "not found") from error
    except UnicodeDecodeError as error:
        raise SeedError(name, "file", f"not valid UTF-8 ({error.reason})") from error
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise SeedError(name, "file", f"not valid YAML: {error}") from error
    if data is None:
        return []
    if not isinstance(data, list) or not all(isinstance(item, dict) for item in data):
        raise SeedError(name, "file", "must be a list of entries (mappings)")
    return data


def _entry_label(index: int, entry: dict) -> str:
    key = entry.get("key")
    return f"entry {index} (key {key!r})" if key else f"entry {index}"


def _check_fields(file: str, label: str, entry: dict, allowed: set[str]) -> None:
    unknown = sorted(set(entry) - set(allowed))
    if unknown:
        raise SeedError(file, label, f"unknown field(s): {', '.join(unknown)}")
    if not entry.get("key"):
        raise SeedError(file, label, "missing field: key")


def _as_date(file: str, label: str, field: str, value) -> datetime.date | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime.date):
        return value
    try:
        return datetime.date.fromisoformat(str(value))
    except ValueError as error:
        raise SeedError(file, label, f"{field}: {value!r} is not a date (YYYY-MM-DD)") from error


def _validation_reason(error: ValidationError) -> str:
    if hasattr(error, "error_dict"):
        return "; ".join(
            f"{field}: {' '.join(str(message) for message in messages)}"
            for field, messages in error.message_dict.items()
        )
    return " ".join(error.messages)


def _load_records(model, file, entries, allowed, report, *, kind) -> dict[str, Any]:
    """Create the records missing by key; return every record of the file by key."""
    existing = model.objects.in_bulk([entry.get("key") for entry in entries], field_name="key")
    seen: set[str] = set()
    for index, entry in enumerate(entries, start=1):
        label = _entry_label(index, entry)
        _check_fields(file, label, entry, allowed)
        key = entry["key"]
        if key in seen:
            raise SeedError(file, label, f"duplicate key {key!r}")
        seen.add(key)
        values = {field: ("" if value is None else value) for field, value in entry.items()}
        if "publication_date" in values:
            values["publication_date"] = _as_date(
                file, label, "publication_date", entry["publication_date"]
            )
        record = model(**values)
        try:
            record.full_clean(validate_unique=False)
        except ValidationError as error:
            raise SeedError(file, label, _validation_reason(error)) from error
        if key in existing:
            report.count("kept", kind)
            continue
        record.save()
        existing[key] = record
        report.count("created", kind)
    return existing


def _load_commitment(entry, index, bodies, sources, tags, report, today) -> Commitment:
    file = "commitments.yaml"
    label = _entry_label(index, entry)
    _check_fields(file, label, entry, set(COMMITMENT_SEED_FIELDS))

    def body(field: str, required: bool) -> Body | None:
        key = entry.get(field)
        if not key:
            if required:
                raise SeedError(file, label, f"missing field: {field}")
            return None
        if key not in bodies:
            raise SeedError(file, label, f"{field}: unknown body {key!r} (not in bodies.yaml)")
        return bodies[key]

    def source_list(keys: Iterable[str], where: str) -> list[Source]:
        found = []
        for key in keys or ():
            if key not in sources:
                raise SeedError(file, label, f"{where}: unknown source {key!r}")
            found.append(sources[key])
        return found

    citations = entry.get("citations") or []
    if not citations:
        raise SeedError(file, label, "at least one citation is required (the evidence)")
    cited = [
        (source_list([citation.get("source")], "citations")[0], citation.get("claim") or "")
        for citation in citations
    ]
    history = entry.get("history") or []
    if not history:
        raise SeedError(file, label, "at least one history entry is required (the status)")
    steps = []
    for position, step in enumerate(history, start=1):
        where = f"history entry {position}"
        unknown = sorted(set(step) - set(HISTORY_SEED_FIELDS))
        if unknown:
            raise SeedError(file, label, f"{where}: unknown field(s): {', '.join(unknown)}")
        if step.get("status") not in Status.values:
            raise SeedError(file, label, f"{where}: unknown status {step.get('status')!r}")
        effective = _as_date(file, label, f"{where} effective_date", step.get("effective_date"))
        if effective is None:
            raise SeedError(file, label, f"{where}: missing effective_date")
        step_sources = source_list(step.get("sources"), where)
        if not step_sources:
            raise SeedError(file, label, f"{where}: cite at least one source")
        steps.append((step["status"], effective, step.get("note") or "", step_sources))

    # Every editable field a seed may carry, read by its type (a body by its key).
    fields = {}
    for name in COMMITMENT_SEED_FIELDS:
        if name not in COMMITMENT_EDITABLE_FIELDS or name in COMMITMENT_MANY_TO_MANY_FIELDS:
            continue
        field = Commitment._meta.get_field(name)
        value = entry.get(name)
        if field.is_relation:
            fields[name] = body(name, required=not field.null)
        elif isinstance(field, models.DateField):
            fields[name] = _as_date(file, label, name, value)
        elif isinstance(field, models.BooleanField):
            fields[name] = bool(field.get_default() if value is None else value)
        else:
            fields[name] = value or field.get_default()
    unknown_tags = sorted({str(slug) for slug in entry.get("tags") or []} - set(tags))
    if unknown_tags:
        raise SeedError(file, label, f"tag(s) not in tags.yaml: {', '.join(unknown_tags)}")
    commitment_tags = [tags[str(slug)] for slug in entry.get("tags") or []]
    commitment = Commitment.all_objects.filter(key=fields["key"]).first()
    try:
        if commitment is None:
            first_status, first_date, first_note, first_sources = steps[0]
            commitment = commitment_save(
                commitment=None,
                data={**fields, "tags": commitment_tags},
                expected_version=None,
                status_change=StatusChangeInput(
                    first_status, first_date, first_note, tuple(first_sources)
                ),
                author=None,
                origin=StatusChange.Origin.SEED,
                today=today,
            )
            report.count("created", "commitments")
            report.history_recorded += 1
        else:
            report.count("kept", "commitments")
        for source, claim in cited:
            Citation.objects.get_or_create(commitment=commitment, source=source, claim=claim)
        _record_missing_history(commitment, steps, report, today)
    except ValidationError as error:
        raise SeedError(file, label, _validation_reason(error)) from error
    return commitment


@dataclasses.dataclass
class _Refs:
    """Records seed entries name by key."""

    bodies: dict[str, Body]
    sources: dict[str, Source]
    events: dict[str, Event]
    commitments: dict[str, Commitment]

    def find(self, file: str, label: str, kind: str, key, *, required: bool = True):
        if not key:
            if required:
                raise SeedError(file, label, f"missing {kind}")
            return None
        found = getattr(self, kind).get(key)
        if found is None and kind == "commitments":
            found = Commitment.all_objects.filter(key=key).first()
        if found is None:
            raise SeedError(file, label, f"unknown {kind[:-1]} {key!r}")
        return found


def _sub_entries(file, label, entry, field, allowed) -> list[dict]:
    items = entry.get(field) or []
    if not isinstance(items, list) or not all(isinstance(item, dict) for item in items):
        raise SeedError(file, label, f"{field}: must be a list of entries")
    for position, item in enumerate(items, start=1):
        unknown = sorted(set(item) - set(allowed))
        if unknown:
            raise SeedError(
                file, label, f"{field} entry {position}: unknown field(s): {', '.join(unknown)}"
            )
    return items


def _dated(file, label, where, item, *names) -> dict:
    return {name: _as_date(file, label, f"{where} {name}", item.get(name)) for name in names}


def _load_events(entries, bodies, sources, report) -> dict[str, Event]:
    file = "events.yaml"
    existing = Event.objects.in_bulk([entry.get("key") for entry in entries], field_name="key")
    refs = _Refs(bodies=bodies, sources=sources, events=existing, commitments={})
    for index, entry in enumerate(entries, start=1):
        label = _entry_label(index, entry)
        _check_fields(file, label, entry, set(EVENT_FIELDS))
        if entry["key"] in existing:
            report.count("kept", "events")
            continue
        data = {name: entry.get(name) for name in ("key", "name", "kind", "date_precision")}
        data["note"] = entry.get("note") or ""
        data["offset_days"] = entry.get("offset_days") or 0
        data["body"] = refs.find(file, label, "bodies", entry.get("body"), required=False)
        data["follows"] = refs.find(file, label, "events", entry.get("follows"), required=False)
        data.update(_dated(file, label, "", entry, "date"))
        cited = [refs.find(file, label, "sources", key) for key in entry.get("sources") or []]
        try:
            existing[entry["key"]] = event_save(data=data, sources=cited)
        except ValidationError as error:
            raise SeedError(file, label, _validation_reason(error)) from error
        report.count("created", "events")
    return existing


def _load_claims_and_asks(entry, label, commitment, refs, report, today) -> None:
    file = "commitments.yaml"
    claims = _sub_entries(file, label, entry, "claims", CLAIM_FIELDS)
    asks = _sub_entries(file, label, entry, "asks", ASK_FIELDS)
    known_claims = set(commitment.claims.values_list("source__key", "text"))
    known_asks = set(commitment.asks.values_list("source__key", "text"))
    try:
        for position, item in enumerate(claims, start=1):
            where = f"claim {position}"
            if (item.get("source"), item.get("text")) in known_claims:
                report.count("kept", "claims")
                continue
            data = {
                "side": item.get("side"),
                "kind": item.get("kind"),
                "text": item.get("text") or "",
                "claimed_status": item.get("claimed_status") or "",
                "period_precision": item.get("period_precision") or "year",
                "made_on_precision": item.get("made_on_precision") or "day",
                "body": refs.find(file, label, "bodies", item.get("body"), required=False),
                "source": refs.find(file, label, "sources", item.get("source")),
                **_dated(file, label, where, item, "period_start", "period_end", "made_on"),
            }
            claim_record(
                commitment=commitment,
                data=data,
                expected_version=commitment.version,
                today=today,
            )
            report.count("created", "claims")
        for position, item in enumerate(asks, start=1):
            where = f"ask {position}"
            if (item.get("source"), item.get("text")) in known_asks:
                report.count("kept", "asks")
                continue
            data = {
                "kind": item.get("kind") or Ask.Kind.REQUEST,
                "text": item.get("text") or "",
                "made_on_precision": item.get("made_on_precision") or "day",
                "body": refs.find(file, label, "bodies", item.get("body")),
                "source": refs.find(file, label, "sources", item.get("source")),
                **_dated(file, label, where, item, "made_on"),
            }
            ask_record(
                commitment=commitment, data=data, expected_version=commitment.version, today=today
            )
            report.count("created", "asks")
    except ValidationError as error:
        raise SeedError(file, label, _validation_reason(error)) from error


def _load_deadlines(entry, label, commitment, refs, report, today) -> None:
    file = "commitments.yaml"
    items = _sub_entries(file, label, entry, "deadlines", DEADLINE_FIELDS)
    known = set(commitment.deadlines.values_list("label", flat=True))
    try:
        for position, item in enumerate(items, start=1):
            where = f"deadline {position}"
            if item.get("label") in known:
                report.count("kept", "deadlines")
                continue
            data = {
                "kind": item.get("kind") or Deadline.Kind.FINAL,
                "label": item.get("label") or "",
                "bound": item.get("bound") or Deadline.Bound.NO_LATER_THAN,
                "basis": item.get("basis") or Deadline.Basis.TEXT,
                "precision": item.get("precision") or "day",
                "offset_days": item.get("offset_days") or 0,
                "reasoning": item.get("reasoning") or "",
                "event": refs.find(file, label, "events", item.get("event"), required=False),
                "predecessor": refs.find(
                    file, label, "commitments", item.get("predecessor"), required=False
                ),
                **_dated(file, label, where, item, "date", "met_on"),
            }
            cited = [refs.find(file, label, "sources", key) for key in item.get("sources") or []]
            commitment.refresh_from_db(fields=["version"])
            deadline_save(
                commitment=commitment,
                data=data,
                sources=cited,
                expected_version=commitment.version,
                today=today,
            )
            report.count("created", "deadlines")
    except ValidationError as error:
        raise SeedError(file, label, _validation_reason(error)) from error


def _record_missing_history(commitment, steps, report, today) -> None:
    recorded = list(commitment.status_changes.values_list("new_status", "effective_date", "origin"))
    present = {(status, date) for status, date, _origin in recorded}
    missing = [step for step in steps if (step[0], step[1]) not in present]
    if not missing:
        return
    if any(origin != StatusChange.Origin.SEED for _status, _date, origin in recorded):
        report.history_kept_for_staff.append(commitment.key)
        return
    for status, effective, note, step_sources in missing:
        status_change_record(
            commitment=commitment,
            expected_version=commitment.version,
            new_status=status,
            effective_date=effective,
            note=note,
            sources=step_sources,
            origin=StatusChange.Origin.SEED,
            today=today,
        )
        report.history_recorded += 1


def _slug_made_name(slug: str) -> str:
    """The name earlier loaders made up from a slug ("cooperation" -> "Cooperation")."""
    return slug.replace("-", " ").capitalize()


def _load_tags(entries, report) -> dict[str, Tag]:
    """Create the tags missing by slug, rename those still named after their slug; by slug."""
    file = "tags.yaml"
    wanted: dict[str, str] = {}
    for index, entry in enumerate(entries, start=1):
        slug = entry.get("slug")
        label = f"entry {index} (slug {slug!r})" if slug else f"entry {index}"
        unknown = sorted(set(entry) - {"slug", "name"})
        if unknown:
            raise SeedError(file, label, f"unknown field(s): {', '.join(unknown)}")
        name = str(entry.get("name") or "").strip()
        if not slug or not name:
            raise SeedError(file, label, "slug and name are both required")
        if slug != slugify(slug):
            raise SeedError(file, label, f"{slug!r} is not a slug (lowercase ASCII, hyphens)")
        if slug in wanted:
            raise SeedError(file, label, f"duplicate slug {slug!r}")
        tag = Tag(slug=slug, name=name)
        try:
            tag.full_clean(validate_unique=False)
        except ValidationError as error:
            raise SeedError(file, label, _validation_reason(error)) from error
        wanted[slug] = name
    tags = Tag.objects.in_bulk(list(wanted), field_name="slug")
    for slug, name in wanted.items():
        tag = tags.get(slug)
        if tag is None:
            tags[slug] = Tag.objects.create(slug=slug, name=name)
            report.count("created", "tags")
        elif tag.name == _slug_made_name(slug) and tag.name != name:
            tag.name = name
            tag.save(update_fields=["name"])
            report.count("renamed", "tags")
        else:
            report.count("kept", "tags")
    return tags
