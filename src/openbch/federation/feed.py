"""The change feed's pages with records (``/api/v1/changes?include=record``): written and read here.

:func:`change_out` writes one change as the feed serves it (and as a node pushes its own);
:func:`read_page` reads a page.

A page comes over a network we do not trust to be whole or honest: every field a copy needs is
checked here and a bad page is refused as a whole, with each problem named by its place in the
page (``changes[3].record.content_hash``). Whether the content is what its origin published is
checked when the copies are stored (:mod:`openbch.records.copies`: content hash, revision order).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.db.models import Field

from openbch.core.errors import BadRequestError, Issue
from openbch.core.jsonbytes import compact_json
from openbch.identifiers.record_uid import parse_record_uid
from openbch.records.changelog import SEQ_MAX
from openbch.records.copies import CopiedChange
from openbch.records.models import ChangeEvent, Record, Revision
from openbch.records.publishing import Origin
from openbch.records.queries import PublishedRecord, column_converters, record_envelope

__all__ = ["FeedPage", "Fetch", "change_out", "changes_with_records_json", "http_fetcher", "read_page"]

#: the kinds a mirror applies; others (``confirmed``) only move the cursor
APPLIED_KINDS = ("published", "withdrawn")


def change_out(event: ChangeEvent, found: PublishedRecord | None, *, with_record: bool) -> dict[str, Any]:
    """One change as the feed serves it; ``with_record``: with the revision it names (or None)."""
    change: dict[str, Any] = {
        "seq": event.seq,
        "at": event.at.isoformat(),
        "kind": event.kind,
        "uid": event.uid,
        "identifier": event.record.identifier,
        "type": event.type,
        "owner": event.owner,
        "revision": event.revision,
        "href": f"/api/v1/records/{event.uid}",
    }
    if with_record:
        # what a mirror keeps besides the envelope: who published the revision, and on which instance
        origin = {"published_by": found.revision.published_by, "instance": found.record.instance} if found else {}
        change["record"] = {**found.envelope(), **origin, "body": found.body} if found else None
    return change


#: the columns of the feed's read with records: (model, field) in the order of the SELECT
_COLUMNS: tuple[tuple[type[Any], str], ...] = (
    *((ChangeEvent, f) for f in ("seq", "at", "kind", "uid", "type", "owner", "revision")),
    *((Record, f) for f in ("identifier", "type", "owner", "number", "state", "revision", "first_published_at")),
    *((Record, f) for f in ("title", "instance", "withdrawn_at", "withdrawn_reason")),
    *((Revision, f) for f in ("revision", "content_hash", "published_at", "published_by", "languages", "body")),
)


def _json_text(value: Any) -> str:
    """A JSON column's value as JSON text: SQLite and Django's psycopg set-up give the stored text; a
    driver that decodes it gives the value, serialised here."""
    return value if isinstance(value, str) else compact_json(value).decode("utf-8")


class _FeedRead:
    """The change log after a seq, each event with the revision it names, as one plain SQL query.

    The ORM made two model instances per event and decoded every body only for it to be encoded
    again: that was most of central's time serving a node's pull. Datetime columns go through the
    converters Django applies on this backend, so the text is the one :func:`change_out` writes.
    """

    def __init__(self) -> None:
        self._sql: dict[str, str] = {}
        self._converters: dict[str, list[list[Callable[..., Any]]]] = {}

    def sql(self) -> str:
        text = self._sql.get(connection.vendor)
        if text is None:
            alias = {ChangeEvent: "e", Record: "r", Revision: "v"}
            quote = connection.ops.quote_name
            columns = ", ".join(
                f"{alias[model]}.{quote(str(model._meta.get_field(name).column))}" for model, name in _COLUMNS
            )
            text = self._sql[connection.vendor] = (
                f"SELECT {columns} FROM {ChangeEvent._meta.db_table} e "  # noqa: S608 - our names
                f"JOIN {Record._meta.db_table} r ON r.id = e.record_id "
                f"LEFT JOIN {Revision._meta.db_table} v ON v.record_id = e.record_id AND v.revision = e.revision "
                "WHERE e.seq > %s ORDER BY e.seq LIMIT %s"
            )
        return text

    def converters(self) -> list[list[Callable[..., Any]]]:
        """Django's converters of the datetime columns (none for the others: the JSON columns stay text)."""
        found = self._converters.get(connection.vendor)
        if found is None:
            fields = [model._meta.get_field(name) for model, name in _COLUMNS]
            dated = [f for f in fields if isinstance(f, Field) and f.get_internal_type() == "DateTimeField"]
            by_field = dict(zip(map(id, dated), column_converters(dated), strict=True))
            found = self._converters[connection.vendor] = [by_field.get(id(f), []) for f in fields]
        return found


_FEED_READ = _FeedRead()


def changes_with_records_json(after: int, limit: int) -> tuple[list[bytes], int | None]:
    """The changes after seq ``after`` (at most ``limit``), each as :func:`change_out` writes it with
    its record, as JSON; and the seq of the last one (None when there is none). One query; the body
    goes out as the JSON text stored (a body is stored as its canonical JSON)."""
    with connection.cursor() as cursor:
        cursor.execute(_FEED_READ.sql(), [after, limit])
        rows = cursor.fetchall()
    converters = _FEED_READ.converters()
    dated = [(i, c) for i, c in enumerate(converters) if c]
    items: list[bytes] = []
    last = None
    for row in rows:
        values = list(row)
        for i, convert in dated:
            for step in convert:
                values[i] = step(values[i], None, connection)
        (seq, at, kind, uid, event_type, event_owner, event_revision) = values[:7]
        (identifier, rtype, owner, number, state, latest, first_published_at) = values[7:14]
        (title, instance, withdrawn_at, withdrawn_reason) = values[14:18]
        (revision, content_hash, published_at, published_by, languages, body) = values[18:]
        last = seq
        change: dict[str, Any] = {
            "seq": seq,
            "at": at.isoformat(),
            "kind": kind,
            "uid": uid,
            "identifier": identifier,
            "type": event_type,
            "owner": event_owner,
            "revision": event_revision,
            "href": f"/api/v1/records/{uid}",
        }
        if revision is None:  # the event names a revision not held (never, but as change_out says it)
            change["record"] = None
            items.append(compact_json(change))
            continue
        record = record_envelope(
            rtype,
            owner,
            number,
            identifier=identifier,
            state=state,
            revision=revision,
            latest_revision=latest,
            published_at=published_at,
            first_published_at=first_published_at,
            languages=json.loads(languages) if isinstance(languages, str) else languages,
            title=title,
            content_hash=content_hash,
            withdrawn_at=withdrawn_at,
            withdrawn_reason=withdrawn_reason,
        )
        record["published_by"] = published_by
        record["instance"] = instance
        change["record"] = record
        # the envelope written by json, then the body as stored: the last key of the last object
        items.append(compact_json(change)[:-2] + b',"body":' + _json_text(body).encode() + b"}}")
    return items, last


#: reads one page of the feed after a seq: ``fetch(after, limit)``
Fetch = Callable[[int, int], Any]


def http_fetcher(base_url: str, *, timeout: float = 60.0) -> Fetch:
    from openbch.client import OpenBCHClient

    client = OpenBCHClient(base_url, timeout=timeout)

    def fetch(after: int, limit: int) -> Any:
        return client.changes(after, limit, records=True)

    return fetch


@dataclass(frozen=True)
class FeedPage:
    changes: list[CopiedChange]
    #: the seq of the page's last event (applied or not): where the next page starts
    last_seq: int
    #: the origin's latest seq when it answered
    head_seq: int
    more: bool


class _Reader:
    def __init__(self) -> None:
        self.issues: list[Issue] = []

    def fail(self, path: str, code: str, message: str) -> None:
        self.issues.append(Issue(path, code, message))

    def field(self, data: Mapping[str, Any], name: str, kind: type | tuple[type, ...], path: str) -> Any:
        value = data.get(name)
        if value is None or not isinstance(value, kind) or (isinstance(value, bool) and kind is int):
            self.fail(f"{path}.{name}", "invalid", f"missing or not a {getattr(kind, '__name__', kind)}")
            return None
        return value

    def when(self, data: Mapping[str, Any], name: str, path: str, *, required: bool = True) -> dt.datetime | None:
        text = data.get(name)
        if text is None and not required:
            return None
        try:
            value = dt.datetime.fromisoformat(str(text))
        except ValueError:
            self.fail(f"{path}.{name}", "invalid_date", f"not an ISO 8601 date-time: {str(text)[:40]!r}")
            return None
        if value.tzinfo is None:
            self.fail(f"{path}.{name}", "invalid_date", "a date-time without a time zone")
            return None
        return value


def _change(reader: _Reader, item: Any, path: str) -> CopiedChange | None:
    if not isinstance(item, Mapping):
        reader.fail(path, "invalid", "not an object")
        return None
    seq = reader.field(item, "seq", int, path)
    kind = reader.field(item, "kind", str, path)
    record = item.get("record")
    if not isinstance(record, Mapping):
        reader.fail(f"{path}.record", "missing", "no record: ask the feed with include=record")
        return None
    where = f"{path}.record"
    uid_text = reader.field(record, "uid", str, where)
    identifier = reader.field(record, "identifier", str, where)
    body = reader.field(record, "body", dict, where)
    digest = reader.field(record, "content_hash", str, where)
    revision = reader.field(record, "revision", int, where)
    published_at = reader.when(record, "published_at", where)
    first_published_at = reader.when(record, "first_published_at", where, required=False)
    published_by = record.get("published_by")
    instance = record.get("instance")
    withdrawn = record.get("withdrawn") if isinstance(record.get("withdrawn"), Mapping) else {}
    uid = None
    if uid_text is not None:
        try:
            uid = parse_record_uid(uid_text)
        except ValueError as exc:
            reader.fail(f"{where}.uid", "invalid_uid", str(exc))
    if uid is not None and revision is not None and uid.revision != revision:
        reader.fail(f"{where}.revision", "invalid", f"revision {revision} is not the UID's ({uid.revision})")
    if None in (seq, kind, uid, identifier, body, digest, revision, published_at) or uid is None:
        return None
    assert published_at is not None
    return CopiedChange(
        kind=kind,
        identifier=identifier,
        type=uid.type,
        owner=uid.owner,
        number=uid.number,
        revision=revision,
        body=body,
        content_hash=digest,
        origin=Origin(
            instance=str(instance or ""),
            number=uid.number,
            revision=revision,
            published_at=published_at,
            published_by=str(published_by or ""),
            first_published_at=first_published_at,
            seq=seq,
        ),
        withdrawn_at=reader.when(withdrawn, "at", f"{where}.withdrawn", required=False) if withdrawn else None,
        withdrawn_reason=str(withdrawn.get("reason") or "") if withdrawn else "",
        where=path,
    )


def read_page(page: Any, *, after: int) -> FeedPage:
    """The applicable changes of a feed page that follows seq ``after``; raises BadRequestError."""
    reader = _Reader()
    if not isinstance(page, Mapping) or not isinstance(page.get("changes"), list):
        raise BadRequestError("not a change-feed page", issues=[Issue("changes", "invalid", "missing or not a list")])
    head = page.get("last_seq")
    if not isinstance(head, int) or isinstance(head, bool):
        reader.fail("last_seq", "invalid", "missing or not an integer")
        head = 0
    changes: list[CopiedChange] = []
    previous = after
    for index, item in enumerate(page["changes"]):
        path = f"changes[{index}]"
        seq = item.get("seq") if isinstance(item, Mapping) else None
        if not isinstance(seq, int) or seq <= previous:
            reader.fail(f"{path}.seq", "out_of_order", f"seq {seq!r} does not follow {previous}")
            continue
        if seq > SEQ_MAX:
            reader.fail(f"{path}.seq", "out_of_range", f"seq {seq} is beyond a change log's range (at most {SEQ_MAX})")
            continue
        previous = seq
        if item.get("kind") not in APPLIED_KINDS:
            continue
        change = _change(reader, item, path)
        if change is not None:
            changes.append(change)
    if reader.issues:
        raise BadRequestError(f"the change-feed page after seq {after} is not valid", issues=reader.issues)
    return FeedPage(changes=changes, last_seq=previous, head_seq=max(head, previous), more=bool(page.get("next")))
