"""Load the vocabulary files in ``data/`` once, and answer term questions.

A vocabulary is read-only at run time; changing one is a code change (reviewed, versioned).
Hierarchies are answered from precomputed ancestor sets so that "is this term under 8.1?" and
"expand a facet parent to its children" are set operations.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

from openbch.core.errors import NotFoundError
from openbch.core.multilingual import localize

__all__ = ["Term", "Vocabulary", "get_vocabulary", "vocabularies"]


@dataclass(frozen=True)
class Term:
    id: str
    label: Mapping[str, str]
    broader: str | None = None
    aliases: tuple[str, ...] = ()
    extra: Mapping[str, Any] = field(default_factory=dict)

    def label_in(self, language: str) -> str:
        shown = localize(self.label, language)
        return shown.text if shown else self.id


@dataclass
class Vocabulary:
    name: str
    label: Mapping[str, str]
    hierarchical: bool
    terms: dict[str, Term]
    source: str = ""
    _ancestors: dict[str, frozenset[str]] = field(default_factory=dict, repr=False)
    _descendants: dict[str, frozenset[str]] = field(default_factory=dict, repr=False)
    _by_alias: dict[str, str] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        children: dict[str, set[str]] = {}
        for term in self.terms.values():
            if term.broader:
                children.setdefault(term.broader, set()).add(term.id)
            for text in (*term.aliases, *(v.lower() for v in term.label.values())):
                self._by_alias.setdefault(text.strip().lower(), term.id)
        for term_id in self.terms:
            chain: list[str] = []
            current = self.terms[term_id].broader
            while current and current not in chain and current in self.terms:
                chain.append(current)
                current = self.terms[current].broader
            self._ancestors[term_id] = frozenset(chain)

        def below(term_id: str) -> set[str]:
            found: set[str] = set()
            for child in children.get(term_id, ()):
                found.add(child)
                found |= below(child)
            return found

        for term_id in self.terms:
            self._descendants[term_id] = frozenset(below(term_id))

    def __contains__(self, term_id: object) -> bool:
        return term_id in self.terms

    def __iter__(self) -> Iterator[Term]:
        return iter(self.terms.values())

    def __len__(self) -> int:
        return len(self.terms)

    def ancestors(self, term_id: str) -> frozenset[str]:
        """Broader terms of ``term_id``, nearest first is not guaranteed (a set)."""
        return self._ancestors.get(term_id, frozenset())

    def with_ancestors(self, term_id: str) -> frozenset[str]:
        return self.ancestors(term_id) | {term_id}

    def descendants(self, term_id: str) -> frozenset[str]:
        return self._descendants.get(term_id, frozenset())

    def lookup(self, text: str) -> Term | None:
        """Find a term by id, label (any language) or alias, case-insensitively."""
        if text in self.terms:
            return self.terms[text]
        term_id = self._by_alias.get(text.strip().lower())
        return self.terms[term_id] if term_id else None

    def as_dict(self, language: str | None = None) -> dict[str, Any]:
        return {
            "name": self.name,
            "label": dict(self.label),
            "hierarchical": self.hierarchical,
            "source": self.source,
            "terms": [
                {
                    "id": t.id,
                    "label": dict(t.label) if language is None else t.label_in(language),
                    **({"broader": t.broader} if t.broader else {}),
                }
                for t in self.terms.values()
            ],
        }


def _parse(data: Mapping[str, Any]) -> Vocabulary:
    known = {"id", "label", "broader", "aliases"}
    terms = {
        raw["id"]: Term(
            id=raw["id"],
            label=raw.get("label", {}),
            broader=raw.get("broader"),
            aliases=tuple(a.lower() for a in raw.get("aliases", ())),
            extra={k: v for k, v in raw.items() if k not in known},
        )
        for raw in data["terms"]
    }
    return Vocabulary(
        name=data["name"],
        label=data.get("label", {}),
        hierarchical=bool(data.get("hierarchical", False)),
        terms=terms,
        source=data.get("source", ""),
    )


@cache
def vocabularies() -> dict[str, Vocabulary]:
    """Every vocabulary shipped with openbch, by name."""
    found: dict[str, Vocabulary] = {}
    folder = resources.files("openbch.vocabularies") / "data"
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".json"):
            vocabulary = _parse(json.loads(entry.read_text(encoding="utf-8")))
            found[vocabulary.name] = vocabulary
    return found


def get_vocabulary(name: str) -> Vocabulary:
    try:
        return vocabularies()[name]
    except KeyError:
        raise NotFoundError(f"unknown vocabulary {name!r}") from None
