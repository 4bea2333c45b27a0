"""Central's side of a push: a node's own publications, stored as copies (the one service for it).

The node's credentials are an API token of an account holding the publishing role for the node's
country at central; :func:`openbch.records.copies.store_copies` applies the policy, so a push for
any other country is refused, as are a revision that does not follow the one central holds and a
body whose content hash does not match. A change that claims central itself as its origin is
forged: central's own records never come back to it as copies.

A revision central holds with other content (an edit of the same record at central and at the
node) is not applied and does not stop the rest: it is recorded as a conflict
(:mod:`openbch.federation.conflicts`) and named in the answer, for the node to record it too. A
later revision from the node settles an open conflict of its record.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from openbch.core.actors import Actor
from openbch.core.errors import Issue, ValidationFailedError
from openbch.federation.conflicts import record_received, settle
from openbch.federation.feed import read_page
from openbch.federation.models import Conflict
from openbch.federation.numbers import keep_ahead_of
from openbch.records.audit import AuditEvent, append_audit
from openbch.records.copies import CopyReport, store_copies
from openbch.records.locking import acquire_write_lock

__all__ = ["Received", "receive_changes"]


@dataclass
class Received(CopyReport):
    """What a push stored, and the conflicts it brought (set aside, recorded)."""

    found: list[Conflict] = field(default_factory=list)


def receive_changes(actor: Actor, page: Any) -> Received:
    """Store the changes of a pushed page (feed-shaped, with records): all or none, except that
    conflicts are set aside and recorded."""
    changes = read_page(page, after=0).changes
    forged = [
        Issue(f"{c.where}.record.instance", "forged_origin", "a copy cannot come from this instance itself")
        for c in changes
        if c.origin.instance in ("", settings.INSTANCE_ID)
    ]
    if forged:
        raise ValidationFailedError(f"{len(forged)} change(s) refused; nothing was applied", issues=forged)
    with transaction.atomic():
        acquire_write_lock()
        stored = store_copies(actor, changes, set_aside_conflicts=True)
        report = Received(stored.published, stored.withdrawn, stored.unchanged, stored.records, stored.conflicts)
        keep_ahead_of(r.number for r in report.records if r.number is not None)
        report.found = record_received(actor, report.conflicts)
        # a later revision settles an open conflict, whether written now or held already (a node that
        # adopted central's revisions pushes them back unchanged)
        aside = {(c.change.identifier.upper(), c.change.revision) for c in report.conflicts}
        arrived = [(c.identifier, c.revision) for c in changes if c.kind == "published"]
        settle(actor, (a for a in arrived if (a[0].upper(), a[1]) not in aside), by=actor.name)
        if report.published or report.withdrawn:
            append_audit(
                actor,
                [
                    AuditEvent(
                        "sync.received",
                        details={
                            "from": changes[0].origin.instance,
                            "published": report.published,
                            "withdrawn": report.withdrawn,
                        },
                    )
                ],
                at=timezone.now(),
            )
    return report
