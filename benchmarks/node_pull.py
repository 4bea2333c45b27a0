"""Issue 12 benchmark: a national node's first pull of a central clearing-house's records.

Usage: python benchmarks/node_pull.py [--records 200000] [--seed 42] [--limit 5000]

1. Central: the generated dataset of benchmarks/index_rebuild.py (built once and cached under
   /tmp/openbch-index-bench/<records>-seed<seed>; the foundation generator's reference and national
   records of about 190 countries), copied to a work folder, migrated, and served by ``openbch serve``
   (its defaults) on 127.0.0.1.
2. Node: an empty data folder, ``openbch node init --country CO --central URL`` (mirroring every
   country), then ``openbch sync pull --limit N``, timed from the command's start to its end (Django
   start-up, every page fetched over HTTP, checked and stored, the node's search index fed by its
   change log when it is next used): seconds and records/s.
3. Bytes on the wire: the same pages fetched again (not timed), as the node asks for them (gzip),
   and their body sizes summed, compressed and as JSON: bytes per record.

4. The anchor, in the same run (unless ``--no-anchor``): ``bulk_load.py``'s load of as many
   generated records on SQLite, and the pull's rate as a share of it.

Prints the figures beside the target, the bulk-load rate (at least 5,000 records/s). Everything runs on
127.0.0.1; the servers started here are stopped at the end. The machine has 2 cores: run nothing
else meanwhile, or say so beside the figures.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks import bulk_load  # noqa: E402
from benchmarks.api_vs_datasette import free_port  # noqa: E402
from benchmarks.index_rebuild import CACHE_ROOT, build  # noqa: E402

OPENBCH = Path(sys.executable).with_name("openbch")
TARGET = 5000


def node_env(data: Path, instance: str) -> dict[str, str]:
    """The environment of an instance's ``openbch`` commands: its data folder and instance id, nothing of ours."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENBCH_", "DJANGO_SETTINGS"))}
    return {**env, "OPENBCH_DATA_DIR": str(data), "OPENBCH_INSTANCE_ID": instance}


def wait_until_serving(url: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit("openbch serve exited")
        try:
            with urllib.request.urlopen(f"{url}/healthz", timeout=2):  # noqa: S310 - 127.0.0.1
                return
        except OSError:
            time.sleep(0.3)
    raise SystemExit("openbch serve did not start")


def _wire_bytes(url: str, limit: int) -> tuple[int, int, int]:
    """(bytes gzip-compressed, bytes as JSON, changes) of every page of the feed with records, as the
    node reads them (its client asks for gzip, which the API sends)."""
    packed = plain = changes = 0
    after = 0
    while True:
        address = f"{url}/api/v1/changes?after={after}&limit={limit}&include=record"
        request = urllib.request.Request(address, headers={"Accept-Encoding": "gzip"})  # noqa: S310 - 127.0.0.1
        with urllib.request.urlopen(request) as answer:  # noqa: S310 - 127.0.0.1
            body = answer.read()
            encoding = answer.headers.get("Content-Encoding", "")
        text = gzip.decompress(body) if encoding == "gzip" else body
        page = json.loads(text)
        packed += len(body)
        plain += len(text)
        changes += len(page["changes"])
        if not page["next"]:
            return packed, plain, changes
        after = page["changes"][-1]["seq"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--records", type=int, default=200_000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--limit", type=int, default=5000, help="changes per page")
    parser.add_argument(
        "--anchor", action=argparse.BooleanOptionalAction, default=True, help="measure the bulk load too"
    )
    args = parser.parse_args()
    args.runs, args.profile, args.split = 0, None, False
    cache = CACHE_ROOT / f"{args.records}-seed{args.seed}"
    build(cache, args)
    work = Path(tempfile.mkdtemp(prefix="openbch-node-bench-"))
    central, node = work / "central", work / "node"
    central.mkdir()
    shutil.copy2(cache / "data" / "openbch.sqlite3", central / "openbch.sqlite3")
    env_central, env_node = node_env(central, "central-bench"), node_env(node, "node-co")
    server = None
    try:
        subprocess.run([str(OPENBCH), "migrate"], env=env_central, check=True)
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        server = subprocess.Popen(
            [str(OPENBCH), "serve", "--port", str(port)],
            env=env_central,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        wait_until_serving(url, server)
        subprocess.run(
            [str(OPENBCH), "node", "init", "--country", "CO", "--central", url],
            env=env_node,
            check=True,
            stdout=subprocess.DEVNULL,
        )
        started = time.perf_counter()
        before = os.times()
        result = subprocess.run(
            [str(OPENBCH), "sync", "pull", "--limit", str(args.limit)],
            env=env_node,
            check=True,
            capture_output=True,
            text=True,
        )
        seconds = time.perf_counter() - started
        after = os.times()
        report = json.loads(result.stdout.strip().splitlines()[-1])
        cpu = (after.children_user - before.children_user) + (after.children_system - before.children_system)
        wire, plain, changes = _wire_bytes(url, args.limit)
        records = report["published"]
        print(f"first pull of {records:,} records ({changes:,} changes, pages of {args.limit:,}) to an empty node:")
        print(
            f"  {seconds:.1f} s, {records / seconds:,.0f} records/s (target: at least {TARGET:,} records/s, the bulk-load rate)"
        )
        print(
            f"  node CPU {cpu:.1f} s (the pull and its reader process); {wire / changes:,.0f} bytes per record on the wire "
            f"(gzip; {plain / changes:,.0f} as JSON)"
        )
        print(
            f"  {report['pages']} pages ({report.get('pages_read_ahead', 0)} read ahead by the reader), last seq {report['last_seq']:,}, by type {report['by_type']}"
        )
    finally:
        if server is not None:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=30)
        shutil.rmtree(work, ignore_errors=True)
    if args.anchor:
        load = bulk_load.run("sqlite", args.records, args.limit)
        rate = records / seconds
        print(
            f"anchor, this run: bulk load of {load['records']:,} records on SQLite, {load['seconds']} s, "
            f"{load['records_per_s']:,} records/s; the pull reaches {rate / float(str(load['records_per_s'])):.0%} of it"
        )


if __name__ == "__main__":
    main()
