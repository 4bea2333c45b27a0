"""Central's key rotation reaching a node, in process, on the test database (the node): rotation
statements, ``GET /api/v1/federation/keys/{instance}``, ``refresh_keys`` (``openbch keys
refresh``, ``sync run``) and bundles carrying the chain. The test plays central with its own
Ed25519 keys (:class:`Central`); a chain is accepted only from a key trusted here, each step signed
by the key before it, and every refusal is named and writes nothing. (Between real instances:
test_watch_and_keys.py.)"""

from __future__ import annotations

import base64
import copy
import gzip
import hashlib
import json
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.conf import settings
from django.db.models import Max

from openbch.client import ApiError, OpenBCHClient
from openbch.core.actors import SYSTEM
from openbch.core.errors import BadRequestError
from openbch.federation.bundles import FORMAT, export_bundle, import_bundle
from openbch.federation.keychain import refresh_keys
from openbch.federation.keys import ROTATION_FORMAT, generate_key, key_id_of, revoke_key, trust_key
from openbch.federation.models import Peer, TrustedKey
from openbch.federation.node import init_node
from openbch.federation.run import run
from openbch.records.hashing import canonical_json
from openbch.records.models import AuditEntry, ChangeEvent, Record
from tests.federation.feed_entries import canadian_decision_copy

pytestmark = pytest.mark.django_db


class Key:
    def __init__(self) -> None:
        self.private = Ed25519PrivateKey.generate()
        raw = self.private.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        self.public = base64.b64encode(raw).decode()
        self.id = key_id_of(raw)

    def sign(self, data: bytes) -> str:
        return base64.b64encode(self.private.sign(data)).decode()


class Central:
    """Central's side: its keys (the last signs), its rotation statements, its chain and its bundles."""

    def __init__(self, instance: str = "central-eu") -> None:
        self.instance = instance
        self.keys = [Key()]
        self.rotations: list[dict[str, Any]] = []

    @property
    def key(self) -> Key:
        return self.keys[-1]

    def statement(self, new: Key, *, previous: Key | None = None, **fields: Any) -> dict[str, Any]:
        old = previous or self.key
        return {
            "format": ROTATION_FORMAT,
            "instance": self.instance,
            "previous_key_id": old.id,
            "key_id": new.id,
            "public_key": new.public,
            "at": "2026-12-03T10:00:00+00:00",
            **fields,
        }

    def rotate(self, *, signer: Key | None = None, **fields: Any) -> Key:
        """A new key; its statement signed by the current key (or by ``signer``: a forgery)."""
        new = Key()
        statement = self.statement(new, **fields)
        signature = (signer or self.key).sign(canonical_json(statement).encode())
        self.rotations.append({"statement": statement, "signature": signature})
        self.keys.append(new)
        return new

    def chain(self, instance: str | None = None) -> dict[str, Any]:
        return {
            "instance": self.instance,
            "key_id": self.key.id,
            "public_key": self.key.public,
            "rotations": copy.deepcopy(self.rotations),
        }

    def bundle(self, folder: Path, changes: list[dict[str, Any]], *, key_chain: Any = None) -> Path:
        data = canonical_json(
            {
                "format": FORMAT,
                "instance": self.instance,
                "role": "central",
                "country": "",
                "after": 0,
                "last_seq": max(c["seq"] for c in changes),
                "created_at": "2026-12-03T11:00:00+00:00",
                "changes": changes,
            }
        ).encode()
        envelope: dict[str, Any] = {
            "format": FORMAT,
            "key_id": self.key.id,
            "signature": self.key.sign(data),
            "payload_sha256": hashlib.sha256(data).hexdigest(),
        }
        if key_chain is not None:
            envelope["key_chain"] = key_chain
        path = folder / "central.bundle"
        with gzip.open(path, "wb") as handle:
            handle.write(json.dumps(envelope).encode() + b"\n" + data)
        return path


@pytest.fixture
def central() -> Central:
    """Central, whose first key this node trusts (``keys trust``, once, by hand)."""
    ours = Central()
    trust_key(SYSTEM, instance=ours.instance, public_key=ours.key.public)
    return ours


def _trusted() -> dict[str, tuple[str, str, bool]]:
    return {k.key_id: (k.instance, k.country, k.revoked_at is not None) for k in TrustedKey.objects.all()}


def _written() -> tuple[int, int, int]:
    return TrustedKey.objects.count(), AuditEntry.objects.count(), Record.objects.count()


def _rotations_audited() -> list[dict[str, Any]]:
    return [e.details for e in AuditEntry.objects.filter(action="key.rotated").order_by("pk")]


def _refused(call: Any) -> set[str]:
    before = _written()
    with pytest.raises(BadRequestError) as refused:
        call()
    assert _written() == before, "a refusal wrote something"
    return {issue.code for issue in refused.value.issues}


def test_a_rotation_signed_by_the_trusted_key_is_accepted_and_audited(central: Central) -> None:
    first = central.key
    second = central.rotate()
    report = refresh_keys(SYSTEM, fetch=central.chain)
    assert (report.instance, report.key_id, report.trusted_from, report.accepted) == (
        "central-eu",
        second.id,
        first.id,
        [second.id],
    )
    # central's new key is trusted as its first was (no country); the old one stays, for bundles in transit
    assert _trusted() == {first.id: ("central-eu", "", False), second.id: ("central-eu", "", False)}
    [audited] = _rotations_audited()
    assert audited | {"via": "refresh"} == {
        "instance": "central-eu",
        "key_id": second.id,
        "previous_key_id": first.id,
        "rotated_at": "2026-12-03T10:00:00+00:00",
        "via": "refresh",
    }
    # up to date: nothing more is written
    before = _written()
    assert refresh_keys(SYSTEM, fetch=central.chain).accepted == [] and _written() == before


def test_a_chain_of_two_rotations_is_followed_step_by_step(central: Central) -> None:
    second, third = central.rotate(), central.rotate()
    assert refresh_keys(SYSTEM, fetch=central.chain).accepted == [second.id, third.id]
    assert [a["key_id"] for a in _rotations_audited()] == [second.id, third.id]
    # statements older than the key trusted here are not needed: a node that trusted the second key
    # by hand follows the fourth from it alone
    fourth = central.rotate()
    assert refresh_keys(SYSTEM, fetch=central.chain).accepted == [fourth.id]


def _forge_content(central: Central) -> None:
    """A statement whose key was swapped after signing (an attacker's key, its id recomputed)."""
    central.rotate()
    impostor = Key()
    central.rotations[-1]["statement"] |= {"key_id": impostor.id, "public_key": impostor.public}
    central.keys[-1] = impostor


def _fork(central: Central) -> None:
    """Two statements introducing one key, from two different keys."""
    central.rotate()
    other = copy.deepcopy(central.rotations[0])
    other["statement"]["previous_key_id"] = Key().id
    central.rotations.append(other)


def _truncate(central: Central) -> None:
    """Two rotations, but the chain served lacks the first: the second key is vouched for by nothing here."""
    central.rotate()
    central.rotate()
    del central.rotations[0]


@pytest.mark.parametrize(
    ("forge", "code"),
    [
        (lambda central: central.rotate(signer=Key()), "bad_signature"),
        (_forge_content, "bad_signature"),
        (_truncate, "untrusted_chain"),
        (lambda central: central.rotate(previous=Key()), "untrusted_chain"),
        (lambda central: central.rotate(instance="central-evil"), "wrong_instance"),
        (lambda central: central.rotate(format="something/1"), "invalid_statement"),
        (_fork, "forked_chain"),
    ],
    ids=[
        "signed by another key",
        "statement altered",
        "truncated chain",
        "from an unknown key",
        "another instance",
        "not a statement",
        "forked",
    ],
)
def test_a_bad_chain_is_refused_by_name_and_changes_nothing(central: Central, forge: Any, code: str) -> None:
    forge(central)
    assert code in _refused(lambda: refresh_keys(SYSTEM, fetch=central.chain))
    assert central.key.id not in _trusted()


def test_an_unknown_instance_is_refused_here_and_by_central_over_http(central: Central, bch: OpenBCHClient) -> None:
    assert "unknown_instance" in _refused(lambda: refresh_keys(SYSTEM, instance="nobody", fetch=central.chain))
    # central answers for itself only: asked for the keys of an instance this node trusts but central
    # is not, it answers 404 unknown_instance, and the node refuses by name
    with pytest.raises(ApiError) as answered:
        bch.key_chain("central-eu")
    assert answered.value.status == 404 and answered.value.problem["errors"][0]["code"] == "unknown_instance"
    assert "unknown_instance" in _refused(lambda: refresh_keys(SYSTEM, fetch=bch.key_chain))
    # a chain answered for another instance than the one asked
    elsewhere = Central("central-other")
    assert "wrong_instance" in _refused(lambda: refresh_keys(SYSTEM, fetch=lambda name: elsewhere.chain()))


def test_the_served_chain_of_generate_key_is_followed_over_http(bch: OpenBCHClient) -> None:
    """This database plays central too: its own rotations (``generate_key``), served by ``GET
    /api/v1/federation/keys/{instance}`` and followed by a refresh through the API, from its first
    key trusted as a node would trust it."""
    me = str(settings.INSTANCE_ID)
    with pytest.raises(ApiError) as none_yet:
        bch.key_chain(me)
    assert none_yet.value.status == 404
    first = generate_key(SYSTEM)
    assert bch.key_chain(me) == {
        "instance": me,
        "key_id": first.key_id,
        "public_key": first.public_key,
        "rotations": [],
    }
    trust_key(SYSTEM, instance=me, public_key=first.public_key)
    second, third = generate_key(SYSTEM), generate_key(SYSTEM)
    served = bch.key_chain(me)
    assert served["key_id"] == third.key_id
    assert [(r["statement"]["previous_key_id"], r["statement"]["key_id"]) for r in served["rotations"]] == [
        (first.key_id, second.key_id),
        (second.key_id, third.key_id),
    ]
    assert refresh_keys(SYSTEM, fetch=bch.key_chain).accepted == [second.key_id, third.key_id]


def test_exported_bundles_carry_the_rotation_statements(tmp_path: Path) -> None:
    first = generate_key(SYSTEM)
    path = tmp_path / "plain.bundle"
    after = ChangeEvent.objects.aggregate(m=Max("seq"))["m"] - 1
    export_bundle(SYSTEM, after=after, destination=path)
    with gzip.open(path, "rb") as handle:
        assert "key_chain" not in json.loads(handle.readline())  # never rotated: the envelope as before
    second = generate_key(SYSTEM)
    export_bundle(SYSTEM, after=after, destination=path)
    with gzip.open(path, "rb") as handle:
        envelope = json.loads(handle.readline())
    [rotation] = envelope["key_chain"]
    assert envelope["key_id"] == rotation["statement"]["key_id"] == second.key_id
    assert rotation["statement"]["previous_key_id"] == first.key_id


@pytest.fixture
def node(central: Central) -> None:
    init_node(SYSTEM, country="CO", central_url="http://127.0.0.1:9/", countries=["CA"])


def test_a_bundle_signed_with_centrals_new_key_imports_through_its_chain(
    central: Central, node: None, tmp_path: Path
) -> None:
    first = central.key
    second, third = central.rotate(), central.rotate()
    change = canadian_decision_copy(7, instance=central.instance)
    # without the statements: the key is unknown here, as before
    assert "unknown_key" in _refused(lambda: import_bundle(SYSTEM, central.bundle(tmp_path, [change])))
    report = import_bundle(SYSTEM, central.bundle(tmp_path, [change], key_chain=central.rotations))
    assert (report.published, report.keys_accepted) == (1, [second.id, third.id])
    assert Record.objects.filter(identifier=change["record"]["identifier"].upper()).exists()
    assert Peer.objects.get().last_seq == 7
    assert _trusted()[third.id] == ("central-eu", "", False) and not _trusted()[first.id][2]
    assert [(a["key_id"], a["via"]) for a in _rotations_audited()] == [(second.id, "bundle"), (third.id, "bundle")]


def test_a_bundle_with_a_forged_chain_or_a_refused_payload_trusts_no_key(
    central: Central, node: None, tmp_path: Path
) -> None:
    central.rotate(signer=Key())
    change = canadian_decision_copy(7, instance=central.instance)
    forged = central.bundle(tmp_path, [change], key_chain=central.rotations)
    assert "bad_signature" in _refused(lambda: import_bundle(SYSTEM, forged))
    # a genuine chain, but the bundle itself is refused (older than what the node holds): the key
    # is not kept without the bundle
    genuine = Central()
    genuine.keys = central.keys[:1]
    genuine.rotate()
    Peer.objects.create(url="http://127.0.0.1:9", last_seq=20)
    older = genuine.bundle(
        tmp_path, [canadian_decision_copy(9, instance=central.instance)], key_chain=genuine.rotations
    )
    assert "stale_bundle" in _refused(lambda: import_bundle(SYSTEM, older))
    assert genuine.key.id not in _trusted()


def test_a_revoked_key_is_not_accepted_again_nor_vouches_for_a_new_one(central: Central, tmp_path: Path) -> None:
    first = central.key
    second = central.rotate()
    refresh_keys(SYSTEM, fetch=central.chain)
    revoke_key(SYSTEM, second.id)  # central's second key leaked: revoked here
    # the chain central serves still ends at the second key: refused, it stays revoked
    assert "revoked_key" in _refused(lambda: refresh_keys(SYSTEM, fetch=central.chain))
    # whoever holds the leaked key signs a rotation to a third: a chain through a revoked key vouches
    # for nothing, though its first step is signed by a key still trusted here
    third = central.rotate()
    assert "revoked_key" in _refused(lambda: refresh_keys(SYSTEM, fetch=central.chain))
    init_node(SYSTEM, country="CO", central_url="http://127.0.0.1:9/", countries=["CA"])
    bundle = central.bundle(
        tmp_path, [canadian_decision_copy(3, instance=central.instance)], key_chain=central.rotations
    )
    assert "revoked_key" in _refused(lambda: import_bundle(SYSTEM, bundle))
    assert _trusted() == {first.id: ("central-eu", "", False), second.id: ("central-eu", "", True)}
    assert third.id not in _trusted()
    # revoking the first key too: nothing of central's is trusted to start a chain from
    revoke_key(SYSTEM, first.id)
    assert "revoked_key" in _refused(lambda: refresh_keys(SYSTEM, fetch=central.chain))


def test_sync_run_follows_centrals_rotation_before_its_round(
    central: Central, node: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The round's pull fails here (no central listens at the node's URL), yet central's new key was
    followed first, from the chain ``fetch_keys`` answers; a forged chain is named in the round."""
    # a round starts by dropping connections left in a transaction: here, the test's own
    monkeypatch.setattr("openbch.federation.run.close_old_connections", lambda: None)
    second = central.rotate()

    def no_push(page: dict[str, Any]) -> dict[str, Any]:
        raise AssertionError("nothing to push")

    [done] = run(SYSTEM, post=no_push, fetch_keys=central.chain)
    assert done.details == {"keys_accepted": [second.id]} and done.error  # (the pull's connection refused)
    central.rotate(signer=Key())
    [done] = run(SYSTEM, post=no_push, fetch_keys=central.chain)
    assert "bad_signature" in done.details["keys_error"] and central.key.id not in _trusted()
