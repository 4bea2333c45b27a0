"""The issue's round trip on each pairing of databases: in the suite's PostgreSQL run, a node on
SQLite with central on PostgreSQL and a node on PostgreSQL with central on SQLite; in the SQLite run,
both on SQLite. Online: a decision published on the node appears at central with the same UID, a new
LMO at central appears on the node. Then the network is cut (the proxy drops every connection): the
same round trip through signed bundles, exported and imported by the CLI. Reconnected, a clean
synchronisation converges.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from openbch.client import OpenBCHClient
from tests.federation.faultproxy import Fault, FaultProxy
from tests.federation.instances import (
    Instance,
    assert_converged,
    colombian_authority,
    fresh_postgres_database,
    latest,
    make_node,
    openbch,
    peer,
    postgres_wanted,
    publish_lines,
    query,
    served_central,
    sync_clean,
)

LEGS = ["node-sqlite+central-postgresql", "node-postgresql+central-sqlite"] if postgres_wanted() else ["sqlite+sqlite"]


@pytest.fixture(scope="module")
def sqlite_central(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Instance]:
    with served_central(tmp_path_factory.mktemp("sqlite-central"), None) as central:
        yield central


@pytest.fixture(params=LEGS)
def pairing(
    request: pytest.FixtureRequest, tmp_path: Path, node_number: int
) -> Iterator[tuple[Instance, Instance, FaultProxy]]:
    """(central, node, the proxy between them), on the leg's databases."""
    leg = request.param
    central: Instance = request.getfixturevalue(
        "sqlite_central" if leg.endswith("central-sqlite") else "shared_central"
    )
    node_database = fresh_postgres_database(f"node{node_number}") if leg.startswith("node-postgresql") else None
    port = urlsplit(central.url).port
    assert port is not None
    with FaultProxy(port) as proxy:
        node = make_node(
            tmp_path,
            central,
            central_url=proxy.url,
            database_url=node_database,
            instance_id=f"node-co-{node_number}",
            bundles=True,
        )
        assert (node.database_url is None) is (node_database is None)
        yield central, node, proxy


def _decision(tag: str, lmo: str) -> list[dict[str, Any]]:
    authority = colombian_authority(f"topology-{tag}", f"T{tag}")
    decision = {
        "key": f"dec/co/topology-{tag}",
        "type": "DEC",
        "owner": "CO",
        "body": {
            "authorities": [{"key": authority["key"]}],
            "date": "2026-11-30",
            "decisionResult": {"identifier": "approval"},
            "decisionTypes": [{"identifier": "8.1"}, {"identifier": "8.1-domestic"}],
            "expires": False,
            "government": {"identifier": "co"},
            "isAmendment": False,
            "modifiedOrganisms": [{"identifier": lmo}],
            "referenceNumber": f"CO-{tag}",
            "title": {"es": f"Decisión de prueba {tag}: liberación en Colombia"},
        },
    }
    return [authority, decision]


def _lmo(central: Instance, tag: str) -> dict[str, Any]:
    # (a load resolves {"key": …} only among its own lines: records already held are named by identifier)
    body = {
        "genes": [{"identifier": _identifier(central, "gene/nptii")}],
        "hasUniqueIdentification": False,
        "identity": {"en": f"Test LMO {tag}"},
        "recipientOrganisms": [{"identifier": _identifier(central, "organism/vigna-unguiculata")}],
        "traits": [{"identifier": "insects"}],
        "transformationEvent": f"TEST-{tag}",
    }
    return {"key": f"lmo/test-{tag}", "type": "LMO", "owner": "SCBD", "body": body}


def _identifier(instance: Instance, key: str) -> str:
    return str(query(instance, f"SELECT identifier FROM records_record WHERE source_key = '{key}'")[0][0])


def _node_publishes_a_decision(central: Instance, node: Instance, tag: str) -> str:
    lmo = str(query(node, "SELECT identifier FROM records_record WHERE type = 'LMO' ORDER BY number LIMIT 1")[0][0])
    lines = _decision(tag, lmo)
    publish_lines(node, lines)
    return _identifier(node, lines[1]["key"])


def _at_central_as_on_node(central: Instance, node: Instance, identifier: str) -> None:
    uid, digest, _state = latest(node)[identifier]
    with OpenBCHClient(central.url) as client:
        record = client.get(uid)
    assert (record["uid"], record["content_hash"], record["identifier"]) == (uid, digest, identifier)


def _on_node_as_at_central(central: Instance, node: Instance, identifier: str) -> None:
    assert latest(node).get(identifier) == latest(central)[identifier]


def test_a_round_trip_online_and_through_bundles_with_the_network_cut(
    pairing: tuple[Instance, Instance, FaultProxy], node_number: int
) -> None:
    central, node, proxy = pairing
    # online
    openbch(node.env, "sync", "pull")
    decision = _node_publishes_a_decision(central, node, f"{node_number}-online")
    assert json.loads(openbch(node.env, "sync", "push").stdout)["published"] == 2
    _at_central_as_on_node(central, node, decision)
    publish_lines(central, [_lmo(central, f"{node_number}-online")])
    assert json.loads(openbch(node.env, "sync", "pull").stdout)["published"] == 1
    _on_node_as_at_central(central, node, _identifier(central, f"lmo/test-{node_number}-online"))

    # the network is cut: synchronisation fails with a reason, and changes nothing
    proxy.mix(0, rate=1.0, faults=(Fault.DROP_BEFORE_REQUEST,))
    before = latest(node)
    cut = openbch(node.env, "sync", "pull", check=False)
    assert cut.returncode == 1 and "pull failed" in cut.stdout + cut.stderr and "Traceback" not in cut.stderr
    assert peer(node)["last_error"] and latest(node) == before

    # node → central on a USB stick
    offline = _node_publishes_a_decision(central, node, f"{node_number}-offline")
    received = query(central, f"SELECT received_seq FROM federation_trustedkey WHERE instance = '{node.instance_id}'")
    stick = node.data_dir / "to-central.bundle"
    openbch(node.env, "bundle", "export", "--after", str(received[0][0]), "--output", str(stick))
    assert json.loads(openbch(central.env, "bundle", "import", str(stick)).stdout)["published"] == 2
    _at_central_as_on_node(central, node, offline)
    # central → node
    publish_lines(central, [_lmo(central, f"{node_number}-offline")])
    back = node.data_dir / "from-central.bundle"
    openbch(central.env, "bundle", "export", "--after", str(peer(node)["last_seq"]), "--output", str(back))
    imported = json.loads(openbch(node.env, "bundle", "import", str(back)).stdout)
    assert imported["published"] >= 1  # the LMO (and the node's own decision back: held, so skipped)
    _on_node_as_at_central(central, node, _identifier(central, f"lmo/test-{node_number}-offline"))

    # reconnected: the push of what the bundle carried changes nothing, and both sides agree
    proxy.clear()
    sync_clean(node)
    assert_converged(central, node)
