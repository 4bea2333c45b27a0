"""``--exclude-lmos-without-genes``: leave out the LMOs no source gives genetic elements for."""

from __future__ import annotations

from .common import Record, Report


def drop_lmos_without_genes(records: dict[str, list[Record]], report: Report) -> None:
    """Leave out LMOs that no source gives genetic elements for (only with --exclude-lmos-without-genes:
    ``genes`` is recommended, not mandatory), and every reference to them; a decision left without
    any LMO goes too (decisions of every file: jurisdiction steps may write their own)."""
    lmos = records["lmos.jsonl"]
    dropped = {r.key: r for r in lmos if not r.body.get("genes")}
    if not dropped:
        return
    records["lmos.jsonl"] = [r for r in lmos if r.key not in dropped]
    for record in dropped.values():
        source = record.source or {}
        report.skip(
            str(source.get("file", "")),
            str(source.get("row", "")),
            f"{record.key} ({record.body['transformationEvent']}): no source gives its genetic elements "
            "(--exclude-lmos-without-genes): LMO record left out",
        )
    for record in records["lmos.jsonl"]:
        for name in ("recipientOrganisms", "linkedModifiedOrganisms"):
            if name in record.body:
                record.body[name] = [v for v in record.body[name] if v["key"] not in dropped]
                if not record.body[name]:
                    del record.body[name]
    for name, items in records.items():
        records[name] = _drop_from_decisions(items, dropped, report)
    _drop_from_methods(records, dropped, report)


def _drop_from_decisions(items: list[Record], dropped: dict[str, Record], report: Report) -> list[Record]:
    kept = []
    for record in items:
        if record.type != "DEC":
            kept.append(record)
            continue
        organisms = record.body["modifiedOrganisms"]
        missing = [dropped[v["key"]] for v in organisms if v["key"] in dropped]
        remaining = [v for v in organisms if v["key"] not in dropped]
        source = record.source or {}
        if not remaining:
            report.skip(
                str(source.get("file", "")),
                str(source.get("row", "")),
                f"{record.key}: decision on {', '.join(m.key for m in missing)} only, whose LMO record is "
                "left out (no genetic elements): decision left out",
            )
            continue
        if missing:
            record.body["modifiedOrganisms"] = remaining
            names = ", ".join(
                f"{m.body['transformationEvent']}"
                + (f" ({m.body['uniqueIdentification']})" if m.body.get("uniqueIdentification") else "")
                for m in missing
            )
            record.body["relevantInformation"]["en"] += (
                f" The decision also covers {names}, for which the demo data has no LMO record."
            )
            report.notes.append(
                f"{record.key}: not linked to {', '.join(m.key for m in missing)} (LMO record left "
                "out: no genetic elements)"
            )
        kept.append(record)
    return kept


def _drop_from_methods(records: dict[str, list[Record]], dropped: dict[str, Record], report: Report) -> None:
    for record in records["detection-methods.jsonl"]:
        targets = record.body.get("targetLmos")
        if not targets:
            continue
        remaining = [v for v in targets if v["key"] not in dropped]
        if len(remaining) != len(targets):
            report.notes.append(
                f"dm/{record.body['methodCode']}: not linked to "
                + ", ".join(v["key"] for v in targets if v["key"] in dropped)
                + " (LMO record left out: no genetic elements)"
            )
        if remaining:
            record.body["targetLmos"] = remaining
        else:
            del record.body["targetLmos"]
            if not (record.body.get("targetElements") or record.body.get("targetOrganisms")):
                report.unlinked_methods.append(
                    (record.body["methodCode"], record.body["methodType"]["identifier"], record.body["targetName"])
                )
