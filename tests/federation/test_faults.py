"""Bad connectivity between a national node and central, with real instances: every fault of the
fault-injecting proxy on pulls and on pushes, a seeded random mix, and kill -9 of the node at
random points of pulls and pushes. A failed synchronisation ends with a reason (exit 1, the peer's
last error), never a traceback or partial state; afterwards a clean synchronisation converges
(:func:`tests.federation.instances.assert_converged`).

The node runs on the suite's database (PostgreSQL when OPENBCH_DATABASE_URL is set), as central does.
"""

from __future__ import annotations

import json
import os
import random
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.federation.faultproxy import BREAKING, Fault, FaultProxy, Plan
from tests.federation.instances import (
    Agent,
    Instance,
    assert_converged,
    canadian_authority,
    colombian_authority,
    exchange_keys,
    fresh_postgres_database,
    genetic_element,
    load,
    make_node,
    openbch,
    peer,
    pending_pushes,
    query,
    revisions,
    spawn,
    status,
    sync_clean,
)

PULL = "GET /api/v1/changes"
PUSH = "POST /api/v1/federation/changes"


@pytest.fixture
def node_agent(node: Instance) -> Iterator[Agent]:
    with Agent(node) as agent:
        yield agent


@pytest.fixture
def node(tmp_path: Path, shared_central: Instance, proxied: FaultProxy, node_number: int) -> Instance:
    """A node that reaches central through the proxy, on the suite's database."""
    return make_node(
        tmp_path,
        shared_central,
        central_url=proxied.url,
        database_url=fresh_postgres_database(f"node{node_number}"),
        instance_id=f"node-co-{node_number}",
    )


def _sync(node: Instance, what: str, *args: str) -> bool:
    """``openbch sync pull|push`` on the node; True if it succeeded. A failure must be a reason, not a
    crash: exit 1, a one-line message, the reason kept as the peer's last error."""
    result = openbch(node.env, "sync", what, *args, check=False)
    output = result.stdout + result.stderr
    assert "Traceback" not in output, output
    if result.returncode == 0:
        # (a push with nothing to send leaves an earlier pull's failure on record: it is not resolved)
        if what == "pull" or json.loads(result.stdout)["pages"]:
            assert peer(node)["last_error"] == ""
        return True
    assert result.returncode == 1, output
    assert f"{what} failed" in output or "refused" in output, output
    reason = status(node)["last_error"]
    assert reason and ":" in reason, f"no reason kept for the failure: {output}"
    return False


def _central_publishes(central: Agent, tag: str, count: int = 2) -> None:
    lines = [genetic_element(f"{tag}-{n}", f"Element {tag} {n}") for n in range(count)]
    load(central, [*lines, canadian_authority(tag, f"CA{tag}")])


FAULTS = [f for f in Fault if f is not Fault.NONE]


def test_every_fault_during_pulls_is_reported_and_a_clean_sync_converges(
    shared_central: Instance,
    central_agent: Agent,
    proxied: FaultProxy,
    node: Instance,
    node_agent: Agent,
    node_number: int,
) -> None:
    for fault in FAULTS:
        # the fault hits the second page of the pull (the first is committed before)
        _central_publishes(central_agent, f"pull{node_number}-{fault}")
        proxied.plan(Plan(Fault.NONE, PULL), Plan(fault, PULL, nbytes=300, seconds=0.5))
        before, hits = peer(node)["last_seq"], len(proxied.hits())
        succeeded = _sync(node, "pull", "--limit", "1" if before else "300")
        assert [f for f, _line in proxied.hits()[hits:]] == [fault]
        assert succeeded is (fault not in BREAKING), fault
        if not succeeded:  # what was committed before the fault stays; the rest comes with the next pull
            assert before < peer(node)["last_seq"] < peer(node)["head_seq"], fault
            assert node_agent("pull", limit=1000)["ok"]
    proxied.clear()
    sync_clean(node)
    assert_converged(shared_central, node)


def test_every_fault_during_pushes_is_reported_and_nothing_is_lost_or_doubled(
    shared_central: Instance, proxied: FaultProxy, node: Instance, node_agent: Agent, node_number: int
) -> None:
    openbch(node.env, "sync", "pull")
    for round_, fault in enumerate(FAULTS):
        tag = f"push{node_number}-{round_}"
        lines = [colombian_authority(f"{tag}-{n}", f"A{n}") for n in range(3)]
        if round_:  # and a new revision of one of the previous round's
            lines.append(colombian_authority(f"push{node_number}-{round_ - 1}-0", f"B{round_}"))
        load(node_agent, lines)
        # the second page of three or four: one page reached central, one is hit, the rest is left
        proxied.plan(Plan(Fault.NONE, PUSH), Plan(fault, PUSH, nbytes=5, seconds=0.5))
        hits = len(proxied.hits())
        succeeded = _sync(node, "push", "--limit", "1")
        assert [f for f, _line in proxied.hits()[hits:]] == [fault], (proxied.log[-6:], status(node))
        assert succeeded is (fault not in BREAKING), fault
        if not succeeded:
            assert pending_pushes(node) >= 2, fault
    proxied.clear()
    sync_clean(node)
    assert_converged(shared_central, node)
    mine = _own(node)
    ours = {i: r for i, r in revisions(node, ("CO",)).items() if i in mine}
    assert sorted(len(r) for r in ours.values()) == [1] * (3 * len(FAULTS) - len(FAULTS) + 1) + [2] * (len(FAULTS) - 1)
    at_central = revisions(shared_central, ("CO",))
    assert {i: at_central[i] for i in ours} == ours


def _own(node: Instance) -> set[str]:
    return {
        row[0] for row in query(node, f"SELECT identifier FROM records_record WHERE instance = '{node.instance_id}'")
    }


def test_a_random_mix_of_faults_then_a_clean_sync_converges(
    shared_central: Instance,
    central_agent: Agent,
    proxied: FaultProxy,
    node: Instance,
    node_agent: Agent,
    node_number: int,
) -> None:
    seed = int(os.environ.get("OPENBCH_FAULT_SEED", random.randrange(1 << 30)))
    print(f"fault mix seed: {seed} (OPENBCH_FAULT_SEED={seed} repeats it)")
    rng = random.Random(seed)
    openbch(node.env, "sync", "pull")  # first: it adopts earlier nodes' Colombian records (conftest)
    proxied.mix(seed, rate=0.5, faults=tuple(FAULTS))
    proxied.plan(Plan(rng.choice(BREAKING)))  # at least one fault hits, whatever the draws
    failures = 0
    for step in range(8):
        if rng.random() < 0.5:
            load(node_agent, [colombian_authority(f"mix{node_number}-{rng.randrange(4)}", f"M{step}")])
        else:
            _central_publishes(central_agent, f"mix{node_number}-{step}", count=1)
        failures += not _sync(node, "pull", "--limit", str(rng.choice((50, 300))))
        failures += not _sync(node, "push", "--limit", str(rng.choice((1, 3))))
    print(f"{len(proxied.hits())} faults hit, {failures} synchronisations failed: {proxied.hits()}")
    assert proxied.hits(), "no fault hit: the test proved nothing"
    proxied.clear()
    sync_clean(node)
    assert_converged(shared_central, node)


def _kill_when_busy(node: Instance, args: list[str], cursor: str, rng: random.Random) -> None:
    """Start ``openbch sync ...`` and kill -9 it at a random moment after it committed its first page."""
    before = peer(node)[cursor]
    process = spawn(node.env, *args)
    deadline = time.monotonic() + 60
    while process.poll() is None and peer(node)[cursor] == before and time.monotonic() < deadline:
        time.sleep(0.02)
    time.sleep(rng.uniform(0.0, 0.4))
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=30)
    process.result()  # (its output files are removed)


def _seed() -> int:
    seed = int(os.environ.get("OPENBCH_KILL_SEED", random.randrange(1 << 30)))
    print(f"kill seed: {seed} (OPENBCH_KILL_SEED={seed} repeats it)")
    return seed


def test_kill_9_during_pull_13_times_loses_nothing(shared_central: Instance, node: Instance) -> None:
    rng = random.Random(_seed())
    interrupted = 0
    for _ in range(13):
        _kill_when_busy(node, ["sync", "pull", "--limit", "5"], "last_seq", rng)
        state = peer(node)
        interrupted += 0 < state["last_seq"] < state["head_seq"]
    print(f"{interrupted} of 13 kills landed during a pull")
    assert interrupted >= 10, "the kills did not land during pulls: the test proved little"
    sync_clean(node)
    assert_converged(shared_central, node)


def test_kill_9_during_push_12_times_loses_nothing_and_doubles_nothing(
    shared_central: Instance, node: Instance, node_agent: Agent, node_number: int
) -> None:
    openbch(node.env, "sync", "pull")
    many = [colombian_authority(f"kill{node_number}-{n}", f"K{n}") for n in range(80)]
    load(node_agent, many)
    rng = random.Random(_seed())
    interrupted = 0
    for round_ in range(12):
        if round_ % 4 == 3:  # new revisions too, pushed after the kills
            load(node_agent, [colombian_authority(f"kill{node_number}-{round_}", f"R{round_}")])
        _kill_when_busy(node, ["sync", "push", "--limit", "2"], "pushed_seq", rng)
        interrupted += pending_pushes(node) > 0
    print(f"{interrupted} of 12 kills landed during a push")
    assert interrupted >= 9, "the kills did not land during pushes: the test proved little"
    sync_clean(node)
    assert_converged(shared_central, node)
    ours = revisions(node, ("CO",))
    at_central = revisions(shared_central, ("CO",))
    mine = _own(node)
    assert len(mine) == 80 and {i: at_central[i] for i in mine} == {i: ours[i] for i in mine}


def _written(node: Instance) -> tuple[object, ...]:
    counts = query(
        node,
        "SELECT (SELECT count(*) FROM records_record), (SELECT count(*) FROM records_revision), "
        "(SELECT count(*) FROM records_changeevent), (SELECT count(*) FROM records_auditentry)",
    )[0]
    return (*counts, peer(node)["last_seq"])


def _refused(node: Instance, agent: Agent, bundle: Path, code: str) -> None:
    before = _written(node)
    answer = agent("import", path=str(bundle))
    assert not answer["ok"] and answer["codes"] == [code], answer
    assert _written(node) == before, f"a refused bundle ({code}) wrote something"


def test_a_node_refuses_bad_bundles_from_central_by_name_and_writes_nothing(
    shared_central: Instance,
    central_agent: Agent,
    node: Instance,
    node_agent: Agent,
    node_number: int,
    tmp_path: Path,
) -> None:
    """The node's side (central's side: test_bundles): a flipped byte, an older and a replayed bundle,
    one that starts after what the node holds, and one signed with a key the node was never given."""
    exchange_keys(shared_central, node)
    older = tmp_path / "older.bundle"
    assert central_agent("export", after=0, path=str(older))["ok"]
    _central_publishes(central_agent, f"bad{node_number}", count=1)
    newer = tmp_path / "newer.bundle"
    assert central_agent("export", after=0, path=str(newer))["ok"]

    flipped = tmp_path / "flipped.bundle"
    data = bytearray(newer.read_bytes())
    data[len(data) // 2] ^= 0x01
    flipped.write_bytes(bytes(data))
    _refused(node, node_agent, flipped, "corrupt")

    openbch(node.env, "bundle", "import", str(newer))
    _refused(node, node_agent, newer, "stale_bundle")  # replayed
    _refused(node, node_agent, older, "stale_bundle")  # older than what is held

    _central_publishes(central_agent, f"bad{node_number}-gap", count=1)
    held = peer(node)["last_seq"]
    gap = tmp_path / "gap.bundle"
    assert central_agent("export", after=held + 1, path=str(gap))["ok"]
    _refused(node, node_agent, gap, "gap")

    # central loses its private key and makes a new one, which no key the node trusts vouches for
    # (no rotation statement can be signed): a bundle signed with it is refused
    for lost in (shared_central.data_dir / "keys").glob("*"):
        lost.unlink()
    openbch(shared_central.env, "keys", "generate")
    unknown = tmp_path / "unknown-key.bundle"
    assert central_agent("export", after=held, path=str(unknown))["ok"]
    _refused(node, node_agent, unknown, "unknown_key")
    # told, it accepts the same file
    exchange_keys(shared_central, node)
    openbch(node.env, "bundle", "import", str(unknown))
    assert peer(node)["last_seq"] > held
