"""Outbound feeds: the decisions a country flagged for a partner database, for the partner to poll.

A decision (DEC) published with ``forwardToOECD`` goes to the OECD BioTrack Product Database, one
with ``forwardToFAO`` to the FAO GM Foods Platform (the flags of the BCH's decision form). A
partner polls ``after=<cursor>`` and gets the flagged decisions whose latest publication or
withdrawal came after it, oldest first, with the cursor to ask from next time. A withdrawn
decision is sent again, marked withdrawn, so the partner can take it down.

Reads only; the cursor is the change log's sequence number, so the feed needs no state of its own.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.db.models import Max

from openbch.core.errors import NotFoundError
from openbch.core.multilingual import localize
from openbch.records.models import ChangeEvent, Record
from openbch.records.queries import PUBLIC_STATES, latest_revisions
from openbch.recordtypes.validate import parse_reference

__all__ = ["PARTNERS", "Partner", "decision_feed", "feed_csv"]

MAX_LIMIT = 1000


@dataclass(frozen=True)
class Partner:
    name: str
    label: str
    #: the decision field that flags a decision for this partner
    flag: str
    homepage: str


PARTNERS = {
    "oecd-biotrack": Partner(
        "oecd-biotrack", "OECD BioTrack Product Database", "forwardToOECD", "https://biotrackproductdatabase.oecd.org/"
    ),
    "fao-gm-foods": Partner(
        "fao-gm-foods", "FAO GM Foods Platform", "forwardToFAO", "https://www.fao.org/gm-platform/"
    ),
}

CSV_COLUMNS = (
    "seq",
    "uid",
    "country",
    "state",
    "title",
    "date",
    "reference_number",
    "decision_types",
    "result",
    "uses",
    "lmo_unique_identifiers",
    "lmo_names",
    "published_at",
    "url",
)


def _text(value: Any) -> str:
    if isinstance(value, Mapping):
        shown = localize(value, "en")
        return shown.text if shown else ""
    return value if isinstance(value, str) else ""


def _terms(value: Any) -> list[str]:
    items = value if isinstance(value, list) else [value] if value else []
    return [str(i.get("identifier")) for i in items if isinstance(i, Mapping) and i.get("identifier")]


def decision_feed(partner: str, *, after: int = 0, limit: int = 100) -> dict[str, Any]:
    """Flagged decisions changed after change-log sequence ``after`` (oldest first)."""
    found = PARTNERS.get(partner)
    if found is None:
        raise NotFoundError(f"no partner {partner[:40]!r}; partners: {', '.join(PARTNERS)}")
    limit = max(1, min(limit, MAX_LIMIT))
    latest = (
        ChangeEvent.objects.filter(type="DEC")
        .values("record_id")
        .annotate(last=Max("seq"))
        .filter(last__gt=after)
        .order_by("last")
    )
    items: list[dict[str, Any]] = []
    cursor = after
    # scan in the change log's order until ``limit`` flagged decisions are found; every decision
    # scanned moves the cursor on, flagged or not, so a partner never reads one twice
    for chunk_start in range(0, 10**9, 500):
        chunk = list(latest[chunk_start : chunk_start + 500])
        if not chunk:
            break
        seqs = {row["record_id"]: row["last"] for row in chunk}
        records = Record.objects.filter(pk__in=list(seqs), state__in=PUBLIC_STATES)
        by_id = {p.record.pk: p for p in latest_revisions(records)}
        for row in chunk:
            cursor = row["last"]
            published = by_id.get(row["record_id"])
            if published is None or published.body.get(found.flag) is not True:
                continue
            items.append({"seq": row["last"], **_decision(published)})
            if len(items) >= limit:
                break
        if len(items) >= limit:
            break
    return {
        "partner": found.name,
        "label": found.label,
        "flag": found.flag,
        "after": after,
        "next_after": cursor,
        "count": len(items),
        "decisions": items,
    }


def _decision(published: Any) -> dict[str, Any]:
    body = published.body
    refs = [
        p[0]
        for r in body.get("modifiedOrganisms") or []
        if isinstance(r, Mapping) and (p := parse_reference(r.get("identifier", "")))
    ]
    lmos = latest_revisions(Record.objects.filter(identifier__in=refs, state__in=PUBLIC_STATES))
    record = published.record
    return {
        "uid": published.uid,
        "country": record.owner,
        "state": record.state,
        "title": _text(body.get("title")),
        "date": body.get("date"),
        "reference_number": body.get("referenceNumber") or "",
        "decision_types": _terms(body.get("decisionTypes")),
        "result": (_terms(body.get("decisionResult")) or [""])[0],
        "uses": _terms(body.get("uses")),
        "lmos": [
            {
                "uid": lmo.uid,
                "unique_identifier": lmo.body.get("uniqueIdentification") or "",
                "name": _text(lmo.body.get("identity")),
            }
            for lmo in lmos
        ],
        "published_at": published.revision.published_at.isoformat(),
        "url": f"/api/v1/records/{published.uid}",
    }


def feed_csv(feed: Mapping[str, Any]) -> str:
    """The feed as CSV (one row per decision; lists joined with ``; ``)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for item in feed["decisions"]:
        row = {
            **item,
            "decision_types": "; ".join(item["decision_types"]),
            "uses": "; ".join(item["uses"]),
            "lmo_unique_identifiers": "; ".join(str(lmo["unique_identifier"]) for lmo in item["lmos"]),
            "lmo_names": "; ".join(str(lmo["name"]) for lmo in item["lmos"]),
        }
        writer.writerow([_safe(row.get(column, "")) for column in CSV_COLUMNS])
    return out.getvalue()


def _safe(value: Any) -> str:
    """Spreadsheets run cells starting with = + - @ as formulas (CSV injection): quote them as text."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
