"""Stage 2: LMO identifiers and event names: the BCH registry's spellings and how others resolve.

Identifiers are parsed and compared by the product (``openbch.identifiers.oecd``), event names by
the keys of identity resolution (``openbch.interop.names``), so the demo data links exactly what the
product would; the crops of method codes and of event-name suffixes are the EUginius connector's.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from openbch.identifiers.oecd import check as check_uid
from openbch.identifiers.oecd import compact_key, split_stack
from openbch.interop.connectors.euginius import NAME_CROP_SUFFIXES
from openbch.interop.names import name_key

from .common import Report, norm_space, uid_code


@dataclass
class UidRegistry:
    """The BCH registry's identifiers (lmo.csv col 2) and how other spellings resolve to them.

    ``registered`` maps a compact key (stacks: sorted component keys joined by ``+``) to the
    spelling the BCH registered.  Spellings from other sources resolve by compact key; a single
    identifier whose first eight characters match exactly one registered identifier but whose
    check digit differs (ISAAA's known typos) resolves to the registered one, and the correction
    is reported.  Anything else keeps its canonical spelling (``Ø`` for zeros, dashes).
    """

    registered: dict[str, str] = field(default_factory=dict)
    first_row: dict[str, int] = field(default_factory=dict)
    by_first_eight: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))

    def add(self, spelling: str, row: int) -> str:
        key = compact_key(spelling)
        if key not in self.registered:
            self.registered[key] = spelling
            self.first_row[key] = row
            code = uid_code(spelling)
            if code:
                self.by_first_eight[code[:8]].add(key)
        return key

    def resolve(self, spelling: str, report: Report, where: str) -> tuple[str, str] | None:
        """(compact key, spelling to use) for one identifier or stack; None if not an identifier."""
        spelling = norm_space(spelling.replace("–", "-"))
        key = compact_key(spelling)
        if key in self.registered:
            return key, self.registered[key]
        parts = split_stack(spelling)
        if len(parts) > 1:
            resolved = [self.resolve(part, report, where) for part in parts]
            if any(item is None for item in resolved):
                return None
            keys = sorted(item[0] for item in resolved if item)
            return "+".join(keys), " x ".join(item[1] for item in resolved if item)
        code = uid_code(spelling)
        if code is None:
            return None
        candidates = self.by_first_eight.get(code[:8], set())
        if len(candidates) == 1:
            (target,) = candidates
            report.correct(
                spelling,
                self.registered[target],
                "check digit differs from the BCH registry's identifier with the same first "
                "eight characters; the registered one is used",
                where,
            )
            return target, self.registered[target]
        canonical = check_uid(spelling).canonical or spelling
        if canonical != spelling:
            report.correct(
                spelling,
                canonical,
                "not in the BCH registry: recorded in the canonical spelling "
                "(AAA-EEEEE-V, Ø for zeros as the BCH writes them)",
                where,
            )
        return code, canonical


@dataclass
class EventIndex:
    """Event names → LMO identities (compact keys, or ``cfia:<slug>`` for LMOs without UID)."""

    names: dict[str, set[tuple[str, str]]] = field(default_factory=lambda: defaultdict(set))  # key → (id, crop)

    def add(self, name: str, identity: str, crop: str) -> None:
        key = name_key(name)
        if key:
            self.names[key].add((identity, crop))

    def lookup(self, name: str, crop: str | None, known_codes: Iterable[str]) -> tuple[set[str], str]:
        """Identities for an event name, and how they were found ('' when not found)."""
        text = norm_space(name)
        words = text.split(" ")
        if len(words) > 1 and words[-1].lower() in NAME_CROP_SUFFIXES:
            crop = NAME_CROP_SUFFIXES[words[-1].lower()]
            text = " ".join(words[:-1])
        hits = self.names.get(name_key(text), set())
        if crop and len({identity for identity, _ in hits}) > 1:
            hits = {hit for hit in hits if hit[1] == crop}
        identities = {identity for identity, hit_crop in hits if crop is None or hit_crop in (crop, "")}
        if identities:
            return identities, "name"
        # An event name that is an identifier without its check digit (EUginius "DAS68416").
        key = name_key(text)
        if len(key) == 8:
            matches = {code for code in known_codes if code[:8] == key}
            if len(matches) == 1:
                return matches, "identifier without check digit"
        return set(), ""
