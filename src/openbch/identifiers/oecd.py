"""OECD unique identifiers of LMOs (``MON-ØØ81Ø-6``): normalise, compare, verify.

Real data spells one registered identifier many ways (digit ``0`` for the slashed
zero ``Ø``, en-dashes, spaces, lower case, missing dashes) and joins stacked events
with ``x``, ``×`` or an ``x`` glued after the verifier digit.  openbch stores the
spelling it is given, so everything here is about *resolving* spellings:

* :func:`compact_key` maps every spelling of one identifier to one string, which is
  what search indexes and uniqueness checks compare;
* :func:`check` explains a spelling (canonical display form, strict-format verdict,
  verifier verdict, warnings) without ever rejecting it, because at least one
  registered identifier (``SYN-ØØØJG-2``) fails its own verifier.

Every function is pure and total over ``str``: no input makes it raise.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = [
    "OecdUidCheck",
    "check",
    "compact_key",
    "first_eight",
    "is_probably_oecd_uid",
    "same_registration",
    "split_stack",
    "verifier_digit",
]

#: Length of an OECD unique identifier once dashes are removed.
CODE_LENGTH = 9

_SLASHED_ZEROS = "Øø"
_STACK_JOIN = "+"
_DISPLAY_STACK_JOIN = " × "
_MAX_QUOTED = 40

# The strict registry format, applied to the text exactly as written.
_STRICT = re.compile(r"[A-Z0-9Ø]{2,3}-[A-Z0-9Ø]{5,6}-[0-9]")

# Stack separators.  Components are stripped afterwards, so the separators need
# not swallow surrounding blanks (which also keeps the scan linear on long input):
#   * ``x``/``X`` standing alone between blanks: ``A x B``;
#   * the multiplication sign ``×`` anywhere;
#   * ``+``, the separator of stacked compact keys (keeps compact_key idempotent);
#   * an ``x``/``X`` glued between a digit and something shaped like a whole
#     identifier: ``DAS-4Ø278-9xMON-ØØ6Ø3-6``.  Requiring the full shape after it
#     keeps ``x`` inside event codes (``UFL-X17CP-9``) from splitting anything.
_ALNUM = "A-Za-z0-9Øø"
_GLUED_X = (
    rf"(?<=[0-9])[xX](?=[A-Za-z]{{2,3}}[^{_ALNUM}]?[{_ALNUM}]{{5,6}}[^{_ALNUM}]?[0-9]"
    rf"(?![0-9A-WYZa-wyzØø]))"
)
_STACK_SEPARATOR = re.compile(rf"(?<=\s)[xX](?=\s)|×|\+|{_GLUED_X}")
_HAS_ALNUM = re.compile(rf"[{_ALNUM}]")
_TOKEN = re.compile(rf"[{_ALNUM}]+")
_LEADING_LETTERS = re.compile(r"[A-Z]*")


def _compact_single(text: str) -> str:
    """Compact one (non-stack) spelling: upper case, ``Ø`` → ``0``, only A–Z/0–9.

    Only ASCII letters and digits survive, deliberately: ``str.upper`` would turn
    ``ß`` into ``SS`` and ``str.isdigit`` accepts non-ASCII digits, and neither can
    be part of an identifier.
    """
    out: list[str] = []
    for char in text:
        if char in _SLASHED_ZEROS:
            out.append("0")
        elif char.isascii() and char.isalnum():
            out.append(char.upper())
    return "".join(out)


def _is_code(compact: str) -> bool:
    """True when a compact single key has the shape of a UID (9 chars, digit last)."""
    return len(compact) == CODE_LENGTH and compact[-1].isdigit()


def _quote(text: str) -> str:
    """Short ``repr`` for warnings, so a 10 KB input does not make a 10 KB message."""
    if len(text) > _MAX_QUOTED:
        text = text[: _MAX_QUOTED - 1] + "…"
    return repr(text)


def split_stack(text: str) -> list[str]:
    """Split a stacked identifier into its component spellings, as written (stripped).

    A single identifier gives a one-element list.  Pieces without any letter or
    digit (stray separators, blanks) are dropped, so an empty or blank text gives
    an empty list.
    """
    parts = (part.strip() for part in _STACK_SEPARATOR.split(text))
    return [part for part in parts if _HAS_ALNUM.search(part)]


def compact_key(text: str) -> str:
    """The comparison key of a spelling: every spelling of one identifier gives the same key.

    For a single identifier: upper case, ``Ø``/``ø`` → ``0``, everything but A–Z/0–9
    dropped (``mon–00810 6`` → ``MON008106``).  For a stack: the components' keys,
    sorted, joined with ``+``, so that the order in which a stack is written does
    not matter.  Applying it twice changes nothing.
    """
    components = split_stack(text)
    if len(components) <= 1:
        return _compact_single(text)
    return _STACK_JOIN.join(sorted(_compact_single(part) for part in components))


def verifier_digit(first8: str) -> int:
    """The OECD verifier digit of the first eight characters of an identifier.

    Values: digit = itself, letter = its position in the alphabet (A=1 … Z=26),
    ``Ø`` = 0; the verifier is the digital root of their sum (0 when the sum is 0).
    Only the sum matters, so the applicant/event boundary need not be known.
    The text is compacted first and only its first eight characters are used, so a
    dashed spelling or a whole identifier may be passed.

    Raises:
        ValueError: when the compact form has fewer than eight characters.
    """
    compact = _compact_single(first8)
    if len(compact) < CODE_LENGTH - 1:
        raise ValueError(f"need 8 characters to compute a verifier, got {len(compact)} in {_quote(first8)}")
    total = 0
    for char in compact[: CODE_LENGTH - 1]:
        total += int(char) if char.isdigit() else ord(char) - ord("A") + 1
    return 0 if total == 0 else 1 + (total - 1) % 9


def first_eight(text: str) -> str:
    """The first eight compact characters, to find "same code, different verifier" spellings.

    ``FLO-11226-8`` and ``FLO-11226-9`` share ``FLO11226``.  Text that is not shaped
    like an identifier gives its whole compact key instead, so that it can only
    match an identical key, never a prefix.  For a stack, the components' values
    sorted and joined with ``+``.
    """
    components = split_stack(text)
    if len(components) > 1:
        return _STACK_JOIN.join(sorted(first_eight(part) for part in components))
    compact = _compact_single(text)
    return compact[: CODE_LENGTH - 1] if _is_code(compact) else compact


def is_probably_oecd_uid(text: str) -> bool:
    """Cheap test used by search to decide whether a query is an identifier.

    True for a 9-character compact key ending in a digit with a letter among its
    first three characters (so plain numbers are not taken for identifiers), or a
    stack made only of such.
    """
    components = split_stack(text)
    if not components:
        return False
    for part in components:
        compact = _compact_single(part)
        if not (_is_code(compact) and any(c.isalpha() for c in compact[:3])):
            return False
    return True


def same_registration(a: str, b: str) -> bool:
    """True when two spellings name the same identifier (or stack): equal compact keys.

    Text without any letter or digit is never the same registration as anything.
    """
    key = compact_key(a)
    return key != "" and key == compact_key(b)


@dataclass(frozen=True)
class OecdUidCheck:
    """What :func:`check` found out about one spelling.  Advisory only: nothing is rejected.

    Attributes:
        input: the text as given.
        canonical: upper case, zeros written ``Ø`` in the applicant and event parts,
            ``AAA-EEEEE-V`` (stacks: components joined with `` × ``); None when the
            text (or a component) is not a 9-character code.
        compact: :func:`compact_key` of the input.
        format_ok: the text as written matches the strict registry format
            (stacks: every component does).
        check_digit_ok: verifier verdict; None when not applicable (stacks: False if
            any component fails, else None if any is not applicable, else True).
        components: one check per component of a stack; empty for a single code.
        warnings: human-readable explanations of everything unusual.
    """

    input: str
    canonical: str | None
    compact: str
    format_ok: bool
    check_digit_ok: bool | None
    components: tuple[OecdUidCheck, ...] = ()
    warnings: tuple[str, ...] = ()

    @property
    def is_stack(self) -> bool:
        """True when the input was a stack of several identifiers."""
        return bool(self.components)

    def as_dict(self) -> dict[str, object]:
        """A JSON-ready dict (lists instead of tuples), e.g. for API responses."""
        return {
            "input": self.input,
            "canonical": self.canonical,
            "compact": self.compact,
            "format_ok": self.format_ok,
            "check_digit_ok": self.check_digit_ok,
            "components": [component.as_dict() for component in self.components],
            "warnings": list(self.warnings),
        }


def _applicant_length(text: str, compact: str) -> int:
    """Where the applicant part ends, from the dashes as written or by inference.

    When the first group of characters as written is 2 or 3 long, it is the
    applicant (``PH-MON-8Ø9-2`` → ``PH``).  Otherwise the applicant is the leading
    run of letters when that is 2 or 3 long (``DP004114-3`` → ``DP``), else 3.
    """
    tokens = _TOKEN.findall(text)
    if len(tokens) >= 2 and 2 <= len(tokens[0]) <= 3:
        return len(tokens[0])
    match = _LEADING_LETTERS.match(compact)
    letters = len(match.group()) if match else 0
    return letters if letters in (2, 3) else 3


def _canonical(text: str, compact: str) -> str:
    """Display spelling of a 9-character compact code (see :class:`OecdUidCheck`)."""
    split = _applicant_length(text, compact)
    applicant = compact[:split].replace("0", "Ø")
    event = compact[split : CODE_LENGTH - 1].replace("0", "Ø")
    return f"{applicant}-{event}-{compact[-1]}"


def _check_single(text: str) -> OecdUidCheck:
    compact = _compact_single(text)
    format_ok = len(text) == 11 and _STRICT.fullmatch(text) is not None
    if not _is_code(compact):
        if not compact:
            reason = "no letters or digits"
        elif len(compact) != CODE_LENGTH:
            count = len(compact)
            noun = "character" if count == 1 else "characters"
            reason = f"{count} {noun} once compacted, expected {CODE_LENGTH}"
        else:
            reason = f"last character {compact[-1]!r} is not a digit"
        return OecdUidCheck(
            input=text,
            canonical=None,
            compact=compact,
            format_ok=format_ok,
            check_digit_ok=None,
            warnings=(f"not an OECD unique identifier: {reason}",),
        )
    canonical = _canonical(text, compact)
    written = int(compact[-1])
    computed = verifier_digit(compact)
    warnings: list[str] = []
    if not format_ok:
        warnings.append(f"not in the strict AAA-EEEEE-V format; canonical spelling is {canonical}")
    if written != computed:
        warnings.append(f"check digit is {written}, computed {computed}")
    return OecdUidCheck(
        input=text,
        canonical=canonical,
        compact=compact,
        format_ok=format_ok,
        check_digit_ok=written == computed,
        warnings=tuple(warnings),
    )


def check(text: str) -> OecdUidCheck:
    """Explain a spelling of an OECD unique identifier or of a stack of them.

    Never raises and never rejects: a verifier mismatch or an odd spelling only
    adds a warning, because registered identifiers exist that fail the verifier.
    """
    parts = split_stack(text)
    if len(parts) <= 1:
        return _check_single(text)
    components = tuple(_check_single(part) for part in parts)
    verdicts = [component.check_digit_ok for component in components]
    check_digit_ok: bool | None
    if False in verdicts:
        check_digit_ok = False
    elif None in verdicts:
        check_digit_ok = None
    else:
        check_digit_ok = True
    canonicals = [component.canonical for component in components]
    canonical = (
        None
        if any(value is None for value in canonicals)
        else _DISPLAY_STACK_JOIN.join(value for value in canonicals if value is not None)
    )
    return OecdUidCheck(
        input=text,
        canonical=canonical,
        compact=compact_key(text),
        format_ok=all(component.format_ok for component in components),
        check_digit_ok=check_digit_ok,
        components=components,
        warnings=tuple(
            f"{_quote(component.input)}: {warning}" for component in components for warning in component.warnings
        ),
    )
