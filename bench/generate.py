"""Synthetic data for the benchmark, written in bulk, with the values the services would write.

Run by ``bench.run`` in its own process (``DJANGO_SETTINGS_MODULE=bench.settings`` and
``DATABASE_URL`` pointing at the throwaway database), or called from tests on the test database.

What a service would derive is derived here the same way, from the same rules
(``commitments.deadlines``): each deadline's window; the commitment's governing deadline (its
open deadline that lapses first), ``due_date`` and ``due_date_note``; its status equal to its
latest history entry, every entry's previous status that of the entry before; its version
(1, plus one per later status change and per deadline written, as ``status_change_record`` and
``deadline_save`` count them). Rows are written with ``executemany`` in batches, in one
transaction per chunk of commitments, with primary keys chosen here so that rows can refer to
each other before they are written (the foreign keys are checked at commit).

The mix, per commitment (seeded, so that a size always gives the same data):
- 4 to 16 history entries (about 10; one commitment, ``DETAIL_KEY``, has exactly 50), the last
  within 30 days for about 3 %; final statuses for about 35 %;
- 0 to 3 deadlines: final deadline and steps; set by a text, expected by the coalition, derived
  from an event, or from another commitment's claimed end (successor); day, month and year
  precision; "on", "no later than" and "not before"; some steps met;
- claims (the state's status, diverging or not; periods; statements), asks, citations, tags;
- an owner (15 % none; three staff members own 10 % each), a few watchers;
- alerts already raised by an earlier run of the alert job (a week ago) for one commitment in
  five, delivered to its owner, half acknowledged; the other lapsed deadlines are left for the
  measured ``check_deadlines`` to raise.
"""

from __future__ import annotations

import datetime
import random
import uuid
from collections import defaultdict
from dataclasses import dataclass, field

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.core.management.color import no_style
from django.db import connection, models, transaction
from django.utils import timezone

from accounts.roles import ADMINISTRATORS, EDITORS
from alerts.models import Alert, AlertKind, CloseReason, Delivery, Watch
from commitments import advocacy_facts, search_index
from commitments import deadlines as rules
from commitments.models import (
    Ask,
    Body,
    Citation,
    Claim,
    Commitment,
    Deadline,
    Event,
    Source,
    Status,
    StatusChange,
    Tag,
)
from commitments.models.claims import Side

DETAIL_KEY = "bench-detail"
BENCH_USERNAME = "bench"
CHUNK = 5000  # commitments per transaction
BATCH = 5000  # rows per executemany

FINAL_WEIGHTS = {
    Status.NOT_STARTED: 10,
    Status.ANNOUNCED: 10,
    Status.IN_PROGRESS: 30,
    Status.PARTIALLY_MET: 15,
    Status.MET: 20,
    Status.ABANDONED: 10,
    Status.SUPERSEDED: 5,
}
OPEN = [s for s in Status.values if s not in Status.final_values()]

WORDS = (
    "plan national lutte contre traite êtres humains exploitation victimes protection "
    "identification hébergement formation magistrats police mineurs non accompagnés "
    "mécanisme orientation indemnisation rapport évaluation coordination interministérielle "
    "sensibilisation travail forcé prostitution mendicité forcée frontières coopération "
    "européenne données statistiques financement associations"
).split()


def _text(rng: random.Random, words: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(words)).capitalize()


def _weighted(rng: random.Random, weights: dict):
    return rng.choices(list(weights), weights=list(weights.values()))[0]


class Writer:
    """Rows buffered per model and written with ``executemany``, every column given."""

    def __init__(self, now: datetime.datetime):
        self.now = now
        self.sqlite = connection.vendor == "sqlite"
        self.buffers: dict[type, list[tuple]] = defaultdict(list)
        self.columns: dict[type, list] = {}
        self.ids: dict[type, int] = defaultdict(int)
        self.written: dict[type, int] = defaultdict(int)

    def next_id(self, model) -> int:
        self.ids[model] += 1
        return self.ids[model]

    def _prepare(self, model):
        fields = []
        for f in model._meta.concrete_fields:
            if isinstance(f, models.DateTimeField):
                adapt = self._datetime
            elif isinstance(f, models.DateField):
                adapt = self._date
            elif isinstance(f, models.UUIDField):
                adapt = self._uuid
            else:
                adapt = None
            if f.has_default():
                default = f.get_default()
            elif getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
                default = self.now
            elif f.null:
                default = None
            elif isinstance(f, models.CharField | models.TextField):
                default = ""
            else:
                default = _REQUIRED
            fields.append((f.attname, default, adapt))
        self.columns[model] = fields
        return fields

    def _datetime(self, value):
        if value is None or not self.sqlite:
            return value
        return value.astimezone(datetime.UTC).replace(tzinfo=None).isoformat(" ")

    def _date(self, value):
        return value.isoformat() if value is not None and self.sqlite else value

    def _uuid(self, value):
        return value.hex if value is not None and self.sqlite else value

    def add(self, model, **values) -> int:
        fields = self.columns.get(model) or self._prepare(model)
        if "id" not in values:
            values["id"] = self.next_id(model)
        row = []
        for attname, default, adapt in fields:
            value = values.get(attname, default)
            if value is _REQUIRED:
                raise ValueError(f"{model.__name__}.{attname} is required")
            row.append(adapt(value) if adapt else value)
        buffer = self.buffers[model]
        buffer.append(tuple(row))
        if len(buffer) >= BATCH:
            self.flush(model)
        return values["id"]

    def flush(self, model=None) -> None:
        for each in [model] if model else list(self.buffers):
            rows = self.buffers[each]
            if not rows:
                continue
            names = [connection.ops.quote_name(f.column) for f in each._meta.concrete_fields]
            sql = "INSERT INTO {} ({}) VALUES ({})".format(
                connection.ops.quote_name(each._meta.db_table),
                ", ".join(names),
                ", ".join(["%s"] * len(names)),
            )
            with connection.cursor() as cursor:
                cursor.executemany(sql, rows)
            self.written[each] += len(rows)
            rows.clear()


_REQUIRED = object()


@dataclass
class Reading:
    """A period claimed for a commitment, as a successor deadline counts from it."""

    pk: int
    period_end: datetime.date
    precision: str

    @property
    def window(self):
        return rules.window(self.period_end, self.precision)


@dataclass
class Context:
    rng: random.Random
    today: datetime.date
    now: datetime.datetime
    users: list[int]
    heavy_owners: list[int]
    bodies: list[int]
    sources: list[int]
    tags: list[int]
    events: list[tuple[int, datetime.date, str]]
    readings: dict[int, list[Reading]] = field(default_factory=dict)
    # The latest commitments with a claimed period: the predecessors successors pick from.
    predecessors: list[int] = field(default_factory=list)
    alert_run: uuid.UUID = field(default_factory=uuid.uuid4)


def _aware(day: datetime.date, seconds: int = 9 * 3600) -> datetime.datetime:
    naive = datetime.datetime.combine(day, datetime.time()) + datetime.timedelta(seconds=seconds)
    return timezone.make_aware(naive)


def _future_or_past(ctx: Context) -> datetime.date:
    """A deadline date: 55 % lapsed (up to 7 years), 25 % within a year, 20 % later."""
    rng = ctx.rng
    roll = rng.random()
    if roll < 0.55:
        offset = -rng.randint(1, 2500)
    elif roll < 0.80:
        offset = rng.randint(0, 365)
    else:
        offset = rng.randint(366, 1500)
    return ctx.today + datetime.timedelta(days=offset)


def generate(size: int, *, seed: int = 12, today: datetime.date | None = None, verbose=False):
    """Write ``size`` commitments and everything around them into the current (empty) database."""
    today = today or timezone.localdate()
    now = timezone.now()
    rng = random.Random(seed * 1_000_003 + size)
    writer = Writer(now)
    # Faster loading on SQLite (no journal, no fsync), when not inside a caller's transaction
    # (the tests'): a crash mid-way leaves a broken file, which the next run rebuilds.
    outside = not connection.in_atomic_block
    sqlite = connection.vendor == "sqlite" and outside
    # PostgreSQL: foreign keys are checked at commit, one queued trigger per row (most of the
    # load's time at 100k); replica mode skips those triggers for this session only. The rows
    # refer only to rows written here (``tests/bench`` checks every constraint).
    replica = connection.vendor == "postgresql" and outside and _replica_mode("replica")
    if sqlite:
        with connection.cursor() as cursor:
            for pragma in (
                "journal_mode=MEMORY",
                "synchronous=OFF",
                "cache_size=-65536",
                "temp_store=MEMORY",
            ):
                cursor.execute(f"PRAGMA {pragma}")
    try:
        with transaction.atomic():
            ctx = _reference_data(writer, rng, size, today, now)
            writer.flush()
        for start in range(1, size + 1, CHUNK):
            with transaction.atomic():
                for pk in range(start, min(start + CHUNK, size + 1)):
                    _commitment(writer, ctx, pk, size)
                writer.flush()
            if verbose:
                print(f"  {min(start + CHUNK - 1, size)} / {size} commitments", flush=True)
        _reset_sequences()
        _second_factor()
        # The search documents, as every write through Django would have kept them.
        written_documents = search_index.rebuild_all()
        advocacy_facts.refresh_all()
        if verbose:
            print(f"  {written_documents} search documents", flush=True)
    finally:
        if replica:
            _replica_mode("origin")
        if sqlite:
            with connection.cursor() as cursor:
                cursor.execute("PRAGMA journal_mode=WAL")
                cursor.execute("PRAGMA synchronous=NORMAL")
    if connection.vendor == "postgresql" and outside:
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")  # what autovacuum would have done by now
    return {model._meta.label: count for model, count in writer.written.items()}


def _replica_mode(role: str) -> bool:
    """Set ``session_replication_role``; False when not allowed (a role without superuser)."""
    from django.db import DatabaseError

    try:
        with connection.cursor() as cursor:
            cursor.execute(f"SET session_replication_role = {role}")
        return True
    except DatabaseError:
        return False


def _second_factor() -> None:
    """The bench user's confirmed TOTP device: its sessions are verified like real staff's."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    user = _user_model().objects.get(username=BENCH_USERNAME)
    TOTPDevice.objects.get_or_create(user=user, name="bench", defaults={"confirmed": True})


def _reset_sequences() -> None:
    if connection.vendor == "sqlite":
        return  # SQLite's AUTOINCREMENT-less ids continue after the largest one
    from django.apps import apps

    # The many-to-many tables too (auto-created models): left behind, the next row added to
    # one (a user's group, a status change's source) took an id already written, and Django's
    # ``ON CONFLICT DO NOTHING`` for those links dropped it without a word.
    models = apps.get_models(include_auto_created=True)
    statements = connection.ops.sequence_reset_sql(no_style(), models)
    with connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)


def _reference_data(writer, rng, size, today, now) -> Context:
    User = _user_model()
    password = make_password(None)
    editors = Group.objects.get(name=EDITORS)
    administrators = Group.objects.get(name=ADMINISTRATORS)
    groups_through = User.groups.through
    users = []
    for n in range(1, max(8, size // 400) + 1):
        pk = writer.add(
            User,
            username=f"staff{n:04d}",
            email=f"staff{n:04d}@bench.invalid",
            first_name="Agent",
            last_name=f"N°{n}",
            password=password,
            is_staff=True,
            is_active=True,
            date_joined=now,
            language="fr",
        )
        writer.add(groups_through, user_id=pk, group_id=editors.pk)
        users.append(pk)
    bench = writer.add(
        User,
        username=BENCH_USERNAME,
        email="bench@bench.invalid",
        password=password,
        is_staff=True,
        is_active=True,
        date_joined=now,
        language="fr",
    )
    writer.add(groups_through, user_id=bench, group_id=administrators.pk)

    kinds = [k for k, _label in Body.Kind.choices]
    levels = [k for k, _label in Body.Level.choices]
    bodies = [
        writer.add(
            Body,
            key=f"body-{n}",
            name=f"{_text(rng, 3)} {n}",
            acronym=f"B{n}",
            kind=rng.choice(kinds),
            level=rng.choice(levels),
            country="FR" if n % 3 else "",
        )
        for n in range(1, 40 + size // 1000 + 1)
    ]
    sources = [
        writer.add(
            Source,
            key=f"source-{n}",
            title=_text(rng, 8),
            publisher=_text(rng, 2),
            publication_date=today - datetime.timedelta(days=rng.randint(0, 4000)),
            date_precision=rng.choice(["day", "day", "month", "year"]),
            url=f"https://example.org/documents/{n}",
            created_at=now,
        )
        for n in range(1, max(50, size // 10) + 1)
    ]
    tags = [writer.add(Tag, slug=f"theme-{n}", name=f"Thème {n}") for n in range(1, 21)]
    event_kinds = [k for k, _label in Event.Kind.choices]
    events = []
    for n in range(1, 10 + size // 100 + 1):
        precision = rng.choice(["day", "day", "month", "year"])
        date = rules.window(today + datetime.timedelta(days=rng.randint(-2000, 900)), precision)[0]
        pk = writer.add(
            Event,
            key=f"event-{n}",
            name=f"Session {n}: {_text(rng, 4)}",
            kind=rng.choice(event_kinds),
            body_id=rng.choice(bodies),
            date=date,
            date_precision=precision,
        )
        events.append((pk, date, precision))
    return Context(
        rng=rng,
        today=today,
        now=now,
        users=users,
        heavy_owners=users[:3],
        bodies=bodies,
        sources=sources,
        tags=tags,
        events=events,
    )


def _user_model():
    from django.contrib.auth import get_user_model

    return get_user_model()


def _statuses(rng: random.Random, count: int) -> list[str]:
    """``count`` statuses, each different from the one before, the last one weighted."""
    chain = [_weighted(rng, FINAL_WEIGHTS)]
    while len(chain) < count:
        chain.append(rng.choice([s for s in OPEN if s != chain[-1]]))
    chain.reverse()
    return chain


def _commitment(writer: Writer, ctx: Context, pk: int, size: int) -> None:
    rng, today = ctx.rng, ctx.today
    detail = pk == size // 2 + 1
    count = 50 if detail else rng.randint(4, 16)
    statuses = _statuses(rng, count)
    status = statuses[-1]
    roll = rng.random()
    owner = (
        None
        if roll < 0.15
        else rng.choice(ctx.heavy_owners)
        if roll < 0.45
        else rng.choice(ctx.users)
    )
    created_day = today - datetime.timedelta(days=rng.randint(400, 4000))
    created_at = _aware(created_day)

    # History: strictly later effective dates, recorded on the day or a little after.
    span = (today - created_day).days
    offsets = sorted(rng.sample(range(span + 1), count))
    if rng.random() < 0.03:  # news lately: the alert job tells the watchers
        offsets[-1] = max(offsets[-2] + 1 if count > 1 else 0, span - rng.randint(0, 20))
    recorded = created_at
    for index, (new_status, offset) in enumerate(zip(statuses, offsets, strict=True)):
        effective = created_day + datetime.timedelta(days=offset)
        recorded = max(recorded + datetime.timedelta(seconds=1), _aware(effective, 10 * 3600))
        recorded = min(recorded, ctx.now - datetime.timedelta(seconds=count - index))
        change = writer.add(
            StatusChange,
            commitment_id=pk,
            previous_status=statuses[index - 1] if index else "",
            new_status=new_status,
            effective_date=effective,
            note=_text(rng, rng.randint(0, 12)),
            author_id=owner if rng.random() < 0.7 else rng.choice(ctx.users),
            origin=rng.choice(["web", "web", "web", "admin", "api", "import"]),
            created_at=recorded,
        )
        if rng.random() < 0.3:
            writer.add(
                StatusChange.sources.through,
                statuschange_id=change,
                source_id=rng.choice(ctx.sources),
            )

    claims = _claims(writer, ctx, pk, status)
    deadlines = _deadlines(writer, ctx, pk, status)
    governing = min(
        (
            d
            for d in deadlines
            if d["window_end"] is not None and d["bound"] != "not_before" and d["met_on"] is None
        ),
        key=lambda d: (d["window_end"], d["id"]),
        default=None,
    )
    writer.add(
        Commitment,
        id=pk,
        key=DETAIL_KEY if detail else f"bench-{pk:06d}",
        title=f"{_text(rng, rng.randint(4, 9))} ({pk})",
        summary=_text(rng, rng.randint(10, 40)),
        category=rng.choice(Commitment.Category.values),
        responsible_body_id=rng.choice(ctx.bodies),
        monitoring_body_id=rng.choice(ctx.bodies) if rng.random() < 0.6 else None,
        status=status,
        due_date=governing["window_end"] if governing else None,
        due_date_note=governing["reasoning"] if governing else "",
        governing_deadline_id=governing["id"] if governing else None,
        owner_id=owner,
        is_public=rng.random() < 0.3,
        version=1 + (count - 1) + len(deadlines),
        archived_at=ctx.now - datetime.timedelta(days=30) if rng.random() < 0.02 else None,
        created_at=created_at,
        updated_at=recorded,
    )
    for tag in rng.sample(ctx.tags, rng.choice([0, 0, 1, 1, 2, 3])):
        writer.add(Commitment.tags.through, commitment_id=pk, tag_id=tag)
    for source in rng.sample(ctx.sources, rng.choice([0, 1, 1, 2])):
        writer.add(Citation, commitment_id=pk, source_id=source, claim=_text(rng, 6))
    if rng.random() < 0.3:
        for _n in range(rng.randint(1, 3)):
            writer.add(
                Ask,
                commitment_id=pk,
                body_id=rng.choice(ctx.bodies),
                kind=rng.choice(["request", "recommendation"]),
                text=_text(rng, 10),
                made_on=today - datetime.timedelta(days=rng.randint(0, 3000)),
                made_on_precision=rng.choice(["day", "month"]),
                source_id=rng.choice(ctx.sources),
                created_at=ctx.now,
            )
    if rng.random() < 0.03:
        watcher = rng.choice(ctx.users)
        if watcher != owner:
            writer.add(Watch, user_id=watcher, commitment_id=pk, created_at=ctx.now)
    if claims:
        ctx.readings[pk] = claims
        ctx.predecessors.append(pk)
        if len(ctx.predecessors) > 200:
            ctx.predecessors.pop(0)
    if pk % 5 == 0 and owner is not None:
        _alerts_raised(writer, ctx, pk, status, owner, deadlines)


def _claims(writer: Writer, ctx: Context, pk: int, status: str) -> list[Reading]:
    rng, today = ctx.rng, ctx.today
    readings = []
    if rng.random() >= 0.4:
        return readings
    for _n in range(rng.randint(1, 3)):
        kind = rng.choice(["status", "status", "period", "statement"])
        values = {
            "commitment_id": pk,
            "side": Side.STATE if kind != "statement" else Side.MONITORING_BODY,
            "body_id": rng.choice(ctx.bodies),
            "kind": kind,
            "text": _text(rng, 8),
            "made_on": today - datetime.timedelta(days=rng.randint(0, 2500)),
            "source_id": rng.choice(ctx.sources),
            "created_at": ctx.now,
        }
        if kind == "status":
            values["claimed_status"] = status if rng.random() < 0.5 else rng.choice(Status.values)
        if kind == "period":
            precision = rng.choice(["year", "year", "month"])
            end = rules.window(today + datetime.timedelta(days=rng.randint(-1500, 700)), precision)
            values.update(
                period_start=end[0] - datetime.timedelta(days=3 * 365),
                period_end=end[0],
                period_precision=precision,
            )
        claim = writer.add(Claim, **values)
        if kind == "period":
            readings.append(Reading(claim, values["period_end"], values["period_precision"]))
    return readings


def _deadlines(writer: Writer, ctx: Context, pk: int, status: str) -> list[dict]:
    """0 to 3 deadlines, each with the window ``deadline_save`` would derive."""
    rng, today = ctx.rng, ctx.today
    rows = []
    number = rng.choices([0, 1, 2, 3], weights=[15, 55, 20, 10])[0]
    for n in range(number):
        final = n == 0
        basis = rng.choices(["text", "expected", "event", "successor"], weights=[65, 10, 15, 10])[0]
        if basis == "successor" and not ctx.predecessors:
            basis = "text"
        bound = (
            rng.choices(["no_later_than", "on"], weights=[80, 20])[0]
            if final
            else rng.choices(["no_later_than", "on", "not_before"], weights=[60, 25, 15])[0]
        )
        values = {
            "commitment_id": pk,
            "kind": "final" if final else "step",
            "label": "Échéance finale" if final else _text(rng, 5),
            "bound": bound,
            "basis": basis,
            "reasoning": _text(rng, rng.randint(0, 10)),
            "disputed": False,
            "created_at": ctx.now,
        }
        if basis in ("text", "expected"):
            precision = rng.choices(["day", "month", "year"], weights=[60, 25, 15])[0]
            date = rules.window(_future_or_past(ctx), precision)[0]
        elif basis == "event":
            event, event_date, precision = rng.choice(ctx.events)
            offset = rng.choice([-90, -30, -1, 0, 14])
            date = rules.shift(event_date, precision, offset)
            values.update(event_id=event, offset_days=offset)
        else:
            predecessor = rng.choice(ctx.predecessors)
            found = sorted(ctx.readings[predecessor], key=lambda r: (r.window[1], r.pk))
            values.update(
                predecessor_id=predecessor,
                disputed=len({r.window[1] for r in found}) > 1,
            )
            counted = found[0]
            precision = counted.precision
            date = counted.window[0]
        window = rules.window(date, precision)
        met_on = None
        if not final and rng.random() < 0.25 and window[0] <= today:
            met_on = min(today, window[0] + datetime.timedelta(days=rng.randint(0, 60)))
        elif final and status == Status.MET and rng.random() < 0.5 and window[0] <= today:
            met_on = window[0]
        values.update(
            date=date,
            precision=precision,
            window_start=window[0],
            window_end=window[1],
            met_on=met_on,
        )
        values["id"] = writer.add(Deadline, **values)
        rows.append(values)
        if rng.random() < 0.2:
            writer.add(
                Deadline.sources.through,
                deadline_id=values["id"],
                source_id=rng.choice(ctx.sources),
            )
    return rows


def _alerts_raised(writer, ctx, pk, status, owner, deadlines) -> None:
    """What the alert job raised a week ago, delivered to the owner (e-mailed, half read)."""
    rng = ctx.rng
    then = ctx.today - datetime.timedelta(days=7)
    raised_at = _aware(then, 6 * 3600)
    final = status in Status.final_values()
    for row in deadlines:
        end = row["window_end"]
        if end is None or end >= then or row["met_on"] is not None or row["bound"] == "not_before":
            continue
        alert = writer.add(
            Alert,
            commitment_id=pk,
            kind=AlertKind.LAPSED,
            deadline_id=row["id"],
            due_date=end,
            lead_days=0,
            raised_as_of=then,
            run_id=ctx.alert_run,
            created_at=raised_at,
            closed_at=raised_at + datetime.timedelta(days=1) if final else None,
            closed_reason=CloseReason.FINAL_STATUS if final else "",
        )
        writer.add(
            Delivery,
            alert_id=alert,
            user_id=owner,
            created_at=raised_at,
            notified_at=raised_at,
            acknowledged_at=raised_at + datetime.timedelta(hours=3) if rng.random() < 0.5 else None,
        )
