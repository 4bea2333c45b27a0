"""Conflicts and node keys in process, on the test database: detection on a pull and on a push, the
sync page's diff and resolution form, ``GET /api/v1/federation/conflicts`` and
``POST /api/v1/federation/keys``. (Between two real instances: test_conflicts_between_instances.)"""

from __future__ import annotations

import base64
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.db.models import Max
from django.test import Client

from openbch.accounts.services import create_token
from openbch.core.actors import SYSTEM
from openbch.core.errors import ConflictError, NotFoundError
from openbch.federation.conflicts import resolve
from openbch.federation.feed import read_page
from openbch.federation.models import Conflict, Peer, TrustedKey
from openbch.federation.node import init_node
from openbch.federation.pull import apply_central_page
from openbch.records.models import AuditEntry, Record, Revision
from openbch.records.publishing import new_identifier
from openbch.records.services import RecordInput, publish_records
from tests.federation.feed_entries import canadian_decision_copy, feed_change
from tests.federation.instances import COLOMBIA
from tests.web.test_manage import client_for, html, make_user

pytestmark = pytest.mark.django_db


def _change(seq: int, record: Record, body: dict[str, Any], *, instance: str, **record_fields: Any) -> dict[str, Any]:
    """``body`` as a revision of ``record`` (its number, revision and identifier unless given)."""
    fields = {"identifier": record.identifier, "number": record.number, "revision": record.revision} | record_fields
    return feed_change(seq, record_type=record.type, owner=record.owner, body=body, instance=instance, **fields)


def _colombian(acronym: str) -> Record:
    body = {**COLOMBIA["body"], "acronym": acronym}
    [record] = publish_records(SYSTEM, [RecordInput("CNA", "CO", body)]).records
    return record


def _on_a_node_with_a_conflict() -> tuple[Record, dict[str, Any]]:
    """A Colombian node holding its record at revision 1, and central's page bringing another revision
    1 of it and an unrelated Canadian record, pulled."""
    node = init_node(SYSTEM, country="CO", central_url="http://127.0.0.1:9/", countries=["CA"])
    mine = _colombian("NODE")
    theirs = {**Revision.objects.get(record=mine).body, "acronym": "CENTRAL"}
    page = {
        "changes": [_change(5, mine, theirs, instance="node-co"), canadian_decision_copy(6, instance="central-test")],
        "last_seq": 6,
        "next": None,
    }
    peer = Peer.objects.create(url=node.central_url)
    applied = apply_central_page(SYSTEM, node, peer.pk, read_page(page, after=0), after=0, how="pulled")
    assert applied is not None
    return mine, page


def test_a_pulled_conflict_is_recorded_and_the_rest_of_the_page_applied() -> None:
    mine, page = _on_a_node_with_a_conflict()
    conflict = Conflict.objects.get()
    assert (conflict.identifier, conflict.revision, conflict.resolved_at) == (mine.identifier, 1, None)
    assert conflict.node_body["acronym"] == "NODE" and conflict.central_body["acronym"] == "CENTRAL"
    assert conflict.central_instance == "http://127.0.0.1:9"
    assert Record.objects.filter(identifier=page["changes"][1]["record"]["identifier"]).exists()
    assert Peer.objects.get().last_seq == 6
    mine.refresh_from_db()
    assert mine.revision == 1  # the node's own is kept until its owner decides
    assert AuditEntry.objects.filter(action="sync.conflict").count() == 1
    # the same page again records nothing twice
    peer = Peer.objects.get()
    Peer.objects.filter(pk=peer.pk).update(last_seq=0)
    node = init_node(SYSTEM, country="CO", central_url="http://127.0.0.1:9/", countries=["CA"])
    apply_central_page(SYSTEM, node, peer.pk, read_page(page, after=0), after=0, how="pulled")
    assert Conflict.objects.count() == 1


def test_the_sync_page_shows_the_diff_and_the_owner_resolves_there() -> None:
    mine, _page = _on_a_node_with_a_conflict()
    admin = client_for(make_user("admin", ("administrator", None)))
    text = html(admin.get("/en/manage/sync/"))
    assert "1 open conflict" in text and mine.uid.rsplit("-", 1)[0] in text
    assert "<del>CENTRAL</del>" in text and "<ins>NODE</ins>" in text  # the acronym, central's then the node's
    assert 'name="keep" value="central"' in text
    answer = admin.post("/en/manage/sync/", {"identifier": mine.identifier, "keep": "central"})
    assert answer.status_code == 303
    mine.refresh_from_db()
    latest = Revision.objects.get(record=mine, revision=2)
    assert mine.revision == 2 and latest.body["acronym"] == "CENTRAL"
    conflict = Conflict.objects.get()
    assert (conflict.resolution, conflict.resolved_revision, conflict.resolved_by) == ("central", 2, "admin")
    assert "0 open conflicts" in html(admin.get("/en/manage/sync/"))
    assert AuditEntry.objects.filter(action="sync.conflict_resolved").count() == 1
    # nothing left to resolve; a bad choice names the field
    assert admin.post("/en/manage/sync/", {"identifier": mine.identifier, "keep": "node"}).status_code == 404
    with pytest.raises(NotFoundError):
        resolve(SYSTEM, mine.identifier, keep="node")


def test_only_the_owner_resolves() -> None:
    mine, _page = _on_a_node_with_a_conflict()
    ca = make_user("npa-ca", ("national-publishing-authority", "CA"))
    assert client_for(ca).post("/en/manage/sync/", {"identifier": mine.identifier, "keep": "node"}).status_code in (
        403,
        404,
    )
    co = make_user("npa-co", ("national-publishing-authority", "CO"))
    assert client_for(co).post("/en/manage/sync/", {"identifier": mine.identifier, "keep": "oops"}).status_code == 400
    assert Conflict.objects.get().resolved_at is None


def test_central_sets_a_conflicting_push_aside_applies_the_rest_and_answers_it() -> None:
    held = _colombian("CENTRAL")  # central holds revision 1 of a Colombian record
    theirs = {**Revision.objects.get(record=held).body, "acronym": "NODE"}
    other = _colombian("OTHER")
    newer = {**Revision.objects.get(record=other).body, "acronym": "OTHER2"}
    page = {
        "changes": [
            _change(3, held, theirs, instance="node-co"),
            _change(4, other, newer, instance="node-co", revision=2),
        ],
        "last_seq": 4,
    }
    make_user("co-node", ("national-publishing-authority", "CO"))
    token = create_token(SYSTEM, name="node", scopes=["read", "write"], owner="co-node").plaintext
    answer = Client().post(
        "/api/v1/federation/changes", page, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {token}"
    )
    assert answer.status_code == 200, answer.content
    data = answer.json()
    assert data["published"] == 1 and len(data["conflicts"]) == 1
    [named] = data["conflicts"]
    assert named["identifier"] == held.identifier and named["central_body"]["acronym"] == "CENTRAL"
    other.refresh_from_db()
    assert other.revision == 2
    reader = create_token(SYSTEM, name="reader", scopes=["read"], owner="co-node").plaintext
    listed = Client().get("/api/v1/federation/conflicts", HTTP_AUTHORIZATION=f"Bearer {reader}").json()
    assert listed["open"] == 1
    assert {"op": "replace", "path": "/acronym", "old": "CENTRAL", "new": "NODE"} in listed["conflicts"][0]["diff"]
    # another country's authority sees none of it
    make_user("npa-ca", ("national-publishing-authority", "CA"))
    ca_token = create_token(SYSTEM, name="ca", scopes=["read", "write"], owner="npa-ca").plaintext
    assert Client().get("/api/v1/federation/conflicts", HTTP_AUTHORIZATION=f"Bearer {ca_token}").json()["open"] == 0
    assert Client().get("/api/v1/federation/conflicts").status_code == 401
    # the owner's later revision settles it at central
    resolved = {**theirs, "acronym": "NODE2"}
    later = {"changes": [_change(9, held, resolved, instance="node-co", revision=2)], "last_seq": 9}
    answer = Client().post(
        "/api/v1/federation/changes", later, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {token}"
    )
    assert answer.json()["published"] == 1
    conflict = Conflict.objects.get()
    assert (conflict.resolution, conflict.resolved_revision) == ("superseded", 2)
    # central is not the owner: it cannot resolve a node's record itself
    Conflict.objects.update(resolved_at=None)
    with pytest.raises(ConflictError):
        resolve(SYSTEM, held.identifier, keep="central")


def _public_key() -> str:
    raw = (
        Ed25519PrivateKey.generate()
        .public_key()
        .public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    )
    return base64.b64encode(raw).decode()


def _post_key(token: str, **payload: str) -> Any:
    return Client().post(
        "/api/v1/federation/keys", payload, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {token}"
    )


def test_a_node_registers_its_keys_bound_to_its_tokens_country() -> None:
    make_user("co-node", ("national-publishing-authority", "CO"))
    token = create_token(SYSTEM, name="node", scopes=["read", "write"], owner="co-node").plaintext
    first, second = _public_key(), _public_key()
    answer = _post_key(token, instance="node-co", public_key=first)
    assert answer.status_code == 201, answer.content
    assert answer.json()["country"] == "CO"
    assert _post_key(token, instance="node-co", public_key=first).status_code == 201  # a retry
    assert _post_key(token, instance="node-co", public_key=second).status_code == 201  # rotation: both kept
    assert set(TrustedKey.objects.values_list("instance", "country", "revoked_at")) == {("node-co", "CO", None)}
    assert TrustedKey.objects.count() == 2
    assert AuditEntry.objects.filter(action="key.registered").count() == 2
    # refused: another node's key, another country, a read-only token, no publishing role, a bad key
    assert _post_key(token, instance="node-xx", public_key=first).status_code == 409
    assert _post_key(token, instance="node-co", public_key=_public_key(), country="CA").status_code == 403
    reader = create_token(SYSTEM, name="r", scopes=["read"], owner="co-node").plaintext
    assert _post_key(reader, instance="node-co", public_key=_public_key()).status_code == 403
    make_user("nobody")
    plain = create_token(SYSTEM, name="p", scopes=["read", "write"], owner="nobody").plaintext
    assert _post_key(plain, instance="node-zz", public_key=_public_key()).status_code == 403
    bad = _post_key(token, instance="node-co", public_key="AAAA")
    assert bad.status_code == 400 and bad.json()["errors"][0]["path"] == "/public_key"
    assert TrustedKey.objects.count() == 2


def test_a_record_of_its_country_held_as_a_copy_follows_central() -> None:
    """Only records the node published itself are the node's to keep: one of its country that it
    holds as a copy (published at central, or by an earlier installation of the node) takes central's
    next revision like any copy, and no conflict is recorded."""
    node = init_node(SYSTEM, country="CO", central_url="http://127.0.0.1:9/", countries=["CA"])
    published = _colombian("FIRST")  # its content, as central would send it
    body = Revision.objects.get(record=published).body
    top = (Record.objects.aggregate(n=Max("number"))["n"] or 0) + 1000
    identifier = new_identifier()
    first = _change(1, published, body, instance="node-co-before", identifier=identifier, number=top, revision=1)
    second = _change(
        2,
        published,
        {**body, "acronym": "SECOND"},
        instance="node-co-before",
        identifier=identifier,
        number=top,
        revision=2,
    )
    peer = Peer.objects.create(url=node.central_url)
    apply_central_page(
        SYSTEM,
        node,
        peer.pk,
        read_page({"changes": [first], "last_seq": 1, "next": None}, after=0),
        after=0,
        how="pulled",
    )
    apply_central_page(
        SYSTEM,
        node,
        peer.pk,
        read_page({"changes": [second], "last_seq": 2, "next": None}, after=1),
        after=1,
        how="pulled",
    )
    copied = Record.objects.get(identifier=identifier)
    assert (copied.instance, copied.revision) == ("node-co-before", 2)
    assert Revision.objects.get(record=copied, revision=2).body["acronym"] == "SECOND"
    assert not Conflict.objects.exists()
