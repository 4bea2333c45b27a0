"""Convergence, as a hypothesis state machine over two real instances: publications at the node
(its country's national records: new ones and new revisions) and at central (reference records and
Canada's), pulls and pushes (each through the fault-injecting proxy, with a fault or none), and
signed bundles carried either way, in any order. After every step nothing is doubled; at the end of
each example a clean pull and push converge (same records, same content hashes on both sides, every
revision published exactly once, on both sides where both hold it).

Central is served (``openbch serve``); both sides' services run in long-lived processes
(:mod:`tests.federation.agent`) so that a step costs milliseconds, not an interpreter start. The
instances persist across examples: each example starts from the converged state the previous one
left, itself a state the system can reach.
"""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import ClassVar

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from tests.federation.faultproxy import BREAKING, Fault, FaultProxy, Plan
from tests.federation.instances import (
    MIRRORED,
    Agent,
    Instance,
    assert_converged,
    canadian_authority,
    colombian_authority,
    doubled_events,
    fresh_postgres_database,
    genetic_element,
    make_node,
    openbch,
    peer,
    query,
    revisions,
)

PULL = "GET /api/v1/changes"
PUSH = "POST /api/v1/federation/changes"


_numbers = itertools.count(1)


class Convergence(RuleBasedStateMachine):
    # the instances and what was published on each, kept across examples (set by the test)
    central: ClassVar[Instance]
    node: ClassVar[Instance]
    proxy: ClassVar[FaultProxy]
    at_central: ClassVar[Agent]
    at_node: ClassVar[Agent]
    folder: ClassVar[Path]
    #: load key → revisions published (each load of a key publishes a new revision: the acronym changes)
    node_keys: ClassVar[dict[str, int]]
    central_keys: ClassVar[dict[str, int]]

    # -- publications (the owner rule: each side publishes only what it owns) ----------------------

    @rule(new=st.booleans(), pick=st.integers(0, 999))
    def publish_at_node(self, new: bool, pick: int) -> None:
        keys = sorted(self.node_keys)
        name = f"conv{next(_numbers)}" if new or not keys else keys[pick % len(keys)].split("/")[-1]
        line = colombian_authority(name, f"C{next(_numbers)}")
        key = line["key"]
        answer = self.at_node("load", lines=[line])
        assert answer["ok"], answer
        self.node_keys[key] = self.node_keys.get(key, 0) + 1

    @rule(reference=st.booleans(), new=st.booleans(), pick=st.integers(0, 999))
    def publish_at_central(self, reference: bool, new: bool, pick: int) -> None:
        keys = sorted(k for k in self.central_keys if k.startswith("gene/") is reference)
        n = next(_numbers)
        key = (f"gene/test-conv{n}" if reference else f"cna/ca/conv{n}") if new or not keys else keys[pick % len(keys)]
        name = key.split("/")[-1].removeprefix("test-")
        line = genetic_element(name, f"Element {name} {n}") if reference else canadian_authority(name, f"CA{n}")
        assert line["key"] == key
        answer = self.at_central("load", lines=[line])
        assert answer["ok"], answer
        self.central_keys[key] = self.central_keys.get(key, 0) + 1

    # -- online synchronisation, through the proxy ---------------------------------------------------

    def _through_proxy(self, what: str, match: str, limit: int, fault: Fault, nbytes: int) -> None:
        seen = len(self.proxy.log)
        self.proxy.plan(Plan(fault, match, nbytes=nbytes, seconds=0.2))
        answer = self.at_node(what, limit=limit)
        self.proxy.clear()
        hit = any(f is fault for f, _line in self.proxy.log[seen:])
        if hit and fault in BREAKING:
            assert not answer["ok"], answer
            assert peer(self.node)["last_error"], "a failure without a reason"
        else:
            assert answer["ok"], answer
            # (a push with nothing to send leaves an earlier pull's failure on record: it is not resolved)
            if what == "pull" or answer["report"]["pages"]:
                assert peer(self.node)["last_error"] == ""

    @rule(limit=st.sampled_from([2, 25, 1000]), fault=st.sampled_from(Fault), nbytes=st.integers(0, 4000))
    def pull(self, limit: int, fault: Fault, nbytes: int) -> None:
        self._through_proxy("pull", PULL, limit, fault, nbytes)

    @rule(limit=st.sampled_from([1, 3, 500]), fault=st.sampled_from(Fault), nbytes=st.integers(0, 60))
    def push(self, limit: int, fault: Fault, nbytes: int) -> None:
        self._through_proxy("push", PUSH, limit, fault, nbytes)

    # -- offline: bundles --------------------------------------------------------------------------

    @rule()
    def bundle_to_node(self) -> None:
        after = peer(self.node)["last_seq"]
        path = self.folder / f"to-node-{next(_numbers)}.bundle"
        exported = self.at_central("export", after=after, path=str(path))
        assert exported["ok"], exported
        answer = self.at_node("import", path=str(path))
        if exported["report"]["last_seq"] == after:  # nothing new: the bundle is refused as stale
            assert not answer["ok"] and answer["codes"] == ["stale_bundle"], answer
        else:
            assert answer["ok"], answer

    @rule()
    def bundle_to_central(self) -> None:
        rows = query(
            self.central, f"SELECT received_seq FROM federation_trustedkey WHERE instance = '{self.node.instance_id}'"
        )
        after = int(rows[0][0])
        path = self.folder / f"to-central-{next(_numbers)}.bundle"
        exported = self.at_node("export", after=after, path=str(path))
        assert exported["ok"], exported
        answer = self.at_central("import", path=str(path))
        if exported["report"]["last_seq"] == after:
            assert not answer["ok"] and answer["codes"] == ["stale_bundle"], answer
        else:
            assert answer["ok"], answer

    # -- what holds at every step, and at the end ------------------------------------------------------

    @invariant()
    def nothing_doubled(self) -> None:
        assert doubled_events(self.central) == [] and doubled_events(self.node) == []

    def teardown(self) -> None:
        self.proxy.clear()
        for what in ("pull", "push", "pull"):
            answer = self.at_node(what, limit=1000)
            assert answer["ok"], answer
        assert_converged(self.central, self.node, verify=False)
        # every revision published, exactly once, on both sides
        for side, keys in ((self.node, self.node_keys), (self.central, self.central_keys)):
            named = ", ".join(f"'{k}'" for k in keys) or "''"
            identifiers = dict(
                query(side, f"SELECT source_key, identifier FROM records_record WHERE source_key IN ({named})")
            )
            assert set(identifiers) == set(keys)
            for holder in (self.central, self.node):
                held = revisions(holder, MIRRORED)
                assert {k: len(held[identifiers[k]]) for k in keys} == keys


def test_publications_syncs_bundles_and_faults_in_any_order_converge(
    shared_central: Instance, central_agent: Agent, proxied: FaultProxy, tmp_path: Path, node_number: int
) -> None:
    node = make_node(
        tmp_path,
        shared_central,
        central_url=proxied.url,
        database_url=fresh_postgres_database(f"node{node_number}"),
        instance_id=f"node-co-{node_number}",
        bundles=True,
    )
    with Agent(node) as at_node:
        assert at_node("pull", limit=1000)["ok"]
        Convergence.central, Convergence.node, Convergence.proxy = shared_central, node, proxied
        Convergence.at_central, Convergence.at_node, Convergence.folder = central_agent, at_node, tmp_path
        Convergence.node_keys, Convergence.central_keys = {}, {}
        run_state_machine_as_test(
            Convergence,
            settings=settings(
                max_examples=8,
                stateful_step_count=10,
                deadline=None,
                database=None,
                suppress_health_check=list(HealthCheck),
            ),
        )
    for side in (shared_central, node):
        checked = openbch(side.env, "audit", "verify", check=False)
        assert checked.returncode == 0, checked.stdout + checked.stderr
