"""Helpers every stage uses: text normalisation, record envelopes, the curation report."""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from openbch.identifiers.oecd import check as check_uid
from openbch.identifiers.oecd import split_stack

#: owner of the records that are not a country's (LMOs, organisms, elements, methods)
SCBD = "SCBD"


def norm_space(text: str) -> str:
    """Collapse every run of whitespace (including no-break spaces) to one space; strip."""
    return " ".join(text.split())


def norm_label(text: str) -> str:
    """Comparison form of a label: lower case, straight quotes, single spaces."""
    return norm_space(text.replace("’", "'").replace("‘", "'")).lower()


def slugify(text: str) -> str:
    """Lower-case ASCII slug: ``Zea mays`` → ``zea-mays``, ``MON-ØØ81Ø-6`` → ``mon-00810-6``."""
    text = text.replace("Ø", "0").replace("ø", "0")
    text = re.sub(r"[™®©]", "", text)
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def uid_code(text: str) -> str | None:
    """The compact 9-character code of a single identifier, or None if it is not shaped like one."""
    found = check_uid(text)
    return found.compact if found.canonical is not None and not found.is_stack else None


def unique(items: Iterable[Any]) -> list[Any]:
    """Items in first-seen order without repeats."""
    seen: set[Any] = set()
    out = []
    for item in items:
        marker = json.dumps(item, sort_keys=True) if isinstance(item, dict) else item
        if marker not in seen:
            seen.add(marker)
            out.append(item)
    return out


def ref(key: str) -> dict[str, str]:
    return {"key": key}


def term(identifier: str) -> dict[str, str]:
    return {"identifier": identifier}


def en(text: str) -> dict[str, str]:
    return {"en": text}


@dataclass
class Report:
    """What CURATION_REPORT.md says: skipped rows, corrections, notes, unlinked records."""

    skipped: list[tuple[str, str, str]] = field(default_factory=list)  # file, rows, reason
    corrections: dict[tuple[str, str, str], set[str]] = field(default_factory=dict)  # (from, to, why) → where
    notes: list[str] = field(default_factory=list)
    unlinked_methods: list[tuple[str, str, str]] = field(default_factory=list)  # code, type, target
    linking: list[str] = field(default_factory=list)

    def skip(self, file: str, rows: str | int, reason: str) -> None:
        self.skipped.append((file, str(rows), reason))

    def correct(self, spelling: str, corrected: str, why: str, where: str) -> None:
        self.corrections.setdefault((spelling, corrected, why), set()).add(where)


def compress_rows(lines: Iterable[int]) -> str:
    """``[3, 4, 5, 9]`` → ``3–5, 9``."""
    runs: list[list[int]] = []
    for number in sorted(set(lines)):
        if runs and number == runs[-1][1] + 1:
            runs[-1][1] = number
        else:
            runs.append([number, number])
    return ", ".join(str(a) if a == b else f"{a}–{b}" for a, b in runs)


def is_stack(spelling: str) -> bool:
    return len(split_stack(spelling)) > 1


@dataclass
class Record:
    key: str
    type: str
    owner: str
    body: dict[str, Any]
    source: dict[str, Any] | None = None

    def line(self) -> str:
        payload: dict[str, Any] = {"key": self.key, "type": self.type, "owner": self.owner}
        if self.source:
            payload["source"] = self.source
        payload["body"] = sort_deep(self.body)
        return json.dumps(payload, ensure_ascii=False)


def sort_deep(value: Any) -> Any:
    """Dict keys sorted at every level (list order is meaningful and kept)."""
    if isinstance(value, dict):
        return {k: sort_deep(value[k]) for k in sorted(value)}
    if isinstance(value, list):
        return [sort_deep(item) for item in value]
    return value
