"""The border check for a 20-identifier shipping document: server time (p50/p95) and bytes.

Usage: python benchmarks/border_check.py [--data-dir DIR] [--requests 200]

* ``--data-dir``: a prepared data folder; without it, the demo data is loaded into a temporary
  folder (``openbch demo --no-serve``).
* The document is built from the data: 20 identifiers of LMOs with Canadian decisions (stacks
  among them, written in odd spellings: lower case, ``0`` for ``Ø``, the letter ``O``, ``×``), two
  of them unregistered, inside the text of a bill of lading with a "may contain" statement.
* In process (Django's test client on the folder's database, no network): each request's time is
  the server's whole work (routing, the check, rendering, middleware). Measured for the API (GET
  and POST, JSON) and the HTML page (``/en/border-check/``) and its printable view; p50/p95 over
  ``--requests`` requests after a warm-up. Bytes: each answer as served and gzip-compressed, and
  the page's weight with the stylesheets and script it references.

Nothing is contacted; the temporary folder is removed at the end.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
OPENBCH = Path(sys.executable).with_name("openbch")


def _prepare(data_dir: Path | None) -> tuple[Path, Path | None]:
    if data_dir is not None:
        return data_dir, None
    folder = Path(tempfile.mkdtemp(prefix="openbch-border-bench-"))
    env = {**os.environ, "OPENBCH_DATA_DIR": str(folder / "data")}
    env.pop("OPENBCH_DATABASE_URL", None)
    subprocess.run(
        [str(OPENBCH), "demo", "--no-serve", "--data-dir", str(folder / "data")],
        env=env,
        check=True,
        capture_output=True,
        timeout=600,
    )
    return folder / "data", folder


def _document() -> str:
    """A bill of lading naming 20 identifiers (18 registered, Canadian decisions on them; 2 not)."""
    from openbch.records.models import Record, RecordLink
    from openbch.records.queries import latest_revisions

    targets = set(
        RecordLink.objects.filter(field="modifiedOrganisms", source__type="DEC", source__owner="CA").values_list(
            "target_identifier", flat=True
        )
    )
    lmos = latest_revisions(Record.objects.filter(identifier__in=targets, type="LMO").order_by("number"))
    registered = [str(p.body.get("uniqueIdentification") or "") for p in lmos]
    singles = [u for u in registered if u and " x " not in u]
    spellings = []
    for n, unique in enumerate(singles[:16]):
        if n % 4 == 0:
            spellings.append(unique.lower().replace("ø", "0"))
        elif n % 4 == 1:
            spellings.append(unique.replace("Ø", "O"))
        elif n % 4 == 2:
            spellings.append(unique.replace("Ø", "0").replace("-", " "))
        else:
            spellings.append(unique)
    stacks = [f"{singles[16]} × {singles[17]}", f"{singles[18].lower()} x {singles[19]}"]
    unknown = ["ZZQ-12345-6", "MON-ØØ81Ø-7"]
    lines = [
        "BILL OF LADING No. SSZ-2024-0117 — Shipper: Agro Export S.A. — Consignee: Prairie Feed Mills Ltd.",
        "Description of goods: grain and oilseeds in bulk, 24,000 t, for processing into food and feed.",
        "Article 18.2(a): this shipment may contain the following living modified organisms, intended for",
        "direct use as food or feed, or for processing, not for introduction into the environment:",
        ", ".join(spellings[:8]) + ";",
        "; ".join(spellings[8:] + stacks + unknown) + ".",
        "Contact: logistics@example.org. Marks and numbers: SSZU 481516-2, SSZU 234200-7.",
    ]
    return "\n".join(lines)


def _percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def _measure(call: Any, requests: int) -> tuple[float, float, bytes]:
    for _ in range(5):
        body = call()
    times = []
    for _ in range(requests):
        start = time.perf_counter()
        body = call()
        times.append((time.perf_counter() - start) * 1000)
    p50, p95 = _percentiles(times)
    return p50, p95, body


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path)
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()
    data_dir, made = _prepare(args.data_dir)
    try:
        os.environ["OPENBCH_DATA_DIR"] = str(data_dir)
        os.environ.pop("OPENBCH_DATABASE_URL", None)
        os.environ["OPENBCH_RATE_LIMIT_PER_IP"] = "1000000000"
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "openbch.settings")
        import django

        django.setup()
        from django.test import Client

        from openbch.customs.bordercheck import check_shipment

        document = _document()
        answer = check_shipment(document, "CA", "food")
        print(
            f"document: {len(document)} characters, {len(answer.items)} identifiers found; verdicts:",
            json.dumps(answer.counts),
        )
        client = Client()
        query = {"text": document, "country": "CA", "use": "food"}

        def api_get() -> bytes:
            response = client.get("/api/v1/border-check", query)
            assert response.status_code == 200, response.content[:300]
            return bytes(response.content)

        def api_post() -> bytes:
            response = client.post("/api/v1/border-check", json.dumps(query), content_type="application/json")
            assert response.status_code == 200, response.content[:300]
            return bytes(response.content)

        def page() -> bytes:
            response = client.get("/en/border-check/", query)
            assert response.status_code == 200, response.content[:300]
            return bytes(response.content)

        def printable() -> bytes:
            response = client.get("/en/border-check/print/", query)
            assert response.status_code == 200, response.content[:300]
            return bytes(response.content)

        print(f"{'answer':<28}{'p50 ms':>9}{'p95 ms':>9}{'bytes':>10}{'gzip':>9}")
        html = b""
        for name, call in (
            ("API GET (JSON)", api_get),
            ("API POST (JSON)", api_post),
            ("page /en/border-check/", page),
            ("printable view", printable),
        ):
            p50, p95, body = _measure(call, args.requests)
            if call is page:
                html = body
            print(f"{name:<28}{p50:>9.1f}{p95:>9.1f}{len(body):>10}{len(gzip.compress(body)):>9}")
        assets = re.findall(rb'(?:href|src)="(/static/[^"]+\.(?:css|js))"', html)
        total, total_gzip = len(html), len(gzip.compress(html))
        for asset in assets:
            body = bytes(b"".join(client.get(asset.decode()).streaming_content))  # type: ignore[attr-defined]
            total += len(body)
            total_gzip += len(gzip.compress(body))
        print(f"page weight (HTML + {len(assets)} stylesheets/scripts): {total} bytes, {total_gzip} gzip-compressed")
        empty = client.get("/en/border-check/").content
        print(f"empty form: {len(empty)} bytes, {len(gzip.compress(empty))} gzip-compressed")
    finally:
        if made is not None:
            shutil.rmtree(made, ignore_errors=True)


if __name__ == "__main__":
    main()
