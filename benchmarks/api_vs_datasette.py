"""Issue 3 benchmark: our public API (record by UID, search page, CSV export) against Datasette.

Usage: python benchmarks/api_vs_datasette.py [--records 200000] [--duration 10] [--keep DIR]

1. Builds (once; cached) a data folder loaded by the foundation generator (benchmarks/generator.py:
   ``Generator`` + ``publish_records`` in batches, then ``openbch index rebuild``), and exports the
   SAME records into a SQLite file for Datasette: one row per record (record_id = our UID, type,
   country = owner, unique_identifier, title, organism, traits, genes, description = every
   searchable text, JSON document) plus an external-content FTS5 table over title, description,
   record_id and unique_identifier (``unicode61 remove_diacritics 2``, optimized), as in
   /work/shared/reference/ecosystem-and-anchors.md §3.1 and Appendix A.
   Cache: /tmp/openbch-api-bench/<records>-seed<seed>, or DIR with ``--keep DIR``; a second run
   reuses it (the index is rebuilt when src/openbch/search or the record-type definitions changed).
2. Starts ``openbch serve`` with its defaults for a shared cache (gunicorn gthread, 2 worker
   processes per core x 2 threads, rate-limit counters in Redis) and
   OPENBCH_RATE_LIMIT_PER_IP=100000000; later a second one with OPENBCH_SEARCH_CACHE_MB=0 (every
   search page computed afresh); and Datasette 0.65.5 from a separate venv under /tmp
   (one process; ``-m metadata.json`` with fts_table, ``searchmode raw``, default_page_size 20).
3. Warms up, then runs wrk 4.1 (``--latency``; -t1 for c=1, -t2 for c=16, random ids from a fixed
   seed as in the anchor's rows.lua) for each workload at c=1 and c=16, one run at a time:
   record by UID vs Datasette's row by primary key (the same random records on both sides), and
   the search page (top 20 + exact count + 2 facets) for a common word, a rare word, a record UID
   and an OECD unique identifier.
   Server CPU per request comes from /proc (utime+stime of the server's process group).
4. Runs the same search pages straight against tantivy in process (the floor: the search work's
   benchmarks/search_floor.py, run on the same data folder and query texts) and prints API median /
   floor median.
5. Streams the full CSV export (ours and Datasette's ``?_stream=on``), sampling the server
   processes' RSS from /proc every 10 ms: seconds, peak RSS, bytes received.

Everything runs against 127.0.0.1 only; every server started here is killed (process group) at
the end, also on error or Ctrl-C.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import io
import json
import os
import re
import resource
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
OPENBCH = Path(sys.executable).with_name("openbch")
DATASETTE_VENV = Path(os.environ.get("OPENBCH_BENCH_DATASETTE_VENV", "/tmp/openbch-datasette-venv"))
DATASETTE_VERSION = "0.65.5"
CACHE_ROOT = Path(tempfile.gettempdir()) / "openbch-api-bench"
RATE_LIMIT = "100000000"
BATCH = 5000
CLK_TCK = os.sysconf("SC_CLK_TCK")
PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")
DATASET_VERSION = 1  # bump when the dataset layout below changes

LUA = """
local paths = {}
init = function(args)
  for line in io.lines(os.getenv("BENCH_PATHS")) do paths[#paths + 1] = line end
  math.randomseed(12345)
end
request = function()
  return wrk.format("GET", paths[math.random(1, #paths)])
end
"""


# --------------------------------------------------------------------------------------------
# building the datasets (child process: Django set up on the cached data folder)
# --------------------------------------------------------------------------------------------


def load_records(records: int, seed: int, batch: int = BATCH) -> dict[str, Any]:
    """Publish ``records`` generated records through ``publish_records`` in batches (Django is set up)."""
    from django.core.management import call_command

    sys.path.insert(0, str(ROOT))
    from benchmarks.generator import Generator
    from openbch.core.actors import SYSTEM
    from openbch.records.services import publish_records

    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    done = 0
    for items in Generator(seed=seed).batches(records, batch):
        done += publish_records(SYSTEM, items).created
        print(f"  loaded {done}/{records}", file=sys.stderr, flush=True)
    return {"records": done, "load_seconds": round(time.perf_counter() - started, 1)}


def _texts(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            if isinstance(item, str):
                yield item
    elif isinstance(value, list):
        for item in value:
            yield from _texts(item)


def _ids(value: Any) -> list[str]:
    items = value if isinstance(value, list) else [value] if value else []
    return [i["identifier"] for i in items if isinstance(i, dict) and "identifier" in i]


INSERT = "INSERT INTO records VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"


def export_sqlite(db_path: Path, uids_path: Path) -> dict[str, Any]:
    """Write every published record of our database into a Datasette SQLite file (Django is set up).

    One row per record, in record order (``id`` 1..N); ``uids_path`` gets the UIDs in the same order.
    ``description`` holds every searchable text of the record (the fields with ``search`` in the
    record-type definition, all languages), i.e. what our index searches besides the identifiers.
    """
    from openbch.records.queries import iter_published
    from openbch.recordtypes import get_record_type

    started = time.perf_counter()
    tmp = db_path.with_suffix(".building")
    tmp.unlink(missing_ok=True)
    db = sqlite3.connect(tmp)
    db.executescript(
        """
        PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;
        CREATE TABLE records (
            id INTEGER PRIMARY KEY, record_id TEXT UNIQUE, record_type TEXT, country TEXT,
            unique_identifier TEXT, title TEXT, organism TEXT, common_name TEXT, traits TEXT, genes TEXT,
            description TEXT, status TEXT, created TEXT, updated TEXT, document TEXT);
        """
    )
    names: dict[str, tuple[str, str]] = {}  # identifier -> (title, common name), for later references
    rows: list[tuple[Any, ...]] = []
    count = 0
    with uids_path.open("w") as uids:
        for item in iter_published():
            record, body = item.record, item.body
            rt = get_record_type(record.type)
            searchable = [t for f in rt.fields.values() if f.search and f.name in body for t in _texts(body[f.name])]
            common = " ".join(_texts(body.get("commonNames", [])))
            names[record.identifier] = (record.title, common)
            organisms = [names.get(i, (i, "")) for i in _ids(body.get("recipientOrganisms"))]
            count += 1
            rows.append(
                (
                    count,
                    item.uid,
                    record.type,
                    record.owner,
                    body.get("uniqueIdentification", ""),
                    record.title,
                    "; ".join(o[0] for o in organisms) or (record.title if record.type == "ORGA" else ""),
                    "; ".join(o[1] for o in organisms) or common,
                    " ".join(_ids(body.get("traits"))),
                    " ".join(names.get(i, (i, ""))[0] for i in _ids(body.get("genes"))),
                    " \n".join(searchable),
                    record.state,
                    (record.first_published_at or item.revision.published_at).isoformat(),
                    item.revision.published_at.isoformat(),
                    json.dumps(body, ensure_ascii=False),
                )
            )
            uids.write(item.uid + "\n")
            if len(rows) == 20_000:
                db.executemany(INSERT, rows)
                rows.clear()
    db.executemany(INSERT, rows)
    db.commit()
    fts_started = time.perf_counter()
    db.executescript(
        """
        CREATE INDEX idx_records_country ON records(country);
        CREATE INDEX idx_records_record_type ON records(record_type);
        CREATE INDEX idx_records_unique_identifier ON records(unique_identifier);
        CREATE VIRTUAL TABLE records_fts USING fts5(title, description, record_id, unique_identifier,
            content='records', content_rowid='id', tokenize='unicode61 remove_diacritics 2');
        INSERT INTO records_fts(rowid, title, description, record_id, unique_identifier)
            SELECT id, title, description, record_id, unique_identifier FROM records;
        INSERT INTO records_fts(records_fts) VALUES('optimize');
        PRAGMA wal_checkpoint(TRUNCATE);
        ANALYZE;
        PRAGMA journal_mode=DELETE;
        """
    )
    db.close()
    tmp.rename(db_path)
    return {
        "sqlite_rows": count,
        "sqlite_seconds": round(time.perf_counter() - started, 1),
        "fts_seconds": round(time.perf_counter() - fts_started, 1),
        "sqlite_mb": round(db_path.stat().st_size / 1e6),
    }


def build_child(args: argparse.Namespace) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "openbch.settings")
    import django

    django.setup()
    cache = Path(args.cache)
    result: dict[str, Any] = {}
    if args.child == "load":
        result = load_records(args.records, args.seed)
    elif args.child == "export":
        result = export_sqlite(cache / "bch.db", cache / "uids.txt")
    print(json.dumps(result))


def _child(step: str, cache: Path, records: int, seed: int) -> dict[str, Any]:
    env = {**os.environ, "OPENBCH_DATA_DIR": str(cache / "data")}
    env.pop("OPENBCH_DATABASE_URL", None)
    out = subprocess.run(
        [
            sys.executable,
            __file__,
            "--child",
            step,
            "--cache",
            str(cache),
            "--records",
            str(records),
            "--seed",
            str(seed),
        ],
        env=env,
        stdout=subprocess.PIPE,
        text=True,
        check=True,
    )
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def _newest_source_mtime() -> float:
    folders = [ROOT / "src/openbch/search", ROOT / "src/openbch/recordtypes/definitions"]
    return max((p.stat().st_mtime for folder in folders if folder.exists() for p in folder.rglob("*")), default=0.0)


def build_datasets(cache: Path, records: int, seed: int, reindex: bool) -> dict[str, Any]:
    """Our data folder and the Datasette file, built once per (records, seed) and reused."""
    cache.mkdir(parents=True, exist_ok=True)
    meta_path = cache / "dataset.json"
    meta: dict[str, Any] = json.loads(meta_path.read_text()) if meta_path.exists() else {}
    if meta.get("version") != DATASET_VERSION or meta.get("records") != records or meta.get("seed") != seed:
        print(f"building the dataset in {cache} ({records} records, seed {seed}) ...", flush=True)
        for stale in ("data", "bch.db", "uids.txt", "dataset.json"):
            path = cache / stale
            shutil.rmtree(path, ignore_errors=True) if path.is_dir() else path.unlink(missing_ok=True)
        meta = {"version": DATASET_VERSION, "seed": seed, **_child("load", cache, records, seed)}
        if meta["records"] != records:
            raise SystemExit(f"loaded {meta['records']} records, not {records}")
        meta["records"] = records
        meta.update(_child("export", cache, records, seed))
        meta["index_built_at"] = 0
        meta_path.write_text(json.dumps(meta, indent=1))
    else:
        print(f"dataset cached in {cache} ({records} records, seed {seed})", flush=True)
    if reindex or meta.get("index_built_at", 0) < _newest_source_mtime() or not (cache / "data/index").exists():
        print("  openbch index rebuild ...", flush=True)
        started = time.perf_counter()
        subprocess.run(
            [str(OPENBCH), "index", "rebuild", "--data-dir", str(cache / "data")],
            check=True,
            stdout=subprocess.DEVNULL,
        )
        meta["index_seconds"] = round(time.perf_counter() - started, 1)
        meta["index_built_at"] = time.time()
        meta_path.write_text(json.dumps(meta, indent=1))
    (cache / "metadata.json").write_text(
        json.dumps(
            {
                "databases": {
                    "bch": {"tables": {"records": {"fts_table": "records_fts", "fts_pk": "id", "searchmode": "raw"}}}
                }
            }
        )
    )
    return meta


def pick_queries(cache: Path, common: str) -> dict[str, dict[str, str]]:
    """The three search queries, each as typed in our search box and in Datasette's (raw FTS5 syntax).

    common: a frequent word; rare: the letters-only term with the most documents but at most 50
    (in this corpus: an applicant code of OECD unique identifiers); uid: a decision's record UID;
    oecd: an LMO's OECD unique identifier (both kinds of "UID" a user pastes into the search box).
    Datasette gets the identifiers as FTS5 phrases (raw mode: a bare ``-`` is a syntax error).
    """
    db = sqlite3.connect(f"file:{cache / 'bch.db'}?mode=ro", uri=True)
    db.execute("CREATE VIRTUAL TABLE temp.vocab USING fts5vocab(main, 'records_fts', 'row')")
    rare = db.execute(
        "SELECT term FROM temp.vocab WHERE doc <= 50 AND term NOT GLOB '*[^a-z]*' AND length(term) >= 3 "
        "ORDER BY doc DESC, term LIMIT 1"
    ).fetchone()[0]
    (count,) = db.execute("SELECT count(*) FROM records").fetchone()
    (uid,) = db.execute(
        "SELECT record_id FROM records WHERE record_type = 'DEC' AND id >= ? ORDER BY id LIMIT 1", (count // 2,)
    ).fetchone()
    (oecd,) = db.execute(
        "SELECT unique_identifier FROM records WHERE record_type = 'LMO' AND id >= ? ORDER BY id LIMIT 1", (count // 2,)
    ).fetchone()
    db.close()
    return {
        "common": {"ours": common, "datasette": common},
        "rare": {"ours": rare, "datasette": rare},
        "uid": {"ours": uid, "datasette": f'"{uid}"'},
        "oecd": {"ours": oecd, "datasette": f'"{oecd}"'},
    }


# --------------------------------------------------------------------------------------------
# servers
# --------------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _stat(pid: int) -> list[str] | None:
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return text[text.rindex(")") + 2 :].split()  # fields from 3 (state) on


class Server:
    """A server started in its own process group (so it and its workers are stopped together)."""

    def __init__(self, name: str, argv: list[str], env: dict[str, str], port: int, log: Path) -> None:
        self.name, self.port, self.log = name, port, log
        self.base = f"http://127.0.0.1:{port}"
        with log.open("w") as out:
            self.process = subprocess.Popen(
                argv, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True, cwd=log.parent
            )
        RUNNING.append(self)

    def pids(self) -> list[int]:
        pids = []
        for entry in os.listdir("/proc"):
            if entry.isdigit():
                fields = _stat(int(entry))
                if fields and int(fields[2]) == self.process.pid and fields[0] != "Z":  # pgrp
                    pids.append(int(entry))
        return sorted(pids)

    def cpu_seconds(self) -> float:
        total = 0
        for pid in self.pids():
            fields = _stat(pid)
            if fields:
                total += int(fields[11]) + int(fields[12])  # utime, stime
        return total / CLK_TCK

    def wait_ready(self, path: str, limit: float = 120.0) -> None:
        import httpx

        started = time.monotonic()
        while time.monotonic() - started < limit:
            if self.process.poll() is not None:
                raise SystemExit(f"{self.name} exited with {self.process.returncode}; see {self.log}")
            with contextlib.suppress(httpx.TransportError):
                if httpx.get(self.base + path, timeout=5).status_code == 200:
                    return
            time.sleep(0.2)
        raise SystemExit(f"{self.name} did not answer {path} within {limit:.0f} s; see {self.log}")

    def stop(self) -> None:
        if self in RUNNING:
            RUNNING.remove(self)
        if self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)
        # workers that outlived their parent
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)


RUNNING: list[Server] = []


def stop_all() -> None:
    for server in list(RUNNING):
        server.stop()


def start_ours(cache: Path, logs: Path, *, keep_pages: bool = True) -> Server:
    env = {**os.environ, "OPENBCH_RATE_LIMIT_PER_IP": RATE_LIMIT, "OPENBCH_DATA_DIR": str(cache / "data")}
    if not keep_pages:  # every search page computed afresh: the search work itself
        env["OPENBCH_SEARCH_CACHE_MB"] = "0"
    # two workers share their rate-limit counters through Redis (openbch serve refuses otherwise)
    env.setdefault("OPENBCH_CACHE_URL", "redis://127.0.0.1:6379/3")
    env.pop("OPENBCH_DATABASE_URL", None)
    port = free_port()
    # the defaults of `openbch serve` with a shared cache: 2 worker processes per core, 2 threads each
    argv = [str(OPENBCH), "serve", "--data-dir", str(cache / "data"), "--port", str(port)]
    server = Server("openbch", argv, env, port, logs / f"openbch{'' if keep_pages else '-fresh'}.log")
    server.wait_ready("/api/v1/")
    return server


DATASETTE_SETTINGS = {
    "default_page_size": "20",
    # Datasette's defaults (sql_time_limit_ms 1000, facet_time_limit_ms 200) silently drop a facet
    # or the count that takes longer; raised so that it always does the same work as we do
    "sql_time_limit_ms": "60000",
    "facet_time_limit_ms": "60000",
    # default 100: the streamed CSV export would stop at 100 MB
    "max_csv_mb": "0",
}


def ensure_datasette() -> Path:
    exe = DATASETTE_VENV / "bin/datasette"
    if not exe.exists():
        print(f"installing datasette {DATASETTE_VERSION} into {DATASETTE_VENV} ...", flush=True)
        subprocess.run(["python3.11", "-m", "venv", str(DATASETTE_VENV)], check=True)
        subprocess.run(
            [str(DATASETTE_VENV / "bin/pip"), "install", "-q", f"datasette=={DATASETTE_VERSION}"], check=True
        )
    version = subprocess.run([str(exe), "--version"], capture_output=True, text=True, check=True).stdout.split()[-1]
    if version != DATASETTE_VERSION:
        raise SystemExit(f"{exe} is datasette {version}, not {DATASETTE_VERSION}")
    return exe


def start_datasette(cache: Path, logs: Path) -> Server:
    port = free_port()
    argv = [str(ensure_datasette()), "serve", str(cache / "bch.db"), "-h", "127.0.0.1", "-p", str(port)]
    argv += ["-m", str(cache / "metadata.json")]
    for name, value in DATASETTE_SETTINGS.items():
        argv += ["--setting", name, value]
    server = Server("datasette", argv, dict(os.environ), port, logs / "datasette.log")
    server.wait_ready("/bch/records/1.json")
    return server


# --------------------------------------------------------------------------------------------
# wrk
# --------------------------------------------------------------------------------------------

_UNITS = {"us": 1e-3, "ms": 1.0, "s": 1e3, "m": 60e3, "h": 3600e3}


def _ms(text: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)([a-z]+)", text).groups()  # type: ignore[union-attr]
    return float(number) * _UNITS[unit]


@dataclass
class Run:
    requests: int
    seconds: float
    rps: float
    p50: float
    p99: float
    errors: int  # non-2xx/3xx responses + socket errors (timeouts included)
    cpu_ms: float  # server CPU per request
    other_cores: float  # CPU used meanwhile by anything but the server and wrk (other people's work), in cores
    raw: str = field(repr=False, default="")


#: the machine counts as quiet when everything but the server under test uses less than this (cores)
QUIET_CORES = 0.15
#: ... and a run's figures are flagged when others used more than this during the run
NOISY_CORES = 0.25


def machine_busy() -> float:
    """Busy CPU seconds of the whole machine since boot (/proc/stat)."""
    with open("/proc/stat") as handle:
        values = [int(v) for v in handle.readline().split()[1:]]
    user, nice, system, _idle, _iowait, irq, softirq, steal = values[:8]
    return (user + nice + system + irq + softirq + steal) / CLK_TCK


def settle(server: Server, limit: float = 120.0) -> None:
    """Wait until the server is idle (requests a previous run left queued must not delay the next
    run) and nothing else on the machine is busy (the tree is shared: other people run tests)."""
    started = time.monotonic()
    while time.monotonic() - started < limit:
        machine, own, t = machine_busy(), server.cpu_seconds(), time.monotonic()
        time.sleep(0.5)
        own = server.cpu_seconds() - own
        others = (machine_busy() - machine - own) / (time.monotonic() - t)
        if own <= 0.02 and others < QUIET_CORES:
            return
    print(f"  (the machine did not get quiet within {limit:.0f} s: going on, the run is flagged if disturbed)")


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def wrk(server: Server, paths: list[str], connections: int, duration: float, work: Path) -> Run:
    """One wrk run (random path per request, fixed seed), with the server's CPU time from /proc."""
    settle(server)
    paths_file = work / "paths.txt"
    paths_file.write_text("\n".join(paths) + "\n")
    script = work / "paths.lua"
    script.write_text(LUA)
    threads = 1 if connections == 1 else 2
    argv = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{max(1, round(duration))}s", "--latency", "--timeout", "30s"]
    argv += ["-s", str(script), server.base + "/"]
    cpu_before, machine_before, children_before = server.cpu_seconds(), machine_busy(), _children_cpu()
    out = subprocess.run(
        argv,
        env={**os.environ, "BENCH_PATHS": str(paths_file)},
        capture_output=True,
        text=True,
        check=True,
        timeout=duration + 90,
    ).stdout
    cpu = server.cpu_seconds() - cpu_before
    others = machine_busy() - machine_before - cpu - (_children_cpu() - children_before)
    done = re.search(r"(\d+) requests in ([\d.]+\w+)", out)
    dist = dict(re.findall(r"^\s+(50|99)%\s+(\S+)", out, re.M))
    if not done or not dist:
        raise SystemExit(f"cannot read wrk's output:\n{out}")
    requests = int(done.group(1))
    errors = 0
    if m := re.search(r"Non-2xx or 3xx responses: (\d+)", out):
        errors += int(m.group(1))
    if m := re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out):
        errors += sum(int(g) for g in m.groups())
    return Run(
        requests=requests,
        seconds=_ms(done.group(2)) / 1e3,
        rps=float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),  # type: ignore[union-attr]
        p50=_ms(dist["50"]),
        p99=_ms(dist["99"]),
        errors=errors,
        cpu_ms=cpu * 1e3 / requests if requests else float("nan"),
        other_cores=max(0.0, others) / max(duration, 1),
        raw=out,
    )


# --------------------------------------------------------------------------------------------
# export: stream a CSV, sampling the server's RSS
# --------------------------------------------------------------------------------------------


@dataclass
class Export:
    seconds: float
    first_byte: float
    bytes: int
    rows: int
    status: int
    peak_rss_mb: float  # largest single server process
    peak_total_mb: float  # all server processes together
    peak_anon_mb: float  # largest single process, without file-backed pages (mapped database, code)
    base_rss_mb: float
    cpu_s: float
    other_cores: float


def _rss(pid: int) -> int:
    try:
        return int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * PAGE_SIZE
    except (OSError, IndexError, ValueError):
        return 0


def _anon(pid: int) -> int:
    """Resident memory that is not a file's pages (statm resident - shared): the process's own heap.

    SQLite maps the database file (mmap_size): the pages an export reads count in RSS, shared between
    the workers and reclaimable by the kernel, so RSS grows with the rows read while the heap stays flat."""
    try:
        fields = Path(f"/proc/{pid}/statm").read_text().split()
        return (int(fields[1]) - int(fields[2])) * PAGE_SIZE
    except (OSError, IndexError, ValueError):
        return 0


def stream_export(server: Server, path: str, work: Path, limit: float = 900.0) -> Export:
    import httpx

    pids = server.pids()
    base = sum(_rss(p) for p in pids)
    peak_one, peak_total, peak_anon = 0, 0, 0
    stop = threading.Event()

    def sample() -> None:
        nonlocal peak_one, peak_total, peak_anon
        while not stop.is_set():
            sizes = [_rss(p) for p in pids]
            peak_one, peak_total = max(peak_one, *sizes), max(peak_total, sum(sizes))
            peak_anon = max(peak_anon, *(_anon(p) for p in pids))
            stop.wait(0.01)

    sampler = threading.Thread(target=sample, daemon=True)
    target = work / "export.csv"
    settle(server)
    cpu_before, machine_before = server.cpu_seconds(), machine_busy()
    sampler.start()
    size, first = 0, 0.0
    process_before = time.process_time()
    started = time.perf_counter()
    try:
        with (
            httpx.stream(
                "GET",
                server.base + path,
                headers={"Accept-Encoding": "identity"},
                timeout=httpx.Timeout(limit, connect=10),
            ) as response,
            target.open("wb") as out,
        ):
            status = response.status_code
            for chunk in response.iter_raw(1 << 16):
                if not size:
                    first = time.perf_counter() - started
                size += len(chunk)
                out.write(chunk)
                if time.perf_counter() - started > limit:
                    raise SystemExit(f"export took more than {limit:.0f} s")
    finally:
        seconds = time.perf_counter() - started
        stop.set()
        sampler.join()
    cpu = server.cpu_seconds() - cpu_before
    others = max(0.0, machine_busy() - machine_before - cpu - (time.process_time() - process_before)) / seconds
    rows = -1
    if status == 200:
        csv.field_size_limit(1 << 30)
        with target.open(newline="", encoding="utf-8") as handle:
            rows = sum(1 for _ in csv.reader(handle)) - 1  # minus the header
    target.unlink(missing_ok=True)
    mb = 1024 * 1024
    return Export(
        seconds, first, size, rows, status, peak_one / mb, peak_total / mb, peak_anon / mb, base / mb, cpu, others
    )


# --------------------------------------------------------------------------------------------
# the runs
# --------------------------------------------------------------------------------------------

CONCURRENCY = (1, 16)
QUERY_ROLES = ("common", "rare", "uid", "oecd")
OUR_FACETS = ("type", "country")  # Datasette's record_type and country
DS_FACETS = ("record_type", "country")


def q(value: str) -> str:
    return urllib.parse.quote(value, safe="")


def datasette_search_path(text: str) -> str:
    facets = "".join(f"&_facet={f}" for f in DS_FACETS)
    return f"/bch/records.json?_search={q(text)}&_size=20&_nosuggest=1{facets}"


def our_search_path(text: str) -> str:
    facets = "".join(f"&facet={f}" for f in OUR_FACETS)
    return f"/api/v1/search?q={q(text)}&limit=20{facets}"


def check_datasette_page(server: Server, path: str) -> int:
    """The page has rows, an exact count and both facets (none timed out); returns the count."""
    import httpx

    response = httpx.get(server.base + path, timeout=120)
    data = response.json()
    problems = []
    if response.status_code != 200:
        problems.append(f"status {response.status_code}")
    if data.get("filtered_table_rows_count") is None:
        problems.append("no count")
    if data.get("facets_timed_out"):
        problems.append(f"facets timed out: {data['facets_timed_out']}")
    if set(data.get("facet_results", {})) != set(DS_FACETS):
        problems.append(f"facets {sorted(data.get('facet_results', {}))}")
    if problems:
        raise SystemExit(f"datasette {path}: {'; '.join(problems)}")
    return int(data["filtered_table_rows_count"])


def _find(data: Any, names: tuple[str, ...]) -> Any:
    for name in names:
        if isinstance(data, dict) and name in data:
            return data[name]
    return None


def check_our_page(server: Server, path: str) -> int:
    """The page answers 200 with results, a count and both facets; returns the count."""
    import httpx

    response = httpx.get(server.base + path, timeout=120)
    if response.status_code != 200:
        raise SystemExit(f"openbch {path}: status {response.status_code}: {response.text[:500]}")
    data = response.json()
    count = _find(data, ("count", "total", "hits"))
    if isinstance(count, dict):
        count = _find(count, ("value", "count", "total"))
    facets = _find(data, ("facets",))
    names = set(facets) if isinstance(facets, dict) else {_find(f, ("name", "facet")) for f in facets or []}
    if not isinstance(count, int) or not set(OUR_FACETS) <= names:
        raise SystemExit(f"openbch {path}: no count or facets {sorted(map(str, names))} in {response.text[:500]}")
    return count


def warm(server: Server, paths: list[str], work: Path, seconds: float = 2.0) -> None:
    wrk(server, paths, 4, seconds, work)


@dataclass
class Side:
    name: str
    rows: dict[int, Run] = field(default_factory=dict)
    search: dict[tuple[str, int], Run] = field(default_factory=dict)
    hits: dict[str, int] = field(default_factory=dict)
    #: label (record type, or "all") -> one streamed export request
    exports: dict[str, Export] = field(default_factory=dict)
    export_paths: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def measure(
    server: Server,
    side: Side,
    row_paths: list[str],
    search_paths: dict[str, str] | None,
    export_paths: dict[str, str],
    duration: float,
    work: Path,
) -> None:
    print(f"{side.name}: warming up", flush=True)
    if row_paths:
        warm(server, row_paths, work, 3.0)
    for path in (search_paths or {}).values():
        warm(server, [path], work)
    for c in CONCURRENCY if row_paths else ():
        side.rows[c] = run = wrk(server, row_paths, c, duration, work)
        print(f"  {side.name} record c={c}: {run.rps:.1f} req/s p50 {run.p50:.2f} ms p99 {run.p99:.2f} ms", flush=True)
    for role, path in (search_paths or {}).items():
        for c in CONCURRENCY:
            side.search[role, c] = run = wrk(server, [path], c, duration, work)
            print(
                f"  {side.name} search {role} c={c}: {run.rps:.1f} req/s p50 {run.p50:.2f} ms p99 {run.p99:.2f} ms",
                flush=True,
            )
    side.export_paths = export_paths
    for label, path in export_paths.items():
        side.exports[label] = export = stream_export(server, path, work)
        print(
            f"  {side.name} export {label}: {export.seconds:.1f} s, {export.bytes / 1e6:.0f} MB, {export.rows} rows",
            flush=True,
        )


# --------------------------------------------------------------------------------------------
# report
# --------------------------------------------------------------------------------------------


def _cell(run: Run | None) -> str:
    if run is None:
        return f"{'not measured':^36}"
    flag = "*" if run.errors else "!" if run.other_cores > NOISY_CORES else " "
    return f"{run.rps:8.1f}{flag} {run.p50:8.2f} {run.p99:8.2f} {run.cpu_ms:8.2f}  "


def _ratio(a: Run | None, b: Run | None) -> str:
    return f"{a.rps / b.rps:6.1f}x" if a and b and b.rps else "    n/a"


def _wrk_lines(label: str, run: Run) -> str:
    dist = " ".join(f"{p}% {v}" for p, v in re.findall(r"^\s+(\d+)%\s+(\S+)", run.raw, re.M))
    head = re.search(r"(\d+ requests in \S+), (\S+ read)", run.raw)
    extra = [line.strip() for line in run.raw.splitlines() if "Non-2xx" in line or "Socket errors" in line]
    line = f"  {label:<28} {dist}; {head.group(1) if head else ''}; others {run.other_cores:.2f} cores"
    return line + (f"; {'; '.join(extra)}" if extra else "")


def report(
    args: argparse.Namespace,
    meta: dict[str, Any],
    queries: dict[str, dict[str, str]],
    ours: Side,
    ds: Side,
    fresh: Side,
    floor: dict[str, dict[str, dict[str, float]]] | None,
    floor_note: str,
) -> str:
    out = io.StringIO()
    w = out.write
    w(f"openbch public API vs Datasette {DATASETTE_VERSION} -- issue 3 benchmark (benchmarks/api_vs_datasette.py)\n")
    w(
        f"date: {time.strftime('%Y-%m-%d %H:%M:%S %Z')}; machine: {os.cpu_count()} cores, shared by the server under test and wrk\n"
    )
    w(
        f"data: {meta['records']} records from benchmarks/generator.py (seed {meta['seed']}), published through "
        f"publish_records in batches of {BATCH} ({meta['load_seconds']} s), `openbch index rebuild` "
        f"({meta.get('index_seconds', '?')} s, cached runs reuse it); the SAME records exported to the Datasette SQLite file "
        f"({meta['sqlite_rows']} rows, {meta['sqlite_mb']} MB, FTS5 build + optimize {meta['fts_seconds']} s)\n"
    )
    w(
        "load:  wrk 4.1.0 --latency --timeout 30s, -t1 at c=1 and -t2 at c=16, "
        f"{args.duration} s per run, one run at a time, after a warm-up (3 s records, 2 s per search page at c=4);\n"
        "       p50/p99 are wrk's latency distribution (wrk corrects for coordinated omission: one stall counts as many\n"
        "       slow samples); CPU ms/req = server processes' utime+stime (/proc) / requests; before each run the harness waits\n"
        f"       (up to 120 s) until the server is idle and other work on the machine uses < {QUIET_CORES} cores (/proc/stat)\n"
    )
    w(
        f"ours:  openbch serve, its defaults with a shared cache (gunicorn gthread: {2 * (os.cpu_count() or 1)} worker "
        "processes x 2 threads, preloaded app, frozen heap), SQLite + tantivy, rate-limit counters in Redis; "
        f"OPENBCH_RATE_LIMIT_PER_IP={RATE_LIMIT} (rate limit raised for the benchmark)\n"
        "       search pages are kept per process while nothing is published (exact: keyed on the change log's "
        "latest event);\n"
        "       the 'not kept' rows are a second server with OPENBCH_SEARCH_CACHE_MB=0: every page searched afresh\n"
    )
    settings = " ".join(f"{k}={v}" for k, v in DATASETTE_SETTINGS.items())
    w(
        f"anchor: datasette {DATASETTE_VERSION} serve bch.db -m metadata.json (fts_table records_fts, fts_pk id, "
        f"searchmode raw): 1 process (uvicorn, asyncio; default num_sql_threads 3); settings {settings}\n"
    )
    w(
        "record: ours GET /api/v1/records/{uid} (random UID) | Datasette GET /bch/records/{id}.json (random primary key; "
        "the same random records on both sides)\n"
    )
    w(
        "search: ours GET " + our_search_path("Q") + "  (top 20 by relevance + exact count + 2 facets)\n"
        "        Datasette GET " + datasette_search_path("Q") + "  (20 rows ordered by id + exact count + 2 facets)\n"
    )
    for role in QUERY_ROLES:
        w(
            f"        {role:<6} ours q={queries[role]['ours']!r} ({ours.hits.get(role, '?')} hits)  |  "
            f"Datasette _search={queries[role]['datasette']!r} ({ds.hits.get(role, '?')} hits)\n"
        )
    w("\n")
    head = f"{'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'CPU ms':>8}  "
    w(f"{'workload':<22} {'c':>3} | {'openbch API':^36} | {'Datasette ' + DATASETTE_VERSION:^36} | ours/DS\n")
    w(f"{'':<22} {'':>3} | {head}| {head}|  req/s\n")
    w("-" * 115 + "\n")
    for c in CONCURRENCY:
        a, b = ours.rows.get(c), ds.rows.get(c)
        w(f"{'record by UID / by key':<22} {c:>3} | {_cell(a)}| {_cell(b)}| {_ratio(a, b)}\n")
    for role in QUERY_ROLES:
        for c in CONCURRENCY:
            a, b = ours.search.get((role, c)), ds.search.get((role, c))
            w(f"{'search page: ' + role:<22} {c:>3} | {_cell(a)}| {_cell(b)}| {_ratio(a, b)}\n")
    for role in QUERY_ROLES:
        for c in CONCURRENCY:
            a, b = fresh.search.get((role, c)), ds.search.get((role, c))
            if a:
                w(f"{role + ', not kept':<22} {c:>3} | {_cell(a)}| {_cell(b)}| {_ratio(a, b)}\n")
    w(
        "(* = some responses were errors or timeouts; ! = other work on the machine used more than "
        f"{NOISY_CORES} cores during the run; see the wrk lines below)\n"
    )
    for side in (ours, ds, fresh):
        for note in side.notes:
            w(f"note ({side.name}): {note}\n")

    w("\nfloor: the same search pages straight against tantivy in process (one thread, no HTTP)\n")
    w(f"       {floor_note}\n")
    if floor:
        w(
            f"{'query':<8} {'hits':>8} | {'tantivy p50':>11} {'p99':>7} | {'service p50':>11} {'p99':>7} | "
            f"{'API p50 c=1':>11} {'API/tantivy':>11} | {'not kept p50':>12} {'/tantivy':>9} {'/service':>9}\n"
        )
        for role in QUERY_ROLES:
            f, sv = floor.get(role, {}).get("tantivy"), floor.get(role, {}).get("service")
            if not f:
                continue
            api, cold = ours.search.get((role, 1)), fresh.search.get((role, 1))
            w(
                f"{role:<8} {int(f['hits']):>8} | {f['p50']:11.3f} {f['p99']:7.3f} | "
                + (f"{sv['p50']:11.3f} {sv['p99']:7.3f} | " if sv else f"{'n/a':>11} {'':>7} | ")
                + (
                    f"{api.p50:11.2f} {api.p50 / f['p50']:10.1f}x | "
                    if api and f["p50"]
                    else f"{'n/a':>11} {'':>11} | "
                )
                + (f"{cold.p50:12.2f} {cold.p50 / f['p50']:8.1f}x " if cold and f["p50"] else f"{'n/a':>12} {'':>9} ")
                + (f"{cold.p50 / sv['p50']:8.1f}x" if cold and sv and sv["p50"] else f"{'n/a':>9}")
                + "\n"
            )
        w(
            "(milliseconds; API/tantivy = our API's median over the floor's median, as asked in issue 3: with pages kept\n"
            " a repeated page costs no search, so it can be below the floor; 'not kept' = every page searched afresh)\n"
        )

    w(
        "\nfull CSV export (streamed, saved to a file by the client; server RSS sampled every 10 ms from /proc).\n"
        "Ours: 'all' = every record in one request, with the columns every record has (uid, owner, revision, type,\n"
        "title, date), as Datasette's one table; then one request per type, each with that type's own columns.\n"
    )
    w(
        f"{'':<16} {'seconds':>8} {'1st byte s':>10} {'MB recv':>8} {'rows':>8} {'peak RSS MB':>12} "
        f"{'heap MB':>8} {'all procs MB':>13} {'before MB':>10} {'server CPU s':>13}  request\n"
    )
    for side in (ours, ds):
        if not side.exports:
            w(f"{side.name:<16} not measured\n")
            continue
        for label, e in side.exports.items():
            w(
                f"{side.name + ' ' + label:<16} {e.seconds:8.1f} {e.first_byte:10.2f} {e.bytes / 1e6:8.1f} {e.rows:>8} "
                f"{e.peak_rss_mb:12.0f} {e.peak_anon_mb:8.0f} {e.peak_total_mb:13.0f} {e.base_rss_mb:10.0f} {e.cpu_s:13.1f}  "
                f"{side.export_paths[label]}"
                + (f"  (HTTP {e.status})" if e.status != 200 else "")
                + (f"  (! others used {e.other_cores:.2f} cores)" if e.other_cores > NOISY_CORES else "")
                + "\n"
            )
        if len(side.exports) > 1:
            all_ = [e for label, e in side.exports.items() if label != "all"]
            w(
                f"{side.name + ' types':<16} {sum(e.seconds for e in all_):8.1f} {'':>10} "
                f"{sum(e.bytes for e in all_) / 1e6:8.1f} {sum(e.rows for e in all_):>8} "
                f"{max(e.peak_rss_mb for e in all_):12.0f} {max(e.peak_anon_mb for e in all_):8.0f} "
                f"{max(e.peak_total_mb for e in all_):13.0f} {'':>10} "
                f"{sum(e.cpu_s for e in all_):13.1f}  (the per-type requests: sum of seconds, bytes, rows, CPU; max of RSS)\n"
            )
    w(
        "(peak RSS MB = the largest single server process; heap MB = the same without file-backed pages, i.e. without\n"
        " the database file SQLite maps (shared by the workers, reclaimable); all procs = the sum over the server's processes)\n"
    )

    w("\ntargets\n")
    for c in CONCURRENCY:
        a, b = ours.rows.get(c), ds.rows.get(c)
        if a and b:
            verdict = "met" if a.rps >= 2 * b.rps else "NOT met"
            w(f"  record by UID >= 2x Datasette's row-by-key rate, c={c}: {a.rps / b.rps:.1f}x -> {verdict}\n")
    for label, side in (("", ours), (" (not kept)", fresh)):
        for role in QUERY_ROLES:
            a, b = side.search.get((role, 16)), ds.search.get((role, 16))
            if not a:
                continue
            met = "met" if a.p99 < 50 and not a.errors else "NOT met"
            w(f"  search {role}{label}: p99 at c=16 {a.p99:.1f} ms (< 50 ms: {met})")
            for c in CONCURRENCY:
                a, b = side.search.get((role, c)), ds.search.get((role, c))
                if a and b:
                    w(
                        f"; c={c} rate {a.rps / b.rps:.1f}x Datasette's (>= 10x: {'met' if a.rps >= 10 * b.rps else 'NOT met'})"
                    )
            w("\n")
    w("\nwrk latency distributions (as reported by wrk)\n")
    for side in (ours, ds, fresh):
        for c, run in side.rows.items():
            w(_wrk_lines(f"{side.name} record c={c}", run) + "\n")
        for (role, c), run in side.search.items():
            w(_wrk_lines(f"{side.name} search {role} c={c}", run) + "\n")
    return out.getvalue()


DS_EXPORT_PATH = "/bch/records.csv?_stream=on&_size=max"


def our_export_paths(cache: Path) -> dict[str, str]:
    """The whole export in one request, then one CSV export per record type present."""
    db = sqlite3.connect(f"file:{cache / 'bch.db'}?mode=ro", uri=True)
    types = [t for (t,) in db.execute("SELECT DISTINCT record_type FROM records ORDER BY record_type")]
    db.close()
    # first every record in one request (the columns every record has, as Datasette's one table),
    # then one request per type with that type's own columns
    return {"all": "/api/v1/export?format=csv", **{t: f"/api/v1/export?type={t}&format=csv" for t in types}}


# --------------------------------------------------------------------------------------------
# the floor: tantivy in process
# --------------------------------------------------------------------------------------------


FLOOR_SCRIPT = ROOT / "benchmarks/search_floor.py"
FLOOR_LABELS = {"common word": "common", "rare word": "rare", "uid": "uid"}


def measure_floor(
    cache: Path, queries: dict[str, dict[str, str]]
) -> tuple[dict[str, dict[str, dict[str, float]]] | None, str]:
    """The floor from benchmarks/search_floor.py (the search work's own script), on the same data
    folder and the same query texts: {role: {"tantivy": {p50, p99, hits}, "service": {...}}}.

    The script takes a common word, a rare word and one identifier per run, so it runs once per
    identifier; it times the tantivy work of a page (the API's query, top 20, exact count, the type
    and country facets) and the same page through the search service in process (no HTTP)."""
    if not FLOOR_SCRIPT.exists():
        return None, f"{FLOOR_SCRIPT.relative_to(ROOT)} is not there: floor not measured"
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "openbch.settings"}
    env.pop("OPENBCH_DATABASE_URL", None)
    floor: dict[str, dict[str, dict[str, float]]] = {}
    for identifier_role in ("uid", "oecd"):
        argv = [sys.executable, str(FLOOR_SCRIPT), "--data-dir", str(cache / "data"), "--json"]
        argv += ["--common", queries["common"]["ours"], "--rare", queries["rare"]["ours"]]
        argv += ["--uid", queries[identifier_role]["ours"]]
        out = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=900)
        if out.returncode != 0:
            return None, f"search_floor.py failed: {out.stderr.strip().splitlines()[-1:]}"
        data = json.loads(out.stdout)
        for row in data["results"]:
            role = FLOOR_LABELS.get(row["query"], row["query"])
            role = identifier_role if role == "uid" else role
            floor.setdefault(role, {})[row["layer"]] = {k: float(row[k]) for k in ("p50", "p99", "hits")}
    note = (
        f"benchmarks/search_floor.py --json ({data.get('iterations')} iterations per query after a warm-up, "
        f"{data.get('tantivy')}, {data.get('documents')} documents); 'tantivy' = the page's tantivy work, "
        "'service' = the search service in process (no HTTP)"
    )
    return floor, note


# --------------------------------------------------------------------------------------------


def run_benchmark(args: argparse.Namespace) -> str:
    import httpx

    cache = (Path(args.keep) if args.keep else CACHE_ROOT / f"{args.records}-seed{args.seed}").resolve()
    meta = build_datasets(cache, args.records, args.seed, args.reindex)
    queries = pick_queries(cache, args.common)
    uids = (cache / "uids.txt").read_text().split()
    work = Path(tempfile.mkdtemp(prefix="openbch-api-bench-run-"))
    ours, ds, fresh = Side("openbch"), Side("datasette"), Side("openbch, pages not kept")
    try:
        # the anchor first, then ours: one server at a time, so neither competes with the other
        server = start_datasette(cache, work)
        ds_search = {role: datasette_search_path(spec["datasette"]) for role, spec in queries.items()}
        for role, path in ds_search.items():
            ds.hits[role] = check_datasette_page(server, path)
        row_paths = [f"/bch/records/{i}.json" for i in range(1, len(uids) + 1)]
        measure(server, ds, row_paths, ds_search, {"all": DS_EXPORT_PATH}, args.duration, work)
        server.stop()

        server = start_ours(cache, work)
        paths = httpx.get(server.base + "/api/openapi.json", timeout=30).json()["paths"]
        our_search: dict[str, str] | None = None
        if "/api/v1/search" in paths:
            our_search = {role: our_search_path(spec["ours"]) for role, spec in queries.items()}
            for role, path in our_search.items():
                ours.hits[role] = check_our_page(server, path)
        else:
            ours.notes.append("GET /api/v1/search is not in /api/openapi.json: search not measured")
        export = our_export_paths(cache) if "/api/v1/export" in paths else {}
        if not export:
            ours.notes.append("GET /api/v1/export is not in /api/openapi.json: export not measured")
        row_paths = [f"/api/v1/records/{uid}" for uid in uids]
        check = httpx.get(server.base + row_paths[0], timeout=30)
        if check.status_code != 200:
            raise SystemExit(f"openbch {row_paths[0]}: {check.status_code} {check.text[:300]}")
        measure(server, ours, row_paths, our_search, export, args.duration, work)
        server.stop()
        if our_search:
            server = start_ours(cache, work, keep_pages=False)
            measure(server, fresh, [], our_search, {}, args.duration, work)
            server.stop()
    finally:
        stop_all()
        shutil.rmtree(work, ignore_errors=True)
    floor, note = measure_floor(cache, queries) if ours.search else (None, "not measured (no search route)")
    return report(args, meta, queries, ours, ds, fresh, floor, note)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=int, default=200_000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--duration", type=int, default=10, help="seconds per wrk run (default 10)")
    parser.add_argument(
        "--keep", metavar="DIR", help="build and keep the datasets in DIR (default: a cache under /tmp)"
    )
    parser.add_argument("--reindex", action="store_true", help="rebuild our search index even if cached")
    parser.add_argument("--common", default="resistance", help="the common word searched (default: resistance)")
    parser.add_argument("--build-only", action="store_true", help="build (or check) the cached datasets and stop")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--cache", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        build_child(args)
        return
    if args.build_only:
        cache = (Path(args.keep) if args.keep else CACHE_ROOT / f"{args.records}-seed{args.seed}").resolve()
        print(json.dumps(build_datasets(cache, args.records, args.seed, args.reindex)))
        return
    if not shutil.which("wrk"):
        raise SystemExit("wrk is needed: apt-get install -y wrk")
    if args.duration <= 0 or args.duration > 120:
        raise SystemExit("--duration is 1..120 seconds")

    def interrupted(signum: int, frame: Any) -> None:
        stop_all()
        raise SystemExit(f"stopped by signal {signum}")

    signal.signal(signal.SIGTERM, interrupted)
    try:
        print(run_benchmark(args))
    finally:
        stop_all()


if __name__ == "__main__":
    main()
