"""Reading published records: by record UID, by identifier, by OECD unique identifier, reverse links.

Reads need no transaction and no permission check while only published records are served.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.db.models import F

from openbch.core.errors import NotFoundError
from openbch.identifiers.oecd import check as check_oecd_uid
from openbch.identifiers.record_uid import parse_record_uid
from openbch.records.models import Record, RecordKey, RecordLink, RecordState, Revision
from openbch.recordtypes.validate import GUID

__all__ = [
    "PublishedRecord",
    "find_lmos_by_oecd_uid",
    "get_published",
    "iter_published",
    "latest_revisions",
    "linking_records",
]

PUBLIC_STATES = (RecordState.PUBLISHED, RecordState.WITHDRAWN)


@dataclass(frozen=True)
class PublishedRecord:
    record: Record
    revision: Revision

    @property
    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = self.revision.body
        return body

    @property
    def uid(self) -> str:
        r = self.record
        return f"BCH-{r.type}-{r.owner}-{r.number}-{self.revision.revision}"

    def envelope(self) -> dict[str, Any]:
        r = self.record
        data: dict[str, Any] = {
            "uid": self.uid,
            "identifier": r.identifier,
            "type": r.type,
            "owner": r.owner,
            "state": r.state,
            "revision": self.revision.revision,
            "latest_revision": r.revision,
            "published_at": self.revision.published_at.isoformat(),
            "first_published_at": r.first_published_at.isoformat() if r.first_published_at else None,
            "languages": self.revision.languages,
            "title": r.title,
            "content_hash": self.revision.content_hash,
        }
        if r.state == RecordState.WITHDRAWN:
            data["withdrawn"] = {
                "at": r.withdrawn_at.isoformat() if r.withdrawn_at else None,
                "reason": r.withdrawn_reason,
            }
        return data


class _JoinedRead:
    """The revision-with-its-record read, as plain SQL built once, giving complete model instances.

    The ORM compiled the same SELECT anew on every request, which cost more than running it; here
    the SQL text is built once per variant and each column goes through the converters Django
    itself would apply (per backend), so the instances are the ones the ORM would have made.
    """

    def __init__(self) -> None:
        self._sql: dict[tuple[str, bool], str] = {}
        self._converters: dict[str, list[list[Any]]] = {}
        self._fields = [*Revision._meta.concrete_fields], [*Record._meta.concrete_fields]

    def _columns(self) -> str:
        revision_fields, record_fields = self._fields
        return ", ".join(
            [f"v.{connection.ops.quote_name(str(f.column))}" for f in revision_fields]
            + [f"r.{connection.ops.quote_name(str(f.column))}" for f in record_fields]
        )

    def sql(self, by: str, named_revision: bool) -> str:
        key = (f"{connection.vendor}:{by}", named_revision)
        text = self._sql.get(key)
        if text is None:
            where = "r.identifier = %s" if by == "identifier" else "r.number = %s AND r.type = %s AND r.owner = %s"
            which = "v.revision = %s" if named_revision else "v.revision = r.revision"
            text = self._sql[key] = (
                f"SELECT {self._columns()} FROM {Revision._meta.db_table} v "  # noqa: S608 - our names
                f"JOIN {Record._meta.db_table} r ON r.id = v.record_id "
                f"WHERE {where} AND r.state IN (%s, %s) AND {which} LIMIT 1"
            )
        return text

    def _converters_for(self) -> list[list[Any]]:
        found = self._converters.get(connection.vendor)
        if found is None:
            found = []
            for model_fields in self._fields:
                for f in model_fields:
                    column = f.get_col(f.model._meta.db_table)
                    found.append(connection.ops.get_db_converters(column) + column.get_db_converters(connection))
            self._converters[connection.vendor] = found
        return found

    def load(self, row: tuple[Any, ...]) -> PublishedRecord:
        values = list(row)
        for i, converters in enumerate(self._converters_for()):
            for convert in converters:
                values[i] = convert(values[i], None, connection)
        revision_fields, record_fields = self._fields
        split = len(revision_fields)
        record = Record.from_db(connection.alias, [f.attname for f in record_fields], values[split:])
        revision = Revision.from_db(connection.alias, [f.attname for f in revision_fields], values[:split])
        revision.record = record
        return PublishedRecord(record, revision)


_JOINED = _JoinedRead()


def get_published(reference: str, revision: int | None = None) -> PublishedRecord:
    """A published (or withdrawn) record by record UID (4 or 5 parts) or by identifier (GUID).

    One query (revision joined to its record): this is the API's hottest read.
    """
    text = reference.strip()
    lookup: dict[str, Any]
    if GUID.match(text):
        lookup = {"identifier": text.upper()}
        params: list[Any] = [text.upper()]
    else:
        try:
            uid = parse_record_uid(text)
        except ValueError as exc:
            # the API's path pattern already refused malformed text; this names no possible record
            raise NotFoundError(f"no record {text[:80]!r}: {exc}") from None
        lookup = {"number": uid.number, "type": uid.type, "owner": uid.owner}
        params = [uid.number, uid.type, uid.owner]
        if revision is None:
            revision = uid.revision
    params += [str(state) for state in PUBLIC_STATES]
    if revision:
        params.append(revision)
    with connection.cursor() as cursor:
        cursor.execute(_JOINED.sql("identifier" if "identifier" in lookup else "uid", bool(revision)), params)
        row = cursor.fetchone()
    if row is not None:
        return _JOINED.load(row)
    # say which: no such record, or no such revision of it
    record = Record.objects.filter(state__in=PUBLIC_STATES, **lookup).first()
    if record is None:
        raise NotFoundError(f"no published record {text[:80]}")
    raise NotFoundError(f"{text[:80]} has no revision {revision} (latest is {record.revision})")


def latest_revisions(records: Iterable[Record]) -> list[PublishedRecord]:
    """The latest published revision of each record, in the order given, with one query."""
    records = list(records)
    # only the latest revision of each, chosen by the database (not every revision, filtered here)
    latest = Revision.objects.filter(record__in=records, revision=F("record__revision"))
    revisions = {(rev.record_id, rev.revision): rev for rev in latest}
    return [PublishedRecord(r, revisions[(r.pk, r.revision)]) for r in records if (r.pk, r.revision) in revisions]


def find_lmos_by_oecd_uid(text: str) -> list[Record]:
    """LMO records whose unique identifier has the same compact key as ``text`` (any spelling)."""
    verdict = check_oecd_uid(text)
    if not verdict.compact:
        return []
    record_ids = RecordKey.objects.filter(kind="oecd", value=verdict.compact).values("record_id")
    return list(Record.objects.filter(pk__in=record_ids, type="LMO", state__in=PUBLIC_STATES).order_by("number"))


def linking_records(target: Record, *, types: Iterable[str] | None = None) -> dict[str, list[Record]]:
    """Published records whose latest revision references ``target``, grouped by referencing field."""
    links = RecordLink.objects.filter(target_identifier=target.identifier, source__state__in=PUBLIC_STATES)
    if types is not None:
        links = links.filter(source__type__in=list(types))
    grouped: dict[str, list[Record]] = {}
    for link in links.select_related("source").order_by("source__number"):
        grouped.setdefault(link.field, []).append(link.source)
    return grouped


def iter_published(*, batch: int = 2000) -> Iterator[PublishedRecord]:
    """Every published record's latest revision, in record-number order (index rebuilds, exports)."""
    last = 0
    while True:
        records = list(Record.objects.filter(state=RecordState.PUBLISHED, pk__gt=last).order_by("pk")[:batch])
        if not records:
            return
        yield from latest_revisions(records)
        last = records[-1].pk
