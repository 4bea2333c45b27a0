"""Push: a national node's own publications reach the central clearing-house, under its credentials.

What is pushed: the events of the node's own change log for records it published itself (its
country's national records, with this instance as their origin), after the last seq central
accepted (:class:`~openbch.federation.models.Peer` ``pushed_seq``), in pages shaped like the change
feed with records (:func:`openbch.federation.feed.change_out`). Central stores them as copies with
the same UID and revision (:mod:`openbch.federation.receive`) and answers what it did; only then
does the node move its cursor. A page central already stored is stored again as "unchanged", so a
push interrupted between central's commit and the node's (a dropped answer, a killed process) is
simply repeated.

The transport is a function ``post(page) -> answer`` (:func:`http_poster` in production).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from openbch.core.actors import Actor
from openbch.federation.conflicts import record_pushed, settle
from openbch.federation.feed import APPLIED_KINDS, change_out
from openbch.federation.models import Node, Peer
from openbch.federation.pull import failed, node_for_sync
from openbch.records.audit import AuditEvent, append_audit
from openbch.records.locking import acquire_write_lock
from openbch.records.models import ChangeEvent
from openbch.records.queries import revisions_of

__all__ = ["Post", "PushReport", "http_poster", "pending", "push"]

log = logging.getLogger(__name__)

#: sends one page to central and returns its answer (``{"published": n, ...}``); raises on refusal
Post = Callable[[dict[str, Any]], dict[str, Any]]


@dataclass
class PushReport:
    pages: int = 0
    published: int = 0
    withdrawn: int = 0
    unchanged: int = 0
    #: changes central set aside: it holds their revision with other content (recorded both sides)
    conflicts: int = 0
    pushed_seq: int = 0


def http_poster(base_url: str, token: str, *, timeout: float = 60.0) -> Post:
    from openbch.client import OpenBCHClient

    client = OpenBCHClient(base_url, token=token, timeout=timeout)

    def post(page: dict[str, Any]) -> dict[str, Any]:
        return client.push_changes(page)

    return post


def _own_events(node: Node, after: int, limit: int) -> list[ChangeEvent]:
    return list(
        ChangeEvent.objects.select_related("record")
        .filter(
            seq__gt=after,
            owner=node.country,
            kind__in=APPLIED_KINDS,
            record__instance=settings.INSTANCE_ID,
        )
        .order_by("seq")[:limit]
    )


def pending(node: Node, peer: Peer) -> int:
    """How many of the node's own changes central has not accepted yet."""
    return ChangeEvent.objects.filter(
        seq__gt=peer.pushed_seq, owner=node.country, kind__in=APPLIED_KINDS, record__instance=settings.INSTANCE_ID
    ).count()


def push(
    actor: Actor, *, post: Post, limit: int = 500, progress: Callable[[PushReport], None] | None = None
) -> PushReport:
    """Send the node's own changes after the pushed cursor to central, page by page (``progress``
    is called after each page is committed; it may raise to stop between pages)."""
    node = node_for_sync(actor)
    peer, _ = Peer.objects.get_or_create(url=node.central_url)
    report = PushReport(pushed_seq=peer.pushed_seq)
    while events := _own_events(node, peer.pushed_seq, limit):
        found = revisions_of((e.record_id, e.revision) for e in events)
        page = {
            "changes": [change_out(e, found.get((e.record_id, e.revision)), with_record=True) for e in events],
            "last_seq": events[-1].seq,
        }
        Peer.objects.filter(pk=peer.pk).update(last_attempt_at=timezone.now())
        try:
            answer = post(page)
        except Exception as exc:  # refused by central, or the network: recorded for the sync page, raised
            failed(peer, exc)
            raise
        with transaction.atomic():
            acquire_write_lock()
            peer = Peer.objects.select_for_update().get(pk=peer.pk)
            peer.pushed_seq = events[-1].seq
            peer.pushed += len(events)
            peer.last_error = ""
            peer.save(update_fields=["pushed_seq", "pushed", "last_error"])
            # central set aside what conflicts with its own revision: recorded here too; what it
            # accepted settles this side's open conflicts of those records
            record_pushed(actor, answer)
            settle(actor, ((e.record.identifier, e.revision) for e in events), by=actor.name)
            answer = {**answer, "conflicts": len(answer.get("conflicts") or [])}
            append_audit(
                actor,
                [
                    AuditEvent(
                        "sync.pushed",
                        country=node.country,
                        details={"to": peer.url, "through": peer.pushed_seq, **answer},
                    )
                ],
                at=timezone.now(),
            )
        report.pages += 1
        report.pushed_seq = peer.pushed_seq
        for key in ("published", "withdrawn", "unchanged", "conflicts"):
            setattr(report, key, getattr(report, key) + int(answer.get(key, 0)))
        if progress:
            progress(report)
    return report
