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
