"""Central's side of a push: a node's own publications, stored as copies (the one service for it).

The node's credentials are an API token of an account holding the publishing role for the node's
country at central; :func:`openbch.records.copies.store_copies` applies the policy, so a push for
any other country is refused, as are a revision that does not follow the one central holds and a
body whose content hash does not match. A change that claims central itself as its origin is
forged: central's own records never come back to it as copies.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from openbch.core.actors import Actor
from openbch.core.errors import Issue, ValidationFailedError
from openbch.federation.feed import read_page
from openbch.federation.numbers import keep_ahead_of
from openbch.records.audit import AuditEvent, append_audit
from openbch.records.copies import CopyReport, store_copies
from openbch.records.locking import acquire_write_lock

__all__ = ["receive_changes"]


def receive_changes(actor: Actor, page: Any) -> CopyReport:
    """Store the changes of a pushed page (feed-shaped, with records), all or none."""
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
        report = store_copies(actor, changes)
        keep_ahead_of(r.number for r in report.records if r.number is not None)
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
