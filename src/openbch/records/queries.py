"""Reading published records: by record UID, by identifier, by OECD unique identifier, reverse links.

Reads need no transaction and no permission check while only published records are served.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, NamedTuple, TypeVar

from django.db import connection
from django.db.models import F, Field

from openbch.core.errors import NotFoundError
from openbch.identifiers.oecd import check as check_oecd_uid
from openbch.identifiers.record_uid import parse_record_uid
from openbch.records.models import Record, RecordKey, RecordLink, RecordState, Revision
from openbch.recordtypes.validate import GUID

__all__ = [
    "LatestRevision",
    "PublishedRecord",
    "SourceRow",
    "column_converters",
    "find_lmos_by_oecd_uid",
    "get_published",
    "iter_published",
    "latest_by_identifiers",
    "latest_by_numbers",
    "latest_revisions",
    "linking_records",
    "published_rows_after",
    "record_envelope",
    "revisions_of",
    "source_rows",
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
        r, v = self.record, self.revision
        return record_envelope(
            r.type,
            r.owner,
            r.number,
            identifier=r.identifier,
            state=r.state,
            revision=v.revision,
            latest_revision=r.revision,
            published_at=v.published_at,
            first_published_at=r.first_published_at,
            languages=v.languages,
            title=r.title,
            content_hash=v.content_hash,
            withdrawn_at=r.withdrawn_at,
            withdrawn_reason=r.withdrawn_reason,
        )


def record_envelope(
    record_type: str,
    owner: str,
    number: int | None,
    *,
    identifier: str,
    state: str,
    revision: int,
    latest_revision: int,
    published_at: datetime,
    first_published_at: datetime | None,
    languages: Any,
    title: str,
    content_hash: str,
    withdrawn_at: datetime | None,
    withdrawn_reason: str,
) -> dict[str, Any]:
    """A published revision's envelope (everything the API gives of it but its body), from its
    record's and revision's values: :meth:`PublishedRecord.envelope` and the change feed's one-query
    read (federation.feed) both write it here."""
    data: dict[str, Any] = {
        "uid": f"BCH-{record_type}-{owner}-{number}-{revision}",
        "identifier": identifier,
        "type": record_type,
        "owner": owner,
        "state": state,
        "revision": revision,
        "latest_revision": latest_revision,
        "published_at": published_at.isoformat(),
        "first_published_at": first_published_at.isoformat() if first_published_at else None,
        "languages": languages,
        "title": title,
        "content_hash": content_hash,
    }
    if state == RecordState.WITHDRAWN:
        data["withdrawn"] = {
            "at": withdrawn_at.isoformat() if withdrawn_at else None,
            "reason": withdrawn_reason,
        }
    return data


def column_converters(fields: Sequence[Field[Any, Any]]) -> list[list[Any]]:
    """For each field's column, the converters Django applies to it on this backend, in its order
    (the backend's, then the field's: JSON text decoded, SQLite's datetime text parsed)."""
    found = []
    for f in fields:
        column = f.get_col(f.model._meta.db_table)
        found.append(connection.ops.get_db_converters(column) + column.get_db_converters(connection))
    return found


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
            found = self._converters[connection.vendor] = column_converters([*self._fields[0], *self._fields[1]])
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


def revisions_of(pairs: Iterable[tuple[int, int]]) -> dict[tuple[int, int], PublishedRecord]:
    """Given revisions as (record primary key, revision number) pairs, with one query: what a mirror
    reading the change log needs (each event names the revision it published)."""
    wanted = set(pairs)
    if not wanted:
        return {}
    candidates = Revision.objects.select_related("record").filter(
        record_id__in={pk for pk, _ in wanted}, revision__in={n for _, n in wanted}
    )
    return {
        (rev.record_id, rev.revision): PublishedRecord(rev.record, rev)
        for rev in candidates
        if (rev.record_id, rev.revision) in wanted
    }


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


class LatestRevision(NamedTuple):
    """A record's latest published revision as a bulk read gives it: the few columns bulk work needs."""

    identifier: str
    number: int
    type: str
    owner: str
    revision: int
    body: dict[str, Any]
    #: :attr:`first_published_at` as the database gave it (converted only when asked for)
    published_value: Any

    @property
    def uid(self) -> str:
        return f"BCH-{self.type}-{self.owner}-{self.number}-{self.revision}"

    @property
    def first_published_at(self) -> datetime:
        """When the record was first published (this revision's date when that is unknown)."""
        published: datetime = _BULK.convert(_PUBLISHED_COLUMN, self.published_value)
        return published


_PUBLISHED_COLUMN = 6


_Row = TypeVar("_Row")


class _PlainRead(Generic[_Row]):
    """Rows of records with their latest revision, many at a time, as plain SQL with Django's converters.

    Exports and the index rebuild read every published record: model instances (two per record,
    built field by field, with signals) cost more than the query, so rows become named tuples. Each
    column still goes through the converters Django would apply on this backend (JSON text decoded,
    SQLite's datetime text parsed), so the values are those the ORM would have given; a ``lazy``
    column (one most rows never show) is left raw, for :meth:`convert` when asked for.
    """

    def __init__(
        self,
        row: Callable[..., _Row],
        columns: Sequence[tuple[str, str]],
        *,
        lazy: int | None = None,
        column_sql: Callable[[list[str]], None] | None = None,
    ) -> None:
        fields = {
            "r": {f.name: f for f in Record._meta.concrete_fields},
            "v": {f.name: f for f in Revision._meta.concrete_fields},
        }
        self._row = row
        #: (table alias, field) of each column, in the row's order
        self._columns: list[tuple[str, Field[Any, Any]]] = [(alias, fields[alias][name]) for alias, name in columns]
        self._lazy = lazy
        self._column_sql = column_sql
        self._converters: dict[str, list[list[Any]]] = {}

    def _select(self) -> str:
        q = connection.ops.quote_name
        columns = [f"{alias}.{q(str(f.column))}" for alias, f in self._columns]
        if self._column_sql is not None:
            self._column_sql(columns)
        # the join takes the latest revision only; no condition on the record type here, or
        # SQLite (without ANALYZE statistics) walks the whole (type, owner, state) index instead
        return (
            f"SELECT {', '.join(columns)} FROM {Record._meta.db_table} r "  # noqa: S608 - our names
            f"JOIN {Revision._meta.db_table} v ON v.record_id = r.id AND v.revision = r.revision"
        )

    def _converters_for(self) -> list[list[Any]]:
        found = self._converters.get(connection.vendor)
        if found is None:
            found = self._converters[connection.vendor] = column_converters([f for _, f in self._columns])
        return found

    def convert(self, column: int, value: Any) -> Any:
        for convert in self._converters_for()[column]:
            value = convert(value, None, connection)
        return value

    def read(self, where: str, params: Sequence[Any], *, order_by: str = "", limit: int | None = None) -> list[_Row]:
        sql = (
            f"{self._select()} WHERE {where}"
            + (f" ORDER BY {order_by}" if order_by else "")
            + (f" LIMIT {int(limit)}" if limit is not None else "")
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            rows = cursor.fetchall()
        eager = [(i, c) for i, c in enumerate(self._converters_for()) if c and i != self._lazy]
        found = []
        for row in rows:
            values = list(row)
            for i, converters in eager:
                for convert in converters:
                    values[i] = convert(values[i], None, connection)
            found.append(self._row(*values))
        return found

    def by_identifiers(self, identifiers: Sequence[str], states: Sequence[str]) -> list[_Row]:
        """The rows of the records among ``identifiers`` in one of ``states``."""
        found: list[_Row] = []
        # under SQLite's historical limit of 999 parameters
        for start in range(0, len(identifiers), 900):
            chunk = identifiers[start : start + 900]
            where = f"r.identifier IN ({_placeholders(len(chunk))}) AND r.state IN ({_placeholders(len(states))})"
            found += self.read(where, [*chunk, *states])
        return found


def _first_publication_or_this_one(columns: list[str]) -> None:
    # the record's first publication, else (not recorded) this revision's: one date to convert
    published = connection.ops.quote_name(str(Revision._meta.get_field("published_at").column))
    columns[_PUBLISHED_COLUMN] = f"COALESCE({columns[_PUBLISHED_COLUMN]}, v.{published})"


_BULK: _PlainRead[LatestRevision] = _PlainRead(
    LatestRevision,
    [
        ("r", "identifier"),
        ("r", "number"),
        ("r", "type"),
        ("r", "owner"),
        ("v", "revision"),
        ("v", "body"),
        ("r", "first_published_at"),
    ],
    lazy=_PUBLISHED_COLUMN,
    column_sql=_first_publication_or_this_one,
)


def _placeholders(count: int) -> str:
    return ", ".join(["%s"] * count)


def latest_by_numbers(numbers: Sequence[int]) -> list[LatestRevision]:
    """The latest revision of each published record among those ``numbers``, in number order, in one query."""
    if not numbers:
        return []
    where = f"r.number IN ({_placeholders(len(numbers))}) AND r.state = %s"
    return _BULK.read(where, [*numbers, str(RecordState.PUBLISHED)], order_by="r.number")


def latest_by_identifiers(identifiers: Sequence[str]) -> list[LatestRevision]:
    """The latest published revision of the published (or withdrawn) records among ``identifiers``."""
    return _BULK.by_identifiers(identifiers, [str(state) for state in PUBLIC_STATES])


class SourceRow(NamedTuple):
    """A record's latest revision with its two publication dates: what the search index is built from."""

    identifier: str
    number: int
    type: str
    owner: str
    revision: int
    body: dict[str, Any]
    #: when this revision was published here
    published_at: datetime
    #: when revision 1 was published here (None in records from before the column existed)
    first_published_at: datetime | None

    @property
    def uid(self) -> str:
        return f"BCH-{self.type}-{self.owner}-{self.number}-{self.revision}"


_SOURCE: _PlainRead[SourceRow] = _PlainRead(
    SourceRow,
    [
        ("r", "identifier"),
        ("r", "number"),
        ("r", "type"),
        ("r", "owner"),
        ("v", "revision"),
        ("v", "body"),
        ("v", "published_at"),
        ("r", "first_published_at"),
    ],
)


def published_rows_after(number: int, limit: int) -> list[SourceRow]:
    """The next ``limit`` published records after record number ``number``, in number order."""
    return _SOURCE.read(
        "r.number > %s AND r.state = %s", [number, str(RecordState.PUBLISHED)], order_by="r.number", limit=limit
    )


def source_rows(identifiers: Sequence[str], *, withdrawn: bool = False) -> list[SourceRow]:
    """The latest revisions of the published (``withdrawn``: or withdrawn) records among ``identifiers``."""
    states = PUBLIC_STATES if withdrawn else (RecordState.PUBLISHED,)
    return _SOURCE.by_identifiers(identifiers, [str(s) for s in states])
