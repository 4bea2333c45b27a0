"""Edits made only at central to a node's own record, in process, on the test database (the node):
a revision central published while the node is at an earlier one, several of them, and a withdrawal
at central. Each is recorded as an open conflict when pulled; the owner's resolution adopts central's
revisions first, so what the node then pushes is, revision by revision, what central holds.
(Between two real instances: test_conflicts_between_instances.)"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from openbch.accounts.services import create_token
from openbch.core.actors import SYSTEM
from openbch.federation.bundles import import_bundle
from openbch.federation.conflicts import resolve
from openbch.federation.feed import read_page
from openbch.federation.keys import trust_key
from openbch.federation.models import Conflict, Node, Peer
from openbch.federation.node import init_node
from openbch.federation.pull import Applied, apply_central_page
from openbch.federation.push import push
from openbch.federation.status import sync_status
from openbch.records.hashing import content_hash
from openbch.records.models import AuditEntry, Record, RecordState, Revision
from openbch.records.services import RecordInput, publish_records
from tests.federation.test_bundles import Node as Signer
from tests.federation.test_conflicts import _change, _colombian
from tests.web.test_manage import client_for, html, make_user

pytestmark = pytest.mark.django_db


def _pull(node: Node, changes: list[dict[str, Any]], *, after: int) -> Applied:
    peer, _ = Peer.objects.get_or_create(url=node.central_url)
    last = changes[-1]["seq"]
    page = read_page({"changes": changes, "last_seq": last, "next": None}, after=after)
    applied = apply_central_page(SYSTEM, node, peer.pk, page, after=after, how="pulled")
    assert applied is not None
    return applied


def _central_edits(record: Record, *acronyms: str, first_seq: int = 5) -> list[dict[str, Any]]:
    """Central's revisions 2, 3... of ``record`` (held here at revision 1), each with another acronym."""
    body = Revision.objects.get(record=record, revision=1).body
    return [
        _change(first_seq + i, record, {**body, "acronym": acronym}, instance="node-co", revision=2 + i)
        for i, acronym in enumerate(acronyms)
    ]


def _pushed(node: Node) -> list[dict[str, Any]]:
    """Push through a ``post`` that keeps what is sent and answers that it was stored; returns the
    changes sent."""
    sent: list[dict[str, Any]] = []

    def post(page: dict[str, Any]) -> dict[str, Any]:
        sent.append(page)
        return {"published": len(page["changes"]), "withdrawn": 0, "unchanged": 0, "uids": [], "conflicts": []}

    push(SYSTEM, post=post)
    return [change for page in sent for change in page["changes"]]


def _revisions(record: Record) -> dict[int, str]:
    return dict(Revision.objects.filter(record=record).values_list("revision", "content_hash"))


@pytest.mark.parametrize("keep", ["node", "central"])
def test_revisions_published_only_at_central_are_a_conflict_the_owner_resolves(keep: str) -> None:
    node = init_node(SYSTEM, country="CO", central_url="http://127.0.0.1:9/", countries=["CA"])
    mine = _colombian("NODE")
    _pushed(node)  # central holds revision 1, as the node published it
    mine_body = Revision.objects.get(record=mine, revision=1).body
    edits = _central_edits(mine, "CENTRAL2", "CENTRAL3")
    applied = _pull(node, edits, after=0)

    # recorded, both of central's revisions, and the node keeps its own meanwhile
    assert applied.conflicts == [(mine.uid.rsplit("-", 1)[0], 2), (mine.uid.rsplit("-", 1)[0], 3)]
    mine.refresh_from_db()
    assert mine.revision == 1
    conflicts = list(Conflict.objects.order_by("revision"))
    assert [(c.kind, c.revision, c.resolved_at) for c in conflicts] == [
        ("central_ahead", 2, None),
        ("central_ahead", 3, None),
    ]
    assert conflicts[0].node_hash == content_hash(mine_body) and conflicts[0].node_body == mine_body
    assert conflicts[1].central_body["acronym"] == "CENTRAL3"
    assert AuditEntry.objects.filter(action="sync.conflict").count() == 2
    # shown like the others: the sync status and the API, with the diff from central's to the node's
    status = sync_status(SYSTEM)
    assert status["open_conflicts"] == 2 and {c["kind"] for c in status["conflicts"]} == {"central_ahead"}
    make_user("npa-co", ("national-publishing-authority", "CO"))
    token = create_token(SYSTEM, name="r", scopes=["read"], owner="npa-co").plaintext
    listed = Client().get("/api/v1/federation/conflicts", HTTP_AUTHORIZATION=f"Bearer {token}").json()
    assert listed["open"] == 2 and listed["conflicts"][0]["kind"] == "central_ahead"
    assert {"op": "replace", "path": "/acronym", "old": "CENTRAL3", "new": "NODE"} in listed["conflicts"][0]["diff"]
    page = html(client_for(make_user("admin", ("administrator", None))).get("/en/manage/sync/"))
    assert "2 open conflicts" in page and "<del>CENTRAL3</del>" in page and "<ins>NODE</ins>" in page
    assert "Published only at http://127.0.0.1:9, while this node holds an earlier revision" in page
    # the same page again records nothing twice
    Peer.objects.update(last_seq=0)
    _pull(node, edits, after=0)
    assert Conflict.objects.count() == 2

    resolved = resolve(SYSTEM, mine.identifier, keep=keep)
    held = _revisions(mine)
    # central's revisions adopted as they are: the same content hashes as central's
    assert held[2] == edits[0]["record"]["content_hash"] and held[3] == edits[1]["record"]["content_hash"]
    if keep == "node":
        assert resolved.revision == 4 and held[4] == content_hash(mine_body)
    else:
        assert resolved.revision == 3 and 4 not in held
    assert not Conflict.objects.filter(resolved_at__isnull=True).exists()
    assert Conflict.objects.get(revision=3).resolution == keep

    # what the push sends is, revision by revision, what central holds, then the node's version
    pushed = _pushed(node)
    central = {1: content_hash(mine_body)} | {c["record"]["revision"]: c["record"]["content_hash"] for c in edits}
    sent = {c["record"]["revision"]: c["record"]["content_hash"] for c in pushed}
    assert {r: h for r, h in sent.items() if r in central} == {2: central[2], 3: central[3]}
    assert central | sent == held


def test_an_edit_at_central_then_at_the_node_is_one_conflict_of_both_versions() -> None:
    """Central published revision 2 (recorded as central ahead); the node then publishes its own
    revision 2: central's answer to the push makes it a conflict of the two revisions 2."""
    node = init_node(SYSTEM, country="CO", central_url="http://127.0.0.1:9/", countries=["CA"])
    mine = _colombian("NODE")
    _pushed(node)
    [edit] = _central_edits(mine, "CENTRAL2")
    _pull(node, [edit], after=0)
    body = {**Revision.objects.get(record=mine, revision=1).body, "acronym": "NODE2"}
    publish_records(SYSTEM, [RecordInput("CNA", "CO", body, identifier=mine.identifier)])
    answer = {
        "published": 0,
        "withdrawn": 0,
        "unchanged": 0,
        "uids": [],
        "conflicts": [
            {
                "identifier": mine.identifier,
                "uid": mine.uid.rsplit("-", 1)[0],
                "revision": 2,
                "node_hash": content_hash(body),
                "central_instance": "central-test",
                "central_hash": edit["record"]["content_hash"],
                "central_body": edit["record"]["body"],
            }
        ],
    }
    push(SYSTEM, post=lambda page: answer)
    conflict = Conflict.objects.get()
    assert (conflict.kind, conflict.node_hash, conflict.resolved_at) == ("diverged", content_hash(body), None)
    resolved = resolve(SYSTEM, mine.identifier, keep="node")
    assert resolved.revision == 3 and _revisions(mine)[3] == content_hash(body)


@pytest.mark.parametrize("keep", ["node", "central"])
def test_a_withdrawal_at_central_of_a_nodes_record_is_surfaced(keep: str) -> None:
    node = init_node(SYSTEM, country="CO", central_url="http://127.0.0.1:9/", countries=["CA"])
    mine = _colombian("NODE")
    _pushed(node)
    body = Revision.objects.get(record=mine, revision=1).body
    withdrawal = _change(7, mine, body, instance="node-co")
    withdrawal["kind"] = "withdrawn"
    withdrawal["record"]["withdrawn"] = {"at": "2026-06-01T00:00:00+00:00", "reason": "a duplicate, says central"}
    applied = _pull(node, [withdrawal], after=0)
    assert applied.conflicts == [(mine.uid.rsplit("-", 1)[0], 1)]
    conflict = Conflict.objects.get()
    assert (conflict.kind, conflict.withdrawn_reason) == ("withdrawn", "a duplicate, says central")
    mine.refresh_from_db()
    assert mine.state == RecordState.PUBLISHED  # the node's own is kept until the owner decides
    assert sync_status(SYSTEM)["conflicts"][0]["withdrawn_reason"] == "a duplicate, says central"
    page = html(client_for(make_user("admin", ("administrator", None))).get("/fr/manage/sync/"))
    assert "Retirée par http://127.0.0.1:9 (a duplicate, says central)" in page

    resolve(SYSTEM, mine.identifier, keep=keep)
    mine.refresh_from_db()
    pushed = _pushed(node)
    if keep == "central":
        assert (mine.state, mine.revision, mine.withdrawn_reason) == (
            RecordState.WITHDRAWN,
            1,
            "a duplicate, says central",
        )
        assert [(c["kind"], c["revision"]) for c in pushed] == [("withdrawn", 1)]
    else:  # published again as revision 2, which central takes (and so publishes again)
        assert (mine.state, mine.revision) == (RecordState.PUBLISHED, 2)
        assert [(c["kind"], c["record"]["content_hash"]) for c in pushed] == [("published", content_hash(body))]
    assert not Conflict.objects.filter(resolved_at__isnull=True).exists()


def test_a_bundle_from_central_lists_the_conflicts_it_recorded(tmp_path: Path) -> None:
    """The same edit at central, carried to the node by central's bundle: ``bundle import`` counts
    and names the conflicts, as the pull does."""
    node = init_node(SYSTEM, country="CO", central_url="http://127.0.0.1:9/", countries=["CA"])
    mine = _colombian("NODE")
    central = Signer("central-test")
    trust_key(SYSTEM, instance=central.instance, public_key=central.public)
    path = central.bundle(tmp_path, changes=_central_edits(mine, "CENTRAL2"), role="central", country="")
    report = import_bundle(SYSTEM, path)
    uid = mine.uid.rsplit("-", 1)[0]
    assert (report.conflicts, report.conflicted, report.published) == (1, [{"uid": uid, "revision": 2}], 0)
    assert Conflict.objects.get().kind == "central_ahead"
    assert Peer.objects.get(url=node.central_url).last_seq == 5


def test_an_edit_then_a_withdrawal_at_central_is_one_conflict_and_keeping_central_adopts_both() -> None:
    node = init_node(SYSTEM, country="CO", central_url="http://127.0.0.1:9/", countries=["CA"])
    mine = _colombian("NODE")
    _pushed(node)
    [edit] = _central_edits(mine, "CENTRAL2")
    withdrawal = {**edit, "seq": 6, "kind": "withdrawn"}
    withdrawal["record"] = {**edit["record"], "withdrawn": {"at": "2026-06-01T00:00:00+00:00", "reason": "gone"}}
    _pull(node, [edit, withdrawal], after=0)
    conflict = Conflict.objects.get()
    assert (conflict.kind, conflict.revision, conflict.withdrawn_reason) == ("central_ahead", 2, "gone")
    resolve(SYSTEM, mine.identifier, keep="central")
    mine.refresh_from_db()
    assert (mine.revision, mine.state) == (2, RecordState.WITHDRAWN)
    assert _revisions(mine)[2] == edit["record"]["content_hash"]
    assert [(c["kind"], c["revision"]) for c in _pushed(node)] == [("published", 2), ("withdrawn", 2)]
