"""A real SMTP server on 127.0.0.1 for the alert tests, whose behaviour each test chooses.

Built on aiosmtpd (its own thread and event loop), so Django's real SMTP backend talks to it
over a socket exactly as it would to a mail relay. Behaviours, per mail transaction:

- ``accept``: answer 250 and record the message (after ``accept_delay`` seconds, to make
  concurrent runs overlap as they would against a slow relay);
- ``refuse_rcpt`` / ``refuse_data``: a permanent 5xx at RCPT TO or at the end of DATA;
- ``stall``: say nothing for ``stall_seconds`` (longer than the client's EMAIL_TIMEOUT);
- ``die``: drop the connection once the message has been received, before answering it.

``server.behaviour`` is the default; ``server.then(*behaviours)`` queues behaviours for the next
transactions (``then("stall")``: only the first one stalls). Every transaction is counted in
``attempts``; only accepted messages land in ``messages``. ``on_accept(received)`` (a function or a
coroutine function) runs after a message is recorded and before the client is told: a test
kills the sending process there, or holds it.
"""

from __future__ import annotations

import asyncio
import email
import email.policy
import inspect
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from email.message import EmailMessage

from aiosmtpd.controller import Controller

from tests.liveserver import free_port

BEHAVIOURS = {"accept", "refuse_rcpt", "refuse_data", "stall", "die"}


@dataclass
class Received:
    """One accepted message: who it was for and what it said."""

    recipients: list[str]
    message: EmailMessage
    peer: tuple = ()  # the client's address and port: one per SMTP connection

    @property
    def message_id(self) -> str:
        return self.message["Message-ID"]

    @property
    def to(self) -> str:
        return self.recipients[0]


class _Handler:
    def __init__(self, server: SMTPServer):
        self.server = server

    async def handle_RCPT(self, smtp, session, envelope, address, rcpt_options):
        behaviour = self.server._next()
        envelope.behaviour = behaviour
        if behaviour == "refuse_rcpt":
            return "550 5.1.1 Mailbox unavailable (refused by the test server)"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, smtp, session, envelope):
        behaviour = getattr(envelope, "behaviour", "accept")
        if behaviour == "refuse_data":
            return "554 5.6.0 Message refused (by the test server)"
        if behaviour == "stall":
            await asyncio.sleep(self.server.stall_seconds)
            return "451 4.3.0 Too late (the test server stalled)"
        if behaviour == "die":
            smtp.transport.abort()  # no answer, no QUIT: the connection is simply gone
            return "421 4.3.0 Gone"  # never reaches the client
        if self.server.accept_delay:
            await asyncio.sleep(self.server.accept_delay)
        message = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
        received = Received(list(envelope.rcpt_tos), message, tuple(session.peer))
        with self.server._lock:
            self.server.messages.append(received)
        if self.server.on_accept:
            # E.g. kill the client before it hears the answer, or hold it there a while.
            outcome = self.server.on_accept(Received(list(envelope.rcpt_tos), message))
            if inspect.isawaitable(outcome):
                await outcome
        return "250 2.0.0 Accepted"


class SMTPServer:
    """The test SMTP server; ``start()`` it, point EMAIL_HOST/EMAIL_PORT at it, ``stop()``."""

    def __init__(self, *, stall_seconds: float = 5.0, accept_delay: float = 0.0):
        self.host = "127.0.0.1"
        self.port = free_port()
        self.behaviour = "accept"
        self.stall_seconds = stall_seconds
        self.accept_delay = accept_delay
        # Called once a message is recorded, before the 250 is sent.
        self.on_accept: Callable[[Received], object] | None = None
        self.messages: list[Received] = []
        self.attempts: list[str] = []
        self._queued: deque[str] = deque()
        self._lock = threading.Lock()
        self._controller = Controller(_Handler(self), hostname=self.host, port=self.port)

    def start(self) -> SMTPServer:
        self._controller.start()
        return self

    def stop(self) -> None:
        self._controller.stop()

    def then(self, *behaviours: str) -> SMTPServer:
        """The next transactions behave so, in this order; the later ones as ``behaviour``."""
        unknown = set(behaviours) - BEHAVIOURS
        assert not unknown, unknown
        with self._lock:
            self._queued.extend(behaviours)
        return self

    def _next(self) -> str:
        with self._lock:
            behaviour = self._queued.popleft() if self._queued else self.behaviour
            assert behaviour in BEHAVIOURS, behaviour
            self.attempts.append(behaviour)
            return behaviour

    def to(self, address: str) -> list[Received]:
        return [received for received in self.messages if address in received.recipients]


def send_through(server: SMTPServer, settings, *, timeout: float) -> None:
    """Django's real SMTP backend pointed at ``server`` (``settings``: pytest-django's)."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = server.host
    settings.EMAIL_PORT = server.port
    settings.EMAIL_TIMEOUT = timeout
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.DEFAULT_FROM_EMAIL = "vigie@vigie.example.org"
