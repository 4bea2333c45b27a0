"""Record services: every change to records goes through one of these functions.

Each one checks permission, validates, and in ONE transaction (holding the write lock) writes the
change, its audit entry and, for public changes, its change-log event. API handlers, web views,
the CLI and loaders call these; none of them touches the models directly.

Until accounts and per-country roles land (the workflow issue), only the system actor (CLI,
loaders) may write.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone

from openbch.core.actors import Actor
from openbch.core.errors import (
    ConflictError,
    Issue,
    NotFoundError,
    PermissionDeniedError,
    StaleRevisionError,
    ValidationFailedError,
)
from openbch.records.audit import AuditEvent, append_audit
from openbch.records.changelog import append_events
from openbch.records.hashing import content_hash
from openbch.records.locking import acquire_write_lock
from openbch.records.models import Draft, Record, RecordState, Revision
from openbch.records.publishing import PreparedRevision, new_identifier, write_revisions
from openbch.recordtypes import RecordType, get_record_type
from openbch.recordtypes.validate import GUID, ValidationResult, check_references, validate
from openbch.vocabularies import get_vocabulary

__all__ = [
    "PublishReport",
    "RecordInput",
    "create_draft",
    "publish_draft",
    "publish_records",
    "update_draft",
    "withdraw",
]


@dataclass(frozen=True)
class RecordInput:
    """A body to publish: a new record, or a new revision of the record with ``identifier``/``source_key``."""

    type: str
    owner: str
    body: Mapping[str, Any]
    identifier: str | None = None
    source_key: str | None = None


@dataclass
class PublishReport:
    created: int = 0
    revised: int = 0
    unchanged: int = 0
    records: list[Record] = field(default_factory=list)
    warnings: list[Issue] = field(default_factory=list)


def _require_writer(actor: Actor, action: str) -> None:
    if not actor.is_system:
        raise PermissionDeniedError(f"{actor.name} may not {action} records")


def _owner_issues(record_type: RecordType, owner: str) -> list[Issue]:
    if record_type.is_national:
        if owner.lower() == "scbd" or owner.lower() not in get_vocabulary("countries"):
            return [
                Issue(
                    "/owner",
                    "invalid_owner",
                    f"a {record_type.code} record is owned by a country (ISO code), not {owner!r}",
                )
            ]
    elif owner != "SCBD":
        return [Issue("/owner", "invalid_owner", f"a {record_type.code} is a reference record, owned by SCBD")]
    return []


def _reference_types(identifiers: set[str], *, published_only: bool) -> dict[str, str]:
    found: dict[str, str] = {}
    states = [RecordState.PUBLISHED, RecordState.WITHDRAWN] if published_only else list(RecordState)
    chunk = sorted(identifiers)
    for start in range(0, len(chunk), 900):
        rows = Record.objects.filter(identifier__in=chunk[start : start + 900], state__in=states)
        found.update(rows.values_list("identifier", "type"))
    return found


def _with_location(issues: list[Issue], location: dict[str, Any]) -> list[Issue]:
    return [Issue(i.path, i.code, i.message, i.severity, {**location, **i.location}) for i in issues]


def publish_records(
    actor: Actor,
    inputs: Sequence[RecordInput],
    *,
    location_of: Callable[[int], dict[str, Any]] | None = None,
) -> PublishReport:
    """Publish many bodies at once (loads, imports): all of them, or — on any error — none.

    A body equal to the record's latest revision is left alone (idempotent loads). Raises
    ValidationFailedError listing every issue of every input, each located by ``location_of``.
    """
    _require_writer(actor, "publish")
    locate = location_of or (lambda i: {"item": i})
    report = PublishReport()
    with transaction.atomic():
        acquire_write_lock()
        by_identifier = {i.identifier.upper(): i for i in inputs if i.identifier}
        by_key = {i.source_key: i for i in inputs if i.source_key}
        found = list(Record.objects.filter(identifier__in=list(by_identifier)))
        keys = list(by_key)
        for start in range(0, len(keys), 900):
            found.extend(Record.objects.filter(source_key__in=keys[start : start + 900]))
        stored_by_identifier = {r.identifier: r for r in found}
        stored_by_key = {r.source_key: r for r in found if r.source_key}
        latest_hash = dict(
            Revision.objects.filter(record__in=found).order_by("revision").values_list("record_id", "content_hash")
        )

        errors: list[Issue] = []
        prepared: list[PreparedRevision] = []
        results: list[ValidationResult] = []
        positions: list[int] = []  # index in ``inputs`` of each prepared item
        batch_types: dict[str, str] = {}
        for index, item in enumerate(inputs):
            try:
                record_type = get_record_type(item.type)
            except NotFoundError as exc:
                errors.extend(_with_location([Issue("/type", "unknown_type", exc.message)], locate(index)))
                continue
            stored = (stored_by_identifier.get(item.identifier.upper()) if item.identifier else None) or (
                stored_by_key.get(item.source_key) if item.source_key else None
            )
            if item.identifier and not GUID.match(item.identifier):
                errors.extend(_with_location([Issue("/identifier", "invalid_identifier", "not a GUID")], locate(index)))
                continue
            if stored is not None and (stored.type != record_type.code or stored.owner != item.owner):
                errors.extend(
                    _with_location(
                        [Issue("/type", "conflict", f"{stored.identifier} is a {stored.type} of {stored.owner}")],
                        locate(index),
                    )
                )
                continue
            body = dict(item.body)
            result = validate(record_type, body, level="publish", owner=item.owner)
            result.errors[:0] = _owner_issues(record_type, item.owner)
            identifier = stored.identifier if stored else (item.identifier or new_identifier()).upper()
            batch_types[identifier] = record_type.code
            results.append(result)
            positions.append(index)
            prepared.append(
                PreparedRevision(
                    record_type=record_type,
                    owner=item.owner,
                    body=body,
                    identifier=identifier,
                    languages=sorted(result.languages),
                    warnings=result.warnings,
                    source_key=item.source_key,
                    existing=stored,
                    previous_hash=latest_hash.get(stored.pk, "") if stored else "",
                )
            )
        referenced = {use.identifier for r in results for use in r.references}
        types_of = {**_reference_types(referenced - set(batch_types), published_only=True), **batch_types}
        to_write: list[PreparedRevision] = []
        for index, result, candidate in zip(positions, results, prepared, strict=True):
            check_references(result, types_of, level="publish")
            if result.errors:
                errors.extend(_with_location(result.errors, locate(index)))
            elif candidate.existing is not None and candidate.previous_hash == candidate.hash:
                report.unchanged += 1
            else:
                to_write.append(candidate)
                report.warnings.extend(_with_location(result.warnings, locate(index)))
        if errors:
            raise ValidationFailedError(f"{len(errors)} error(s); nothing was published", issues=errors)
        report.records = write_revisions(actor, to_write, at=timezone.now())
        report.created = sum(1 for p in to_write if p.existing is None)
        report.revised = len(to_write) - report.created
    return report


def _draft_result(record_type: RecordType, body: Any, owner: str) -> ValidationResult:
    result = validate(record_type, body, level="draft", owner=owner)
    result.errors[:0] = _owner_issues(record_type, owner)
    referenced = {use.identifier for use in result.references}
    check_references(result, _reference_types(referenced, published_only=False), level="draft")
    if result.errors:
        raise ValidationFailedError(f"{len(result.errors)} error(s); the draft was not saved", issues=result.errors)
    return result


def create_draft(actor: Actor, *, record_type: str, owner: str, body: Mapping[str, Any]) -> Draft:
    """Save a new record as a draft (lenient validation: warnings are kept with the draft)."""
    _require_writer(actor, "create")
    rt = get_record_type(record_type)
    with transaction.atomic():
        acquire_write_lock()
        result = _draft_result(rt, dict(body), owner)
        now = timezone.now()
        record = Record.objects.create(
            identifier=new_identifier(), type=rt.code, owner=owner, created_at=now, updated_at=now
        )
        draft = Draft.objects.create(
            record=record,
            body=dict(body),
            warnings=[w.as_dict() for w in result.warnings],
            updated_at=now,
            updated_by=actor.name,
        )
        append_audit(
            actor,
            [AuditEvent("draft.created", record_identifier=record.identifier, after_hash=content_hash(draft.body))],
            at=now,
        )
    return draft


def _locked_record(identifier: str) -> Record:
    record = Record.objects.select_for_update().filter(identifier=identifier.upper()).first()
    if record is None:
        raise NotFoundError(f"no record {identifier}")
    return record


def update_draft(
    actor: Actor, *, identifier: str, body: Mapping[str, Any], expected_revision: int | None = None
) -> Draft:
    """Replace the draft's body (starting one from the published record if there is none)."""
    _require_writer(actor, "edit")
    with transaction.atomic():
        acquire_write_lock()
        record = _locked_record(identifier)
        if expected_revision is not None and expected_revision != record.revision:
            raise StaleRevisionError(f"{identifier} is at revision {record.revision}, not {expected_revision}")
        rt = get_record_type(record.type)
        result = _draft_result(rt, dict(body), record.owner)
        now = timezone.now()
        draft = Draft.objects.filter(record=record).first()
        before = content_hash(draft.body) if draft else ""
        if draft is not None and draft.locked:
            raise ConflictError(f"{identifier} has a pending publication request; its draft is locked")
        if draft is None:
            draft = Draft(record=record, base_revision=record.revision)
        draft.body = dict(body)
        draft.warnings = [w.as_dict() for w in result.warnings]
        draft.updated_at = now
        draft.updated_by = actor.name
        draft.save()
        if record.state == RecordState.DRAFT:
            Record.objects.filter(pk=record.pk).update(updated_at=now)
        append_audit(
            actor,
            [
                AuditEvent(
                    "draft.updated",
                    record_identifier=record.identifier,
                    before_hash=before,
                    after_hash=content_hash(draft.body),
                )
            ],
            at=now,
        )
    return draft


def publish_draft(actor: Actor, *, identifier: str) -> Record:
    """Publish the record's draft as its next revision (strict validation)."""
    _require_writer(actor, "publish")
    with transaction.atomic():
        acquire_write_lock()
        record = _locked_record(identifier)
        draft = Draft.objects.filter(record=record).first()
        if draft is None:
            raise ConflictError(f"{identifier} has no draft to publish")
        report = publish_records(
            actor, [RecordInput(record.type, record.owner, draft.body, identifier=record.identifier)]
        )
        draft.delete()
        record.refresh_from_db()
        if not report.records:
            # the draft equals the published revision: nothing new to publish, but the draft is done
            return record
    return report.records[0]


def withdraw(actor: Actor, *, identifier: str, reason: str) -> Record:
    """Withdraw a published record: it stays retrievable, marked withdrawn with the reason."""
    _require_writer(actor, "withdraw")
    if not reason.strip():
        raise ValidationFailedError(issues=[Issue("/reason", "required", "a withdrawal needs a reason")])
    with transaction.atomic():
        acquire_write_lock()
        record = _locked_record(identifier)
        if record.state != RecordState.PUBLISHED:
            raise ConflictError(f"{identifier} is {record.state}; only a published record can be withdrawn")
        now = timezone.now()
        record.state = RecordState.WITHDRAWN
        record.withdrawn_at = now
        record.withdrawn_reason = reason.strip()
        record.updated_at = now
        record.save(update_fields=["state", "withdrawn_at", "withdrawn_reason", "updated_at"])
        append_events([("withdrawn", record)], at=now)
        append_audit(
            actor,
            [
                AuditEvent(
                    "record.withdrawn",
                    record_identifier=record.identifier,
                    record_uid=record.uid,
                    details={"reason": reason.strip()},
                )
            ],
            at=now,
        )
    return record
