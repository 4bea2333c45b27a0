"""``openbch index rebuild`` of generated records: seconds and records/s.

Usage: python benchmarks/index_rebuild.py [--records 200000] [--seed 42] [--runs 2] [--keep DIR] [--profile FILE]
       [--split]

1. Builds (once; cached) a SQLite data folder with ``records`` records of the foundation generator
   (benchmarks/generator.py: ``Generator`` + ``publish_records`` in batches of 5,000), the same data
   as benchmarks/api_vs_datasette.py. Cache: /tmp/openbch-index-bench/<records>-seed<seed>, or DIR
   with ``--keep DIR``; a second run reuses it.
2. Runs ``openbch index rebuild --data-dir …`` ``--runs`` times, one at a time, each in a new
   process, and prints the wall-clock seconds of each run (the whole command: Django start-up, the
   reading, the indexing, the commit and the swap), records/s, the CPU seconds the command used
   (user + system, all its threads: the figure that holds when other work shares the machine) and
   the rebuilt index's size.
   ``--profile FILE`` runs one more rebuild in process under cProfile and writes its statistics.
   ``--split`` runs one more rebuild in process and splits its CPU seconds between the Python thread
   (reading the records and building the documents) and tantivy's threads (analysis, commit): what
   bounds the wall time on 2 cores is max(Python thread, all CPU / 2).

The machine has 2 cores: run nothing else meanwhile, or say so beside the figures.
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
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
OPENBCH = Path(sys.executable).with_name("openbch")
CACHE_ROOT = Path(tempfile.gettempdir()) / "openbch-index-bench"
BATCH = 5000


def _setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "openbch.settings")
    import django

    django.setup()


def load_child(records: int, seed: int) -> dict[str, Any]:
    _setup_django()
    sys.path.insert(0, str(ROOT))
    from benchmarks.api_vs_datasette import load_records

    return load_records(records, seed, BATCH)


def profile_child(output: str) -> dict[str, Any]:
    import cProfile

    _setup_django()
    from openbch.search.index import rebuild

    profiler = cProfile.Profile()
    started = time.perf_counter()
    count = profiler.runcall(rebuild)
    seconds = time.perf_counter() - started
    profiler.dump_stats(output)
    return {"records": count, "seconds": round(seconds, 2)}


def split_child() -> dict[str, Any]:
    _setup_django()
    from openbch.search.index import rebuild

    usage = resource.getrusage(resource.RUSAGE_SELF)
    process = usage.ru_utime + usage.ru_stime
    thread = time.thread_time()
    started = time.perf_counter()
    count = rebuild()
    seconds = time.perf_counter() - started
    usage = resource.getrusage(resource.RUSAGE_SELF)
    cpu = usage.ru_utime + usage.ru_stime - process
    python = time.thread_time() - thread
    return {"records": count, "seconds": round(seconds, 1), "cpu": round(cpu, 1), "python": round(python, 1)}


def _child(step: str, data: Path, args: argparse.Namespace, *extra: str) -> dict[str, Any]:
    env = {**os.environ, "OPENBCH_DATA_DIR": str(data)}
    env.pop("OPENBCH_DATABASE_URL", None)  # the figure is SQLite's
    command = [sys.executable, __file__, "--child", step, "--records", str(args.records), "--seed", str(args.seed)]
    out = subprocess.run([*command, *extra], env=env, stdout=subprocess.PIPE, text=True, check=True)
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def build(cache: Path, args: argparse.Namespace) -> dict[str, Any]:
    meta_path = cache / "dataset.json"
    meta: dict[str, Any] = json.loads(meta_path.read_text()) if meta_path.exists() else {}
    if meta.get("records") != args.records or meta.get("seed") != args.seed or not (cache / "data").exists():
        print(f"building the dataset in {cache} ({args.records} records, seed {args.seed}) ...", flush=True)
        cache.mkdir(parents=True, exist_ok=True)
        meta = {"seed": args.seed, **_child("load", cache / "data", args)}
        if meta["records"] != args.records:
            raise SystemExit(f"loaded {meta['records']} records, not {args.records}")
        meta_path.write_text(json.dumps(meta, indent=1))
    else:
        print(f"dataset cached in {cache} ({args.records} records, seed {args.seed})", flush=True)
    return meta


def _index_mb(data: Path) -> float:
    index = (data / "index").resolve()
    return sum(p.stat().st_size for p in index.rglob("*") if p.is_file()) / 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--records", type=int, default=200_000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--runs", type=int, default=2)
    parser.add_argument("--keep", help="cache folder (default: a folder under the system's temporary folder)")
    parser.add_argument("--profile", help="also profile one rebuild in process (cProfile) into this file")
    parser.add_argument("--split", action="store_true", help="also split one rebuild's CPU by thread")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--output", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child == "load":
        print(json.dumps(load_child(args.records, args.seed)))
        return
    if args.child == "profile":
        print(json.dumps(profile_child(args.output)))
        return
    if args.child == "split":
        print(json.dumps(split_child()))
        return

    cache = Path(args.keep) if args.keep else CACHE_ROOT / f"{args.records}-seed{args.seed}"
    build(cache, args)
    data = cache / "data"
    env = {**os.environ, "OPENBCH_DATA_DIR": str(data)}
    env.pop("OPENBCH_DATABASE_URL", None)
    figures = []
    for run in range(1, args.runs + 1):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        subprocess.run([str(OPENBCH), "index", "rebuild"], env=env, check=True, stdout=subprocess.DEVNULL)
        seconds = time.perf_counter() - started
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
        figures.append(seconds)
        print(
            f"run {run}: openbch index rebuild, SQLite, {args.records} records: {seconds:.1f} s, "
            f"{args.records / seconds:,.0f} records/s, CPU {cpu:.1f} s, index {_index_mb(data):.0f} MB, "
            f"load average {os.getloadavg()[0]:.1f}",
            flush=True,
        )
    if figures:
        best = min(figures)
        print(f"best of {len(figures)}: {best:.1f} s, {args.records / best:,.0f} records/s")
    if args.split:
        split = _child("split", data, args)
        print(
            f"split (in process): {split['seconds']} s, CPU {split['cpu']} s: Python thread {split['python']} s, "
            f"tantivy's threads {split['cpu'] - split['python']:.1f} s; load average {os.getloadavg()[0]:.1f}",
            flush=True,
        )
    if args.profile:
        result = _child("profile", data, args, "--output", str(Path(args.profile).resolve()))
        print(f"profiled rebuild (in process, cProfile): {result['seconds']} s; statistics in {args.profile}")


if __name__ == "__main__":
    main()
