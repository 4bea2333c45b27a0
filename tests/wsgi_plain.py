"""A WSGI application as schemathesis's in-process client needs it: answers not gzip-compressed.

HTTP clients ask for gzip and decode it; schemathesis's WSGI client sends ``Accept-Encoding`` like
them but does not decode the answer. Compression is tested on its own (tests/api/test_compression.py).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

WSGIApp = Callable[[dict[str, Any], Any], Iterable[bytes]]


def uncompressed(app: WSGIApp) -> WSGIApp:
    def plain(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        environ.pop("HTTP_ACCEPT_ENCODING", None)
        return app(environ, start_response)

    return plain
