"""Harvest of every bundled source from its recorded payloads: seconds and items/s per source.

Usage: python benchmarks/harvest.py [--http] [--database sqlite|postgresql]

Runs on a fresh database in a temporary data folder: migrate, load the demo data (the registry the
items are matched to), then for each source a first harvest (every item new, resolved as it is
imported), a second one (every payload unchanged, skipped), and at the end one reconciliation of
every item. ``--http`` fetches the same recordings over HTTP from a local server on 127.0.0.1
(the test suite's), through the guarded client. For PostgreSQL, set OPENBCH_BENCH_POSTGRES_URL
(default postgresql://postgres@127.0.0.1:5432/openbch_bench); its schema is dropped and re-created.
"""

from __future__ import annotations

import argparse
import copy
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PG_URL = os.environ.get("OPENBCH_BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/openbch_bench")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--http", action="store_true", help="fetch over HTTP from a local server")
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    os.environ["OPENBCH_DATA_DIR"] = tempfile.mkdtemp(prefix="openbch-bench-harvest-")
    if args.database == "postgresql":
        os.environ["OPENBCH_DATABASE_URL"] = PG_URL
    # the interop app is installed by the test settings until openbch.settings lists it
    import openbch.settings as product

    settings_module = (
        "openbch.settings" if "openbch.interop" in product.INSTALLED_APPS else "tests.interop.settings_interop"
    )
    os.environ["DJANGO_SETTINGS_MODULE"] = settings_module
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from openbch.cli import demo_data_files
    from openbch.core.actors import SYSTEM
    from openbch.interop.harvest import HarvestOptions
    from openbch.interop.services import harvest, reconcile
    from openbch.interop.sources import definitions, load_definition
    from openbch.records.load import load_files

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public;")
    call_command("migrate", verbosity=0)
    load_files(SYSTEM, demo_data_files())

    server = None
    if args.http:
        from tests.interop.server import PlayServer

        server = PlayServer().start()
    print(f"database: {connection.vendor}; transport: {'http (127.0.0.1)' if args.http else 'bundled'}")
    print(f"{'source':<14} {'items':>6} {'first s':>8} {'items/s':>8} {'again s':>8} {'payloads':>9}")
    total_items = 0
    total_seconds = 0.0
    try:
        for name, shipped in definitions().items():
            definition = shipped
            options = HarvestOptions()
            if server is not None:
                raw = copy.deepcopy(dict(shipped.raw))
                raw.update(transport="http", base_url=server.base_url)
                if name != "bch-api":
                    raw["requests"] = [{"path": f"files/{raw['bundled']}/{r['path']}"} for r in raw["requests"]]
                definition = load_definition(raw)
                options = HarvestOptions(allowed_hosts=frozenset({"127.0.0.1"}))
            started = time.perf_counter()
            first = harvest(SYSTEM, definition, options)
            seconds = time.perf_counter() - started
            started = time.perf_counter()
            again = harvest(SYSTEM, definition, options)
            again_seconds = time.perf_counter() - started
            assert first.status == again.status == "succeeded", (first.errors, again.errors)
            items = first.items_new
            total_items += items
            total_seconds += seconds
            print(
                f"{name:<14} {items:>6} {seconds:>8.2f} {items / seconds:>8.0f} {again_seconds:>8.2f} "
                f"{first.payloads_fetched:>9}"
            )
    finally:
        if server is not None:
            server.stop()
    print(f"{'all':<14} {total_items:>6} {total_seconds:>8.2f} {total_items / total_seconds:>8.0f}")
    started = time.perf_counter()
    report = reconcile(SYSTEM)
    seconds = time.perf_counter() - started
    print(f"reconcile: {report.items} items in {seconds:.2f} s ({report.items / seconds:.0f} items/s, two passes)")
    print("verdicts: " + ", ".join(f"{v} {n}" for v, n in sorted(report.by_verdict.items())))


if __name__ == "__main__":
    main()
