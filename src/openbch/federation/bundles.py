"""Offline bundles: the same synchronisation as online, carried in one signed file (a USB stick).

``openbch bundle export --after SEQ`` writes the changes after SEQ: on central, every change (the
node that imports keeps what it mirrors, as a pull does); on a node, its own publications and
withdrawals (what a push sends). ``openbch bundle import FILE`` verifies the signature against the
sender's key registered here (:mod:`openbch.federation.keys`), then applies the changes with the
online rules: on a node, :func:`openbch.federation.pull.apply_central_page` (the pull cursor
moves, so online pull and bundles can alternate); on central,
:func:`openbch.federation.receive.receive_changes` as the node's country's publishing authority.
Either way the end state is the one online synchronisation reaches, and the report counts and
names (UID, revision) the changes recorded as conflicts, as push and pull do.

File format (gzip): one line of JSON, the envelope ``{"format", "key_id", "signature",
"payload_sha256", "key_chain"}``, then the payload: the canonical JSON of ``{"format",
"instance", "role", "country", "after", "last_seq", "created_at", "changes"}``, the changes
shaped as the change feed serves them with ``include=record``. The Ed25519 signature covers the payload's bytes exactly.
``key_chain`` (absent when the sender never rotated) lists the sender's rotation statements: a
receiver that trusts only an older key of the sender accepts the new one through them, each
signed by the key before it (:mod:`openbch.federation.keychain`), in the import's transaction.
Documents are links inside record bodies, so the content hashes cover them; openbch stores no
attachment files a bundle would have to carry.

Refused, with a named error and nothing written: a file that is not a bundle or is damaged (a
flipped byte breaks gzip's CRC or the signature), a key not registered here or revoked, a payload
that claims another instance than its key's, a bundle already applied or older than what is held
(replayed), one that starts after what is held (a gap), and anything the online rules refuse.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from openbch.core.actors import Actor, Grant, Role
from openbch.core.errors import BadRequestError, ConflictError, Issue, PermissionDeniedError
from openbch.core.gcpause import batch_collection
from openbch.federation.feed import APPLIED_KINDS, change_out, read_page
from openbch.federation.keychain import Rotation, accept_rotation, own_chain, verify_rotations
from openbch.federation.keys import sign, verify
from openbch.federation.models import Node, Peer, TrustedKey
from openbch.federation.pull import apply_central_page
from openbch.federation.receive import receive_changes
from openbch.records.hashing import canonical_json
from openbch.records.locking import acquire_write_lock
from openbch.records.models import ChangeEvent
from openbch.records.queries import revisions_of

__all__ = ["BundleReport", "export_bundle", "import_bundle"]

FORMAT = "openbch-bundle/1"
#: changes read per query while exporting
_CHUNK = 2000


@dataclass
class BundleReport:
    instance: str
    role: str
    after: int
    last_seq: int
    changes: int
    published: int = 0
    withdrawn: int = 0
    unchanged: int = 0
    skipped: int = 0
    #: changes recorded as conflicts (set aside), as push and pull count them
    conflicts: int = 0
    #: which: ``{"uid", "revision"}`` each (the UID without revision)
    conflicted: list[dict[str, Any]] = field(default_factory=list)
    #: the sender's keys newly trusted through the bundle's rotation statements, oldest first
    keys_accepted: list[str] = field(default_factory=list)

    def conflicts_were(self, found: list[tuple[str, int]]) -> None:
        self.conflicts = len(found)
        self.conflicted = [{"uid": uid, "revision": revision} for uid, revision in found]


def _refuse(path: str, code: str, message: str) -> BadRequestError:
    return BadRequestError(message, issues=[Issue(path, code, message)])


def _events(after: int, node: Node | None) -> list[ChangeEvent]:
    events = ChangeEvent.objects.select_related("record").filter(seq__gt=after, kind__in=APPLIED_KINDS)
    if node is not None:  # a node sends its own publications only
        events = events.filter(owner=node.country, record__instance=settings.INSTANCE_ID)
    return list(events.order_by("seq"))


def export_bundle(actor: Actor, *, after: int, destination: Path) -> BundleReport:
    """Write the changes after seq ``after`` to ``destination``, signed; returns what it holds."""
    if not actor.is_administrator:
        raise PermissionDeniedError(f"{actor.name} may not export bundles: it needs the administrator role")
    node = Node.objects.first()
    events = _events(after, node)
    changes: list[dict[str, Any]] = []
    for start in range(0, len(events), _CHUNK):
        chunk = events[start : start + _CHUNK]
        found = revisions_of((e.record_id, e.revision) for e in chunk)
        changes += [change_out(e, found.get((e.record_id, e.revision)), with_record=True) for e in chunk]
    last = events[-1].seq if events else after
    payload = canonical_json(
        {
            "format": FORMAT,
            "instance": str(settings.INSTANCE_ID),
            "role": "node" if node else "central",
            "country": node.country if node else "",
            "after": after,
            "last_seq": last,
            "created_at": timezone.now().isoformat(),
            "changes": changes,
        }
    ).encode("utf-8")
    key_id, signature = sign(payload)
    envelope: dict[str, Any] = {
        "format": FORMAT,
        "key_id": key_id,
        "signature": signature,
        "payload_sha256": hashlib.sha256(payload).hexdigest(),
    }
    rotations = own_chain()["rotations"]
    if rotations:
        envelope["key_chain"] = rotations
    partial = destination.with_name(destination.name + ".partial")
    with gzip.open(partial, "wb") as handle:
        handle.write(json.dumps(envelope).encode() + b"\n" + payload)
    partial.replace(destination)  # a bundle file is whole or absent
    role = "node" if node else "central"
    return BundleReport(str(settings.INSTANCE_ID), role, after, last, len(changes))


def _read(source: Path) -> tuple[dict[str, Any], bytes]:
    try:
        with gzip.open(source, "rb") as handle:
            data = handle.read()
    except (OSError, EOFError, zlib.error) as exc:
        raise _refuse("/file", "corrupt", f"not a bundle, or damaged: {exc}") from None
    head, _, payload = data.partition(b"\n")
    try:
        envelope = json.loads(head)
    except ValueError:
        raise _refuse("/file", "corrupt", "not a bundle: no envelope line") from None
    if not isinstance(envelope, dict) or envelope.get("format") != FORMAT:
        raise _refuse("/format", "unknown_format", f"not an {FORMAT} file")
    if hashlib.sha256(payload).hexdigest() != envelope.get("payload_sha256"):
        raise _refuse("/payload_sha256", "corrupt", "the payload is not the one the envelope names: damaged")
    return envelope, payload


def import_bundle(actor: Actor, source: Path) -> BundleReport:
    """Verify and apply a bundle file (module docstring); all of it or, on any error, nothing."""
    if not actor.is_administrator:
        raise PermissionDeniedError(f"{actor.name} may not import bundles: it needs the administrator role")
    envelope, payload_bytes = _read(source)
    key_id = str(envelope.get("key_id", ""))
    rotation: Rotation | None = None
    if envelope.get("key_chain") and not TrustedKey.objects.filter(key_id=key_id).exists():
        rotation = verify_rotations(envelope["key_chain"], key_id, path="/key_chain")
    trusted = verify(
        key_id, payload_bytes, str(envelope.get("signature", "")), candidate=rotation.key if rotation else None
    )
    # a bundle is one batch of up to hundreds of thousands of changes (core.gcpause)
    with batch_collection():
        try:
            payload = json.loads(payload_bytes)
        except ValueError as exc:
            raise _refuse("/payload", "corrupt", f"the payload is not JSON: {exc}") from None
        if not isinstance(payload, dict):
            raise _refuse("/payload", "corrupt", "the payload is not a JSON object")
        return _apply(actor, trusted, rotation, payload)


def _apply(actor: Actor, trusted: TrustedKey, rotation: Rotation | None, payload: dict[str, Any]) -> BundleReport:
    if payload.get("instance") != trusted.instance:
        raise _refuse(
            "/instance", "forged_origin", f"signed with {trusted.instance}'s key, claims {payload.get('instance')!r}"
        )
    after, last = payload.get("after"), payload.get("last_seq")
    if not isinstance(after, int) or not isinstance(last, int) or last < after:
        raise _refuse("/last_seq", "invalid", "after and last_seq must be integers, last_seq >= after")
    report = BundleReport(trusted.instance, str(payload.get("role")), after, last, len(payload.get("changes") or []))
    node = Node.objects.first()
    with transaction.atomic():  # a key accepted through the chain stays only with the bundle applied
        if rotation is not None and rotation.steps:
            trusted = accept_rotation(actor, rotation, how="bundle")
            report.keys_accepted = [step.key_id for step in rotation.steps]
        if node is not None:
            _into_node(actor, node, trusted, payload, report)
        else:
            _into_central(trusted, payload, report)
    return report


def _into_node(actor: Actor, node: Node, trusted: TrustedKey, payload: dict[str, Any], report: BundleReport) -> None:
    if trusted.country or payload.get("role") != "central":
        raise _refuse("/role", "not_central", "a node imports bundles of its central clearing-house only")
    peer, _ = Peer.objects.get_or_create(url=node.central_url)
    held = peer.last_seq
    if report.last_seq <= held:
        raise _refuse("/last_seq", "stale_bundle", f"replayed or older: this node holds central's changes up to {held}")
    if report.after > held:
        raise _refuse(
            "/after", "gap", f"starts after seq {report.after}, this node holds up to {held}: changes missing"
        )
    remaining = [c for c in payload.get("changes") or [] if isinstance(c, dict) and int(c.get("seq", 0)) > held]
    page = read_page({"changes": remaining, "last_seq": report.last_seq, "next": None}, after=held)
    applied = apply_central_page(actor, node, peer.pk, page, after=held, how="bundle")
    if applied is None:
        raise ConflictError("another synchronisation moved the cursor meanwhile: import the bundle again")
    report.skipped = applied.skipped
    report.conflicts_were(applied.conflicts)
    if applied.stored:
        report.published, report.withdrawn = applied.stored.published, applied.stored.withdrawn
        report.unchanged = applied.stored.unchanged


def _into_central(trusted: TrustedKey, payload: dict[str, Any], report: BundleReport) -> None:
    if not trusted.country or payload.get("role") != "node" or payload.get("country") != trusted.country:
        raise _refuse(
            "/country", "wrong_country", f"{trusted.instance}'s key is registered for {trusted.country or 'no country'}"
        )
    # the node's publishing authority for its country, as its push token would be
    authority = Actor(
        name=f"node {trusted.instance}",
        grants=(Grant(Role.NATIONAL_PUBLISHING_AUTHORITY, trusted.country),),
        scopes=frozenset({"read", "write"}),
    )
    with transaction.atomic():
        acquire_write_lock()
        key = TrustedKey.objects.select_for_update().get(pk=trusted.pk)
        if report.last_seq <= key.received_seq:
            raise _refuse(
                "/last_seq",
                "stale_bundle",
                f"replayed or older: {key.instance}'s changes up to {key.received_seq} are held",
            )
        stored = receive_changes(authority, {"changes": payload.get("changes") or [], "last_seq": report.last_seq})
        key.received_seq = report.last_seq
        key.save(update_fields=["received_seq"])
    report.published, report.withdrawn, report.unchanged = stored.published, stored.withdrawn, stored.unchanged
    report.conflicts_were([(c.uid, c.revision) for c in stored.found])
