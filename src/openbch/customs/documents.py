"""Picking LMO identifiers out of text pasted from a shipping document.

A document names LMOs the way its writer typed them: ``MON-ØØ81Ø-6``, ``mon-00810-6``,
``MON–00810–6`` (en dashes), ``MON 00810 6``, ``MON-OO81O-6`` (the letter O for the slashed zero),
stacks joined by ``x``, ``×`` or ``+`` (``MON-ØØ81Ø-6 x MON-ØØ6Ø3-6``), and Article 18 "may
contain" lists (``may contain: MON-ØØ81Ø-6, MON-ØØ6Ø3-6``: separate LMOs, not a stack). This
module finds those spans; :mod:`openbch.identifiers.oecd` says what each spelling means and
:mod:`openbch.customs.bordercheck` looks them up.

Two shapes are told apart, to keep prose from turning into identifiers:

* **dashed** (``AAA-EEEEE-V`` with any kind of dash, any case): always reported, even when it names
  nothing registered, because that is what a document's identifier looks like;
* **loose** (blank-separated or glued, ``MON 00810 6``, ``MON008106``): reported only when it
  resolves to a registered LMO (or shares its first eight characters with one: a verifier typo).
  The caller decides that (see :attr:`Span.loose`).

A dashed span of the wrong length (``MON-0810-6``: a character missing) names nothing and cannot be
read as an identifier, but is never dropped in silence either: :func:`near_misses` finds those,
and the answer lists them so the officer compares the document with it.

Event names (``MON810``, ``NK603``) are a fallback only, used when a word matches exactly one
registered single event's name (:func:`event_name_spans`): a name can be shared or mistyped where
a unique identifier cannot, so such a hit says how it was found.

Every function is pure and linear in the length of the text; none raises on any input.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from openbch.identifiers.oecd import compact_key, split_stack

__all__ = ["Span", "event_name_spans", "find_identifiers", "letter_o_as_zero", "near_misses", "normalise"]

#: dashes and minus signs writers use between the parts of an identifier
_DASHES = "-\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe63\uff0d"
#: characters that stand for the slashed zero ``Ø`` in documents (empty set sign, Greek Theta)
_ZERO_LOOKALIKES = str.maketrans({"\u2205": "Ø", "\u0398": "Ø", "\u03b8": "Ø"})
_PART = "A-Za-z0-9Øø"
_DASH = f"[{_DASHES}]"
# applicant 2-3 letters (a few registered applicants have a digit, e.g. none yet: letters only keeps
# prose words from matching), event 5-6, verifier one digit
_DASHED = rf"[A-Za-z]{{2,3}}[ \t]?{_DASH}[ \t]?[{_PART}]{{5,6}}[ \t]?{_DASH}[ \t]?[0-9]"
_LOOSE = rf"[A-Za-z]{{2,3}}[ \t]?[{_PART}]{{5,6}}[ \t]?[0-9]"
_ONE = rf"(?:{_DASHED}|{_LOOSE})"
_JOIN = r"[ \t]*(?:×|\+|[xX])[ \t]*"
_SPAN = re.compile(rf"(?<![{_PART}])({_ONE}(?:{_JOIN}{_ONE})*)(?![{_PART}])")
_DASHED_ONLY = re.compile(_DASHED)
#: dashed like an identifier, with a part too short or too long (or a letter as verifier)
_NEAR = re.compile(rf"(?<![{_PART}])[A-Za-z]{{2,3}}{_DASH}[{_PART}]{{3,8}}{_DASH}[{_PART}]{{1,2}}(?![{_PART}])")
_MAY_CONTAIN = re.compile(r"may\s+contain|peut\s+contenir|puede\s+contener", re.IGNORECASE)
_WORD = re.compile(rf"[{_PART}][{_PART}.\-/]*[{_PART}]")


@dataclass(frozen=True)
class Span:
    """One identifier (or stack) as written in the document.

    Attributes:
        text: the span as written (stripped; look-alikes of ``Ø`` such as ``∅`` already read as
            ``Ø``, see :func:`normalise`), e.g. ``mon-00810-6 x MON-ØØ6Ø3-6``.
        normalised: the spelling to look up: the span itself, or for an event name the registered
            identifier it stands for.
        start: where it starts in the text (characters).
        loose: True when some part is not dashed (see the module docstring).
        may_contain: the span is in a "may contain" statement (Article 18.2(a)).
        by_event_name: found by an event name, not by a unique identifier.
    """

    text: str
    normalised: str
    start: int
    loose: bool
    may_contain: bool = False
    by_event_name: bool = False

    @property
    def key(self) -> str:
        """The compact key: every spelling of one identifier or stack has the same one."""
        return compact_key(self.normalised)


def normalise(text: str) -> str:
    """The text with characters that stand for ``Ø`` replaced by it; dashes are left to compact_key."""
    return text.translate(_ZERO_LOOKALIKES)


def letter_o_as_zero(text: str) -> str:
    """The spelling with the letter O read as the slashed zero in every event part.

    Applicants (the first 2-3 letters) keep their O (``MON``); event parts are mostly digits, and
    writers without an ``Ø`` key type ``O``. Used only when the spelling as written names nothing.
    """
    out = []
    for part in split_stack(text):
        match = re.match(rf"([A-Za-z]{{2,3}}[ \t]?{_DASH}?[ \t]?)(.*)$", part)
        if match is None:
            out.append(part)
            continue
        out.append(match.group(1) + match.group(2).replace("O", "Ø").replace("o", "Ø"))
    return " x ".join(out)


def _may_contain_before(text: str, start: int, statements: list[tuple[int, int]]) -> bool:
    # a "may contain" statement covers the identifiers after it up to the end of its paragraph
    return any(begin <= start < end for begin, end in statements)


def _statements(text: str) -> list[tuple[int, int]]:
    spans = []
    for match in _MAY_CONTAIN.finditer(text):
        end = text.find("\n\n", match.end())
        spans.append((match.start(), len(text) if end < 0 else end))
    return spans


def find_identifiers(text: str) -> list[Span]:
    """Identifiers and stacks in ``text``, in document order, each once (by compact key)."""
    text = normalise(text)
    statements = _statements(text)
    found: dict[str, Span] = {}
    for match in _SPAN.finditer(text):
        written = match.group(1).strip()
        parts = split_stack(written)
        loose = not parts or any(_DASHED_ONLY.fullmatch(part.strip()) is None for part in parts)
        span = Span(
            text=written,
            normalised=written,
            start=match.start(1),
            loose=loose,
            may_contain=_may_contain_before(text, match.start(1), statements),
        )
        if span.key and span.key not in found:
            found[span.key] = span
    return list(found.values())


def near_misses(text: str, *, taken: list[Span]) -> list[str]:
    """Dashed spans shaped almost like an identifier (a part too short or too long) outside ``taken``."""
    text = normalise(text)
    covered = [(s.start, s.start + len(s.text)) for s in taken]
    out: list[str] = []
    for match in _NEAR.finditer(text):
        if any(begin <= match.start() < end for begin, end in covered) or match.group() in out:
            continue
        out.append(match.group())
    return out


def event_name_spans(text: str, names: Mapping[str, str], *, taken: list[Span]) -> list[Span]:
    """Words of ``text`` that are a registered event's name, outside the identifiers already found.

    ``names`` maps a name's comparison key (upper case, letters and digits only) to the registered
    unique identifier of the one LMO with that name; names shared by several LMOs must not be in
    it. A word counts only when it has both a letter and a digit and at least four characters
    (``MON810``, ``NK603``, ``GT73``): plain words and numbers are never event names.
    """
    text = normalise(text)
    covered = [(s.start, s.start + len(s.text)) for s in taken]
    statements = _statements(text)
    seen = {s.key for s in taken}
    out = []
    for match in _WORD.finditer(text):
        word = match.group()
        if any(begin <= match.start() < end for begin, end in covered):
            continue
        key = "".join(c for c in word.upper() if c.isascii() and c.isalnum())
        if len(key) < 4 or key.isdigit() or key.isalpha():
            continue
        registered = names.get(key)
        if registered is None or compact_key(registered) in seen:
            continue
        seen.add(compact_key(registered))
        out.append(
            Span(
                text=word,
                normalised=registered,
                start=match.start(),
                loose=False,
                may_contain=_may_contain_before(text, match.start(), statements),
                by_event_name=True,
            )
        )
    return out
