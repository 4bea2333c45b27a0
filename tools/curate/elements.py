"""Genetic elements: the alias table's index and the GENE records of every element in use."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from .common import SCBD, Record, Report, en, norm_label, norm_space, term, unique
from .sources import ELEMENTS_TSV, Sources
from .tables import ELEMENTS, ElementDef
from .vocabularies import Vocabularies


@dataclass
class ElementIndex:
    by_alias: dict[str, ElementDef]
    seen_spellings: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    used: set[str] = field(default_factory=set)

    def find(self, spelling: str) -> ElementDef | None:
        element = self.by_alias.get(norm_label(spelling))
        if element:
            self.used.add(element.slug)
            if norm_space(spelling) not in self.seen_spellings[element.slug]:
                self.seen_spellings[element.slug].append(norm_space(spelling))
        return element


def element_index() -> ElementIndex:
    by_alias: dict[str, ElementDef] = {}
    for element in ELEMENTS:
        for alias in (element.name, *element.aliases):
            existing = by_alias.setdefault(norm_label(alias), element)
            if existing is not element:
                raise ValueError(f"alias {alias!r} names both {existing.slug} and {element.slug}")
    return ElementIndex(by_alias)


def gene_key(element: ElementDef) -> str:
    return f"gene/{element.slug}"


def curate_elements(
    sources: Sources, elements: ElementIndex, vocabularies: Vocabularies, report: Report
) -> list[Record]:
    """GENE records for every element used by an LMO, a method or the RedGene element table."""
    accessions: dict[str, tuple[str, str, int]] = {}
    for row, item in sources.elements:
        element = elements.find(item["FASTA header ID"])
        if element is None:
            report.skip(ELEMENTS_TSV, row, f"element {item['FASTA header ID']!r} is not in the alias table")
            continue
        elements.find(item["Element name"])
        accession = item["GenBank accession"].strip()
        organism = item["Source organism"].replace("_", " ").strip()
        if accession and accession != "curated" and element.slug not in accessions:
            accessions[element.slug] = (accession, organism, row)
        elif element.slug not in accessions:
            accessions.setdefault(f"organism:{element.slug}", (accession, organism, row))
    records = []
    for element in ELEMENTS:
        if element.slug not in elements.used:
            continue
        if element.family not in vocabularies.element_families:
            raise ValueError(f"{element.slug}: family {element.family!r} is not in element-categories.json")
        body: dict[str, Any] = {
            "name": en(element.name),
            "abbreviation": element.abbreviation,
            "family": term(element.family),
        }
        synonyms = [
            s
            for s in elements.seen_spellings[element.slug]
            if norm_label(s) not in (norm_label(element.name), norm_label(element.abbreviation))
        ]
        if synonyms:
            body["synonymNames"] = unique(synonyms)
        found = accessions.get(element.slug) or accessions.get(f"organism:{element.slug}")
        source = None
        if found:
            accession, organism, row = found
            if accession and accession != "curated":
                body["genbankAccession"] = accession
            if organism:
                body["relevantInformation"] = en(f"Source organism as given by the RedGene element table: {organism}.")
            source = {"file": ELEMENTS_TSV, "row": row}
        records.append(Record(gene_key(element), "GENE", SCBD, body, source))
    return records
