"""E-mail digests: one message per recipient carrying their pending alerts, sent exactly once.

Sending is exactly-once per delivery: for each recipient, their pending deliveries are locked
(``SELECT … FOR UPDATE SKIP LOCKED``) in a transaction that marks them e-mailed only after the
mail backend accepted the digest. A concurrent run skips the locked rows; a failed send rolls
back, so the next run retries. (A crash between the SMTP server's acceptance and the commit
would send that digest again on the next run: at-least-once in that one case, never lost.)
"""

from __future__ import annotations

import datetime
import logging
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMultiAlternatives, get_connection
from django.core.mail.backends.base import BaseEmailBackend
from django.db import connections, router, transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from .links import absolute_url
from .models import Delivery
from .raising.runner import SOURCES

logger = logging.getLogger(__name__)


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


def days_left_and_overdue(
    due_date: datetime.date | None, as_of: datetime.date
) -> tuple[int | None, int | None]:
    """``(days left, days overdue)`` for the digest: one of them, or neither without a date.

    Due today is 0 days left; due yesterday is 1 day overdue.
    """
    days = (due_date - as_of).days if due_date else None
    return (
        days if days is not None and days >= 0 else None,
        -days if days is not None and days < 0 else None,
    )


def _digest_sections(deliveries: Sequence[Delivery], as_of: datetime.date) -> list[dict]:
    """Alerts grouped per kind, in the order of the alert sources (lapsed, approaching, …)."""
    sections = []
    for source in SOURCES:
        for kind in source.kinds:
            items = []
            for delivery in deliveries:
                alert = delivery.alert
                if alert.kind != kind:
                    continue
                days_left, days_overdue = days_left_and_overdue(alert.due_date, as_of)
                items.append(
                    {
                        "alert": alert,
                        "commitment": alert.commitment,
                        "url": absolute_url(alert.commitment.get_absolute_url()),
                        "days_overdue": days_overdue,
                        "days_left": days_left,
                        "status_change": alert.status_change,
                    }
                )
            if items:
                sections.append(
                    {"kind": kind, "title": str(source.digest_titles[kind]), "items": items}
                )
    return sections


def digest_build(
    *, user, deliveries: Sequence[Delivery], as_of: datetime.date
) -> EmailMultiAlternatives:
    """The digest e-mail for ``user`` (plain text and HTML), in the user's language."""
    language = getattr(user, "language", "") or settings.LANGUAGE_CODE
    with translation.override(language):
        context = {
            "user": user,
            "as_of": as_of,
            "count": len(deliveries),
            "sections": _digest_sections(deliveries, as_of),
            "inbox_url": absolute_url(reverse("alerts:inbox")),
            "site_url": settings.SITE_URL,
            "language": language,
        }
        subject = ngettext(
            "[Vigie] %(count)d new alert", "[Vigie] %(count)d new alerts", len(deliveries)
        ) % {"count": len(deliveries)}
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


def _pending_recipients() -> QuerySet:
    """Active users with an e-mail address and at least one delivery to e-mail."""
    pending = Delivery.objects.pending_notification().filter(user=OuterRef("pk"))
    return (
        get_user_model()
        .objects.filter(is_active=True)
        .exclude(email="")
        .filter(Exists(pending))
        .order_by("pk")
    )


def _digest_send_one(*, user, as_of: datetime.date, backend: BaseEmailBackend) -> int:
    """Lock ``user``'s pending deliveries, e-mail them, mark them e-mailed; returns how many.

    The recipient's user row is locked first (``FOR NO KEY UPDATE SKIP LOCKED``, which does
    not block inserts referencing the user): a concurrent run skips a recipient being mailed,
    so each gets one digest per run. The delivery rows are locked too, so that even without
    the first lock no delivery can be e-mailed twice. If the backend raises or does not accept
    the message, the transaction rolls back: nothing is marked.
    """
    with transaction.atomic():
        User = get_user_model()
        no_key = connections[router.db_for_write(User)].features.has_select_for_no_key_update
        claimed = (
            User.objects.filter(pk=user.pk)
            .select_for_update(skip_locked=True, no_key=no_key)
            .values_list("pk", flat=True)
        )
        if not list(claimed):
            return 0  # another run is mailing this recipient right now
        deliveries = list(
            Delivery.objects.pending_notification()
            .filter(user=user)
            .with_relations()
            .select_for_update(skip_locked=True, of=("self",))
            .order_by("alert__due_date", "alert__created_at", "pk")
        )
        if not deliveries:
            return 0
        message = digest_build(user=user, deliveries=deliveries, as_of=as_of)
        if backend.send_messages([message]) != 1:
            raise DigestNotAccepted(_("The mail backend did not accept the message."))
        Delivery.objects.filter(pk__in=[delivery.pk for delivery in deliveries]).update(
            notified_at=timezone.now()
        )
        return len(deliveries)


def digests_send(
    *,
    as_of: datetime.date | None = None,
    dry_run: bool = False,
    backend: BaseEmailBackend | None = None,
) -> DigestResult:
    """E-mail each recipient one digest of their pending alerts, exactly once.

    A recipient's failure is recorded and does not stop the others; their deliveries stay
    pending for the next run. ``dry_run`` counts what would be sent and writes nothing.
    """
    as_of = as_of or timezone.localdate()
    result = DigestResult(dry_run=dry_run)
    recipients = list(_pending_recipients())
    if dry_run:
        counts = Counter(
            Delivery.objects.pending_notification()
            .filter(user__in=[user.pk for user in recipients])
            .values_list("user_id", flat=True)
        )
        result.sent = len(counts)
        result.alerts = sum(counts.values())
        return result
    if not recipients:
        return result

    backend = backend or get_connection(fail_silently=False)
    try:
        backend.open()
    except Exception as error:  # noqa: BLE001 - any backend failure must be reported, not raised
        logger.exception("Could not open the mail connection")
        result.failures = [
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
