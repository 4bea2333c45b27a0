"""Interop services: every change to harvest data goes through one of these functions.

Each checks who acts, then writes in one transaction holding the write lock, with an audit entry:

* :func:`harvest` (administrators and the system): run a source's harvest (see harvest.py);
* :func:`reconcile` (administrators and the system): resolve every item again, e.g. after the
  registry changed or a curator decided;
* :func:`decide_match` (reference validators, administrators): confirm or reject that an external
  item is a given clearing-house record. The decision is keyed by the source's own id of the item,
  so it holds across harvests.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from openbch.core.actors import Actor, Role
from openbch.core.errors import NotFoundError, PermissionDeniedError, ValidationFailedError
from openbch.interop.harvest import _RESOLUTION_FIELDS, HarvestOptions, apply_resolution, run_harvest
from openbch.interop.models import Decision, ExternalItem, HarvestRun, MatchDecision
from openbch.interop.resolve import ItemView, build_resolver
from openbch.interop.sources import SourceDefinition
from openbch.records.audit import AuditEvent, append_audit
from openbch.records.locking import acquire_write_lock
from openbch.records.models import Record
from openbch.records.queries import PUBLIC_STATES

__all__ = ["ReconcileReport", "can_decide", "decide_match", "harvest", "reconcile"]


def _require_administrator(actor: Actor, what: str) -> None:
    if not actor.is_administrator:
        raise PermissionDeniedError(f"{actor.name} may not {what}: administrators only")


def can_decide(actor: Actor) -> bool:
    """Who may confirm or reject matches: the Secretariat's reference validators and administrators."""
    return actor.is_administrator or actor.holds(Role.REFERENCE_VALIDATOR)


def harvest(actor: Actor, source: str | SourceDefinition, options: HarvestOptions | None = None) -> HarvestRun:
    """Run the harvest of ``source``; the run records success or the failure and why."""
    _require_administrator(actor, "run harvests")
    return run_harvest(actor, source, options)


@dataclass
class ReconcileReport:
    items: int = 0
    changed: int = 0
    by_verdict: Counter[str] = field(default_factory=Counter)


def reconcile(actor: Actor, *, sources: list[str] | None = None) -> ReconcileReport:
    """Resolve every active item again (two passes, so that names learned in the first are used)."""
    _require_administrator(actor, "reconcile external items")
    report = ReconcileReport()
    now = timezone.now()
    with transaction.atomic():
        acquire_write_lock()
        items = ExternalItem.objects.filter(active=True)
        if sources:
            items = items.filter(source__in=sources)
        rows = list(items.order_by("pk"))
        before = {i.pk: (i.verdict, i.record_identifier) for i in rows}
        for _ in range(2):
            resolver = build_resolver()
            changed = []
            for item in rows:
                view = ItemView(item.source, item.external_id, item.subject, item.identifiers, item.fields)
                stored = [getattr(item, f) for f in _RESOLUTION_FIELDS[:-1]]
                apply_resolution(item, resolver.resolve(view), now)
                if [getattr(item, f) for f in _RESOLUTION_FIELDS[:-1]] != stored:
                    changed.append(item)
            # only what changed is written: a reconciliation of an unchanged registry writes nothing
            ExternalItem.objects.bulk_update(changed, _RESOLUTION_FIELDS, batch_size=500)
        report.items = len(rows)
        report.changed = sum(1 for i in rows if before[i.pk] != (i.verdict, i.record_identifier))
        report.by_verdict = Counter(str(i.verdict) for i in rows)
        append_audit(
            actor,
            [
                AuditEvent(
                    action="interop.reconciled",
                    details={"items": report.items, "changed": report.changed, "verdicts": dict(report.by_verdict)},
                )
            ],
            at=now,
        )
    return report


def decide_match(actor: Actor, *, item_id: int, record: str, decision: str, reason: str = "") -> ExternalItem:
    """Confirm (``confirmed``) or reject (``rejected``) that item ``item_id`` is ``record``.

    ``record`` is the record's identifier (GUID) or record UID. The item is resolved again at once;
    the decision stays in force for every later harvest of the same item.
    """
    if not can_decide(actor):
        raise PermissionDeniedError(
            f"{actor.name} may not decide matches: reference validators and administrators only"
        )
    if "write" not in actor.scopes:
        raise PermissionDeniedError("this credential has no 'write' scope")
    if decision not in (Decision.CONFIRMED, Decision.REJECTED):
        raise ValidationFailedError(f"decision must be confirmed or rejected, not {decision[:20]!r}")
    item = ExternalItem.objects.filter(pk=item_id).first()
    if item is None:
        raise NotFoundError(f"no external item {item_id}")
    target = _record(record)
    now = timezone.now()
    with transaction.atomic():
        acquire_write_lock()
        previous = MatchDecision.objects.filter(
            source=item.source, external_id=item.external_id, record_identifier=target.identifier
        ).first()
        MatchDecision.objects.update_or_create(
            source=item.source,
            external_id=item.external_id,
            record_identifier=target.identifier,
            defaults={"decision": decision, "decided_by": actor.name[:150], "decided_at": now, "reason": reason[:2000]},
        )
        resolver = build_resolver()
        item = ExternalItem.objects.select_for_update().get(pk=item.pk)
        view = ItemView(item.source, item.external_id, item.subject, item.identifiers, item.fields)
        apply_resolution(item, resolver.resolve(view), now)
        item.save(update_fields=_RESOLUTION_FIELDS)
        append_audit(
            actor,
            [
                AuditEvent(
                    action=f"interop.match_{decision}",
                    record_identifier=target.identifier,
                    record_uid=target.uid,
                    details={
                        "source": item.source,
                        "external_id": item.external_id[:300],
                        "previous": previous.decision if previous else None,
                        "reason": reason[:500],
                        "verdict": item.verdict,
                    },
                )
            ],
            at=now,
        )
    return item


def _record(reference: str) -> Record:
    from openbch.core.errors import OpenBCHError
    from openbch.records.queries import get_published

    text = reference.strip()
    found = Record.objects.filter(identifier=text.upper(), state__in=PUBLIC_STATES).first()
    if found is not None:
        return found
    try:
        return get_published(text).record
    except OpenBCHError:
        raise NotFoundError(f"no published record {text[:80]!r}") from None
