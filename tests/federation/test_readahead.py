"""A pull's second process (federation/readahead.py): it reads and checks central's pages ahead.

Real instances: the shared central served by ``openbch serve``, nodes set up through their CLI
whose pulls run as real processes. ``OPENBCH_SYNC_READER_FROM=1`` makes a node's pull start its
reader whenever more than one page is left (20,000 changes by default). Each test checks the end
state against central and against a pull without a reader, and the faults are real: kill -9 of
the pull alone, and of the reader alone.
"""

from __future__ import annotations

import json
import os
import pickle
import signal
import time
from pathlib import Path

import pytest

from openbch.records.copies import BodyText
from openbch.records.hashing import canonical_json
from tests.federation.instances import (
    Instance,
    assert_converged,
    fresh_postgres_database,
    latest,
    make_node,
    openbch,
    peer,
    revisions,
    spawn,
    sync_clean,
)

LIMIT = "25"


def _node(tmp_path: Path, central: Instance, number: int, *, reader: bool) -> Instance:
    node = make_node(
        tmp_path / f"node{number}",
        central,
        database_url=fresh_postgres_database(f"reader{number}"),
        instance_id=f"node-co-reader-{number}",
    )
    node.env["OPENBCH_SYNC_READER_FROM"] = "1" if reader else "0"
    return node


def _readers(pid: int) -> set[int]:
    """The reader processes of the pull ``pid``: its children that multiprocessing spawned (not its
    resource tracker), from /proc."""
    found = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
                command = (entry / "cmdline").read_bytes()
            except OSError:
                continue
            if int(fields[1]) == pid and b"spawn_main" in command:
                found.add(int(entry.name))
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def _wait_for(condition: object, what: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while not condition():  # type: ignore[operator]
        assert time.monotonic() < deadline, what
        time.sleep(0.05)


def test_a_pull_read_ahead_reaches_the_state_of_a_plain_pull(shared_central: Instance, tmp_path: Path) -> None:
    with_reader = _node(tmp_path, shared_central, 1, reader=True)
    plain = _node(tmp_path, shared_central, 2, reader=False)
    ahead = json.loads(openbch(with_reader.env, "sync", "pull", "--limit", LIMIT).stdout.splitlines()[-1])
    alone = json.loads(openbch(plain.env, "sync", "pull", "--limit", LIMIT).stdout.splitlines()[-1])
    assert ahead["pages"] > 3 and ahead["pages_read_ahead"] == ahead["pages"] - 1, ahead  # the first is its own
    assert alone["pages_read_ahead"] == 0
    for key in ("pages", "published", "withdrawn", "last_seq", "by_type"):
        assert ahead[key] == alone[key], key
    assert latest(with_reader) == latest(plain)
    assert revisions(with_reader) == revisions(plain)
    sync_clean(with_reader)
    assert_converged(shared_central, with_reader)


def test_the_reader_stops_when_the_pull_is_killed_and_the_next_pull_resumes(
    shared_central: Instance, tmp_path: Path
) -> None:
    node = _node(tmp_path, shared_central, 3, reader=True)
    process = spawn(node.env, "sync", "pull", "--limit", "1")
    _wait_for(lambda: peer(node)["last_seq"] > 0 or process.poll() is not None, "the pull committed no page")
    readers = _readers(process.pid)
    if process.poll() is not None:
        pytest.fail(f"the pull ended before it could be killed: {process.result()}")
    os.kill(process.pid, signal.SIGKILL)  # the pull alone: not its process group
    process.wait(timeout=30)
    assert readers, "the pull had started no reader"
    _wait_for(lambda: not any(_alive(pid) for pid in readers), "the reader outlived the killed pull")
    stopped_at = peer(node)["last_seq"]
    assert 0 < stopped_at < peer(node)["head_seq"]
    sync_clean(node)
    assert_converged(shared_central, node)


def test_a_killed_reader_leaves_its_pages_to_the_pull(shared_central: Instance, tmp_path: Path) -> None:
    node = _node(tmp_path, shared_central, 4, reader=True)
    process = spawn(node.env, "sync", "pull", "--limit", LIMIT)
    readers: set[int] = set()

    def reader_started() -> bool:
        readers.update(pid for pid in _readers(process.pid) if _alive(pid))
        return bool(readers) or process.poll() is not None

    _wait_for(reader_started, "the pull started no reader")
    for pid in readers:
        os.kill(pid, signal.SIGKILL)
    result = process.result()
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout.splitlines()[-1])
    assert report["pages_read_ahead"] < report["pages"] - 1, report  # the pull read the rest itself
    assert report["last_seq"] == peer(node)["head_seq"]
    sync_clean(node)
    assert_converged(shared_central, node)


def test_a_body_crosses_as_its_canonical_text_and_reads_as_the_body() -> None:
    body = {"title": {"en": "Maize", "ar": "ذرة"}, "traits": [{"identifier": "x"}], "n": 1, "f": 0.5}
    text = BodyText(canonical_json(body))
    crossed = pickle.loads(pickle.dumps(text))  # noqa: S301 - our own bytes, as between pull and reader
    assert len(pickle.dumps(text)) < len(pickle.dumps(body)) + 40
    assert dict(crossed) == body and crossed["title"] == body["title"] and len(crossed) == 4
    assert sorted(crossed) == sorted(body)
