"""Pull: a national node mirrors the central clearing-house through its change feed, by seq.

Each page of the feed (``include=record``) is applied in one transaction together with the new
cursor (:class:`~openbch.federation.models.Peer` ``last_seq``), so an interrupted pull (a dropped
connection, a killed process) resumes from the last page it committed and a page applied twice
changes nothing (:func:`openbch.records.copies.store_copies` skips what is held). A withdrawal or a
new revision at central reaches the node as it reaches the feed.

What is mirrored: every reference record; national records of the countries the node was set up
to hold (all when none was named). The node is the authority for its own country's national
records: a copy of one of them from central is taken only while the node does not hold that
record (adopting what central held before the node existed); otherwise the node's own is kept.

The transport is a function ``fetch(after, limit) -> page`` (:func:`http_fetcher` in production,
any callable in a test), so the same code applies pages read from a file.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone

from openbch.core.actors import Actor
from openbch.core.errors import ConflictError, OpenBCHError, PermissionDeniedError
from openbch.federation.feed import read_page
from openbch.federation.models import Node, Peer
from openbch.records.audit import AuditEvent, append_audit
from openbch.records.copies import CopiedChange, store_copies
from openbch.records.locking import acquire_write_lock
from openbch.records.models import Record
from openbch.recordtypes import get_record_type

__all__ = ["Fetch", "PullReport", "http_fetcher", "pull"]

log = logging.getLogger(__name__)

#: reads one page of the feed after a seq: ``fetch(after, limit)``
Fetch = Callable[[int, int], Any]


@dataclass
class PullReport:
    pages: int = 0
    published: int = 0
    withdrawn: int = 0
    unchanged: int = 0
    #: changes outside what the node mirrors, or of its own records it holds
    skipped: int = 0
    last_seq: int = 0
    head_seq: int = 0
    by_type: dict[str, int] = field(default_factory=dict)


def http_fetcher(base_url: str, *, timeout: float = 60.0) -> Fetch:
    from openbch.client import OpenBCHClient

    client = OpenBCHClient(base_url, timeout=timeout)

    def fetch(after: int, limit: int) -> Any:
        return client.changes(after, limit, records=True)

    return fetch


def _wanted(node: Node, changes: list[CopiedChange]) -> list[CopiedChange]:
    own = [c.identifier.upper() for c in changes if c.owner == node.country]
    held_here = set(Record.objects.filter(identifier__in=own).values_list("identifier", flat=True)) if own else set()
    return [
        c
        for c in changes
        if node.mirrors(get_record_type(c.type).family, c.owner) and c.identifier.upper() not in held_here
    ]


def pull(
    actor: Actor,
    *,
    fetch: Fetch | None = None,
    limit: int = 1000,
    max_pages: int | None = None,
    progress: Callable[[PullReport], None] | None = None,
) -> PullReport:
    """Apply the central feed's pages after the stored cursor until it is exhausted (or ``max_pages``)."""
    if not actor.is_administrator:
        raise PermissionDeniedError(f"{actor.name} may not run a pull: it needs the administrator role")
    node = Node.objects.first()
    if node is None:
        raise ConflictError("this instance is not a national node: run 'openbch node init' first")
    peer, _ = Peer.objects.get_or_create(url=node.central_url)
    fetch = fetch or http_fetcher(node.central_url)
    report = PullReport(last_seq=peer.last_seq, head_seq=peer.head_seq)
    while max_pages is None or report.pages < max_pages:
        after = peer.last_seq
        Peer.objects.filter(pk=peer.pk).update(last_attempt_at=timezone.now())
        try:
            page = read_page(fetch(after, limit), after=after)
            with transaction.atomic():
                acquire_write_lock()
                peer = Peer.objects.select_for_update().get(pk=peer.pk)
                if peer.last_seq != after:  # another pull committed this page meanwhile
                    continue
                wanted = _wanted(node, page.changes)
                stored = store_copies(actor, wanted) if wanted else None
                peer.last_seq, peer.head_seq = page.last_seq, page.head_seq
                peer.applied += len(wanted)
                peer.last_success_at = timezone.now()
                peer.last_error = ""
                peer.save()
                if stored and (stored.published or stored.withdrawn):
                    append_audit(
                        actor,
                        [
                            AuditEvent(
                                "sync.pulled",
                                details={
                                    "from": node.central_url,
                                    "after": after,
                                    "to": page.last_seq,
                                    "published": stored.published,
                                    "withdrawn": stored.withdrawn,
                                },
                            )
                        ],
                        at=timezone.now(),
                    )
        except OpenBCHError as exc:
            _failed(peer, f"{exc.code}: {exc.message}; " + "; ".join(f"{i.path}: {i.message}" for i in exc.issues[:5]))
            raise
        except Exception as exc:  # the network, the peer: recorded for the sync page, then raised
            _failed(peer, f"{type(exc).__name__}: {exc}")
            raise
        report.pages += 1
        report.last_seq, report.head_seq = page.last_seq, page.head_seq
        report.skipped += len(page.changes) - len(wanted)
        if stored is not None:
            report.published += stored.published
            report.withdrawn += stored.withdrawn
            report.unchanged += stored.unchanged
            for record in stored.records:
                report.by_type[record.type] = report.by_type.get(record.type, 0) + 1
        if progress:
            progress(report)
        if not page.more:
            break
    return report


def _failed(peer: Peer, reason: str) -> None:
    log.warning("pull from %s failed: %s", peer.url, reason)
    Peer.objects.filter(pk=peer.pk).update(last_error=reason[:4000])
