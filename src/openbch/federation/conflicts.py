"""Conflicts: the node and central published different content as the same revision of one record.

The owner is authoritative (the country, through its node, for its national records), but an edit
made at central is never silently overwritten, and never silently dropped either: the conflict is
recorded on both sides (:class:`~openbch.federation.models.Conflict`) with both versions, shown with
a field-by-field diff, and resolved by the owner, who keeps one version by publishing it as the next
revision (:func:`resolve`). That revision then flows like any other.

Where a conflict is detected:

* at central, when a push (or a node's bundle) brings a revision central holds with other content
  (:func:`record_received`, called by :mod:`openbch.federation.receive`); the push's answer names it,
  and the node records it from the answer (:func:`record_pushed`);
* at the node, when a pull (or central's bundle) brings a revision of one of the node's own records
  that the node holds with other content (:func:`record_pulled`).

A conflict never blocks the rest of the page: the conflicting change is set aside (recorded here),
the other changes are applied and the cursors move on.

When it is resolved: at the node, when the owner resolves it (or pushes a later revision of the
record: the owner's newer word supersedes both versions); at central, when a later revision of the
record arrives from the node. The resolution says which version the later revision carries
(``node``, ``central``, or ``superseded`` when it is neither).

The diff is :func:`openbch.records.history.diff_bodies` (JSON pointers of leaf values, ``{op, path,
old, new}``), the one the record history pages and ``/records/{uid}/diff`` use: no extra library
(neither deepdiff nor jsonpatch is among the kept dependencies), and one diff shape in the whole API.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from openbch.core.actors import Actor, Role
from openbch.core.errors import ConflictError, Issue, NotFoundError, PermissionDeniedError, ValidationFailedError
from openbch.federation.models import Conflict, Node
from openbch.records.audit import AuditEvent, append_audit
from openbch.records.copies import CopiedChange, CopyConflict
from openbch.records.history import diff_bodies
from openbch.records.locking import acquire_write_lock
from openbch.records.models import Record, RecordState, Revision
from openbch.records.policy import Action, allowed
from openbch.records.publishing import PreparedRevision, write_revisions
from openbch.records.withdrawal import write_withdrawal
from openbch.recordtypes import get_record_type
from openbch.recordtypes.validate import validate

__all__ = [
    "conflict_out",
    "list_conflicts",
    "record_pulled",
    "record_pushed",
    "record_received",
    "resolve",
    "settle",
]

KEEP = ("node", "central")


def _uid(change: CopiedChange) -> str:
    return f"BCH-{change.type}-{change.owner}-{change.number}"


def _record(actor: Actor, values: Mapping[str, Any]) -> tuple[Conflict, bool]:
    """The conflict of ``values``' record and revision, and whether it is new: a new one is stored
    and audited, a known one is left as it is."""
    conflict, created = Conflict.objects.get_or_create(
        identifier=values["identifier"], revision=values["revision"], defaults=dict(values)
    )
    if not created:
        return conflict, False
    append_audit(
        actor,
        [
            AuditEvent(
                "sync.conflict",
                country=conflict.owner,
                details={
                    "uid": conflict.uid,
                    "revision": conflict.revision,
                    "node": conflict.node_instance,
                    "node_hash": conflict.node_hash,
                    "central": conflict.central_instance,
                    "central_hash": conflict.central_hash,
                },
            )
        ],
        at=timezone.now(),
    )
    return conflict, True


def record_received(actor: Actor, found: Sequence[CopyConflict]) -> list[Conflict]:
    """At central: the conflicts a push brought (the caller holds the transaction); all of them,
    known before or not, for the push's answer."""
    now = timezone.now()
    out = []
    for item in found:
        change = item.change
        values = {
            "identifier": change.identifier.upper(),
            "uid": _uid(change),
            "type": change.type,
            "owner": change.owner,
            "revision": change.revision,
            "node_instance": change.origin.instance,
            "node_hash": change.content_hash,
            "node_body": dict(change.body),
            "central_instance": str(settings.INSTANCE_ID),
            "central_hash": item.held_hash,
            "central_body": item.held_body,
            "detected_at": now,
        }
        out.append(_record(actor, values)[0])
    return out


def record_pushed(actor: Actor, answer: Mapping[str, Any]) -> int:
    """At the node: the conflicts central's answer to a push names (the caller holds the transaction)."""
    count = 0
    for item in answer.get("conflicts") or []:
        if not isinstance(item, Mapping):
            continue
        identifier = str(item.get("identifier", "")).upper()
        revision = item.get("revision")
        if not isinstance(revision, int):
            continue
        held = (
            Revision.objects.filter(record__identifier=identifier, revision=revision).select_related("record").first()
        )
        if held is None:  # not ours: central names only what the node sent
            continue
        record = held.record
        values = {
            "identifier": identifier,
            "uid": f"BCH-{record.type}-{record.owner}-{record.number}",
            "type": record.type,
            "owner": record.owner,
            "revision": held.revision,
            "node_instance": str(settings.INSTANCE_ID),
            "node_hash": held.content_hash,
            "node_body": held.body,
            "central_instance": str(item.get("central_instance", "")),
            "central_hash": str(item.get("central_hash", "")),
            "central_body": item.get("central_body") if isinstance(item.get("central_body"), dict) else {},
            "detected_at": timezone.now(),
        }
        # an edit made at central first seen by a pull (central_ahead), which the node has since
        # edited too: now both sides published revision N
        Conflict.objects.filter(
            identifier=identifier, revision=held.revision, kind="central_ahead", resolved_at__isnull=True
        ).update(kind="diverged", node_hash=held.content_hash, node_body=held.body)
        count += _record(actor, values)[1]
    return count


def record_pulled(actor: Actor, node: Node, central: str, changes: Iterable[CopiedChange]) -> list[Conflict]:
    """At the node: central's changes of the node's own records that the pull skips (the caller holds
    the transaction), recorded as conflicts: a revision held here with other content (``diverged``),
    a revision of a record published here that the node does not hold yet (``central_ahead``: an
    edit made only at central), and central's withdrawal of a record published and not withdrawn
    here (``withdrawn``). Returns the page's conflicts, known before or not. ``central``: how the
    node names central (its URL)."""
    own = [c for c in changes if c.owner == node.country]
    if not own:
        return []
    identifiers = {c.identifier.upper() for c in own}
    held = {
        (identifier, revision): (digest, body)
        for identifier, revision, digest, body in Revision.objects.filter(
            record__identifier__in=identifiers
        ).values_list("record__identifier", "revision", "content_hash", "body")
    }
    # records published here: the pull skips central's changes of them (pull._wanted)
    mine = {
        r.identifier: r
        for r in Record.objects.filter(identifier__in=identifiers, instance=settings.INSTANCE_ID).only(
            "identifier", "revision", "state"
        )
    }
    found = []
    for change in own:
        identifier = change.identifier.upper()
        record = mine.get(identifier)
        values: dict[str, Any] = {
            "identifier": identifier,
            "uid": _uid(change),
            "type": change.type,
            "owner": change.owner,
            "revision": change.revision,
            "node_instance": str(settings.INSTANCE_ID),
            "central_instance": central,
            "central_hash": change.content_hash,
            "central_body": dict(change.body),
            "detected_at": timezone.now(),
        }
        if change.kind == "withdrawn":
            if record is None or record.state == RecordState.WITHDRAWN:
                continue
            # the node's side: its current revision, kept until the owner decides
            current = held.get((identifier, record.revision))
            if current is None:
                continue
            reason = change.withdrawn_reason or "withdrawn at central"
            conflict = Conflict.objects.filter(identifier=identifier, revision=change.revision).first()
            if conflict is not None:  # central edited then withdrew it: one conflict says both
                if conflict.resolved_at is None:
                    if not conflict.withdrawn_reason:
                        conflict.withdrawn_reason = reason
                        conflict.save(update_fields=["withdrawn_reason"])
                    found.append(conflict)
                continue
            values |= {
                "kind": "withdrawn",
                "withdrawn_reason": reason,
                "node_hash": current[0],
                "node_body": current[1],
            }
        elif change.kind != "published":
            continue
        else:
            same = held.get((identifier, change.revision))
            if same is not None:
                if same[0] == change.content_hash:
                    continue
                values |= {"kind": "diverged", "node_hash": same[0], "node_body": same[1]}
            elif record is not None and record.revision < change.revision:
                current = held.get((identifier, record.revision))
                if current is None:
                    continue
                values |= {"kind": "central_ahead", "node_hash": current[0], "node_body": current[1]}
            else:
                continue
        found.append(_record(actor, values)[0])
    return found


def settle(actor: Actor, arrived: Iterable[tuple[str, int]], *, by: str) -> int:
    """Mark resolved the open conflicts that a later revision of their record settles: ``arrived``
    are (identifier, revision) just stored or accepted (the caller holds the transaction); ``by``:
    who published it."""
    latest: dict[str, int] = {}
    for identifier, revision in arrived:
        key = identifier.upper()
        latest[key] = max(revision, latest.get(key, 0))
    if not latest:
        return 0
    count = 0
    now = timezone.now()
    for conflict in Conflict.objects.filter(identifier__in=latest, resolved_at__isnull=True):
        revision = latest[conflict.identifier]
        if revision <= conflict.revision:
            continue
        digest = (
            Revision.objects.filter(record__identifier=conflict.identifier, revision=revision)
            .values_list("content_hash", flat=True)
            .first()
        )
        kept = "node" if digest == conflict.node_hash else "central" if digest == conflict.central_hash else ""
        _resolved(actor, conflict, resolution=kept or "superseded", by=by, revision=revision, at=now)
        count += 1
    return count


def _resolved(actor: Actor, conflict: Conflict, *, resolution: str, by: str, revision: int, at: Any) -> None:
    conflict.resolved_at = at
    conflict.resolved_by = by[:150]
    conflict.resolution = resolution
    conflict.resolved_revision = revision
    conflict.save(update_fields=["resolved_at", "resolved_by", "resolution", "resolved_revision"])
    append_audit(
        actor,
        [
            AuditEvent(
                "sync.conflict_resolved",
                country=conflict.owner,
                details={"uid": conflict.uid, "revision": conflict.revision, "kept": resolution, "as": revision},
            )
        ],
        at=at,
    )


def _may_see(actor: Actor, conflict: Conflict) -> bool:
    if actor.is_administrator:
        return True
    # seeing is for the owner's publishing authority, whatever the token's scopes (resolving needs write)
    if get_record_type(conflict.type).family == "national":
        return actor.holds(Role.NATIONAL_PUBLISHING_AUTHORITY, country=conflict.owner)
    return actor.holds(Role.REFERENCE_VALIDATOR)


def conflict_out(conflict: Conflict) -> dict[str, Any]:
    """A conflict as the API, the CLI and the sync page show it, with the diff from central's
    version to the node's."""
    return {
        "identifier": conflict.identifier,
        "uid": conflict.uid,
        "kind": conflict.kind,
        "withdrawn_reason": conflict.withdrawn_reason or None,
        "type": conflict.type,
        "owner": conflict.owner,
        "revision": conflict.revision,
        "node": {"instance": conflict.node_instance, "content_hash": conflict.node_hash},
        "central": {"instance": conflict.central_instance, "content_hash": conflict.central_hash},
        "detected_at": conflict.detected_at.isoformat(),
        "resolved_at": conflict.resolved_at.isoformat() if conflict.resolved_at else None,
        "resolved_by": conflict.resolved_by or None,
        "resolution": conflict.resolution or None,
        "resolved_revision": conflict.resolved_revision,
        "diff": diff_bodies(conflict.central_body, conflict.node_body),
    }


def list_conflicts(actor: Actor, *, open_only: bool = False) -> list[Conflict]:
    """The conflicts ``actor`` may see (administrators: all; a publishing authority: its country's),
    newest first."""
    if not actor.is_registered and not actor.is_administrator:
        raise PermissionDeniedError(f"{actor.name} may not see synchronisation conflicts")
    rows = Conflict.objects.order_by("-detected_at", "-id")
    if open_only:
        rows = rows.filter(resolved_at__isnull=True)
    return [c for c in rows if _may_see(actor, c)]


def resolve(actor: Actor, identifier: str, *, keep: str) -> Record:
    """The owner keeps one version of a conflicting record: it is published here as the next
    revision (so it reaches the other side like any publication) and the record's open conflicts are
    resolved.

    Central's revisions the node lacks (``central_ahead``: edits made only at central) are first
    adopted, in order, as the node's own next revisions: the same bodies, so the same content hashes,
    which central then reports unchanged when they are pushed. Keeping central's version ends there
    (with central's withdrawal, when central withdrew the record); keeping the node's publishes the
    node's version as one more revision. A ``diverged`` conflict alone publishes the version kept as
    the next revision.

    Only at the owner's side: on a node, for its own country's records, by an actor who may publish
    them. Central refuses: a node's record is resolved at the node."""
    if keep not in KEEP:
        raise ValidationFailedError(
            "keep the node's version or central's",
            issues=[Issue("/keep", "invalid_choice", f"{keep!r}: expected one of {', '.join(KEEP)}")],
        )
    key = identifier.strip().upper()
    with transaction.atomic():
        acquire_write_lock()
        pending = list(
            Conflict.objects.select_for_update().filter(identifier=key, resolved_at__isnull=True).order_by("revision")
        )
        conflict = pending[-1] if pending else None
        if conflict is None or not _may_see(actor, conflict):
            raise NotFoundError(f"no open conflict on {identifier[:80]!r}")
        node = Node.objects.first()
        if node is None or node.country != conflict.owner:
            raise ConflictError(
                f"{conflict.uid} belongs to {conflict.owner}: its owner resolves the conflict, at its node "
                f"({conflict.node_instance})"
            )
        record_type = get_record_type(conflict.type)
        if not allowed(
            actor, Action.PUBLISH, family=record_type.family, owner=conflict.owner, record_type=conflict.type
        ):
            raise PermissionDeniedError(f"{actor.name} may not publish {conflict.type} records of {conflict.owner}")
        record = Record.objects.select_for_update().get(identifier=key)
        held = Revision.objects.filter(record=record, revision=record.revision).values_list("content_hash", "body")
        previous, current = held.first() or ("", {})
        # central's revisions after the node's, in order (a gap stops the adoption: nothing is skipped)
        ahead = {c.revision: c.central_body for c in pending if c.kind == "central_ahead"}
        bodies: list[dict[str, Any]] = []
        while record.revision + 1 + len(bodies) in ahead:
            bodies.append(ahead[record.revision + 1 + len(bodies)])
        withdrawal = next((c.withdrawn_reason for c in reversed(pending) if c.withdrawn_reason), "")
        if keep == "node":
            # what the diff showed as the node's: its revision N (diverged), else its latest
            bodies.append(conflict.node_body if conflict.kind == "diverged" else current)
        elif not bodies and not withdrawal:
            bodies.append(conflict.central_body)
        now = timezone.now()
        for body in bodies:
            result = validate(record_type, dict(body), level="publish", owner=conflict.owner)
            if result.errors:
                raise ValidationFailedError(f"the {keep}'s version is not valid any more", issues=result.errors)
            prepared = PreparedRevision(
                record_type=record_type,
                owner=conflict.owner,
                body=dict(body),
                identifier=key,
                languages=sorted(result.languages),
                warnings=result.warnings,
                existing=record,
                previous_hash=previous,
            )
            [record] = write_revisions(actor, [prepared], at=now)
            previous = prepared.hash
        if keep == "central" and withdrawal and record.state != RecordState.WITHDRAWN:
            write_withdrawal(actor, record, reason=withdrawal, at=now)
        _resolved(actor, conflict, resolution=keep, by=actor.name, revision=record.revision, at=now)
        # the record's other open conflicts are settled by the same revision
        Conflict.objects.filter(identifier=key, resolved_at__isnull=True).update(
            resolved_at=now, resolved_by=actor.name[:150], resolution="superseded", resolved_revision=record.revision
        )
    return record
