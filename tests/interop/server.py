"""A local HTTP server on 127.0.0.1 that plays external sources, good and bad.

It serves the recorded payloads bundled with openbch (the central BCH's API through its manifest,
the file sources under ``/files/<folder>/<file>``) and, for paths a test names in ``faults``,
misbehaves: 5xx, a slow answer, a truncated body, HTML instead of JSON, a 2 GB body (declared or
streamed, generated lazily), redirects (to a private or link-local address: the client must refuse
them before connecting), an XML bomb, garbage, a dropped connection.

Every loop is bounded and every sleep ends when the server stops.
"""

from __future__ import annotations

import socket
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from openbch.interop.http import BundledFetcher, Request

__all__ = ["XML_BOMB", "PlayServer"]

XML_BOMB = (
    b'<?xml version="1.0"?>\n<!DOCTYPE lolz [\n <!ENTITY lol "lol">\n'
    + b"".join(
        f' <!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">\n'.encode() for i in range(1, 10)
    )
    + b"]>\n<lolz>&lol9;</lolz>\n"
)
HUGE = 2 * 1024**3  # 2 GB, never materialised
CHUNK = 64 * 1024
SLOW_SECONDS = 3.0


@dataclass
class PlayServer:
    """``faults``: path → mode, or ``path|name=value`` → mode for requests carrying that parameter;
    ``overrides``: path → (body, content type) served instead of the recording;
    ``hits``: every request path seen, in order."""

    faults: dict[str, str] = field(default_factory=dict)
    overrides: dict[str, tuple[bytes, str]] = field(default_factory=dict)
    hits: list[str] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    stopping: threading.Event = field(default_factory=threading.Event)
    bch: BundledFetcher = field(default_factory=lambda: BundledFetcher("bch-api"))

    def __post_init__(self) -> None:
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}/"

    def start(self) -> PlayServer:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.stopping.set()
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(timeout=5)

    def fault(self, path: str, query: str) -> str:
        pairs = {f"{k}={v}" for k, v in parse_qsl(query)}
        for key, mode in self.faults.items():
            where, _, needle = key.partition("|")
            if where == path and (not needle or needle in pairs):
                return mode
        return ""

    def payload(self, path: str, query: str) -> tuple[bytes, str] | None:
        """The recorded payload for a request, as the real source would answer it."""
        if path in self.overrides:
            return self.overrides[path]
        if path.startswith("/files/"):
            folder, _, name = path[len("/files/") :].partition("/")
            try:
                fetcher = BundledFetcher(folder)
            except FileNotFoundError:
                return None
            route = fetcher.resolve(Request(name))
            return (fetcher.read(route), "text/plain; charset=utf-8") if route else None
        route = self.bch.resolve(Request(path.lstrip("/"), tuple(parse_qsl(query))))
        return (self.bch.read(route), route.content_type) if route else None


def _handler(server: PlayServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def setup(self) -> None:
            super().setup()
            # headers and body go out in two writes: without this, Nagle + delayed ACK add ~40 ms each
            self.request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

        def log_message(self, format: str, *args: Any) -> None:  # quiet
            return None

        def _send(self, status: int, body: bytes, content_type: str, headers: dict[str, str] | None = None) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            server.hits.append(parts.path)
            server.counts[parts.path] = server.counts.get(parts.path, 0) + 1
            mode = server.fault(parts.path, parts.query)
            try:
                self._answer(mode, parts.path, parts.query)
            except (BrokenPipeError, ConnectionResetError):
                self.close_connection = True

        def _answer(self, mode: str, path: str, query: str) -> None:
            if mode == "500" or (mode == "500-once" and server.counts[path] == 1):
                self._send(500, b'{"statusCode": 500, "code": "internal"}', "application/json")
                return
            if mode == "slow":
                server.stopping.wait(SLOW_SECONDS)
                self._send(200, b"{}", "application/json")
                return
            if mode == "html":
                self._send(200, b"<!DOCTYPE html><html><body>Maintenance</body></html>", "text/html; charset=utf-8")
                return
            if mode == "html-as-json":
                self._send(200, b"<!DOCTYPE html><html><body>Maintenance</body></html>", "application/json")
                return
            if mode == "xmlbomb":
                self._send(200, XML_BOMB, "application/xml")
                return
            if mode == "xmlbomb-as-json":
                self._send(200, XML_BOMB, "application/json")
                return
            if mode == "garbage":
                self._send(200, b'{"response": {"numFound": 3, "docs": [{"identifier_s": ', "application/json")
                return
            if mode.startswith("redirect:"):
                self._send(302, b"", "text/plain", {"Location": mode[len("redirect:") :]})
                return
            if mode == "huge-declared":
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(HUGE))
                self.end_headers()
                self.wfile.write(b"[" + b" " * CHUNK)  # the client must not wait for the rest
                self.close_connection = True
                return
            if mode == "huge-chunked":
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Transfer-Encoding", "chunked")
                self.end_headers()
                block = b" " * CHUNK
                for _ in range(HUGE // CHUNK):  # bounded; ends when the client hangs up
                    if server.stopping.is_set():
                        break
                    self.wfile.write(f"{len(block):x}\r\n".encode() + block + b"\r\n")
                self.close_connection = True
                return
            if mode == "drop":
                self.close_connection = True
                return
            found = server.payload(path, query)
            if found is None:
                self._send(404, b'{"statusCode": 404, "code": "notFound"}', "application/json")
                return
            body, content_type = found
            if mode == "truncate":
                self.send_response(200)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body[: len(body) // 2])
                self.wfile.flush()
                time.sleep(0.05)
                self.close_connection = True
                return
            self._send(200, body, content_type)

    return Handler
