"""A fault-injecting TCP proxy for HTTP/1.1 between a national node and central, on 127.0.0.1.

One thread per connection; each connection carries one request (the proxy asks central to close
after answering and tells the node the same, so every request is its own connection and a fault
hits exactly one request). Per connection the proxy applies a :class:`Fault`: the next ones planned
with :meth:`FaultProxy.plan` (optionally only for requests whose request line contains a string,
e.g. ``"POST"`` for pushes), else a seeded random mix (:meth:`FaultProxy.mix`), else none. Every
connection is logged (:attr:`FaultProxy.log`) so a test can tell a fault did hit.

Real sockets, real bytes: a truncated body is the response's first bytes with its original
``Content-Length``; a duplicated request reaches central twice (a replayed push); a duplicated
response is written twice on the connection.
"""

from __future__ import annotations

import random
import socket
import threading
import time
from collections import deque
from dataclasses import dataclass
from enum import StrEnum
from types import TracebackType

__all__ = ["Fault", "FaultProxy", "Plan"]


class Fault(StrEnum):
    NONE = "none"
    #: the request is read, never forwarded; the connection is closed
    DROP_BEFORE_REQUEST = "drop-before-request"
    #: the request reaches central (which does the work), the answer never reaches the node
    DROP_AFTER_REQUEST = "drop-after-request"
    #: half of central's answer (head and part of the body), then the connection is closed
    DROP_MID_RESPONSE = "drop-mid-response"
    #: the head and the first ``nbytes`` of the body, then closed
    TRUNCATE = "truncate"
    #: the answer is held back ``seconds``
    DELAY = "delay"
    #: the request is sent to central twice (one after the other); the node gets the second answer
    DUPLICATE_REQUEST = "duplicate-request"
    #: the answer is written twice on the connection
    DUPLICATE_RESPONSE = "duplicate-response"


#: the faults that lose or spoil an answer (the node sees an error)
BREAKING = (Fault.DROP_BEFORE_REQUEST, Fault.DROP_AFTER_REQUEST, Fault.DROP_MID_RESPONSE, Fault.TRUNCATE)


@dataclass(frozen=True)
class Plan:
    fault: Fault
    #: applied to the next request whose request line contains this ("" = any)
    match: str = ""
    nbytes: int = 200
    seconds: float = 0.3


_HEAD_END = b"\r\n\r\n"


def _read_head(sock: socket.socket, buffer: bytearray) -> bytes | None:
    while _HEAD_END not in buffer:
        chunk = sock.recv(65536)
        if not chunk:
            return None
        buffer += chunk
    end = buffer.index(_HEAD_END) + len(_HEAD_END)
    head = bytes(buffer[:end])
    del buffer[:end]
    return head


def _content_length(head: bytes) -> int:
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            return int(value.strip())
    return 0


def _read_request(sock: socket.socket) -> bytes | None:
    buffer = bytearray()
    head = _read_head(sock, buffer)
    if head is None:
        return None
    length = _content_length(head)
    while len(buffer) < length:
        chunk = sock.recv(65536)
        if not chunk:
            return None
        buffer += chunk
    return head + bytes(buffer[:length])


def _closing(message: bytes) -> bytes:
    """The message with ``Connection: close`` (one request per connection)."""
    end = message.index(_HEAD_END)
    lines = [
        line for line in message[:end].split(b"\r\n") if not line.lower().startswith((b"connection:", b"keep-alive:"))
    ]
    return b"\r\n".join([*lines, b"Connection: close"]) + message[end:]


class FaultProxy:
    """Listens on a free port of 127.0.0.1 and forwards to ``upstream_port``; thread-safe."""

    def __init__(self, upstream_port: int) -> None:
        self.upstream = ("127.0.0.1", upstream_port)
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.2)
        self.port = int(self._listener.getsockname()[1])
        self.url = f"http://127.0.0.1:{self.port}"
        self._lock = threading.Lock()
        self._planned: deque[Plan] = deque()
        self._rng: random.Random | None = None
        self._rate = 0.0
        self._mixed: tuple[Fault, ...] = ()
        #: (fault applied, request line) per connection, in order
        self.log: list[tuple[Fault, str]] = []
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._accept, name="faultproxy", daemon=True)

    # -- configuration (any thread) -------------------------------------------------------------

    def plan(self, *plans: Plan) -> None:
        """Faults for the next matching requests, in order."""
        with self._lock:
            self._planned.extend(plans)

    def mix(self, seed: int, rate: float, faults: tuple[Fault, ...] = tuple(Fault)) -> None:
        """From now on, each request without a planned fault gets a random one of ``faults`` with
        probability ``rate`` (seeded: the same seed, the same sequence of draws)."""
        with self._lock:
            self._rng, self._rate, self._mixed = random.Random(seed), rate, faults

    def clear(self) -> None:
        with self._lock:
            self._planned.clear()
            self._rng = None

    def forget(self) -> None:
        """Empty the log."""
        with self._lock:
            self.log.clear()

    def hits(self) -> list[tuple[Fault, str]]:
        with self._lock:
            return [(fault, line) for fault, line in self.log if fault is not Fault.NONE]

    def _take(self, request_line: str) -> Plan:
        with self._lock:
            for plan in self._planned:
                if plan.match in request_line:
                    self._planned.remove(plan)
                    break
            else:
                plan = Plan(Fault.NONE)
                if self._rng is not None and self._rng.random() < self._rate:
                    fault = self._rng.choice(self._mixed)
                    plan = Plan(fault, nbytes=self._rng.randrange(0, 2000), seconds=self._rng.uniform(0.05, 0.5))
            self.log.append((plan.fault, request_line))
            return plan

    # -- the proxy ----------------------------------------------------------------------------------

    def __enter__(self) -> FaultProxy:
        self._thread.start()
        return self

    def __exit__(self, *exc: type[BaseException] | BaseException | TracebackType | None) -> None:
        self._stopped.set()
        self._thread.join(timeout=5)
        self._listener.close()

    def _accept(self) -> None:
        while not self._stopped.is_set():
            try:
                client, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            threading.Thread(target=self._serve, args=(client,), daemon=True).start()

    def _forward(self, request: bytes) -> bytes:
        with socket.create_connection(self.upstream, timeout=120) as upstream:
            upstream.sendall(request)
            chunks = []
            while chunk := upstream.recv(65536):
                chunks.append(chunk)
        return b"".join(chunks)

    def _serve(self, client: socket.socket) -> None:
        with client:
            client.settimeout(120)
            try:
                request = _read_request(client)
                if request is None:
                    return
                plan = self._take(request.split(b"\r\n", 1)[0].decode("latin-1"))
                if plan.fault is Fault.DROP_BEFORE_REQUEST:
                    return
                request = _closing(request)
                response = self._forward(request)
                if plan.fault is Fault.DUPLICATE_REQUEST:
                    response = self._forward(request)
                if plan.fault is Fault.DROP_AFTER_REQUEST or not response:
                    return
                response = _closing(response)
                body_at = response.index(_HEAD_END) + len(_HEAD_END)
                if plan.fault is Fault.DELAY:
                    time.sleep(plan.seconds)
                if plan.fault is Fault.DROP_MID_RESPONSE:
                    client.sendall(response[: (body_at + len(response)) // 2])
                    return
                if plan.fault is Fault.TRUNCATE:
                    # always short of the whole body, so the fault is real
                    client.sendall(response[: body_at + min(plan.nbytes, max(len(response) - body_at - 1, 0))])
                    return
                client.sendall(response)
                if plan.fault is Fault.DUPLICATE_RESPONSE:
                    client.sendall(response)
            except OSError:
                return
