"""Record services: every change to records goes through one of these functions.

Each one checks permission, validates, and in ONE transaction (holding the write lock) writes the
change, its audit entry and, for public changes, its change-log event. API handlers, web views,
the CLI and loaders call these; none of them touches the models directly.

Here: bulk publication (loads, imports, harvests). The draft → request → approval workflow is in
:mod:`openbch.records.workflow`; both apply the policy of :mod:`openbch.records.policy`.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from openbch.core.actors import Actor
from openbch.core.errors import (
    Issue,
    NotFoundError,
    PermissionDeniedError,
    ValidationFailedError,
)
from openbch.records.locking import acquire_write_lock
from openbch.records.models import Record, RecordState, Revision
from openbch.records.policy import Action, allowed
from openbch.records.publishing import LIVE_INDEX_LIMIT, PreparedRevision, new_identifier, write_revisions
from openbch.records.rows import select_where_in
from openbch.recordtypes import RecordType, get_record_type
from openbch.recordtypes.validate import GUID, ValidationResult, check_references, validate
from openbch.vocabularies import get_vocabulary

__all__ = [
    "PublishReport",
    "RecordInput",
    "draft_validation",
    "normalize_owner",
    "owner_issues",
    "publish_records",
    "reference_types",
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


def normalize_owner(record_type: RecordType, owner: str) -> str:
    """Country codes are kept upper case (``CA``); reference records belong to ``SCBD``."""
    return owner.strip().upper()


def draft_validation(record_type: RecordType, body: Any, owner: str) -> ValidationResult:
    """Draft-level validation (lenient) including references; raises on malformed values."""
    result = validate(record_type, body, level="draft", owner=owner)
    result.errors[:0] = owner_issues(record_type, owner)
    referenced = {use.identifier for use in result.references}
    check_references(result, reference_types(referenced, published_only=False), level="draft")
    if result.errors:
        raise ValidationFailedError(f"{len(result.errors)} error(s); the draft was not saved", issues=result.errors)
    return result


def owner_issues(record_type: RecordType, owner: str) -> list[Issue]:
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


def reference_types(identifiers: set[str], *, published_only: bool) -> dict[str, str]:
    """The type code of each record of ``identifiers`` that exists (and is public, if ``published_only``)."""
    if not published_only:
        return dict(select_where_in(Record, ["identifier", "type"], "identifier", sorted(identifiers)))
    public = [RecordState.PUBLISHED.value, RecordState.WITHDRAWN.value]
    rows = select_where_in(
        Record, ["identifier", "type"], "identifier", sorted(identifiers), where="state IN (%s, %s)", params=public
    )
    return dict(rows)


def _stored_records(inputs: Sequence[RecordInput]) -> list[Record]:
    """The stored records that ``inputs`` name, by identifier or source key.

    A bulk load is mostly new records: the keys are looked up in raw SQL first, so that the ORM
    (whose ``__in`` lookups cost more to compile than to run) only fetches the records that exist.
    """
    identifiers = [i.identifier.upper() for i in inputs if i.identifier]
    keys = [i.source_key for i in inputs if i.source_key]
    pks = {pk for (pk,) in select_where_in(Record, ["id"], "identifier", identifiers)}
    pks.update(pk for (pk,) in select_where_in(Record, ["id"], "source_key", keys))
    found: list[Record] = []
    ordered = sorted(pks)
    for start in range(0, len(ordered), 900):
        found.extend(Record.objects.filter(pk__in=ordered[start : start + 900]))
    return found


@contextmanager
def _cyclic_gc_paused(pause: bool) -> Iterator[None]:
    """Pause Python's cycle collector for one bulk publication.

    A batch allocates hundreds of thousands of short-lived containers (bodies, issues, rows), none
    of them in reference cycles, and the collector traversed them again and again: a fifth of the
    bulk-load time. Reference counting still frees everything as usual; any cycle is collected
    once the collector runs again. It is left alone when someone else had already paused it.
    """
    if not pause or not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


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
    locate = location_of or (lambda i: {"item": i})
    report = PublishReport()
    with _cyclic_gc_paused(len(inputs) > LIVE_INDEX_LIMIT), transaction.atomic():
        acquire_write_lock()
        found = _stored_records(inputs)
        stored_by_identifier = {r.identifier: r for r in found}
        stored_by_key = {r.source_key: r for r in found if r.source_key}
        latest_hash = dict(
            Revision.objects.filter(record__in=found, revision=F("record__revision")).values_list(
                "record_id", "content_hash"
            )
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
            if not allowed(
                actor,
                Action.PUBLISH,
                family=record_type.family,
                owner=item.owner,
                record_type=record_type.code,
                created_by_id=stored.created_by_id if stored else actor.user_id,
            ):
                raise PermissionDeniedError(f"{actor.name} may not publish {record_type.code} records of {item.owner}")
            body = dict(item.body)
            result = validate(record_type, body, level="publish", owner=item.owner)
            result.errors[:0] = owner_issues(record_type, item.owner)
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
        types_of = {**reference_types(referenced - set(batch_types), published_only=True), **batch_types}
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
