"""Where synchronisation stands, for the CLI's ``sync status`` and the administrators' sync page."""

from __future__ import annotations

from typing import Any

from django.db.models import F, Q
from django.utils import timezone

from openbch.core.actors import Actor
from openbch.core.errors import PermissionDeniedError
from openbch.federation.conflicts import conflict_out
from openbch.federation.models import Conflict, Node, Peer, SigningKey, TrustedKey
from openbch.federation.push import pending
from openbch.records.models import AuditEntry

__all__ = ["sync_status"]

#: sync and key events shown, newest first
RECENT = 20


def sync_status(actor: Actor, *, history: bool = False) -> dict[str, Any]:
    """The node's settings, the mirror's progress (last seq, lag in changes and in time since the last
    success, pending pushes, the last failure with its reason), the conflicts (open ones first, with
    their diffs), the keys, and with ``history`` the
    latest synchronisation events of the audit log."""
    if not actor.is_administrator:
        raise PermissionDeniedError(f"{actor.name} may not see the synchronisation: it needs the administrator role")
    node = Node.objects.first()
    status: dict[str, Any] = {"role": "node" if node else "central"}
    if node:
        status |= {"country": node.country, "central": node.central_url, "countries": node.countries or "all"}
        peer = Peer.objects.filter(url=node.central_url).first()
        if peer:
            since = timezone.now() - peer.last_success_at if peer.last_success_at else None
            status |= {
                "last_seq": peer.last_seq,
                "lag_seq": max(peer.head_seq - peer.last_seq, 0),
                "lag_seconds": round(since.total_seconds()) if since else None,
                "applied": peer.applied,
                "last_success_at": peer.last_success_at.isoformat() if peer.last_success_at else None,
                "last_attempt_at": peer.last_attempt_at.isoformat() if peer.last_attempt_at else None,
                "last_error": peer.last_error or None,
                "pushed_seq": peer.pushed_seq,
                "pending_pushes": pending(node, peer),
            }
    status["open_conflicts"] = Conflict.objects.filter(resolved_at__isnull=True).count()
    # open ones first, then the latest resolved
    shown = Conflict.objects.order_by(F("resolved_at").desc(nulls_first=True), "-detected_at")[:RECENT]
    status["conflicts"] = [conflict_out(c) for c in shown]
    own = SigningKey.objects.filter(retired_at__isnull=True).order_by("-created_at").first()
    status["signing_key"] = own.key_id if own else None
    status["trusted_keys"] = [
        {
            "instance": k.instance,
            "key_id": k.key_id,
            "country": k.country,
            "revoked": k.revoked_at is not None,
            "received_seq": k.received_seq,
        }
        for k in TrustedKey.objects.order_by("registered_at")
    ]
    if history:
        ours = Q(action__startswith="sync.") | Q(action__startswith="key.") | Q(action__startswith="node.")
        entries = AuditEntry.objects.filter(ours).order_by("-seq")[:RECENT]
        status["events"] = [
            {"at": e.at.isoformat(), "action": e.action, "actor": e.actor, "details": e.details} for e in entries
        ]
    return status
