"""Two real instances on 127.0.0.1: a central clearing-house served by ``openbch serve`` and a national
node (Colombia, mirroring Canada's records too) driven through its CLI, each with its own database
(central on PostgreSQL in the suite's PostgreSQL run, on SQLite otherwise; the node on SQLite). The
node's state is read from its own database file; central's through its public API. Faults, kill -9,
the other pairings of databases and convergence: test_faults, test_topologies, test_convergence.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from openbch.client import OpenBCHClient
from openbch.federation.numbers import BLOCK_SIZE, block_start
from tests.federation.feed_entries import feed_change
from tests.federation.instances import COLOMBIA, DEMO, OPENBCH, Instance, served_central
from tests.federation.instances import env_for as _env
from tests.federation.instances import fresh_postgres_database as _fresh_postgres_database
from tests.federation.instances import openbch as _openbch

# (test_bundles and test_scale_out import these from here)
__all__ = ["COLOMBIA", "DEMO", "OPENBCH", "_env", "_fresh_postgres_database", "_openbch"]


@pytest.fixture(scope="module")
def central(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Instance]:
    with served_central(tmp_path_factory.mktemp("central"), _fresh_postgres_database()) as instance:
        yield instance


@pytest.fixture
def node(tmp_path: Path, central: Instance) -> Instance:
    env = _env(tmp_path)
    env["OPENBCH_INSTANCE_ID"] = "node-co"
    env["OPENBCH_CENTRAL_TOKEN"] = central.token
    _openbch(env, "node", "init", "--country", "CO", "--central", central.url, "--countries", "CA")
    return Instance("", tmp_path, env)


def _node_state(node: Instance) -> dict[str, tuple[str, str, str]]:
    with sqlite3.connect(node.data_dir / "openbch.sqlite3") as db:
        rows = db.execute(
            "SELECT r.identifier, r.type, r.owner, r.number, r.revision, v.content_hash, r.state, r.instance "
            "FROM records_record r JOIN records_revision v ON v.record_id = r.id AND v.revision = r.revision"
        ).fetchall()
    assert {row[7] for row in rows if row[2] != "CO"} <= {"central-test"}, "a copy lost its origin instance"
    return {i: (f"BCH-{t}-{o}-{n}-{rev}", digest, state) for i, t, o, n, rev, digest, state, _inst in rows}


def _node_feed_seqs(node: Instance) -> list[int]:
    with sqlite3.connect(node.data_dir / "openbch.sqlite3") as db:
        return [row[0] for row in db.execute("SELECT seq FROM records_changeevent ORDER BY seq")]


def _status(node: Instance) -> dict[str, Any]:
    status: dict[str, Any] = json.loads(_openbch(node.env, "sync", "status").stdout)
    return status


def _expected(central: Instance) -> dict[str, tuple[str, str, str]]:
    found: dict[str, tuple[str, str, str]] = {}
    with OpenBCHClient(central.url) as client:
        for change in client.iter_changes(limit=2000, records=True):
            record = change["record"]
            if record["owner"] in ("SCBD", "CA", "CO"):
                found[record["identifier"]] = (record["uid"], record["content_hash"], change["kind"])
    # a withdrawal event names the revision withdrawn; the record's state is then withdrawn
    return {
        i: (uid, digest, "withdrawn" if kind == "withdrawn" else "published")
        for i, (uid, digest, kind) in found.items()
    }


def test_a_node_mirrors_reference_records_and_its_chosen_countries(central: Instance, node: Instance) -> None:
    report = json.loads(_openbch(node.env, "sync", "pull").stdout)
    expected = _expected(central)
    assert _node_state(node) == expected
    # reference records and Canada's; not the United States' or the EU's decisions
    assert report["published"] == len(expected) and report["skipped"] > 0
    assert {uid.split("-")[2] for uid, _d, _s in expected.values()} == {"SCBD", "CA"}
    status = _status(node)
    assert status["role"] == "node" and status["lag_seq"] == 0 and status["last_error"] is None
    # the copies are searchable on the node like its own records
    found = _openbch(
        node.env,
        "manage",
        "shell",
        "-c",
        "from openbch.search.service import search; print(search({'q': ['MON-ØØ81Ø-6']}, 'en')['total'])",
    )
    assert int(found.stdout.strip().splitlines()[-1]) >= 1


def test_an_interrupted_pull_resumes_and_a_replayed_page_changes_nothing(central: Instance, node: Instance) -> None:
    first = json.loads(_openbch(node.env, "sync", "pull", "--limit", "100", "--pages", "3").stdout)
    assert first["pages"] == 3 and _status(node)["last_seq"] == first["last_seq"] > 0
    json.loads(_openbch(node.env, "sync", "pull", "--limit", "500").stdout)
    state, seqs = _node_state(node), _node_feed_seqs(node)
    assert state == _expected(central)
    # replay everything from the start: nothing is written twice
    with sqlite3.connect(node.data_dir / "openbch.sqlite3") as db:
        db.execute("UPDATE federation_peer SET last_seq = 0")
    replay = json.loads(_openbch(node.env, "sync", "pull", "--limit", "700").stdout)
    assert replay["published"] == 0 and replay["unchanged"] == len(state)
    assert _node_state(node) == state and _node_feed_seqs(node) == seqs


def test_a_new_revision_and_a_withdrawal_at_central_reach_the_node(central: Instance, node: Instance) -> None:
    _openbch(node.env, "sync", "pull")
    change = (
        "from openbch.core.actors import SYSTEM; from openbch.records.models import Record, Revision; "
        "from openbch.records.services import RecordInput, publish_records; "
        "from openbch.records.workflow import withdraw; "
        "d = Record.objects.filter(type='DEC', owner='CA').order_by('number')[0]; "
        "body = dict(Revision.objects.get(record=d, revision=d.revision).body); "
        "body['title'] = {'en': 'Amended at central for the federation test'}; "
        "publish_records(SYSTEM, [RecordInput('DEC', 'CA', body, identifier=d.identifier)]); "
        "o = Record.objects.filter(type='ORGA').order_by('-number')[0]; "
        "withdraw(SYSTEM, identifier=o.identifier, reason='withdrawn at central'); print(d.identifier, o.identifier)"
    )
    decision, organism = _openbch(central.env, "manage", "shell", "-c", change).stdout.split()[-2:]
    report = json.loads(_openbch(node.env, "sync", "pull").stdout)
    assert (report["published"], report["withdrawn"]) == (1, 1)
    state = _node_state(node)
    assert state == _expected(central)
    assert state[decision][0].endswith("-2") and state[organism][2] == "withdrawn"


def _publish_on_node(node: Instance) -> dict[str, Any]:
    load = node.data_dir / "colombia.jsonl"
    load.write_text(json.dumps(COLOMBIA, ensure_ascii=False) + "\n", encoding="utf-8")
    _openbch(node.env, "load", str(load))
    with sqlite3.connect(node.data_dir / "openbch.sqlite3") as db:
        identifier, number, revision = db.execute(
            "SELECT identifier, number, revision FROM records_record WHERE owner = 'CO'"
        ).fetchone()
        digest = db.execute(
            "SELECT content_hash FROM records_revision v JOIN records_record r ON r.id = v.record_id "
            "WHERE r.identifier = ? AND v.revision = ?",
            (identifier, revision),
        ).fetchone()[0]
    return {"identifier": identifier, "uid": f"BCH-CNA-CO-{number}-{revision}", "hash": digest, "number": number}


def test_a_record_published_on_the_node_reaches_central_with_its_uid(central: Instance, node: Instance) -> None:
    _openbch(node.env, "sync", "pull")
    mine = _publish_on_node(node)
    # numbered in Colombia's block: never a number central (or another node) mints
    assert block_start("CO") <= mine["number"] < block_start("CO") + BLOCK_SIZE
    assert _status(node)["pending_pushes"] == 1
    report = json.loads(_openbch(node.env, "sync", "push").stdout)
    assert (report["published"], report["unchanged"]) == (1, 0)
    with OpenBCHClient(central.url) as client:
        at_central = client.get(mine["uid"])
    assert at_central["content_hash"] == mine["hash"] and at_central["identifier"] == mine["identifier"]
    assert _status(node)["pending_pushes"] == 0
    # nothing left to push; a push repeated from the start stores nothing twice
    assert json.loads(_openbch(node.env, "sync", "push").stdout)["pages"] == 0
    with sqlite3.connect(node.data_dir / "openbch.sqlite3") as db:
        db.execute("UPDATE federation_peer SET pushed_seq = 0")
    again = json.loads(_openbch(node.env, "sync", "push").stdout)
    assert (again["published"], again["unchanged"]) == (0, 1)
    # a withdrawal on the node reaches central too
    _openbch(
        node.env,
        "manage",
        "shell",
        "-c",
        "from openbch.core.actors import SYSTEM; from openbch.records.workflow import withdraw; "
        f"withdraw(SYSTEM, identifier='{mine['identifier']}', reason='superseded')",
    )
    assert json.loads(_openbch(node.env, "sync", "push").stdout)["withdrawn"] == 1
    with OpenBCHClient(central.url) as client:
        assert client.get(mine["uid"])["state"] == "withdrawn"


def _pushed_page(central: Instance, country: str, **changes: Any) -> dict[str, Any]:
    """A push of one change: a real Canadian record of central's feed, or a new Colombian authority."""
    if country == "CA":
        with OpenBCHClient(central.url) as client:
            change = next(c for c in client.iter_changes(limit=500, records=True) if c["owner"] == "CA")
    else:
        change = feed_change(
            7,
            record_type="CNA",
            owner="CO",
            number=1066000999,
            revision=1,
            identifier="6F9D1C1E-2B0A-4C8B-9D55-0C1A2B3C4D5E",
            body=COLOMBIA["body"],
            instance="node-co",
            published_at="2026-01-05T10:00:00+00:00",
            published_by="co-node",
        )
    change["record"]["instance"] = "node-co"
    for path, value in changes.items():
        target = change
        *parents, leaf = path.split(".")
        for parent in parents:
            target = target[parent]
        target[leaf] = value
    return {"changes": [change], "last_seq": change["seq"]}


@pytest.mark.parametrize(
    ("country", "changes", "status", "path"),
    [
        ("CA", {}, 403, None),  # Canada's record, pushed with Colombia's credentials
        ("CO", {"record.body": {**COLOMBIA["body"], "acronym": "FORGED"}}, 422, "changes[0]/content_hash"),
        ("CO", {"record.uid": "BCH-CNA-CO-1066000999-2", "record.revision": 2}, 422, "changes[0]/revision"),
        ("CO", {"record.instance": "central-test"}, 422, "changes[0].record.instance"),
    ],
    ids=["another country", "altered body", "revision gap", "forged origin"],
)  # fmt: skip
def test_central_refuses_a_bad_push_by_name_and_writes_nothing(
    central: Instance, country: str, changes: dict[str, Any], status: int, path: str | None
) -> None:
    from openbch.client import ApiError

    page = _pushed_page(central, country, **changes)
    with OpenBCHClient(central.url) as client:
        before = client.changes(after=0, limit=1)["last_seq"]
    with OpenBCHClient(central.url, token=central.token) as client, pytest.raises(ApiError) as refused:
        client.push_changes(page)
    assert refused.value.status == status, refused.value.problem
    if path:
        assert path in {e["path"] for e in refused.value.problem["errors"]}, refused.value.problem
    with OpenBCHClient(central.url) as client:
        assert client.changes(after=0, limit=1)["last_seq"] == before


def test_bundles_carried_both_ways_reach_the_state_online_sync_reaches(central: Instance, node: Instance) -> None:
    own = json.loads(_openbch(central.env, "keys", "generate").stdout)
    theirs = json.loads(_openbch(node.env, "keys", "generate").stdout)
    _openbch(node.env, "keys", "trust", "--instance", own["instance"], "--public-key", own["public_key"])
    _openbch(
        central.env, "keys", "trust", "--instance", "node-co", "--public-key", theirs["public_key"], "--country", "CO"
    )
    # central → node, on a USB stick
    stick = node.data_dir / "from-central.bundle"
    _openbch(central.env, "bundle", "export", "--after", "0", "--output", str(stick))
    report = json.loads(_openbch(node.env, "bundle", "import", str(stick)).stdout)
    assert report["published"] > 0 and _node_state(node) == _expected(central)
    replayed = _openbch(node.env, "bundle", "import", str(stick), check=False)
    assert replayed.returncode == 1 and "replayed or older" in replayed.stderr
    # node → central
    mine = _publish_on_node(node)
    back = node.data_dir / "to-central.bundle"
    _openbch(node.env, "bundle", "export", "--output", str(back))
    answer = json.loads(_openbch(central.env, "bundle", "import", str(back)).stdout)
    assert answer["published"] == 1
    with OpenBCHClient(central.url) as client:
        assert client.get(mine["uid"])["content_hash"] == mine["hash"]
