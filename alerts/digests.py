"""E-mail digests: one message per recipient carrying their pending alerts.

For each recipient: claim the pending deliveries (a conditional UPDATE, committed), send the
digest with a Message-ID derived from the claim, record the deliveries e-mailed. Two runs never
claim the same delivery; a failed send releases the claim, so the next run retries; a run that
dies leaves a claim that expires after ``CLAIM_TTL`` and is then sent again under the same
Message-ID. The guarantee: every alert is e-mailed, once, except when the process dies between
the mail server's acceptance and the recording UPDATE, where the same digest (same Message-ID)
is sent a second time. After a failure the connection is dropped and the next recipient gets a
fresh one.
"""

from __future__ import annotations

import datetime
import functools
import logging
import uuid
from collections import Counter
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMultiAlternatives, get_connection
from django.core.mail.backends.base import BaseEmailBackend
from django.db import connections, transaction
from django.db.models import Count, Exists, OuterRef, QuerySet
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from commitments import formatting

from .deadline_facts import deadline_facts
from .links import absolute_url
from .models import Delivery
from .raising.runner import SOURCES

logger = logging.getLogger(__name__)

# A claim older than this was left by a run that died: the next run takes the batch over.
CLAIM_TTL = datetime.timedelta(minutes=30)
#: Alerts a digest lists one by one, the most urgent first (earliest due date); past it, the
#: digest counts the others per kind and links to the inbox. Thousands of lines help nobody,
#: and the job's memory then stays flat whatever the number of alerts.
DIGEST_LINE_LIMIT = 50


@dataclass
class DigestFailure:
    user_id: int
    username: str
    error: str


@dataclass
class DigestResult:
    """What :func:`digests_send` did (or would do, in a dry run)."""

    sent: int = 0  # digests accepted by the mail backend
    alerts: int = 0  # deliveries they carried
    failures: list[DigestFailure] = field(default_factory=list)
    dry_run: bool = False


def _item_lines(alert, as_of: datetime.date) -> dict:
    """What the digest says of one alert, translated once for its text and HTML versions:
    ``what`` (what is due, for a deadline), ``when`` (the deadline as of ``as_of``, the status
    change, or the day it was due) and ``note`` (the deadline's caveat)."""
    facts = deadline_facts(alert, as_of)
    if facts is not None:
        when = (
            _("Deadline: %(date)s — %(state)s") % {"date": facts.date, "state": facts.state}
            if facts.state
            else _("Deadline: %(date)s") % {"date": facts.date}
        )
        return {
            "what": _("What is due: %(label)s") % {"label": facts.label},
            "when": when,
            "note": _("Note: %(caveat)s") % {"caveat": facts.caveat} if facts.caveat else "",
        }
    change = alert.status_change
    if change is not None:
        when = _("Status changed from “%(old)s” to “%(new)s” on %(date)s.") % {
            "old": change.get_previous_status_display(),
            "new": change.get_new_status_display(),
            "date": formatting.long_date(change.effective_date),
        }
        if change.author:
            when += " " + _("Recorded by %(author)s.") % {"author": change.author}
        return {"what": "", "when": when, "note": ""}
    when = _("Was due on %(date)s.") % {"date": formatting.long_date(alert.due_date)}
    return {"what": "", "when": when, "note": ""}


def _digest_sections(deliveries: Sequence[Delivery], as_of: datetime.date) -> list[dict]:
    """Alerts grouped per kind, in the order of the alert sources (lapsed, approaching, …).

    A deadline alert carries its deadline's facts as of the digest's day (what is due, the
    date as known, how late or how near, the caveat): see ``alerts.deadline_facts``."""
    sections = []
    for source in SOURCES:
        for kind in source.kinds:
            items = [
                {
                    "commitment": delivery.alert.commitment,
                    "url": absolute_url(delivery.alert.commitment.get_absolute_url()),
                    **_item_lines(delivery.alert, as_of),
                }
                for delivery in deliveries
                if delivery.alert.kind == kind
            ]
            if items:
                sections.append(
                    {"kind": kind, "title": str(source.digest_titles[kind]), "items": items}
                )
    return sections


def _others_by_kind(deliveries: Sequence[Delivery], per_kind: dict[str, int]) -> list[dict]:
    """The alerts a digest does not list, counted per kind, in the digest's order."""
    shown = Counter(delivery.alert.kind for delivery in deliveries)
    others = []
    for source in SOURCES:
        for kind in source.kinds:
            count = per_kind.get(kind, 0) - shown.get(kind, 0)
            if count > 0:
                others.append({"title": str(source.digest_titles[kind]), "count": count})
    return others


def digest_build(
    *,
    user,
    deliveries: Sequence[Delivery],
    as_of: datetime.date,
    per_kind: dict[str, int] | None = None,
) -> EmailMultiAlternatives:
    """The digest e-mail for ``user`` (plain text and HTML), in the user's language.

    ``deliveries`` are the alerts listed; ``per_kind`` counts every alert the digest carries
    per kind when it carries more (see ``DIGEST_LINE_LIMIT``): the others are summed up."""
    per_kind = per_kind or Counter(delivery.alert.kind for delivery in deliveries)
    total = sum(per_kind.values())
    language = getattr(user, "language", "") or settings.LANGUAGE_CODE
    with translation.override(language):
        others = _others_by_kind(deliveries, per_kind)
        context = {
            "user": user,
            "as_of": as_of,
            "count": total,
            "sections": _digest_sections(deliveries, as_of),
            "others": sum(row["count"] for row in others),
            "others_by_kind": others,
            "inbox_url": absolute_url(reverse("alerts:inbox")),
            "site_url": settings.SITE_URL,
            "language": language,
        }
        subject = ngettext("[Vigie] %(count)d new alert", "[Vigie] %(count)d new alerts", total) % {
            "count": total
        }
        text = render_to_string("alerts/emails/digest.txt", context)
        html = render_to_string("alerts/emails/digest.html", context)
    message = EmailMultiAlternatives(
        subject=subject,
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[user.email],
        headers={"Auto-Submitted": "auto-generated", "Content-Language": language},
    )
    message.attach_alternative(html, "text/html")
    return message


class DigestNotAccepted(Exception):
    """The mail backend returned without accepting the message."""


def _pending_recipients(*, now: datetime.datetime) -> QuerySet:
    """Active users with an e-mail address and at least one delivery to e-mail, each marked
    ``has_expired_claim`` when a run that died left some of them claimed."""
    pending = Delivery.objects.pending_notification().filter(user=OuterRef("pk"))
    return (
        get_user_model()
        .objects.filter(is_active=True)
        .exclude(email="")
        .filter(Exists(pending))
        .annotate(has_expired_claim=Exists(pending.claim_expired(before=now - CLAIM_TTL)))
        .order_by("pk")
    )


def _claim_deliveries(*, user, now: datetime.datetime) -> uuid.UUID | None:
    """Take ``user``'s next batch of deliveries to e-mail, in its own short transaction.

    A batch left claimed by a run that died is taken over first, keeping its claim (and so its
    Message-ID); otherwise the pending deliveries nobody claimed. The conditional UPDATEs make
    two runs that race for the same rows get them once, on every database. Expired claims are
    only looked for where ``_pending_recipients`` saw one (one query for the run, not one per
    recipient); a claim that expires during this run is taken over by the next.
    """
    pending = Delivery.objects.pending_notification().filter(user=user)
    with transaction.atomic():
        expired = (
            pending.claim_expired(before=now - CLAIM_TTL)
            .order_by("claimed_at")
            .values_list("claim", flat=True)
            .first()
            if getattr(user, "has_expired_claim", True)
            else None
        )
        if expired and pending.filter(claim=expired, claimed_at__lt=now - CLAIM_TTL).update(
            claimed_at=now
        ):
            return expired
        claim = uuid.uuid4()
        if pending.unclaimed().update(claim=claim, claimed_at=now):
            return claim
    return None


def _message_id(claim: uuid.UUID) -> str:
    """Stable for a batch: sent again after a crash, the digest is recognisably the same one."""
    domain = settings.DEFAULT_FROM_EMAIL.rpartition("@")[2].strip(" >") or "vigie.localhost"
    return f"<digest-{claim}@{domain}>"


def _digest_send_one(*, user, as_of: datetime.date, backend: BaseEmailBackend) -> int:
    """Claim ``user``'s pending deliveries, e-mail them, record them e-mailed; returns how many.

    Three short steps, so that the one window where a digest can go out twice is a crash
    between the SMTP server's acceptance and the recording UPDATE (and then the copy carries the
    same Message-ID). If the backend raises or does not accept the message, the claim is
    released at once and the next run retries.
    """
    claim = _claim_deliveries(user=user, now=timezone.now())
    if claim is None:
        return 0  # nothing left, or another run is mailing this recipient right now
    # By recipient as well as by claim: the pending deliveries' index (notified_at, user) then
    # reaches this recipient's rows alone. By claim alone, each of these statements read every
    # pending delivery of every recipient (no index on the claim): the job's time grew with
    # the number of recipients times the number of alerts.
    claimed = Delivery.objects.filter(user=user, claim=claim, notified_at__isnull=True)
    per_kind = dict(claimed.order_by().values_list("alert__kind").annotate(total=Count("pk")))
    deliveries = list(
        claimed.for_digest().order_by("alert__due_date", "alert__created_at", "pk")[
            :DIGEST_LINE_LIMIT
        ]
    )
    message = digest_build(user=user, deliveries=deliveries, as_of=as_of, per_kind=per_kind)
    message.extra_headers["Message-ID"] = _message_id(claim)
    try:
        if backend.send_messages([message]) != 1:
            raise DigestNotAccepted(_("The mail backend did not accept the message."))
    except BaseException:
        claimed.update(claim=None, claimed_at=None)
        raise
    claimed.update(notified_at=timezone.now())
    return sum(per_kind.values())


def _reset_connection(backend: BaseEmailBackend) -> None:
    """Drop a connection that failed (timed out, was cut): the next send opens a new one.

    An SMTP connection is closed without the polite QUIT, which would wait on a dead line.
    """
    connection = getattr(backend, "connection", None)
    if connection is None:
        try:
            backend.close()
        except Exception:  # noqa: BLE001 - the connection is broken anyway
            logger.warning("Could not close the failed mail connection", exc_info=True)
        return
    try:
        connection.close()
    except OSError:
        logger.warning("Could not close the failed mail connection", exc_info=True)
    backend.connection = None


def digests_send(
    *,
    as_of: datetime.date | None = None,
    dry_run: bool = False,
    backend: BaseEmailBackend | None = None,
) -> DigestResult:
    """E-mail each recipient one digest of their pending alerts, exactly once.

    A recipient's failure is recorded and does not stop the others; their deliveries stay
    pending for the next run. ``dry_run`` counts what would be sent and writes nothing.

    The recipients are shared among ``ALERT_DIGEST_THREADS`` threads, each with its own
    database and mail connections: while one waits for the database, another builds its
    digest (on PostgreSQL, half of a digest's time is the server's). ``backend``, given, is
    one connection: the digests then go out one after the other through it.
    """
    as_of = as_of or timezone.localdate()
    result = DigestResult(dry_run=dry_run)
    recipients = list(_pending_recipients(now=timezone.now()))
    if dry_run:
        # Counted per recipient in the database: one row per recipient, not one per alert.
        counts = dict(
            Delivery.objects.pending_notification()
            .filter(user__in=[user.pk for user in recipients])
            .order_by()
            .values_list("user")
            .annotate(total=Count("pk"))
        )
        result.sent = len(counts)
        result.alerts = sum(counts.values())
        return result
    threads = 1 if backend is not None else min(settings.ALERT_DIGEST_THREADS, len(recipients))
    if threads <= 1:
        shares = [_send_each(recipients, as_of=as_of, backend=backend)]
    else:
        with ThreadPoolExecutor(max_workers=threads, thread_name_prefix="digests") as pool:
            shares = list(
                pool.map(
                    functools.partial(_send_share, as_of=as_of),
                    [recipients[index::threads] for index in range(threads)],
                )
            )
    for share in shares:
        result.sent += share.sent
        result.alerts += share.alerts
        result.failures += share.failures
    result.failures.sort(key=lambda failure: failure.user_id)
    return result


def _send_share(recipients: list, *, as_of: datetime.date) -> DigestResult:
    """One thread's share of the recipients; its database connection is closed at the end
    (Django opens one per thread, and would otherwise leave it to the server to notice)."""
    try:
        return _send_each(recipients, as_of=as_of, backend=None)
    finally:
        connections.close_all()


def _send_each(
    recipients: list, *, as_of: datetime.date, backend: BaseEmailBackend | None
) -> DigestResult:
    """Each recipient's digest through one mail connection, opened once."""
    result = DigestResult()
    if not recipients:
        return result
    backend = backend or get_connection(fail_silently=False)
    try:
        backend.open()
    except Exception as error:  # noqa: BLE001 - any backend failure must be reported, not raised
        logger.exception("Could not open the mail connection")
        result.failures += [
            DigestFailure(user_id=user.pk, username=user.get_username(), error=str(error))
            for user in recipients
        ]
        return result
    try:
        for user in recipients:
            try:
                sent = _digest_send_one(user=user, as_of=as_of, backend=backend)
            except Exception as error:  # noqa: BLE001 - one recipient's failure must not stop others
                logger.exception("Alert digest to %s failed", user.get_username())
                _reset_connection(backend)
                result.failures.append(
                    DigestFailure(
                        user_id=user.pk,
                        username=user.get_username(),
                        error=f"{type(error).__name__}: {error}",
                    )
                )
                continue
            if sent:
                result.sent += 1
                result.alerts += sent
    finally:
        try:
            backend.close()
        except Exception:  # noqa: BLE001 - closing must not hide the run's outcome
            logger.exception("Could not close the mail connection")
    return result
