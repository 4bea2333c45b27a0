"""A real SMTP server on a free 127.0.0.1 port (aiosmtpd), keeping what it receives: for the
notification and registration tests, the browser tests and the notification-latency benchmark."""

from __future__ import annotations

import email
import email.policy
import re
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller

__all__ = ["Received", "SmtpServer", "free_port", "running_smtp"]


@dataclass(frozen=True)
class Received:
    message: EmailMessage
    rcpt_tos: tuple[str, ...]
    at: float  # time.perf_counter() when the server accepted it

    @property
    def text(self) -> str:
        body = self.message.get_body(preferencelist=("plain",))
        assert body is not None
        return str(body.get_content())

    def link(self, pattern: str) -> str:
        found = re.search(pattern, self.text)
        assert found, self.text
        return found.group(0)


@dataclass
class SmtpServer:
    host: str
    port: int
    received: list[Received] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        with self._lock:
            self.received.append(Received(message, tuple(envelope.rcpt_tos), time.perf_counter()))
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[Received]:
        with self._lock:
            return [r for r in self.received if address in r.rcpt_tos]

    def wait_for_address(self, address: str, *, count: int = 1, seconds: float = 30) -> list[Received]:
        """The messages to ``address``, once there are ``count`` of them (or ``seconds`` have passed)."""
        deadline = time.monotonic() + seconds
        while len(self.to(address)) < count and time.monotonic() < deadline:
            time.sleep(0.01)
        return self.to(address)

    def wait_for(self, count: int, *, seconds: float = 30) -> list[Received]:
        deadline = time.monotonic() + seconds
        while len(self.received) < count and time.monotonic() < deadline:
            time.sleep(0.01)
        with self._lock:
            return list(self.received)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def running_smtp() -> Iterator[SmtpServer]:
    server = SmtpServer("127.0.0.1", free_port())
    controller = Controller(server, hostname=server.host, port=server.port)
    controller.start()
    try:
        yield server
    finally:
        controller.stop()
