"""The product's vocabularies the records use: trait terms (with their hierarchy) and element families."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from .common import norm_label
from .tables import CFIA_COMBINED_TRAITS

#: the product's vocabulary files, read at curation time so that every term written exists
VOCABULARY_DIR = Path(__file__).resolve().parents[2] / "src" / "openbch" / "vocabularies" / "data"


@dataclass
class Vocabularies:
    """The term ids of the vocabularies the curation writes into records."""

    trait_lookup: dict[str, str]
    trait_order: dict[str, int]
    trait_broader: dict[str, str | None]
    element_families: set[str]

    def trait(self, label: str) -> str | None:
        return self.trait_lookup.get(norm_label(label))

    def ancestors(self, term_id: str) -> set[str]:
        found: set[str] = set()
        current = self.trait_broader.get(term_id)
        while current and current not in found:
            found.add(current)
            current = self.trait_broader.get(current)
        return found

    def most_specific(self, term_ids: Iterable[str]) -> list[str]:
        """Drop every term that is broader than another one in the set; vocabulary order."""
        ids = set(term_ids)
        covered = set().union(*(self.ancestors(t) for t in ids)) if ids else set()
        return sorted(ids - covered, key=lambda t: self.trait_order[t])


def read_vocabularies(folder: Path) -> Vocabularies:
    traits = json.loads((folder / "lmo-traits.json").read_text(encoding="utf-8"))
    lookup: dict[str, str] = {}
    for raw in traits["terms"]:
        for text in (*raw["label"].values(), *raw.get("aliases", ())):
            lookup.setdefault(norm_label(text), raw["id"])
    families = json.loads((folder / "element-categories.json").read_text(encoding="utf-8"))
    return Vocabularies(
        trait_lookup=lookup,
        trait_order={raw["id"]: index for index, raw in enumerate(traits["terms"])},
        trait_broader={raw["id"]: raw.get("broader") for raw in traits["terms"]},
        element_families={raw["id"] for raw in families["terms"]},
    )


def trait_terms(label: str, vocabularies: Vocabularies) -> tuple[str, ...] | None:
    """The lmo-traits terms a source trait label stands for (None when it is unknown)."""
    found = vocabularies.trait(label)
    if found:
        return (found,)
    for text, terms in CFIA_COMBINED_TRAITS.items():
        if norm_label(text) == norm_label(label):
            return terms
    return None
