"""Bulk load of synthetic records through the same validation and storage path as every publish.

Usage: python benchmarks/bulk_load.py [--records 100000] [--batch 5000] [--database sqlite|postgresql|both]
Prints records/s and peak memory (max RSS of the loading process) per database.
Each database run happens in a child process on a fresh database, so figures do not mix.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PG_URL = os.environ.get("OPENBCH_BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/openbch_bench")


def child(records: int, batch: int) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "openbch.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    sys.path.insert(0, str(ROOT))
    from benchmarks.generator import Generator
    from openbch.core.actors import SYSTEM
    from openbch.records.services import publish_records

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public;")
    call_command("migrate", verbosity=0)
    # only publish_records is timed: generating the synthetic bodies is the benchmark's own cost
    wall = 0.0
    done = 0
    warnings = 0
    for items in Generator(seed=7).batches(records, batch):
        started = time.perf_counter()
        report = publish_records(SYSTEM, items)
        wall += time.perf_counter() - started
        done += report.created
        warnings += len(report.warnings)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        json.dumps(
            {
                "database": connection.vendor,
                "records": done,
                "seconds": round(wall, 2),
                "records_per_s": round(done / wall),
                "peak_rss_mb": round(peak_mb),
                "warnings": warnings,
            }
        )
    )


def run(database: str, records: int, batch: int) -> dict[str, object]:
    env = dict(os.environ)
    env["OPENBCH_DATA_DIR"] = tempfile.mkdtemp(prefix="openbch-bench-")
    env.pop("OPENBCH_DATABASE_URL", None)
    if database == "postgresql":
        import psycopg

        with psycopg.connect(PG_URL.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
            name = PG_URL.rsplit("/", 1)[1]
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
            conn.execute(f'CREATE DATABASE "{name}"')
        env["OPENBCH_DATABASE_URL"] = PG_URL
    out = subprocess.run(
        [sys.executable, __file__, "--child", "--records", str(records), "--batch", str(batch)],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--batch", type=int, default=5_000)
    parser.add_argument("--database", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--child", action="store_true")
    args = parser.parse_args()
    if args.child:
        child(args.records, args.batch)
        return
    targets = ["sqlite", "postgresql"] if args.database == "both" else [args.database]
    print(
        f"bulk load: {args.records} synthetic records in batches of {args.batch} (validate + publish + change log + audit)"
    )
    for database in targets:
        result = run(database, args.records, args.batch)
        print(
            f"  {result['database']:<10} {result['records']:>7} records  {result['seconds']:>7.1f} s  "
            f"{result['records_per_s']:>6} records/s  peak RSS {result['peak_rss_mb']} MB"
        )


if __name__ == "__main__":
    main()
