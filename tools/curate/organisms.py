"""Organisms: the recipient organisms the sources name (BCH, ISAAA, CFIA) and their ORGA records."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from .common import SCBD, Record, en, is_stack, norm_space, slugify, term, uid_code
from .sources import CFIA_CSV, ISAAA_CSV, LMO_CSV, Sources
from .tables import CFIA_CROPS, EXTRA_CROP_TAXA, SCIENTIFIC_NAME_FIXES


def normalise_scientific_name(text: str) -> str:
    """``Zea mays L.`` → ``Zea mays``; fixes of SCIENTIFIC_NAME_FIXES; genus capitalised."""
    text = norm_space(text)
    text = re.sub(r"\s+L\.?$", "", text)
    text = SCIENTIFIC_NAME_FIXES.get(text, text)
    words = text.split(" ")
    return " ".join([words[0].capitalize(), *(w.lower() for w in words[1:])])


@dataclass
class OrganismInfo:
    scientific_name: str
    common_names: list[str] = field(default_factory=list)
    codes: list[str] = field(default_factory=list)
    sources: list[tuple[str, int]] = field(default_factory=list)


def organism_key(scientific_name: str) -> str:
    return f"organism/{slugify(scientific_name)}"


def add_common_names(info: OrganismInfo, names: Iterable[str]) -> None:
    for name in names:
        name = norm_space(name)
        if not name:
            continue
        if re.fullmatch(r"[A-Z]{5}", name):  # "MAIZE", "SOYBN": species codes in BCH name lists
            if name not in info.codes:
                info.codes.append(name)
            continue
        if name.lower() not in (n.lower() for n in info.common_names):
            info.common_names.append(name)


def collect_organisms(sources: Sources) -> dict[str, OrganismInfo]:
    """Every recipient organism named by the sources: lmo.csv single events (col 4 common names,
    col 5 scientific name), ISAAA (col 4, col 5), CFIA LMO rows (crop) and crop taxa of EUginius."""
    organisms: dict[str, OrganismInfo] = {}

    def get(name: str, file: str, row: int) -> OrganismInfo:
        sci = normalise_scientific_name(name)
        info = organisms.setdefault(sci, OrganismInfo(sci))
        info.sources.append((file, row))
        return info

    for row, cols in sources.lmo:
        if not is_stack(cols[1]) and cols[1] != "Proteqflu-Te" and not uid_code(cols[4]):
            add_common_names(get(cols[4], LMO_CSV, row), cols[3].split(","))
    for row, cols in sources.isaaa:
        add_common_names(get(cols[4], ISAAA_CSV, row), [cols[3]])
    for row, record in sources.cfia:
        if record["lmo_status"] == "LMO":
            add_common_names(get(cfia_organism(record), CFIA_CSV, row), [record["crop"]])
    for sci in EXTRA_CROP_TAXA:
        organisms.setdefault(sci, OrganismInfo(sci))
    return organisms


def cfia_organism(record: dict[str, str]) -> str:
    if record["event_designation"].startswith("(B. rapa)"):
        return "Brassica rapa"
    return CFIA_CROPS[record["crop"]]


def curate_organisms(organisms: dict[str, OrganismInfo]) -> list[Record]:
    """ORGA records: scientific name, common names (BCH first), kingdom, genus, species, type."""
    records = []
    for sci, info in organisms.items():
        words = sci.split(" ")
        body: dict[str, Any] = {
            "scientificName": sci,
            "kingdom": "Plantae",
            "genus": words[0],
            "organismType": term("plants"),
        }
        if len(words) > 1 and not words[1].endswith("."):
            body["species"] = sci
        if info.common_names:
            body["commonNames"] = [en(name) for name in info.common_names]
        if info.codes:
            body["relevantInformation"] = en(
                "The BCH lists the code " + ", ".join(info.codes) + " among the common names of this organism."
            )
        source = {"file": info.sources[0][0], "row": info.sources[0][1]} if info.sources else None
        records.append(Record(organism_key(sci), "ORGA", SCBD, body, source))
    return records
