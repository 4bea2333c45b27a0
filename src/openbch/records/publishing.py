"""The one storage path for published revisions, for a single record or a bulk load alike.

``write_revisions`` is called by services inside their transaction, after validation: it mints
record numbers, writes the revision rows, the derived link and key rows, the change-log events
and the audit entries. Nothing else writes these tables.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import InitVar, dataclass, field
from typing import Any, cast

from django.conf import settings

from openbch.core.actors import Actor
from openbch.core.errors import Issue
from openbch.identifiers.oecd import compact_key
from openbch.records.audit import AuditEvent, append_audit
from openbch.records.changelog import append_events
from openbch.records.hashing import canonical_form, canonical_json
from openbch.records.models import NumberCounter, Record, RecordKey, RecordLink, RecordState, Revision
from openbch.records.rows import JsonText, insert_rows, select_where_in
from openbch.recordtypes import RecordType
from openbch.recordtypes.validate import parse_reference

__all__ = ["Derived", "LinkRow", "Origin", "PreparedRevision", "derive", "new_identifier", "write_revisions"]


#: publications per transaction up to which the change log's consumers (the search index) are nudged at commit
LIVE_INDEX_LIMIT = 100


def new_identifier() -> str:
    return str(uuid.uuid4()).upper()


@dataclass(frozen=True)
class Origin:
    """Where a copy of another instance's revision comes from: it keeps the origin's number, revision,
    publication time and publisher, so that its UID and history are the same on every instance."""

    instance: str
    number: int
    revision: int
    published_at: dt.datetime
    published_by: str
    first_published_at: dt.datetime | None
    #: the event's sequence number in the origin's change log
    seq: int


#: a link of a revision's body: (field, position in the field, target identifier, target revision or None)
LinkRow = tuple[str, int, str, int | None]


@dataclass(frozen=True)
class Derived:
    """What storing a revision derives from its body alone: its canonical JSON and that text's
    SHA-256, its title, its links and its keys. Plain data, so that it can be worked out in another
    process than the one that stores it (federation.readahead does, for a pull's copies)."""

    text: str
    hash: str
    title: str
    links: tuple[LinkRow, ...]
    #: (kind, value), e.g. ("oecd", the compact key of an OECD unique identifier)
    keys: tuple[tuple[str, str], ...]


def derive(record_type: RecordType, body: Mapping[str, Any], *, expected_hash: str = "") -> Derived:
    """``body``'s :class:`Derived`; ``expected_hash`` lets the canonical text be made the fast way
    when it proves right (hashing.canonical_form)."""
    text, digest = canonical_form(body, expected_hash=expected_hash)
    links = []
    for name in record_type.reference_field_names:
        value = body.get(name)
        items = value if isinstance(value, list) else [value] if value else []
        for position, item in enumerate(items):
            parsed = parse_reference(item.get("identifier", "")) if isinstance(item, dict) else None
            if parsed:
                links.append((name, position, parsed[0], parsed[1]))
    keys = []
    for name in record_type.oecd_uid_field_names:
        value = body.get(name)
        for text_value in value if isinstance(value, list) else [value] if value else []:
            key = compact_key(text_value)
            if key:
                keys.append(("oecd", key))
    return Derived(text, digest, record_type.title(body, "en")[:2000], tuple(links), tuple(keys))


@dataclass
class PreparedRevision:
    """A validated body about to become a published revision."""

    record_type: RecordType
    owner: str
    body: Mapping[str, Any]
    identifier: str
    languages: list[str]
    warnings: list[Issue] = field(default_factory=list)
    source_key: str | None = None
    #: the stored record when this is a new revision of it, else None
    existing: Record | None = None
    previous_hash: str = ""
    #: the approver of the publication request, when there was one
    approved_by: str = ""
    #: the revision this one amends, and why (amendments only)
    amends: int | None = None
    amendment_reason: str = ""
    #: set for a copy of another instance's revision (federation), else None
    origin: Origin | None = None
    #: what is derived from ``body``, when it was worked out already (else it is derived here)
    given: InitVar[Derived | None] = None
    derived: Derived = field(init=False)
    #: the canonical JSON of ``body``: hashed, and stored as is
    json: JsonText = field(init=False)
    #: the SHA-256 of ``json``
    hash: str = field(init=False)

    def __post_init__(self, given: Derived | None) -> None:
        self.derived = given or derive(self.record_type, self.body)
        self.json = JsonText(self.derived.text)
        self.hash = self.derived.hash


def _reserve_numbers(count: int) -> int:
    """First of ``count`` consecutive record numbers; the caller holds the write lock."""
    counter, _ = NumberCounter.objects.select_for_update().get_or_create(pk=1, defaults={"next_number": 1})
    first = counter.next_number
    if count:
        NumberCounter.objects.filter(pk=1).update(next_number=first + count)
    return first


#: a new record's attributes in the model's order: ``Record(*values)`` is 3x faster than keywords
_RECORD_ATTNAMES = tuple(f.attname for f in Record._meta.concrete_fields)
_RECORD_DEFAULTS: dict[str, Any] = {
    f.attname: None if f.primary_key else f.get_default() for f in Record._meta.concrete_fields
}
_RECORD_COLUMNS = [f.name for f in Record._meta.concrete_fields if not f.primary_key]


def _new_record(**values: Any) -> Record:
    """``Record(**values)``, with the model's defaults for the rest."""
    unknown = values.keys() - _RECORD_DEFAULTS.keys()
    if unknown:
        raise TypeError(f"Record has no field(s) {sorted(unknown)}")
    ordered: list[Any] = [values.get(name, _RECORD_DEFAULTS[name]) for name in _RECORD_ATTNAMES]
    # positional on purpose (the stubs only type keyword construction)
    return cast("Callable[..., Record]", Record)(*ordered)


def _insert_records(records: list[Record]) -> None:
    """Insert new records and set their primary keys (read back by identifier)."""
    if not records:
        return
    insert_rows(Record, _RECORD_COLUMNS, ([getattr(r, f) for f in _RECORD_COLUMNS] for r in records))
    by_identifier = {r.identifier: r for r in records}
    for pk, identifier in select_where_in(Record, ["id", "identifier"], "identifier", by_identifier):
        by_identifier[identifier].pk = pk
        by_identifier[identifier]._state.adding = False


def write_revisions(actor: Actor, items: Sequence[PreparedRevision], *, at: dt.datetime) -> list[Record]:
    """Publish ``items`` (new records or new revisions); the caller holds the write lock."""
    need_number = [p for p in items if p.origin is None and (p.existing is None or p.existing.number is None)]
    next_number = _reserve_numbers(len(need_number))
    records: list[Record] = []
    new_records: list[Record] = []
    changed_records: list[Record] = []
    for prepared in items:
        record = prepared.existing
        origin = prepared.origin
        if record is None:
            record = _new_record(
                identifier=prepared.identifier,
                type=prepared.record_type.code,
                owner=prepared.owner,
                source_key=prepared.source_key,
                instance=origin.instance if origin else settings.INSTANCE_ID,
                created_by=actor.name,
                created_by_id=actor.user_id,
                created_at=at,
                first_published_at=(origin.first_published_at if origin else None) or at,
            )
            new_records.append(record)
        else:
            changed_records.append(record)
            if record.first_published_at is None:
                record.first_published_at = at
        if origin is not None:
            record.number = origin.number
            record.revision = origin.revision
            record.origin_seq = origin.seq
        else:
            if record.number is None:
                record.number = next_number
                next_number += 1
            record.revision += 1
        record.state = RecordState.PUBLISHED
        record.title = prepared.derived.title
        record.updated_at = at
        record.withdrawn_at = None
        record.withdrawn_reason = ""
        records.append(record)
    _insert_records(new_records)
    if changed_records:
        Record.objects.bulk_update(
            changed_records,
            [
                "number",
                "state",
                "revision",
                "title",
                "updated_at",
                "first_published_at",
                "withdrawn_at",
                "withdrawn_reason",
                "origin_seq",
            ],
            batch_size=2000,
        )
        changed_ids = [r.pk for r in changed_records]
        RecordLink.objects.filter(source_id__in=changed_ids).delete()
        RecordKey.objects.filter(record_id__in=changed_ids).delete()

    # serialized here, once, as the body is: the JSON field's own adaptation cost more than the insert;
    # most revisions share their (few) languages and have no warnings: each distinct text is made once
    no_warnings = JsonText(canonical_json([]))
    warnings_of = [
        JsonText(canonical_json([w.as_dict() for w in p.warnings])) if p.warnings else no_warnings for p in items
    ]
    languages_json: dict[tuple[str, ...], JsonText] = {}
    for p in items:
        if tuple(p.languages) not in languages_json:
            languages_json[tuple(p.languages)] = JsonText(canonical_json(p.languages))
    insert_rows(
        Revision,
        [
            "record",
            "revision",
            "body",
            "content_hash",
            "languages",
            "warnings",
            "published_at",
            "published_by",
            "approved_by",
            "amends",
            "amendment_reason",
        ],
        (
            (
                r.pk,
                r.revision,
                p.json,
                p.hash,
                languages_json[tuple(p.languages)],
                w,
                p.origin.published_at if p.origin else at,
                p.origin.published_by if p.origin else actor.name,
                p.approved_by,
                p.amends,
                p.amendment_reason,
            )
            for r, p, w in zip(records, items, warnings_of, strict=True)
        ),
    )
    insert_rows(
        RecordLink,
        ["source", "field", "position", "target_identifier", "target_revision"],
        ((r.pk, *link) for r, p in zip(records, items, strict=True) for link in p.derived.links),
    )
    insert_rows(
        RecordKey,
        ["record", "kind", "value"],
        ((r.pk, *key) for r, p in zip(records, items, strict=True) for key in p.derived.keys),
    )
    # a handful of publications reach the consumers (search) at commit; a bulk load catches up once
    append_events((("published", r) for r in records), at=at, notify_consumers=len(records) <= LIVE_INDEX_LIMIT)
    append_audit(
        actor,
        (
            AuditEvent(
                action="record.published",
                record_identifier=r.identifier,
                record_uid=r.uid,
                before_hash=p.previous_hash,
                after_hash=p.hash,
                details={
                    **({"source_key": p.source_key} if p.source_key else {}),
                    **({"origin": p.origin.instance, "origin_seq": p.origin.seq} if p.origin else {}),
                },
            )
            for r, p in zip(records, items, strict=True)
        ),
        at=at,
    )
    return records
