"""Issue 12 benchmark: from a publication at a national node until central's search finds it, with
``openbch sync run --watch`` running on the node.

Usage: python benchmarks/node_incremental.py [--publications 30] [--interval 0.5]

1. Central: a data folder with the demo data, Colombia's node account (publishing role, write
   token), served by ``openbch serve`` (its defaults) on 127.0.0.1.
2. Node: ``openbch node init --country CO``, a first ``sync pull``, then ``openbch sync run --watch
   --interval S`` left running (the way a node is meant to run).
3. This process opens the node's database (Django, in process) and publishes Colombian decisions one
   by one, each with a unique word in its title; the clock starts when the publication is called
   (its commit comes before its after-commit work) and stops when ``GET /api/v1/search?q=<the word>`` at central finds it (polled every 50 ms). The
   next decision is published once the previous one was found.

Prints p50, p95 and max over the publications beside the target (under 5 s). The figure includes the
watch loop's interval (the pause between rounds: on average half of it is waited), the pull the
round starts with, the push and central's search index catching up from its change log. The machine
has 2 cores: run nothing else meanwhile, or say so beside the figures.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.api_vs_datasette import free_port  # noqa: E402
from benchmarks.node_pull import node_env, wait_until_serving  # noqa: E402

OPENBCH = Path(sys.executable).with_name("openbch")
DEMO = ROOT / "src" / "openbch" / "demo" / "data"
TARGET = 5.0


def _openbch(env: dict[str, str], *args: str, stdin: str | None = None) -> str:
    return subprocess.run(
        [str(OPENBCH), *args], env=env, check=True, capture_output=True, text=True, input=stdin
    ).stdout


def _found(url: str, word: str) -> bool:
    """Whether central's search finds the decision titled with ``word`` (itself: search may be fuzzy)."""
    address = f"{url}/api/v1/search?" + urllib.parse.urlencode({"q": word})
    with urllib.request.urlopen(address, timeout=10) as answer:  # noqa: S310 - 127.0.0.1
        return word in answer.read().decode("utf-8")


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--publications", type=int, default=30)
    parser.add_argument("--interval", type=float, default=0.5, help="the watch loop's pause between rounds")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="openbch-incremental-bench-"))
    central, node = work / "central", work / "node"
    env_central, env_node = node_env(central, "central-bench"), node_env(node, "node-co")
    server = watcher = None
    try:
        _openbch(env_central, "migrate")
        files = json.loads((DEMO / "manifest.json").read_text())["files"]
        _openbch(env_central, "load", *(str(DEMO / f) for f in files))
        _openbch(env_central, "user", "create", "co-node", "--email", "node@co.example", stdin="long enough pw 1\n")
        _openbch(env_central, "user", "grant", "co-node", "national-publishing-authority", "--country", "CO")
        token = _openbch(env_central, "token", "create", "co-node", "--name", "node", "--scopes", "read,write")
        env_node["OPENBCH_CENTRAL_TOKEN"] = token.strip().splitlines()[-1]
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
        _openbch(env_node, "node", "init", "--country", "CO", "--central", url)
        _openbch(env_node, "sync", "pull")
        watcher = subprocess.Popen(
            [str(OPENBCH), "sync", "run", "--watch", "--interval", str(args.interval)],
            env=env_node,
            stdout=subprocess.DEVNULL,
            stderr=(work / "watch.log").open("wb"),
            start_new_session=True,
        )

        # this process publishes on the node, in its database
        os.environ.update(env_node)
        from openbch.cli_common import setup_django

        setup_django(node)
        from openbch.core.actors import SYSTEM
        from openbch.records.models import Record
        from openbch.records.services import RecordInput, publish_records

        authority_body = {
            "name": {"es": "Ministerio de Ambiente y Desarrollo Sostenible"},
            "acronym": "MADS",
            "country": {"identifier": "co"},
            "government": {"identifier": "co"},
            "city": {"es": "Bogotá"},
            "functions": [{"identifier": "intentional-introduction"}],
            "cpbOrganismTypes": [{"identifier": "plants"}],
            "responsibilities": {"es": "Autoridad para el movimiento transfronterizo de OVM."},
        }
        [authority] = publish_records(SYSTEM, [RecordInput("CNA", "CO", authority_body)]).records
        lmo = Record.objects.filter(type="LMO").order_by("number").first()
        assert lmo is not None, "the node holds no LMO: did the first pull run?"
        seconds: list[float] = []
        for n in range(args.publications):
            word = f"bench{uuid.uuid4().hex[:12]}"
            body = {
                "authorities": [{"identifier": authority.identifier}],
                "date": "2026-01-15",
                "decisionResult": {"identifier": "approval"},
                "decisionTypes": [{"identifier": "8.1"}, {"identifier": "8.1-domestic"}],
                "expires": False,
                "government": {"identifier": "co"},
                "isAmendment": False,
                "modifiedOrganisms": [{"identifier": lmo.identifier}],
                "title": {"es": f"Decisión de prueba {word}"},
            }
            # from the call on: its commit comes before its after-commit work (the node's own index),
            # which the watch loop does not wait for
            started = time.perf_counter()
            publish_records(SYSTEM, [RecordInput("DEC", "CO", body)])
            while not _found(url, word):
                if time.perf_counter() - started > 120:
                    raise SystemExit(f"publication {n} not found at central after 120 s; see {work / 'watch.log'}")
                time.sleep(0.05)
            seconds.append(time.perf_counter() - started)
        p50, p95 = statistics.median(seconds), _percentile(seconds, 0.95)
        print(
            f"node publication → found by search at central, {len(seconds)} decisions, "
            f"sync run --watch --interval {args.interval}:"
        )
        print(f"  p50 {p50:.2f} s, p95 {p95:.2f} s, max {max(seconds):.2f} s, min {min(seconds):.2f} s")
        print(f"  target: under {TARGET:.0f} s — {'met' if p95 < TARGET else 'NOT met'} at p95")
    finally:
        for process in (watcher, server):
            if process is not None:
                os.killpg(process.pid, signal.SIGTERM)
                process.wait(timeout=60)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
