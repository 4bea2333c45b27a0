"""What the US and EU curation steps share: read a decision source through the product's connector,
turn its items into DEC records with :func:`openbch.interop.decisions.import_decisions`, and list
every row in the report (record made, or the reason none was).

The rows are read from the product's bundled payloads (``src/openbch/interop/payloads/<source>/``,
byte-for-byte copies of ``shared/data``), through the same connector a harvest runs, so a later
import of the full registers takes the same path. LMOs are the curated ``lmos.jsonl``.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from openbch.interop.connectors import connector_for
from openbch.interop.connectors.base import NormalisedItem, Rejection
from openbch.interop.connectors.generic import GenericConnector
from openbch.interop.decisions import CODES, LmoLookup, Outcome, import_decisions
from openbch.interop.http import BundledFetcher
from openbch.interop.sources import get_definition

from .common import Record, Report
from .report import md
from .steps import CuratedWorld, Records, StepOutput

REPO = Path(__file__).resolve().parents[2]
DEMO = REPO / "src" / "openbch" / "demo" / "data"


@dataclass(frozen=True)
class Source:
    """A decision source of the product and the upstream file its bundled payload copies."""

    name: str
    upstream: str  # path under shared/data, for the report and the records' ``source``
    title: str


@dataclass
class Row:
    """One table row: its line, its item (or the connector's rejection) and its outcome."""

    source: Source
    line: int
    item: NormalisedItem | None
    outcome: Outcome | None = None
    rejection: str = ""

    @property
    def made(self) -> bool:
        return self.outcome is not None and self.outcome.made

    @property
    def code(self) -> str:
        if self.rejection:
            return "unreadable_row"
        return self.outcome.code if self.outcome else "unreadable_row"

    @property
    def reason(self) -> str:
        if self.rejection:
            return self.rejection
        return self.outcome.reason if self.outcome else ""


@dataclass
class Section:
    """One jurisdiction's curation: its records by output file and its rows for the report."""

    records: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    rows: list[Row] = field(default_factory=list)


def read_rows(source: Source) -> list[Row]:
    """Every data row of the source's bundled payloads, read by its connector one row at a time
    (so each item keeps its line number)."""
    definition = get_definition(source.name)
    connector = connector_for(definition)
    if not isinstance(connector, GenericConnector) or not definition.bundled:
        raise ValueError(f"{source.name}: not a bundled table source")
    fetcher = BundledFetcher(definition.bundled, definition.limits)
    rows: list[Row] = []
    for request in definition.requests:
        fetched = fetcher.fetch(request, accept=definition.accept)
        for line, cells in connector.rows(fetched):
            for entry in connector.build([(line, cells)]):
                if isinstance(entry, Rejection):
                    rows.append(Row(source, line, None, rejection=entry.reason))
                else:
                    rows.append(Row(source, line, entry))
    return rows


def envelope(key: str, owner: str, body: Mapping[str, Any], source: Mapping[str, Any] | None = None) -> Record:
    return Record(key, key.split("/")[0].upper(), owner, dict(body), dict(source) if source else None)


def curate_sources(
    sources: Sequence[Source], lmos: LmoLookup, authorities: Mapping[str, str]
) -> tuple[list[Record], list[Row]]:
    """DEC records and report rows of ``sources`` (read together: an EU amendment may link a
    decision of the same table)."""
    rows = [row for source in sources for row in read_rows(source)]
    readable = [(row, row.item) for row in rows if row.item is not None]
    items = [item for _, item in readable]
    for (row, _), (_, outcome) in zip(readable, import_decisions(items, lmos, authorities), strict=True):
        row.outcome = outcome
    records = [
        envelope(
            row.outcome.key,
            str(row.item.fields.get("country") or "").upper(),
            row.outcome.body,
            {"file": row.source.upstream, "row": row.line},
        )
        for row, _ in readable
        if row.outcome is not None and row.outcome.body is not None and row.item is not None
    ]
    return records, rows


def curate_jurisdiction(
    owner: str,
    sources: Sequence[Source],
    authorities: Mapping[str, Mapping[str, Any]],
    authority_keys: Mapping[str, str],
    lmos: LmoLookup,
) -> tuple[list[Record], list[Record], list[Row]]:
    """(authority records, decision records, report rows) of one jurisdiction (``owner``: its code)."""
    government = {"identifier": owner.lower()}
    authority_records = [
        envelope(key, owner, {"government": government, "country": government, **fields})
        for key, fields in authorities.items()
    ]
    decisions, rows = curate_sources(sources, lmos, authority_keys)
    return authority_records, decisions, rows


def jsonl(records: Iterable[Record]) -> str:
    return "".join(record.line() + "\n" for record in sorted(records, key=lambda r: r.key))


def report_section(title: str, rows: Sequence[Row]) -> list[str]:
    """Markdown: a summary by reason, then every row with what became of it."""
    out = [f"## {title}", ""]
    by_source: dict[str, list[Row]] = {}
    for row in rows:
        by_source.setdefault(row.source.name, []).append(row)
    for name, source_rows in by_source.items():
        source = source_rows[0].source
        made = [r for r in source_rows if r.made]
        counts = Counter(r.code for r in source_rows if not r.made)
        out.append(f"### {source.title} (`{name}`, `{source.upstream}`)")
        out.append("")
        summary = ", ".join(f"{n} {code}" for code, n in sorted(counts.items()))
        out.append(
            f"{len(source_rows)} rows: {len(made)} records made, {len(source_rows) - len(made)} not made"
            + (f" ({summary})" if summary else "")
            + "."
        )
        out.append("")
        out.append("| row | instrument | date | outcome | LMOs (how matched) |")
        out.append("|---|---|---|---|---|")
        for row in source_rows:
            fields = row.item.fields if row.item else {}
            instrument = str(fields.get("reference_number") or (row.item.external_id if row.item else ""))
            if row.made and row.outcome is not None:
                links = [*row.outcome.uid_matches]
                links += [
                    f"name {m.name!r}" + (f" (as {m.variant!r})" if m.variant != m.name else "") + f" → {m.lmo}"
                    for m in row.outcome.name_matches
                ]
                links += row.outcome.notes
                outcome = f"record `{row.outcome.key}`"
                how = "; ".join(links)
            else:
                outcome = f"not made: {row.code} — {row.reason}"
                how = ""
            out.append(f"| {row.line} | {md(instrument)} | {fields.get('date', '')} | {md(outcome)} | {md(how)} |")
        out.append("")
    return out


def name_matches(rows: Sequence[Row]) -> list[str]:
    """Every LMO linked by event name (no identifier printed), for a curator to check."""
    out = []
    for row in rows:
        if row.made and row.outcome is not None:
            for match in row.outcome.name_matches:
                variant = f" (read as {match.variant!r})" if match.variant != match.name else ""
                out.append(
                    f"* `{row.source.upstream}` row {row.line} ({row.outcome.key}): event name "
                    f"{match.name!r}{variant} → `{match.lmo}`"
                )
    return out


def codes_legend() -> list[str]:
    return [
        "Reasons: " + "; ".join(f"`{code}`: {text}" for code, text in CODES.items()) + "; `unreadable_row`: "
        "the connector rejected the row (e.g. a malformed date)."
    ]


OUTPUT = {
    "authorities": "authorities-us-eu.jsonl",
    "us": "decisions-us.jsonl",
    "eu": "decisions-eu.jsonl",
}
REPORT = "CURATION_REPORT-US-EU.md"
#: upstream folders of shared/data not shipped, and why (listed in the report and ATTRIBUTION.md)
NOT_SHIPPED = {
    "ogtr-australia": "OGTR material is 'normally CC BY 4.0 (verify on ogtr.gov.au)' per its SOURCE.md: the "
    "licence could not be verified (no network), so nothing of it is shipped",
    "fsanz-applications": "FSANZ content is 'normally CC BY 4.0 … (verify)' per its SOURCE.md: the licence "
    "could not be verified (no network), so nothing of it is shipped",
}


def not_shipped(shared_data: Path | None) -> list[str]:
    out = ["## Not shipped: Australia and New Zealand", ""]
    for folder, reason in NOT_SHIPPED.items():
        counts = []
        if shared_data is not None and (shared_data / folder).is_dir():
            for path in sorted((shared_data / folder).glob("*.tsv")):
                rows = sum(1 for line in path.read_text(encoding="utf-8").splitlines()[1:] if line.strip())
                counts.append(f"`{path.name}` {rows} rows")
        listed = f" ({', '.join(counts)})" if counts else ""
        out.append(f"* `{folder}`{listed}: not shipped — {reason}.")
    out.append("")
    return out


def curate_all(lmos: LmoLookup) -> tuple[dict[str, list[Record]], list[Row], list[Row]]:
    from .eu import curate_eu
    from .us import curate_us

    us_authorities, us_decisions, us_rows = curate_us(lmos)
    eu_authorities, eu_decisions, eu_rows = curate_eu(lmos)
    records = {
        OUTPUT["authorities"]: us_authorities + eu_authorities,
        OUTPUT["us"]: us_decisions,
        OUTPUT["eu"]: eu_decisions,
    }
    keys = Counter(r.key for rs in records.values() for r in rs)
    duplicates = [k for k, n in keys.items() if n > 1]
    if duplicates:
        raise ValueError(f"duplicate keys: {duplicates[:5]}")
    return records, us_rows, eu_rows


def render(us_rows: Sequence[Row], eu_rows: Sequence[Row], shared_data: Path | None) -> str:
    lines = [
        "# Curation report: US and EU decisions",
        "",
        "Written by `python -m tools.curate.us` (or `.eu`): the rows of the product's bundled sources "
        "`us-fda-bnf`, `us-aphis-fr` and `eu-1829` (byte-for-byte copies of `shared/data`), read by their "
        "connector and turned into records by `openbch.interop.decisions`. Every row is listed: the record it "
        "made, or the reason it made none. Dates are the source's (letter, decision or Federal Register "
        "publication date), never the day of loading.",
        "",
        *codes_legend(),
        "",
    ]
    lines += report_section("United States", us_rows)
    lines += report_section("European Union", eu_rows)
    matched = name_matches([*us_rows, *eu_rows])
    lines += ["## LMOs matched by event name (no unique identifier printed)", ""]
    lines += matched or ["None."]
    lines.append("")
    lines += not_shipped(shared_data)
    return "\n".join(lines).rstrip("\n") + "\n"


def write(out: Path, shared_data: Path | None) -> dict[str, list[Record]]:
    lmos = LmoLookup.from_jsonl(out / "lmos.jsonl")
    records, us_rows, eu_rows = curate_all(lmos)
    for name, items in records.items():
        (out / name).write_text(jsonl(items), encoding="utf-8", newline="\n")
    (out / REPORT).write_text(render(us_rows, eu_rows, shared_data), encoding="utf-8", newline="\n")
    return records


def main(argv: list[str] | None = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(description="US and EU decisions of the demo data")
    parser.add_argument("--out", type=Path, default=DEMO, help="the demo data folder (reads its lmos.jsonl)")
    parser.add_argument(
        "--shared", type=Path, default=REPO.parent / "shared", help="shared/ (only to count the rows not shipped)"
    )
    args = parser.parse_args(argv)
    records = write(args.out, args.shared / "data")
    for name, items in records.items():
        print(f"{name}: {len(items)}")
    return 0


# --- the step of the curation pipeline (tools/curate/pipeline.py) ------------------------------------

#: the step's own output files, in load order (authorities first)
FILES = (OUTPUT["authorities"], OUTPUT["us"], OUTPUT["eu"])


def curate_us_eu(world: CuratedWorld, report: Report) -> StepOutput:
    """The pipeline step: US and EU records in their own files, their report beside them. One step
    for both: an output file belongs to one step, and the authorities and report are shared."""
    lmos = LmoLookup.from_records(json.loads(r.line()) for r in world.lmos.values())
    records, us_rows, eu_rows = curate_all(lmos)
    made = sum(1 for row in [*us_rows, *eu_rows] if row.made)
    section = [
        "## US and EU decisions",
        "",
        f"{len(us_rows) + len(eu_rows)} rows of the US FDA, USDA APHIS and EU tables: {made} records made; every "
        f"row, with the reason when it made no record, is in `{REPORT}`.",
        "",
    ]
    return StepOutput(records, sections=section, documents={REPORT: render(us_rows, eu_rows, world.data)})


def summarise_us_eu(records: Records) -> list[str]:
    us = records.get(OUTPUT["us"], [])
    eu = records.get(OUTPUT["eu"], [])
    fda = sum(1 for r in us if r.key.startswith("dec/us/fda/"))
    return [
        f"US and EU decisions: {len(us) + len(eu)} — US FDA consultations {fda}, USDA APHIS determinations "
        f"{len(us) - fda}; EU Commission decisions {len(eu)}."
    ]
