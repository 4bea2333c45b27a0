"""Conflicts between two real instances: the same Colombian record edited at central and at the node.

Central is served by ``openbch serve`` (on PostgreSQL in the suite's PostgreSQL run), the node is a
SQLite data folder driven through its CLI (:mod:`tests.federation.instances`). Both sides detect the
conflict (central from the push, the node from central's answer or from a pull), show it with a
diff, apply the rest of the page, and converge once the owner has resolved it.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from openbch.client import OpenBCHClient
from tests.federation.instances import (
    Instance,
    canadian_authority,
    colombian_authority,
    fresh_postgres_database,
    latest,
    make_node,
    openbch,
    publish_lines,
    query,
    revisions,
    served_central,
    status,
)


@pytest.fixture(scope="module")
def central(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Instance]:
    database = fresh_postgres_database("conflicts")
    with served_central(tmp_path_factory.mktemp("central-conflicts"), database) as served:
        yield served


@pytest.fixture
def node(tmp_path: Path, central: Instance) -> Instance:
    made = make_node(tmp_path, central)
    openbch(made.env, "sync", "pull")
    return made


def _identifier(instance: Instance, key: str) -> str:
    """The identifier of the record loaded on ``instance`` with the load key ``key``."""
    rows = query(instance, f"SELECT identifier FROM records_record WHERE source_key = '{key}'")
    assert rows, key
    return str(rows[0][0])


def _edit_at_central(central: Instance, identifier: str, acronym: str) -> None:
    """Central's administrator publishes a new revision of the node's record (as central may)."""
    openbch(
        central.env,
        "manage",
        "shell",
        "-c",
        "from openbch.core.actors import SYSTEM; from openbch.records.models import Record, Revision; "
        "from openbch.records.services import RecordInput, publish_records; "
        f"r = Record.objects.get(identifier='{identifier}'); "
        "body = dict(Revision.objects.get(record=r, revision=r.revision).body); "
        f"body['acronym'] = '{acronym}'; "
        "publish_records(SYSTEM, [RecordInput(r.type, r.owner, body, identifier=r.identifier)])",
    )


def _edit_at_node(node: Instance, key: str, acronym: str) -> None:
    line = colombian_authority(key, acronym)
    publish_lines(node, [line])


def _conflicts_at_central(central: Instance) -> dict[str, Any]:
    with OpenBCHClient(central.url, token=central.token) as client:
        return client.conflicts()


def _audit_actions(instance: Instance) -> list[str]:
    return [row[0] for row in query(instance, "SELECT action FROM records_auditentry ORDER BY seq")]


def test_an_edit_at_both_sides_is_surfaced_with_a_diff_and_resolved_by_the_owner(
    central: Instance, node: Instance
) -> None:
    # two Colombian records published by the node and pushed: both sides hold revision 1
    publish_lines(node, [colombian_authority("alpha", "ALPHA"), colombian_authority("beta", "BETA")])
    openbch(node.env, "sync", "push")
    alpha, beta = _identifier(node, "cna/co/alpha"), _identifier(node, "cna/co/beta")

    # 1. alpha edited at both sides; the node pushes first, with an unrelated new record in the page
    _edit_at_central(central, alpha, "ALPHA-CENTRAL")
    _edit_at_node(node, "alpha", "ALPHA-NODE")
    publish_lines(node, [colombian_authority("gamma", "GAMMA")])
    pushed = json.loads(openbch(node.env, "sync", "push").stdout)
    assert (pushed["conflicts"], pushed["published"]) == (1, 1)  # alpha set aside, gamma stored
    assert status(node)["pending_pushes"] == 0, "the push is not stuck behind the conflict"
    gamma = _identifier(node, "cna/co/gamma")
    assert gamma in latest(central), "an unrelated change of the same page was not applied"
    found = _conflicts_at_central(central)
    assert found["open"] == 1
    [at_central] = found["conflicts"]
    assert (at_central["identifier"], at_central["revision"]) == (alpha, 2)
    assert {"op": "replace", "path": "/acronym", "old": "ALPHA-CENTRAL", "new": "ALPHA-NODE"} in at_central["diff"]
    assert at_central["node"]["instance"] == "node-co" and at_central["central"]["instance"] == "central-test"
    here = status(node)
    assert here["open_conflicts"] == 1 and here["conflicts"][0]["identifier"] == alpha
    assert here["conflicts"][0]["diff"] == at_central["diff"]

    # 2. beta edited at both sides; this time the node pulls first, with an unrelated Canadian record
    _edit_at_central(central, beta, "BETA-CENTRAL")
    publish_lines(central, [canadian_authority("delta", "DELTA")])
    _edit_at_node(node, "beta", "BETA-NODE")
    openbch(node.env, "sync", "pull")
    assert _identifier(central, "cna/ca/delta") in latest(node), "an unrelated change of the pulled page was lost"
    here = status(node)
    assert here["open_conflicts"] == 2 and here["last_error"] is None
    by_id = {c["identifier"]: c for c in here["conflicts"]}
    assert {"op": "replace", "path": "/acronym", "old": "BETA-CENTRAL", "new": "BETA-NODE"} in by_id[beta]["diff"]
    assert latest(node)[beta][0].endswith("-2"), "the node's own revision was overwritten"
    assert json.loads(openbch(node.env, "sync", "push").stdout)["conflicts"] == 1
    assert _conflicts_at_central(central)["open"] == 2

    # both sides' audit logs say so
    assert _audit_actions(central).count("sync.conflict") == 2
    assert _audit_actions(node).count("sync.conflict") == 2

    # 3. the owner resolves: central's alpha, its own beta; each is published as revision 3
    central_alpha_hash = latest(central)[alpha][1]
    node_beta_hash = latest(node)[beta][1]
    kept = json.loads(openbch(node.env, "sync", "resolve", alpha, "--keep", "central").stdout)
    assert kept["revision"] == 3
    openbch(node.env, "sync", "resolve", beta, "--keep", "node")
    refused = openbch(node.env, "sync", "resolve", beta, "--keep", "node", check=False)
    assert refused.returncode == 1 and "no open conflict" in refused.stderr
    assert status(node)["open_conflicts"] == 0
    openbch(node.env, "sync", "push")
    openbch(node.env, "sync", "pull")

    at_node, at_central_now = latest(node), latest(central)
    for identifier in (alpha, beta, gamma):
        assert at_node[identifier] == at_central_now[identifier], identifier
    assert at_node[alpha][0].endswith("-3") and at_node[alpha][1] == central_alpha_hash
    assert at_node[beta][1] == node_beta_hash
    found = _conflicts_at_central(central)
    assert found["open"] == 0
    resolutions = {c["identifier"]: (c["resolution"], c["resolved_revision"]) for c in found["conflicts"]}
    assert resolutions == {alpha: ("central", 3), beta: ("node", 3)}
    assert _audit_actions(central).count("sync.conflict_resolved") == 2
    assert status(node)["last_error"] is None and status(node)["pending_pushes"] == 0
    for side in (central, node):
        checked = openbch(side.env, "audit", "verify", check=False)
        assert checked.returncode == 0, checked.stdout + checked.stderr


def test_central_refuses_to_resolve_a_nodes_record(central: Instance, node: Instance) -> None:
    publish_lines(node, [colombian_authority("epsilon", "EPSILON")])
    openbch(node.env, "sync", "push")
    epsilon = _identifier(node, "cna/co/epsilon")
    _edit_at_central(central, epsilon, "EPSILON-CENTRAL")
    _edit_at_node(node, "epsilon", "EPSILON-NODE")
    openbch(node.env, "sync", "push")
    refused = openbch(central.env, "sync", "resolve", epsilon, "--keep", "central", check=False)
    assert refused.returncode == 1 and "its owner resolves the conflict" in refused.stderr
    bad = openbch(node.env, "sync", "resolve", epsilon, "--keep", "both", check=False)
    assert bad.returncode == 1 and "/keep" in bad.stderr


def test_edits_made_only_at_central_are_surfaced_and_adopted_by_the_owner(central: Instance, node: Instance) -> None:
    """Central publishes revisions 2 and 3 of the node's record while the node stays at 1: the node's
    pull records them as open conflicts (central ahead); resolving them, keeping the node's version,
    adopts central's two revisions and publishes the node's as revision 4. After push and pull both
    sides hold the same four revisions."""
    publish_lines(node, [colombian_authority("zeta", "ZETA")])
    openbch(node.env, "sync", "push")
    zeta = _identifier(node, "cna/co/zeta")
    node_hash = latest(node)[zeta][1]
    _edit_at_central(central, zeta, "ZETA-CENTRAL2")
    _edit_at_central(central, zeta, "ZETA-CENTRAL3")
    pulled = json.loads(openbch(node.env, "sync", "pull").stdout)
    assert pulled["conflicts"] == 2
    here = status(node)
    ahead = [c for c in here["conflicts"] if c["identifier"] == zeta and c["resolved_at"] is None]
    assert sorted((c["kind"], c["revision"]) for c in ahead) == [("central_ahead", 2), ("central_ahead", 3)]
    by_revision = {c["revision"]: c for c in ahead}
    assert {"op": "replace", "path": "/acronym", "old": "ZETA-CENTRAL3", "new": "ZETA"} in by_revision[3]["diff"]
    assert latest(node)[zeta][0].endswith("-1"), "the node's own revision was overwritten"

    kept = json.loads(openbch(node.env, "sync", "resolve", zeta, "--keep", "node").stdout)
    assert kept["revision"] == 4
    pushed = json.loads(openbch(node.env, "sync", "push").stdout)
    assert (pushed["unchanged"], pushed["published"], pushed["conflicts"]) == (2, 1, 0)
    openbch(node.env, "sync", "pull")
    at_node, at_central = revisions(node)[zeta], revisions(central)[zeta]
    assert at_node == at_central and [r for r, _ in at_node] == [1, 2, 3, 4]
    assert at_node[3][1] == node_hash
    assert status(node)["open_conflicts"] == 0 and status(node)["pending_pushes"] == 0
    for side in (central, node):
        checked = openbch(side.env, "audit", "verify", check=False)
        assert checked.returncode == 0, checked.stdout + checked.stderr


def test_a_node_set_up_again_publishes_before_it_pulls_without_reusing_a_number(
    central: Instance, node: Instance, tmp_path: Path
) -> None:
    """The node's earlier installation pushed its records; the new one (an empty data folder) is set
    up with ``node init``, which asks central for the numbers of Colombia's block it holds, and
    publishes at once: its record takes a number after them and central accepts the push."""
    publish_lines(node, [colombian_authority("eta", "ETA")])
    openbch(node.env, "sync", "push")
    highest = max(int(uid.split("-")[3]) for uid, _, _ in latest(central, ("CO",)).values())
    again = make_node(tmp_path / "again", central, instance_id="node-co-again")
    publish_lines(again, [colombian_authority("theta", "THETA")])
    [(uid, _, _)] = latest(again, ("CO",)).values()
    assert int(uid.split("-")[3]) == highest + 1
    pushed = openbch(again.env, "sync", "push", check=False)
    assert pushed.returncode == 0, pushed.stdout + pushed.stderr
    assert json.loads(pushed.stdout)["published"] == 1
