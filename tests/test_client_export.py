"""The Python client waits for an XLSX export's first byte, which comes only once the workbook is written."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest

from openbch.client import OpenBCHClient

DELAY = 0.8  # longer than the client's read timeout below
BODY = b"PK\x03\x04 a workbook"


class SlowFirstByte(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        time.sleep(DELAY)
        self.send_response(200)
        self.send_header("Content-Length", str(len(BODY)))
        self.end_headers()
        self.wfile.write(BODY)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def slow_server() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), SlowFirstByte)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_an_xlsx_export_is_waited_for_past_the_read_timeout(slow_server: str, tmp_path: Path) -> None:
    with OpenBCHClient(slow_server, timeout=0.3) as client:
        written = client.export(tmp_path / "all.xlsx", type="DEC", format="xlsx")
    assert written == len(BODY)
    assert (tmp_path / "all.xlsx").read_bytes() == BODY


def test_other_exports_keep_the_read_timeout(slow_server: str, tmp_path: Path) -> None:
    with OpenBCHClient(slow_server, timeout=0.3) as client, pytest.raises(httpx.ReadTimeout):
        client.export(tmp_path / "all.csv", type="DEC", format="csv")
