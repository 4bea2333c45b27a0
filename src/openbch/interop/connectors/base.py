"""What a connector is: ``gather`` the requests to make, ``parse`` each payload into items.

Fetching, storing payloads, counting and transactions belong to :mod:`openbch.interop.harvest`;
a connector only knows its source's formats. Items carry normalised fields, with these names
shared by every source (a source fills what it knows):

* LMOs: ``event_name``, ``unique_identifier``, ``component_names``, ``trade_names``, ``crop``,
  ``scientific_name``, ``traits``, ``genes``, ``developer``, ``decisions`` (country decisions:
  ``[{"scope", "date", "text", "document"}]``), ``country``;
* detection methods: ``method_code``, ``scope`` (event-/construct-/element-/taxon-specific),
  ``target``, ``description``, ``reference``, ``forward_primer``/``reverse_primer``/``probe``
  (``{"name", "sequence"}``), ``amplicon_size``, ``accession``, ``crop``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from openbch.interop.http import Fetched, Request
from openbch.interop.sources import SourceDefinition

__all__ = [
    "Connector",
    "FetchTask",
    "GatherContext",
    "NormalisedItem",
    "ParseError",
    "Rejection",
    "clean",
    "split_names",
]


class ParseError(Exception):
    """A payload that cannot be read at all (not JSON, not a table): the whole payload is rejected."""


@dataclass(frozen=True)
class FetchTask:
    request: Request
    #: what the gather stage already knows about the item (e.g. the index document of a record)
    hint: Mapping[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {"request": self.request.as_dict(), "hint": dict(self.hint)}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> FetchTask:
        return cls(Request.from_dict(data["request"]), data.get("hint") or {})


@dataclass
class NormalisedItem:
    external_id: str
    subject: str
    name: str
    fields: dict[str, Any]
    identifiers: list[str] = field(default_factory=list)
    url: str = ""
    #: extra lookup keys ``(kind, value)`` beyond the identifiers: method codes, target names
    keys: list[tuple[str, str]] = field(default_factory=list)


@dataclass(frozen=True)
class Rejection:
    """A row or document the connector could not turn into an item, and why."""

    reason: str
    external_id: str = ""
    where: str = ""


@dataclass
class GatherContext:
    """Handed to ``gather``: fetches (and stores) listing pages; ``cursor`` survives a failed run."""

    fetch: Callable[[Request], Fetched]
    cursor: dict[str, Any]


class Connector(Protocol):
    definition: SourceDefinition

    def gather(self, context: GatherContext) -> Iterator[FetchTask]: ...

    def parse(self, task: FetchTask, fetched: Fetched) -> Iterator[NormalisedItem | Rejection]: ...


_SPACES = re.compile(r"\s+")
_NONE = frozenset({"", "not available", "n/a", "na", "none", "-"})


def clean(value: Any) -> str:
    """Blanks collapsed and stripped; the "nothing" words of the sources become ``""``."""
    text = _SPACES.sub(" ", str(value if value is not None else "")).strip()
    return "" if text.lower() in _NONE else text


# Stacked event names: "MON863 x MON810", "59122, 1507, NK603", "1507x59122xMON810xNK603",
# "MON87460xMON89034xMON88017".  A glued x splits only between a digit and an alphanumeric, so
# names with an x of their own ("Xtend", "MaxCel") stay whole.
_NAME_SEPARATORS = re.compile(r"\s+[xX×]\s+|\s*×\s*|\s*,\s*|(?<=[0-9])[xX](?=[A-Za-z0-9])")


_PARENTHESES = re.compile(r"\([^()]*\)")


def split_names(text: str) -> list[str]:
    """The component names of a stacked event name (a single name gives a one-element list).

    Separators inside parentheses do not split: ``FG72 (FGØ72-2, FGØ72-3)`` is one name.
    """
    groups: list[str] = []

    def hide(match: re.Match[str]) -> str:
        groups.append(match.group())
        return f"\x00{len(groups) - 1}\x00"

    hidden = _PARENTHESES.sub(hide, text)
    parts = []
    for part in _NAME_SEPARATORS.split(hidden):
        restored = re.sub("\x00(\\d+)\x00", lambda m: groups[int(m.group(1))], part).strip()
        if clean(restored):
            parts.append(restored)
    return parts
