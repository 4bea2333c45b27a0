"""The audit log: one hash-chained entry per mutation, appended in the mutation's transaction.

``entry_hash = sha256(prev_hash + canonical entry)``, so changing or removing any entry breaks the
chain from there on; :func:`verify_chain` finds the first broken link.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from openbch.core.actors import Actor
from openbch.records.hashing import canonical_json
from openbch.records.models import AuditEntry
from openbch.records.rows import JsonText, insert_rows

__all__ = ["AuditEvent", "append_audit", "verify_chain"]

GENESIS = "0" * 64


@dataclass(frozen=True)
class AuditEvent:
    action: str
    record_identifier: str = ""
    record_uid: str = ""
    before_hash: str = ""
    after_hash: str = ""
    #: the country the action concerns (a record's owner, a role's country)
    country: str = ""
    details: dict[str, Any] = field(default_factory=dict)


_FIELDS = (
    "at", "actor", "actor_kind", "roles", "country", "action", "record_identifier", "record_uid", "before_hash", "after_hash",
    "request_id", "client_ip", "details",
)  # fmt: skip


def _digest(prev_hash: str, entry: dict[str, Any]) -> str:
    return _chain(prev_hash, {**entry, "at": entry["at"].isoformat()})


def _chain(prev_hash: str, entry: dict[str, Any]) -> str:
    """The entry hash of ``entry`` (its time already as ISO text) after ``prev_hash``."""
    return hashlib.sha256((prev_hash + canonical_json(entry)).encode("utf-8")).hexdigest()


def append_audit(actor: Actor, events: Iterable[AuditEvent], *, at: dt.datetime) -> None:
    """Append entries for ``events``; the caller holds the write lock (see locking.py)."""
    last = AuditEntry.objects.order_by("-seq").values_list("entry_hash", flat=True).first()
    prev = last or GENESIS
    # what every entry of this call shares, worked out once (a bulk load appends thousands)
    shared: dict[str, Any] = {
        "at": at.isoformat(),
        "actor": actor.name,
        "actor_kind": actor.kind,
        "roles": actor.describe_roles()[:500],
        "request_id": actor.request_id,
        "client_ip": actor.client_ip,
    }
    rows = []
    for event in events:
        entry: dict[str, Any] = {
            **shared,
            "country": event.country[:4],
            "action": event.action,
            "record_identifier": event.record_identifier,
            "record_uid": event.record_uid,
            "before_hash": event.before_hash,
            "after_hash": event.after_hash,
            "details": event.details,
        }
        digest = _chain(prev, entry)
        # stored with the transaction's datetime; the details go in as the JSON the digest was computed over
        entry["at"] = at
        rows.append([*(entry[f] for f in _FIELDS[:-1]), JsonText(canonical_json(entry["details"])), prev, digest])
        prev = digest
    insert_rows(AuditEntry, [*_FIELDS, "prev_hash", "entry_hash"], rows)


def verify_chain() -> tuple[bool, int | None, int]:
    """(intact, seq of the first bad entry or None, entries checked)."""
    prev = GENESIS
    checked = 0
    for entry in AuditEntry.objects.order_by("seq").iterator(chunk_size=5000):
        checked += 1
        stored = {f: getattr(entry, f) for f in _FIELDS}
        if entry.prev_hash != prev or _digest(prev, stored) != entry.entry_hash:
            return False, entry.seq, checked
        prev = entry.entry_hash
    return True, None, checked
