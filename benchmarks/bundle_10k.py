"""Issue 12 benchmark: an offline bundle of 10,000 changes, exported at central and imported on an
empty national node.

Usage: python benchmarks/bundle_10k.py [--records 10000] [--seed 42]

1. Central: the generated dataset of benchmarks/index_rebuild.py (the foundation generator's reference
   and national records, built once and cached under /tmp/openbch-index-bench/<records>-seed<seed>,
   as benchmarks/node_pull.py uses it), copied to a work folder and migrated; a signing key.
2. ``openbch bundle export --after 0``: every change of central's log, signed. Timed from the
   command's start to its end (Django start-up included, about a second; also printed alone).
3. An empty node (``openbch node init --country CO --central …`` mirroring every country) that trusts
   central's key: ``openbch bundle import FILE``, timed likewise.

Prints the bundle's size (bytes, and per change), export seconds and import seconds. Everything
runs in temporary folders, removed at the end. The machine has 2 cores: run nothing else meanwhile,
or say so beside the figures.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.index_rebuild import CACHE_ROOT, build  # noqa: E402
from benchmarks.node_pull import node_env  # noqa: E402

OPENBCH = Path(sys.executable).with_name("openbch")


def _run(env: dict[str, str], *args: str) -> tuple[float, Any]:
    """Seconds the command took, and its JSON answer (its last line on stdout)."""
    started = time.perf_counter()
    result = subprocess.run([str(OPENBCH), *args], env=env, check=True, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    return seconds, json.loads(result.stdout.strip().splitlines()[-1]) if result.stdout.strip() else None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--records", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args()
    args.runs, args.profile, args.split = 0, None, False
    cache = CACHE_ROOT / f"{args.records}-seed{args.seed}"
    build(cache, args)
    work = Path(tempfile.mkdtemp(prefix="openbch-bundle-bench-"))
    central, node = work / "central", work / "node"
    central.mkdir()
    shutil.copy2(cache / "data" / "openbch.sqlite3", central / "openbch.sqlite3")
    env_central, env_node = node_env(central, "central-bench"), node_env(node, "node-co")
    try:
        subprocess.run([str(OPENBCH), "migrate"], env=env_central, check=True, stdout=subprocess.DEVNULL)
        _, key = _run(env_central, "keys", "generate")
        startup, _ = _run(env_central, "sync", "status")  # Django's start-up alone, for reference
        bundle = work / "central.bundle"
        export_s, exported = _run(env_central, "bundle", "export", "--after", "0", "--output", str(bundle))
        size = bundle.stat().st_size
        _run(env_node, "node", "init", "--country", "CO", "--central", "http://127.0.0.1:9")
        _run(env_node, "keys", "trust", "--instance", key["instance"], "--public-key", key["public_key"])
        import_s, imported = _run(env_node, "bundle", "import", str(bundle))
        changes = int(exported["changes"])
        print(f"bundle of {changes:,} changes ({args.records:,} generated records, seed {args.seed}):")
        print(f"  size {size:,} bytes ({size / changes:,.0f} bytes per change, gzip)")
        print(f"  export {export_s:.1f} s; import on an empty node {import_s:.1f} s")
        print(f"  (each command includes Django's start-up, {startup:.1f} s here)")
        print(
            f"  imported: published {imported['published']:,}, withdrawn {imported['withdrawn']:,}, "
            f"unchanged {imported['unchanged']:,}, skipped {imported['skipped']:,}"
        )
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
