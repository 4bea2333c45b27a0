"""Reading published records: by record UID, by identifier, by OECD unique identifier, reverse links.

Reads need no transaction and no permission check while only published records are served.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from django.db.models import F, Q

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


def get_published(reference: str, revision: int | None = None) -> PublishedRecord:
    """A published (or withdrawn) record by record UID (4 or 5 parts) or by identifier (GUID).

    One query (revision joined to its record): this is the API's hottest read.
    """
    text = reference.strip()
    lookup: dict[str, Any]
    if GUID.match(text):
        lookup = {"identifier": text.upper()}
    else:
        try:
            uid = parse_record_uid(text)
        except ValueError as exc:
            # the API's path pattern already refused malformed text; this names no possible record
            raise NotFoundError(f"no record {text[:80]!r}: {exc}") from None
        lookup = {"number": uid.number, "type": uid.type, "owner": uid.owner}
        if revision is None:
            revision = uid.revision
    wanted = Q(revision=revision) if revision else Q(revision=F("record__revision"))
    matching = {f"record__{k}": v for k, v in lookup.items()}
    rows = list(
        Revision.objects.select_related("record").filter(wanted, record__state__in=PUBLIC_STATES, **matching)[:1]
    )
    if rows:
        return PublishedRecord(rows[0].record, rows[0])
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
