"""Writing a withdrawal: the record marked, its change-log event, its public history and audit entry.

Shared by the workflow's withdrawal (an authority withdraws its record) and by copies (a withdrawal
that happened at the record's origin instance). The caller holds the write lock, in its transaction.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from openbch.core.actors import Actor
from openbch.records.audit import AuditEvent, append_audit
from openbch.records.changelog import append_events
from openbch.records.models import Record, RecordState, WorkflowEvent

__all__ = ["write_withdrawal"]


def write_withdrawal(
    actor: Actor,
    record: Record,
    *,
    reason: str,
    at: dt.datetime,
    withdrawn_at: dt.datetime | None = None,
    origin_seq: int | None = None,
    **details: Any,
) -> None:
    """Mark ``record`` withdrawn (``withdrawn_at``: when, if not now, e.g. at its origin)."""
    record.state = RecordState.WITHDRAWN
    record.withdrawn_at = withdrawn_at or at
    record.withdrawn_reason = reason.strip()[:4000]
    record.updated_at = at
    fields = ["state", "withdrawn_at", "withdrawn_reason", "updated_at"]
    if origin_seq is not None:
        record.origin_seq = origin_seq
        fields.append("origin_seq")
    record.save(update_fields=fields)
    append_events([("withdrawn", record)], at=at)
    WorkflowEvent.objects.create(
        record=record,
        at=at,
        action="withdrawn",
        actor=actor.name,
        revision=record.revision,
        reason=record.withdrawn_reason,
    )
    append_audit(
        actor,
        [
            AuditEvent(
                "record.withdrawn",
                record_identifier=record.identifier,
                record_uid=record.uid,
                country=record.owner,
                details={"reason": record.withdrawn_reason, **details},
            )
        ],
        at=at,
    )
