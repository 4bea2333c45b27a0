"""Detection methods (EUginius): each method's target resolved to LMOs, genetic elements or
organisms (``link_methods``, run before the LMO records: it decides which LMOs are curated), the DM
records, and the EURL-GMFF rows that cannot become records."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from openbch.interop.connectors.euginius import method_crop

from .common import SCBD, Record, Report, compress_rows, en, norm_space, ref, term, unique
from .elements import ElementIndex
from .lmo_sources import LmoWorld
from .organisms import OrganismInfo, normalise_scientific_name, organism_key
from .sources import CRL_TSV, PRIMERS_TSV, Sources

_IUPAC = re.compile(r"^[ACGTURYSWKMBDHVN]+$")
_REFERENCE_HINT = re.compile(r"ISO|et al|GMOMETHODS|Official Collection|BVL|GenTG|LFGB|\b(19|20)\d{2}\b")


@dataclass
class MethodLinks:
    lmos: list[str] = field(default_factory=list)  # identities
    elements: list[str] = field(default_factory=list)  # element slugs
    organisms: list[str] = field(default_factory=list)  # scientific names
    unresolved: list[str] = field(default_factory=list)
    how: list[str] = field(default_factory=list)


def link_methods(
    sources: Sources, world: LmoWorld, elements: ElementIndex, organisms: dict[str, OrganismInfo]
) -> dict[str, MethodLinks]:
    """Resolve each EUginius method's target to LMO identities, genetic elements or organisms."""
    known_codes = world.single_codes()
    links: dict[str, MethodLinks] = {}
    for _row, method in sources.primers:
        found = MethodLinks()
        scope = method["target_scope"]
        target = norm_space(method["target_name"])
        if scope == "event-specific":
            code_crop = method_crop(method["method_code"]) or None
            identities, how = world.events.lookup(target, code_crop, known_codes)
            if len(identities) == 1:
                found.lmos.extend(sorted(identities))
                found.how.append(how)
            else:
                found.unresolved.append(target if not identities else f"{target} (ambiguous)")
        elif scope == "construct-specific":
            for name in (part.strip() for part in target.split(",")):
                identities, how = world.events.lookup(name, None, known_codes)
                if len(identities) == 1:
                    found.lmos.extend(sorted(identities))
                    found.how.append(how)
                else:
                    found.unresolved.append(name if not identities else f"{name} (ambiguous)")
        elif scope == "element-specific":
            for name in (part.strip() for part in target.split(",")):
                element = elements.find(name)
                if element:
                    found.elements.append(element.slug)
                else:
                    found.unresolved.append(name)
        elif scope == "taxon-specific":
            sci = normalise_scientific_name(target)
            if sci in organisms:
                found.organisms.append(sci)
            else:
                found.unresolved.append(target)
        found.lmos = unique(found.lmos)
        found.elements = unique(found.elements)
        links[method["method_code"]] = found
    return links


def clean_description(text: str) -> str:
    """EUginius descriptions break lines around italic words (``of\\nZea mays\\n(Debode…``): join
    those with spaces, keep a line break only after a full stop or colon."""
    lines = [norm_space(line) for line in text.replace("\r", "").split("\n")]
    out = ""
    for line in lines:
        if not line:
            continue
        if not out:
            out = line
        elif out.endswith((".", ":")):
            out += "\n" + line
        else:
            out += " " + line
    out = re.sub(r"\(\s+", "(", out)
    return re.sub(r"\s+\)", ")", out)


def method_reference(description: str) -> str | None:
    """The publication or standard a description cites: the last parenthesised group that looks like
    a reference (ISO, 'et al', GMOMETHODS…) in its first paragraph, else in a later one; paragraphs
    about copy numbers ("Estimated number of target copies … (Jacchia et al. 2018)") do not count."""
    paragraphs = [p for p in description.split("\n") if not p.startswith("Estimated number of target copies")]
    for scope in (paragraphs[:1], paragraphs[1:]):
        groups = [g for g in re.findall(r"\(([^()]*)\)", "\n".join(scope)) if _REFERENCE_HINT.search(g)]
        if groups:
            return str(groups[-1]).strip().rstrip(".")
    return None


def method_title(description: str, code: str) -> str:
    """First sentence of the description without trailing reference parentheses."""
    first = description.split("\n")[0].strip()
    first = re.split(r"(?<=\.)\s", first)[0].rstrip(".").strip()
    while True:
        match = re.search(r"\s*\(([^()]*)\)\s*$", first)
        if not match or not _REFERENCE_HINT.search(match.group(1)):
            break
        first = first[: match.start()].rstrip()
    return first or code


def curate_detection_methods(
    sources: Sources,
    links: dict[str, MethodLinks],
    world: LmoWorld,
    elements: ElementIndex,
    report: Report,
) -> list[Record]:
    """DM records from EUginius (all 288 rows), linked to LMOs, elements and organisms."""
    records = []
    for row, method in sources.primers:
        code = method["method_code"].strip()
        description = clean_description(method["description"])
        body: dict[str, Any] = {
            "methodCode": code,
            "title": en(method_title(description, code)),
            "methodType": term(method["target_scope"]),
            "targetName": norm_space(method["target_name"]),
            "forwardPrimerName": method["forward_primer_name"].strip(),
            "forwardPrimer": method["forward_primer_seq"].strip().upper(),
            "reversePrimerName": method["reverse_primer_name"].strip(),
            "reversePrimer": method["reverse_primer_seq"].strip().upper(),
            "sourceDatabase": "EUginius",
            "sourceUrl": {"url": method["source_url"].strip()},
        }
        if code.startswith("QT-"):
            body["methodFormat"] = term("quantitative-pcr")
        elif code.startswith("QL-"):
            body["methodFormat"] = term("qualitative-pcr")
        probe = method["probe_seq"].strip().upper()
        if probe:
            body["probe"] = probe
            if method["probe_name"].strip():
                body["probeName"] = method["probe_name"].strip()
        elif method["probe_name"].strip():
            report.notes.append(
                f"{PRIMERS_TSV} row {row} ({code}): probe name {method['probe_name']!r} "
                "without a probe sequence (scraper artefact); left out"
            )
        size = method["amplicon_size"].strip()
        if size.isdigit():
            body["ampliconSize"] = int(size)
        elif size:
            report.notes.append(f"{PRIMERS_TSV} row {row} ({code}): amplicon size {size!r} is not a number")
        amplicon = method["amplicon_seq"].strip().upper()
        if amplicon and _IUPAC.match(amplicon):
            body["amplicon"] = amplicon
        elif amplicon:
            report.notes.append(f"{PRIMERS_TSV} row {row} ({code}): amplicon has non-IUPAC characters; left out")
        if description:
            body["description"] = en(description)
        reference = method_reference(description)
        if reference:
            body["methodReference"] = reference
        for field_name in ("forwardPrimer", "reversePrimer", "probe"):
            if field_name in body and not _IUPAC.match(body[field_name]):
                raise ValueError(f"{code}: {field_name} is not an IUPAC sequence")
        found = links[method["method_code"]]
        if found.lmos:
            body["targetLmos"] = [ref(world.data[i].key) for i in found.lmos]
        if found.elements:
            body["targetElements"] = [ref(f"gene/{slug}") for slug in found.elements]
        if found.organisms:
            body["targetOrganisms"] = [ref(organism_key(sci)) for sci in found.organisms]
        if not (found.lmos or found.elements or found.organisms):
            report.unlinked_methods.append((code, method["target_scope"], norm_space(method["target_name"])))
        elif found.unresolved and method["target_scope"] == "construct-specific":
            report.linking.append(
                f"`{code}` (construct-specific): {len(found.lmos)} LMO(s) linked; event names not resolved: "
                + ", ".join(found.unresolved)
            )
        records.append(Record(f"dm/{code}", "DM", SCBD, body, {"file": PRIMERS_TSV, "row": row}))
    return records


def report_crl(sources: Sources, methods: list[Record], report: Report) -> None:
    """crl_amplicons_raw.tsv has amplicons but no primers, which DM records require."""
    codes = {r.body["methodCode"] for r in methods}
    present = [row for row, item in sources.crl if item["method_id"].strip() in codes]
    absent = [(row, item["method_id"].strip()) for row, item in sources.crl if item["method_id"].strip() not in codes]
    if present:
        report.skip(CRL_TSV, compress_rows(present), "method code already present from EUginius")
    for row, code in absent:
        report.skip(
            CRL_TSV,
            row,
            f"{code}: the file gives no primers (forwardPrimer and reversePrimer are "
            "required), so no detection-method record is created",
        )
