"""Web pages: server time to first byte under concurrent clients, and the LMO page's weight.

Usage: python benchmarks/web_ttfb.py [--data-dir DIR] [--clients 16] [--requests 400] [--workers 2]

* ``--data-dir``: a prepared data folder, e.g. the 200,000-record one built by
  ``benchmarks/api_vs_datasette.py`` (``/tmp/openbch-api-bench/200000-seed42/data``; copy it first
  if it is not yours: the server brings the search index up to date). Without it, the demo data
  is loaded into a temporary folder (``openbch demo --no-serve``).
* Starts ``openbch serve`` (gunicorn, ``--workers`` processes × 4 threads) on a free 127.0.0.1 port,
  warms up, then for each page runs ``--clients`` threads that together send ``--requests``
  requests over keep-alive connections: the home page, a search (a common word, with facets), a
  filtered search (type and country facets) and LMO pages (random LMOs, fixed seed). TTFB is
  the time from sending a request to receiving the first bytes of the answer (raw sockets, so the
  client costs little of the machine it shares with the server); the body is then read in full. Prints p50/p95/p99 per page.
* Page weight: the LMO page's HTML plus the stylesheets and scripts it references, in bytes as
  served and gzip-compressed (images — the icon sprite and the QR code — listed apart).

Everything runs against 127.0.0.1 and the server is stopped (its process group) at the end.
"""

from __future__ import annotations

import argparse
import gzip
import http.client
import json
import os
import random
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MON810 = "/en/lmo/" + urllib.parse.quote("MON-ØØ81Ø-6") + "/"
OPENBCH = Path(sys.executable).with_name("openbch")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _environment(data_dir: Path, *, cache: bool = True) -> dict[str, str]:
    env = {**os.environ, "OPENBCH_DATA_DIR": str(data_dir), "OPENBCH_RATE_LIMIT_PER_IP": "1000000000"}
    # several workers share their rate-limit counters through Redis (openbch serve refuses otherwise)
    env.setdefault("OPENBCH_CACHE_URL", "redis://127.0.0.1:6379/4")
    if not cache:
        env["OPENBCH_WEB_CACHE_SECONDS"] = "0"
    env.pop("OPENBCH_DATABASE_URL", None)
    settings_text = (ROOT / "src" / "openbch" / "settings.py").read_text()
    if "openbch.web" not in settings_text:
        # until settings.py installs the web app, the test settings add it (tests/web/server_settings.py)
        env["DJANGO_SETTINGS_MODULE"] = "tests.web.server_settings"
        env["PYTHONPATH"] = str(ROOT)
    return env


def _get(port: int, path: str, timeout: float = 600) -> tuple[int, bytes, dict[str, str]]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.request("GET", path, headers={"Accept-Language": "en"})
        response = connection.getresponse()
        return response.status, response.read(), {k.lower(): v for k, v in response.getheaders()}
    finally:
        connection.close()


def _wait_until_up(port: int, process: subprocess.Popen[bytes], seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"openbch serve exited with {process.returncode}")
        try:
            if _get(port, "/healthz", timeout=5)[0] == 200:
                return
        except OSError:
            time.sleep(0.3)
    raise SystemExit("openbch serve did not start")


@dataclass
class Result:
    name: str
    ttfb_ms: list[float]
    errors: int
    seconds: float

    def percentile(self, p: float) -> float:
        ordered = sorted(self.ttfb_ms)
        return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered) + 0.5) - 1))]


class _Connection:
    """A keep-alive HTTP/1.1 connection doing as little as possible on the client side: the load
    generator shares the machine's cores with the server, so its own cost must stay small."""

    def __init__(self, port: int, cookie: str = "") -> None:
        self.port = port
        #: sent with every request (a signed-in reader's session)
        self.extra = f"Cookie: {cookie}\r\n" if cookie else ""
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=60)
        self.buffer = b""

    def get(self, path: str) -> tuple[int, float]:
        """Send one GET; (status, seconds to the first byte of the answer). The body is read in full."""
        request = f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept-Language: en\r\n{self.extra}\r\n".encode()
        started = time.perf_counter()
        self.sock.sendall(request)
        chunk = self.sock.recv(65536)
        first_byte = time.perf_counter() - started
        if not chunk:
            raise OSError("connection closed")
        data = self.buffer + chunk
        while b"\r\n\r\n" not in data:
            more = self.sock.recv(65536)
            if not more:
                raise OSError("connection closed")
            data += more
        head, _, rest = data.partition(b"\r\n\r\n")
        status = int(head.split(b" ", 2)[1])
        match = re.search(rb"(?im)^content-length:\s*(\d+)", head)
        if match is None:
            raise OSError("no Content-Length (streamed answers are not benchmarked here)")
        length = int(match.group(1))
        while len(rest) < length:
            more = self.sock.recv(65536)
            if not more:
                raise OSError("connection closed")
            rest += more
        self.buffer = rest[length:]
        return status, first_byte

    def close(self) -> None:
        self.sock.close()


def _run(
    port: int, name: str, paths: list[str], clients: int, requests: int, cookies: list[str] | None = None
) -> Result:
    """``clients`` threads share ``requests`` requests (paths in turn), one keep-alive connection each;
    with ``cookies``, client ``n`` sends ``cookies[n]`` (e.g. each a different signed-in reader)."""
    timings: list[float] = []
    errors = 0
    lock = threading.Lock()
    counter = iter(range(requests))

    def client(cookie: str) -> None:
        nonlocal errors
        connection = _Connection(port, cookie)
        mine: list[float] = []
        failed = 0
        while True:
            with lock:
                index = next(counter, None)
            if index is None:
                break
            try:
                status, seconds = connection.get(paths[index % len(paths)])
                mine.append(seconds * 1000)
                failed += status != 200
            except OSError:
                failed += 1
                connection.close()
                connection = _Connection(port, cookie)
        connection.close()
        with lock:
            timings.extend(mine)
            errors += failed

    started = time.perf_counter()
    threads = [
        threading.Thread(target=client, args=((cookies or [""])[n % len(cookies or [""])],)) for n in range(clients)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return Result(name, timings, errors, time.perf_counter() - started)


def _lmo_paths(port: int, count: int, seed: int) -> list[str]:
    """LMO pages (by unique identifier) linked from the web search's LMO results, shuffled."""
    paths: list[str] = []
    page = "/en/search/?type=LMO&sort=title"
    while page and len(paths) < 5 * count:
        status, body, _ = _get(port, page)
        if status != 200:
            raise SystemExit(f"{page} answered {status}")
        text = body.decode()
        paths += [p for p in re.findall(r'href="(/en/lmo/[^"]+/)"', text) if p not in paths]
        following = re.search(r'href="(\?[^"]*cursor=[^"]*)" rel="next"', text)
        page = "/en/search/" + following.group(1).replace("&amp;", "&") if following else ""
    if not paths:
        raise SystemExit("no LMO with a unique identifier in this data folder")
    random.Random(seed).shuffle(paths)
    return paths[:count]


def page_weight(port: int, path: str) -> dict[str, int]:
    status, html, _ = _get(port, path)
    if status != 200:
        raise SystemExit(f"{path} answered {status}")
    text = html.decode()
    weights = {"html": len(html), "html_gzip": len(gzip.compress(html, 6))}
    css = re.findall(r'<link rel="stylesheet" href="([^"]+)"', text)
    js = re.findall(r'<script src="([^"]+)"', text)
    images = sorted(set(re.findall(r'<img src="([^"]+)"', text) + re.findall(r'<use href="([^"#]+)', text)))
    for kind, urls in (("css", css), ("js", js), ("images", images)):
        raw = compressed = 0
        for url in urls:
            body = _get(port, url)[1]
            raw += len(body)
            compressed += len(gzip.compress(body, 6))
        weights[kind] = raw
        weights[f"{kind}_gzip"] = compressed
    weights["total"] = weights["html"] + weights["css"] + weights["js"]
    weights["total_gzip"] = weights["html_gzip"] + weights["css_gzip"] + weights["js_gzip"]
    return weights


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--data-dir", type=Path, help="a prepared data folder (default: the demo data, in a temporary folder)"
    )
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--requests", type=int, default=400, help="requests per page kind (default 400)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes (4 threads each)")
    parser.add_argument("--word", default="maize", help="the common word searched (default: maize)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--no-cache", action="store_true", help="turn the pages' search cache off (OPENBCH_WEB_CACHE_SECONDS=0)"
    )
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="openbch-web-bench-") as scratch:
        data_dir = args.data_dir
        if data_dir is None:
            data_dir = Path(scratch) / "data"
            print("loading the demo data ...", flush=True)
            subprocess.run(
                [str(OPENBCH), "demo", "--no-serve", "--data-dir", str(data_dir)],
                env=_environment(data_dir),
                check=True,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        port = _free_port()
        process = subprocess.Popen(
            [str(OPENBCH), "serve", "--data-dir", str(data_dir), "--port", str(port), "--workers", str(args.workers)],
            env=_environment(data_dir, cache=not args.no_cache),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        try:
            _wait_until_up(port, process)
            print("warming up (brings the search index up to date if needed) ...", flush=True)
            _get(port, "/en/search/?q=warmup")
            lmo_paths = _lmo_paths(port, 20, args.seed)
            pages = {
                "home": ["/en/"],
                "search": [f"/en/search/?q={args.word}"],
                "search+facets": ["/en/search/?type=DEC&country=CA&country=US&country=BR"],
                "lmo": lmo_paths,
            }
            for paths in pages.values():
                for path in paths:
                    status = _get(port, path)[0]
                    if status != 200:
                        raise SystemExit(f"{path} answered {status}")
            results = [_run(port, name, paths, args.clients, args.requests) for name, paths in pages.items()]
            # MON810's page when the data has it (the demo data), else the first LMO sampled
            weight_path = MON810 if _get(port, MON810)[0] == 200 else lmo_paths[0]
            weight = page_weight(port, weight_path)
            heaviest = max(len(_get(port, path)[1]) for path in lmo_paths)
        finally:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)

    cached = "search cache off" if args.no_cache else "search cache on"
    print(
        f"\nTTFB, {args.clients} concurrent clients, {args.requests} requests per page, "
        f"{args.workers} workers x 4 threads, {cached}"
    )
    print(f"{'page':<15}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'mean':>9}{'req/s':>9}{'errors':>8}")
    summary = {}
    for r in results:
        p50, p95, p99 = r.percentile(50), r.percentile(95), r.percentile(99)
        rate = len(r.ttfb_ms) / r.seconds
        print(
            f"{r.name:<15}{p50:>9.1f}{p95:>9.1f}{p99:>9.1f}{statistics.fmean(r.ttfb_ms):>9.1f}{rate:>9.0f}{r.errors:>8}"
        )
        summary[r.name] = {
            "p50_ms": round(p50, 1),
            "p95_ms": round(p95, 1),
            "p99_ms": round(p99, 1),
            "errors": r.errors,
        }
    print(f"\nLMO page weight ({urllib.parse.unquote(weight_path)}): bytes as served / gzip")
    for kind in ("html", "css", "js", "images"):
        print(f"  {kind:<7}{weight[kind]:>9,}{weight[kind + '_gzip']:>9,}")
    print(f"  {'total':<7}{weight['total']:>9,}{weight['total_gzip']:>9,}   (HTML + CSS + JS)")
    print(f"  the heaviest of the {len(lmo_paths)} LMO pages sampled: {heaviest:,} bytes of HTML")
    weight["heaviest_sampled_html"] = heaviest
    print(json.dumps({"ttfb": summary, "lmo_page_weight": weight}))


if __name__ == "__main__":
    main()
