"""Signed bundles, in process: this test database is central; the test plays a Colombian node that
signs a bundle with its own Ed25519 key (registered here, bound to Colombia). Every bad bundle is
refused with a named error and writes nothing."""

from __future__ import annotations

import base64
import gzip
import hashlib
import json
from pathlib import Path
from typing import Any

import pytest
import typer
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from typer.testing import CliRunner

from openbch.core.actors import SYSTEM
from openbch.core.errors import BadRequestError, OpenBCHError, PermissionDeniedError
from openbch.federation.bundles import FORMAT, export_bundle, import_bundle
from openbch.federation.cli import bundle_app
from openbch.federation.keys import generate_key, key_id_of, revoke_key, trust_key
from openbch.federation.models import Conflict
from openbch.records.hashing import canonical_json
from openbch.records.models import AuditEntry, ChangeEvent, Record, Revision
from openbch.records.services import RecordInput, publish_records
from tests.federation.feed_entries import feed_change
from tests.federation.test_sync_between_instances import COLOMBIA

pytestmark = pytest.mark.django_db


class Node:
    """The Colombian node's side: its key, and bundles it writes."""

    def __init__(self, instance: str = "node-co") -> None:
        self.instance = instance
        self.private = Ed25519PrivateKey.generate()
        raw = self.private.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        self.public = base64.b64encode(raw).decode()
        self.key_id = key_id_of(raw)

    def bundle(
        self,
        folder: Path,
        *,
        name: str = "co.bundle",
        changes: list[dict[str, Any]],
        data: bytes | None = None,
        **payload: Any,
    ) -> Path:
        """A bundle signed by this node; ``data``: a payload of these bytes instead (signed all the same)."""
        content = {
            "format": FORMAT,
            "instance": self.instance,
            "role": "node",
            "country": "CO",
            "after": 0,
            "last_seq": max((c["seq"] for c in changes), default=0),
            "created_at": "2026-12-03T07:00:00+00:00",
            "changes": changes,
            **payload,
        }
        data = canonical_json(content).encode() if data is None else data
        envelope = {
            "format": FORMAT,
            "key_id": self.key_id,
            "signature": base64.b64encode(self.private.sign(data)).decode(),
            "payload_sha256": hashlib.sha256(data).hexdigest(),
        }
        path = folder / name
        with gzip.open(path, "wb") as handle:
            handle.write(json.dumps(envelope).encode() + b"\n" + data)
        return path


def colombian_change(seq: int, *, revision: int = 1, acronym: str = "MADS", owner: str = "CO") -> dict[str, Any]:
    body = {**COLOMBIA["body"], "acronym": acronym}
    if owner != "CO":
        body = {**body, "country": {"identifier": owner.lower()}, "government": {"identifier": owner.lower()}}
    return feed_change(
        seq,
        record_type="CNA",
        owner=owner,
        number=1066000777,
        revision=revision,
        identifier="0B7A4F1E-8C2D-4E6F-9A1B-3C5D7E9F1A2B",
        body=body,
        instance="node-co",
        published_at="2026-12-01T09:00:00+00:00",
        published_by="mads@node-co",
    )


@pytest.fixture
def node() -> Node:
    colombia = Node()
    trust_key(SYSTEM, instance=colombia.instance, public_key=colombia.public, country="CO")
    return colombia


def _written() -> tuple[int, int, int, int]:
    return Record.objects.count(), Revision.objects.count(), ChangeEvent.objects.count(), AuditEntry.objects.count()


def test_a_nodes_bundle_is_stored_at_central_once(node: Node, tmp_path: Path) -> None:
    path = node.bundle(tmp_path, changes=[colombian_change(5), colombian_change(9, revision=2, acronym="MinAmbiente")])
    report = import_bundle(SYSTEM, path)
    assert (report.published, report.unchanged, report.instance) == (2, 0, "node-co")
    record = Record.objects.get(identifier="0B7A4F1E-8C2D-4E6F-9A1B-3C5D7E9F1A2B")
    assert record.uid == "BCH-CNA-CO-1066000777-2" and record.instance == "node-co" and record.origin_seq == 9
    # the same file again: replayed
    before = _written()
    with pytest.raises(BadRequestError) as refused:
        import_bundle(SYSTEM, path)
    assert refused.value.issues[0].code == "stale_bundle" and _written() == before


def _flip_a_byte(path: Path) -> Path:
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))
    return path


@pytest.mark.parametrize(
    ("make", "code"),
    [
        (lambda node, folder: _flip_a_byte(node.bundle(folder, changes=[colombian_change(5)])), "corrupt"),
        (lambda node, folder: Node().bundle(folder, changes=[colombian_change(5)]), "unknown_key"),
        (
            lambda node, folder: node.bundle(folder, changes=[colombian_change(5)], instance="central-test"),
            "forged_origin",
        ),
        (lambda node, folder: node.bundle(folder, changes=[colombian_change(5)], country="CA"), "wrong_country"),
        (lambda node, folder: (folder / "x.bundle").write_bytes(b"not gzip") and folder / "x.bundle", "corrupt"),
        (lambda node, folder: node.bundle(folder, changes=[], data=b'{"format": '), "corrupt"),
        (lambda node, folder: node.bundle(folder, changes=[], data=b"[1, 2]"), "corrupt"),
    ],
    ids=[
        "flipped byte",
        "key not registered",
        "forged origin",
        "other country claimed",
        "not a bundle",
        "signed, not JSON",
        "signed, not an object",
    ],
)
def test_a_bad_bundle_is_refused_by_name_and_writes_nothing(node: Node, tmp_path: Path, make: Any, code: str) -> None:
    path = make(node, tmp_path)
    before = _written()
    with pytest.raises(BadRequestError) as refused:
        import_bundle(SYSTEM, path)
    assert code in {i.code for i in refused.value.issues}, refused.value.issues
    assert _written() == before


def test_a_signature_by_another_key_under_a_registered_key_id_is_refused(node: Node, tmp_path: Path) -> None:
    impostor = Node()
    impostor.key_id = node.key_id  # claims the registered key's id, signs with its own key
    with pytest.raises(BadRequestError) as refused:
        import_bundle(SYSTEM, impostor.bundle(tmp_path, changes=[colombian_change(5)]))
    assert refused.value.issues[0].code == "bad_signature"


def test_a_revoked_key_and_an_older_bundle_are_refused(node: Node, tmp_path: Path) -> None:
    import_bundle(SYSTEM, node.bundle(tmp_path, name="new.bundle", changes=[colombian_change(8)]))
    older = node.bundle(tmp_path, name="old.bundle", changes=[colombian_change(3)])
    with pytest.raises(BadRequestError) as refused:
        import_bundle(SYSTEM, older)
    assert refused.value.issues[0].code == "stale_bundle"
    revoke_key(SYSTEM, node.key_id)
    later = node.bundle(tmp_path, name="later.bundle", changes=[colombian_change(12, revision=2, acronym="MinAmb")])
    with pytest.raises(BadRequestError) as refused:
        import_bundle(SYSTEM, later)
    assert refused.value.issues[0].code == "revoked_key"


def test_a_colombian_key_cannot_carry_another_countrys_records(node: Node, tmp_path: Path) -> None:
    before = _written()
    with pytest.raises(PermissionDeniedError):
        import_bundle(SYSTEM, node.bundle(tmp_path, changes=[colombian_change(4, owner="CA")]))
    assert _written() == before


def test_central_exports_a_bundle_it_can_verify_and_rotation_keeps_old_signatures_checkable(tmp_path: Path) -> None:
    first = generate_key(SYSTEM)
    path = tmp_path / "central.bundle"
    report = export_bundle(
        SYSTEM, after=ChangeEvent.objects.order_by("-seq").values_list("seq", flat=True)[20], destination=path
    )
    assert report.role == "central" and report.changes == 20
    with gzip.open(path, "rb") as handle:
        envelope = json.loads(handle.readline())
    assert envelope["key_id"] == first.key_id
    second = generate_key(SYSTEM)  # rotation: the new key signs from now on
    export_bundle(SYSTEM, after=0, destination=tmp_path / "next.bundle")
    with gzip.open(tmp_path / "next.bundle", "rb") as handle:
        assert json.loads(handle.readline())["key_id"] == second.key_id != first.key_id
    # an instance cannot import its own bundle: its own key is not a registered other instance's
    with pytest.raises(OpenBCHError):
        import_bundle(SYSTEM, path)


def _cli() -> typer.Typer:
    app = typer.Typer()
    app.add_typer(bundle_app, name="bundle")
    return app


def test_an_import_lists_the_conflicts_it_recorded_and_a_refusal_names_its_code(node: Node, tmp_path: Path) -> None:
    """Central holds revision 2 of a Colombian record with its own content; the node's bundle brings
    another revision 2: ``bundle import`` counts and names the conflict (and applies the rest). The
    same file again is refused, and the command prints the issue's code (``stale_bundle``)."""
    import_bundle(SYSTEM, node.bundle(tmp_path, name="first.bundle", changes=[colombian_change(5)]))
    record = Record.objects.get(identifier="0B7A4F1E-8C2D-4E6F-9A1B-3C5D7E9F1A2B")
    body = {**Revision.objects.get(record=record, revision=1).body, "acronym": "CENTRAL"}
    publish_records(SYSTEM, [RecordInput("CNA", "CO", body, identifier=record.identifier)])
    path = node.bundle(tmp_path, name="second.bundle", changes=[colombian_change(9, revision=2, acronym="NODE")])
    runner = CliRunner()
    done = runner.invoke(_cli(), ["bundle", "import", str(path)])
    assert done.exit_code == 0, done.output
    report = json.loads(done.output.strip().splitlines()[-1])
    assert (report["conflicts"], report["published"]) == (1, 0)
    assert report["conflicted"] == [{"uid": "BCH-CNA-CO-1066000777", "revision": 2}]
    assert Conflict.objects.get().central_body["acronym"] == "CENTRAL"
    replayed = runner.invoke(_cli(), ["bundle", "import", str(path)])
    assert replayed.exit_code == 1
    assert "/last_seq: stale_bundle: replayed or older" in replayed.output, replayed.output
    assert "bad_request: " in replayed.output  # the error's own code, after its issues
