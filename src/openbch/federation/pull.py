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

The transport is a function ``fetch(after, limit) -> page`` (:func:`feed.http_fetcher` in production,
any callable in a test), so the same code applies pages read from a file.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from openbch.core.actors import Actor
from openbch.core.errors import ConflictError, OpenBCHError, PermissionDeniedError
from openbch.core.gcpause import batch_collection
from openbch.federation.conflicts import record_pulled
from openbch.federation.feed import FeedPage, Fetch, http_fetcher, read_page
from openbch.federation.models import Node, Peer
from openbch.federation.numbers import keep_ahead_of
from openbch.federation.readahead import ReadAhead
from openbch.records.audit import AuditEvent, append_audit
from openbch.records.copies import CopiedChange, CopyReport, store_copies
from openbch.records.locking import acquire_write_lock
from openbch.records.models import Record
from openbch.recordtypes import get_record_type

__all__ = ["Applied", "PullReport", "apply_central_page", "failed", "node_for_sync", "pull"]

log = logging.getLogger(__name__)


@dataclass
class PullReport:
    pages: int = 0
    published: int = 0
    withdrawn: int = 0
    unchanged: int = 0
    #: changes outside what the node mirrors, or of records it published itself
    skipped: int = 0
    #: central's changes of the node's own records recorded as conflicts (conflicts.record_pulled)
    conflicts: int = 0
    last_seq: int = 0
    head_seq: int = 0
    by_type: dict[str, int] = field(default_factory=dict)
    #: pages read and checked by the second process (readahead.py), the others by the pull itself
    pages_read_ahead: int = 0

    def add(self, page: FeedPage, applied: Applied) -> None:
        self.last_seq, self.head_seq = page.last_seq, max(page.head_seq, self.head_seq)
        self.skipped += applied.skipped
        self.conflicts += len(applied.conflicts)
        if applied.stored is not None:
            self.published += applied.stored.published
            self.withdrawn += applied.stored.withdrawn
            self.unchanged += applied.stored.unchanged
            for record in applied.stored.records:
                self.by_type[record.type] = self.by_type.get(record.type, 0) + 1


def _wanted(node: Node, changes: list[CopiedChange]) -> list[CopiedChange]:
    """The changes the node mirrors, less those of records it published itself: the node is their
    owner (central's edit of one is a conflict, see conflicts.py). A record of its country that it
    holds as a copy (published at central, or by an earlier installation of the node) follows
    central like any copy."""
    own = [c.identifier.upper() for c in changes if c.owner == node.country]
    published_here = Record.objects.filter(identifier__in=own, instance=settings.INSTANCE_ID)
    held_here = set(published_here.values_list("identifier", flat=True)) if own else set()
    return [
        c
        for c in changes
        if node.mirrors(get_record_type(c.type).family, c.owner) and c.identifier.upper() not in held_here
    ]


@dataclass(frozen=True)
class Applied:
    """What applying one page of central's changes did."""

    stored: CopyReport | None
    #: changes outside what the node mirrors, or of records it published itself
    skipped: int
    #: the page's changes of the node's own records recorded as conflicts: (uid, revision)
    conflicts: list[tuple[str, int]] = field(default_factory=list)


def apply_central_page(
    actor: Actor, node: Node, peer_pk: int, page: FeedPage, *, after: int, how: str
) -> Applied | None:
    """Store a page of central's changes that follows seq ``after`` and move the cursor, in one
    transaction; None when another process committed that page meanwhile. ``how``: ``pulled``
    (online) or ``bundle`` (from a file), for the audit log."""
    with transaction.atomic():
        acquire_write_lock()
        peer = Peer.objects.select_for_update().get(pk=peer_pk)
        if peer.last_seq != after:
            return None
        # central's revision or withdrawal of one of the node's own records: recorded as a conflict for
        # the owner to resolve (the node's own is kept, as always, below)
        found = record_pulled(actor, node, node.central_url, page.changes)
        wanted = _wanted(node, page.changes)
        stored = store_copies(actor, wanted) if wanted else None
        if stored:
            keep_ahead_of(r.number for r in stored.records if r.number is not None)
        peer.last_seq, peer.head_seq = page.last_seq, max(page.head_seq, peer.head_seq)
        peer.applied += len(wanted)
        peer.last_success_at = timezone.now()
        peer.last_error = ""
        peer.save()
        if stored and (stored.published or stored.withdrawn):
            details = {"from": node.central_url, "after": after, "to": page.last_seq}
            counts = {"published": stored.published, "withdrawn": stored.withdrawn}
            append_audit(actor, [AuditEvent(f"sync.{how}", details={**details, **counts})], at=timezone.now())
    return Applied(stored, len(page.changes) - len(wanted), [(c.uid, c.revision) for c in found])


def pull(
    actor: Actor,
    *,
    fetch: Fetch | None = None,
    limit: int = 1000,
    max_pages: int | None = None,
    progress: Callable[[PullReport], None] | None = None,
) -> PullReport:
    """Apply the central feed's pages after the stored cursor until it is exhausted (or ``max_pages``)."""
    node = node_for_sync(actor)
    peer, _ = Peer.objects.get_or_create(url=node.central_url)
    # a second process reads and checks the pages ahead when the pull is far behind (readahead.py)
    reader_from = settings.OPENBCH_SYNC_READER_FROM if fetch is None else 0
    fetch = fetch or http_fetcher(node.central_url)
    report = PullReport(last_seq=peer.last_seq, head_seq=peer.head_seq)
    reader: ReadAhead | None = None
    # else the next page is fetched while this one is stored: the network and central's work overlap
    # ours; the cyclic garbage collector is paused meanwhile (core.gcpause)
    with (
        ThreadPoolExecutor(max_workers=1, thread_name_prefix="openbch-pull") as prefetch,
        batch_collection() as collection,
    ):
        ahead: tuple[int, Future[Any]] | None = None
        try:
            while max_pages is None or report.pages < max_pages:
                after = peer.last_seq
                Peer.objects.filter(pk=peer.pk).update(last_attempt_at=timezone.now())
                try:
                    page = reader.page_after(after) if reader else None
                    read_ahead = page is not None
                    if page is None:
                        raw = ahead[1].result() if ahead and ahead[0] == after else fetch(after, limit)
                        ahead = None
                        page = read_page(raw, after=after)
                        left = None if max_pages is None else max_pages - report.pages - 1
                        if page.more and left != 0:
                            if reader is None and 0 < reader_from <= page.head_seq - page.last_seq:
                                reader = ReadAhead(node.central_url, page.last_seq, limit, pages=left)
                            elif reader is None or not reader.reading:  # (a reader that stopped is not restarted)
                                ahead = (page.last_seq, prefetch.submit(fetch, page.last_seq, limit))
                    applied = apply_central_page(actor, node, peer.pk, page, after=after, how="pulled")
                except Exception as exc:  # refused, the network, the peer: recorded for the sync page, then raised
                    failed(peer, exc)
                    raise
                peer.refresh_from_db()
                collection.done()
                if applied is None:  # another pull committed this page meanwhile
                    continue
                report.pages += 1
                report.pages_read_ahead += read_ahead
                report.add(page, applied)
                if progress:
                    progress(report)
                if not page.more:
                    break
        finally:
            if reader is not None:
                reader.close()
    return report


def node_for_sync(actor: Actor) -> Node:
    """This instance's node settings, for an actor who may run synchronisation."""
    if not actor.is_administrator:
        raise PermissionDeniedError(f"{actor.name} may not synchronise: it needs the administrator role")
    node = Node.objects.first()
    if node is None:
        raise ConflictError("this instance is not a national node: run 'openbch node init' first")
    return node


def failed(peer: Peer, error: Exception) -> None:
    """Record why synchronisation with ``peer`` failed, for the status and the sync page."""
    if isinstance(error, OpenBCHError):
        reason = f"{error.code}: {error.message}; " + "; ".join(f"{i.path}: {i.message}" for i in error.issues[:5])
    else:
        reason = f"{type(error).__name__}: {error}"
    log.warning("synchronisation with %s failed: %s", peer.url, reason)
    Peer.objects.filter(pk=peer.pk).update(last_error=reason[:4000])
