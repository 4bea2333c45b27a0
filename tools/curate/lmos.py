"""LMO records: one per identity the demo data needs (the BCH registry's, stack components,
Canadian decisions' and detection-method targets), from what :mod:`.lmo_sources` gathered."""

from __future__ import annotations

import re
from typing import Any

from .common import SCBD, Record, Report, compress_rows, en, ref, term, unique
from .elements import ElementIndex
from .lmo_sources import LmoData, LmoWorld
from .organisms import normalise_scientific_name, organism_key
from .sources import BIOTRACK_CSV, ISAAA_CSV, LMO_CSV
from .tables import CROP_WORDS, ISAAA_GENE_SPLITS, NAME_CROPS
from .vocabularies import Vocabularies


def curate_lmos(
    world: LmoWorld,
    needed: set[str],
    elements: ElementIndex,
    vocabularies: Vocabularies,
    report: Report,
) -> list[Record]:
    """LMO records for the BCH registry's identifiers and for every other identity ``needed``
    (stack components, Canadian decisions, detection-method targets)."""
    data = world.data
    records = []
    for identity in sorted(needed):
        item = data[identity]
        stack = bool(item.components)
        body: dict[str, Any] = {}
        body["transformationEvent"] = transformation_event(item, data)
        if item.uid:
            # as registered, even where not of the nine-character form (DP-32138-1): the
            # validator warns about the form, and the identifier still resolves by compact key
            body["hasUniqueIdentification"] = True
            body["uniqueIdentification"] = item.uid
        else:
            body["hasUniqueIdentification"] = False
        trade_names = item.trade_names or item.biotrack_trade_names
        if trade_names:
            body["tradeNames"] = trade_names
        organisms = lmo_organisms(item, data)
        if not organisms and not stack:
            organisms, how = related_organisms(item, world)
            if organisms:
                report.notes.append(f"{item.key}: no source names its recipient organism; {organisms[0]} is {how}")
        parents = stack_parents(item, world, report) if stack else []
        recipients = [ref(data[p].key) for p in parents] + [ref(organism_key(o)) for o in organisms]
        if recipients:
            body["recipientOrganisms"] = recipients
        else:
            report.notes.append(f"{item.key}: no recipient organism in the sources")
        body["identity"] = en(lmo_identity(item, data, organisms))
        genes = list(item.genes)
        if item.origin != LMO_CSV:
            for text in (name for cell in item.isaaa_genes for name in ISAAA_GENE_SPLITS.get(cell, (cell,))):
                element = elements.find(text)
                if element is None:
                    report.notes.append(f"{item.key}: ISAAA gene {text!r} is not in the alias table; left out")
                elif element.slug not in genes:
                    genes.append(element.slug)
        if genes:
            body["genes"] = [ref(f"gene/{slug}") for slug in genes]
        traits = lmo_traits(item, vocabularies)
        if traits:
            body["traits"] = [term(t) for t in vocabularies.most_specific(traits)]
        if stack:
            body["techniqueUsed"] = [term("cross-breeding")]
        related = [world.registry.resolve(s, Report(), "") for s in item.related_spellings]
        linked = unique(data[r[0]].key for r in related if r and r[0] in needed and r[0] != identity)
        if linked:
            body["linkedModifiedOrganisms"] = [ref(key) for key in linked]
        source_file = item.origin
        records.append(Record(item.key, "LMO", SCBD, body, {"file": source_file, "row": item.source_row}))
    return records


def lmo_traits(item: LmoData, vocabularies: Vocabularies) -> set[str]:
    """The BCH's traits, refined by ISAAA/BioTrack terms that are narrower than one of them (BCH
    "Insects" + ISAAA "Lepidopteran insect resistance" → lepidoptera; ISAAA terms the BCH does not
    support are not taken: ISAAA lists the transformation plasmid's markers, e.g. glyphosate
    tolerance for MON810).  Without BCH traits: ISAAA/BioTrack, else CFIA."""
    if item.bch_traits:
        refined = {t for t in item.xref_traits if (vocabularies.ancestors(t) | {t}) & item.bch_traits}
        return item.bch_traits | refined
    return set(item.xref_traits) or set(item.cfia_traits)


def transformation_event(item: LmoData, data: dict[str, LmoData]) -> str:
    """ISAAA col 1, else BioTrack col 1, else CFIA's event name, else the identifier; stacks: the
    components' event names joined with `` × ``."""
    if item.components:
        return " × ".join(transformation_event(data[c], data) for c in item.components)
    for names in (item.event_names, item.biotrack_names):
        if names:
            return sorted(names.items(), key=lambda kv: (-kv[1], kv[0]))[0][0]
    if item.cfia_names:
        return item.cfia_names[0]
    return item.uid or item.identity


def lmo_organisms(item: LmoData, data: dict[str, LmoData]) -> list[str]:
    if item.components:
        found: list[str] = []
        for component in item.components:
            found.extend(lmo_organisms(data[component], data))
        for parent in item.parent_spellings:
            sci = normalise_scientific_name(parent)
            if sci in CROP_WORDS:
                found.append(sci)
        return unique(found)
    for found in (item.organisms, item.isaaa_organisms, item.cfia_organisms):
        if found:
            return found[:1]
    return []


def related_organisms(item: LmoData, world: LmoWorld) -> tuple[list[str], str]:
    """For a single event whose organism no source names: the organism of the related LMOs lmo.csv
    gives for it (followed transitively; related LMOs are of the same crop throughout the data),
    else the crop word of its BCH name ("Liberator™ canola").  Returns (organisms, how)."""
    queue = list(item.related_spellings)
    visited: set[str] = set()
    while queue:
        resolved = world.registry.resolve(queue.pop(0), Report(), "")
        related = world.data.get(resolved[0]) if resolved else None
        if related is None or related.identity in visited or related.components:
            continue
        visited.add(related.identity)
        found = lmo_organisms(related, world.data)
        if found:
            return found, f"taken from the related LMO {related.uid} that lmo.csv gives for it"
        queue.extend(related.related_spellings)
    for name in sorted(item.bch_names):
        for word, organism in NAME_CROPS.items():
            if re.search(rf"\b{word}\b", name, flags=re.IGNORECASE):
                return [organism], f"inferred from the crop word of its BCH name {name!r}"
    return [], ""


def lmo_identity(item: LmoData, data: dict[str, LmoData], organisms: list[str]) -> str:
    """The BCH's own name when lmo.csv gives one (col 4 of stack rows), else
    "<trade name or event name> <crop>", e.g. "Enlist™ Maize", "MON87411 maize"."""
    if item.bch_names:
        return sorted(item.bch_names.items(), key=lambda kv: (-kv[1], kv[0]))[0][0]
    crop = CROP_WORDS.get(organisms[0], "") if organisms else ""
    base = (item.trade_names or item.biotrack_trade_names or [transformation_event(item, data)])[0]
    if crop and crop.lower() not in base.lower():
        return f"{base} {crop}"
    return base


def stack_parents(item: LmoData, world: LmoWorld, report: Report) -> list[str]:
    """Parental LMOs of a stack: the parental stack(s) lmo.csv names in col 5 when they are part
    of this stack, then every component not covered by them."""
    components = set(item.components)
    parents: list[str] = []
    covered: set[str] = set()
    for spelling in item.parent_spellings:
        resolved = world.registry.resolve(spelling, Report(), "")
        if resolved is None:
            continue  # a scientific name (col 5 of a stack row can hold the organism)
        key = resolved[0]
        parent = world.data.get(key)
        if parent is None or not parent.components:
            continue
        if set(parent.components) < components:
            parents.append(key)
            covered |= set(parent.components)
        else:
            report.notes.append(
                f"{LMO_CSV}: col 5 of stack {item.uid} holds {parent.uid}, which is not part of it (a related "
                "LMO rather than a parent); the stack's components are its parental LMOs"
            )
    parents.extend(c for c in item.components if c not in covered)
    return unique(parents)


def report_unused_cross_references(world: LmoWorld, needed: set[str], report: Report) -> None:
    """ISAAA/BioTrack rows whose identifier is neither in the BCH registry nor needed for a link."""
    reason = (
        "{uid}: not in the BCH registry (lmo.csv) and not needed by any decision, stack or detection "
        "method of the demo data"
    )
    for identity, item in sorted(world.data.items()):
        if identity in needed:
            continue
        if item.isaaa_rows:
            report.skip(ISAAA_CSV, compress_rows(item.isaaa_rows), reason.format(uid=item.uid))
        if item.biotrack_rows:
            report.skip(BIOTRACK_CSV, compress_rows(item.biotrack_rows), reason.format(uid=item.uid))
