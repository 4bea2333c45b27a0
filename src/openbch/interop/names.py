"""Event names compared across sources: the comparison key and the names one field gives an event.

Plain functions without Django, so that identity resolution and the dev-time curation tool
(``tools/curate``) compare names the same way.
"""

from __future__ import annotations

import re

__all__ = ["event_name_variants", "name_key"]

_NAME_KEY_DROP = re.compile(r"[^A-Z0-9]")
_PREFIXES = re.compile(r"^(events?|lines?|cornline)\s+", re.IGNORECASE)


def name_key(text: str) -> str:
    """Names compared as upper-case letters and digits only (``Ø`` = 0): ``MON 863`` = ``MON863``."""
    return _NAME_KEY_DROP.sub("", text.upper().replace("Ø", "0"))


def event_name_variants(text: str) -> list[str]:
    """The names one field gives an event: ``GT73 (RT73)`` → GT73 (RT73), GT73, RT73;
    ``Event 26`` → Event 26, 26; ``FG72 (FGØ72-2, FGØ72-3)`` → …, FG72, FGØ72-2, FGØ72-3."""
    text = " ".join(text.split())
    if not text:
        return []
    pieces = [text, re.sub(r"\([^)]*\)", " ", text).strip()]
    for group in re.findall(r"\(([^)]*)\)", text):
        pieces.extend(part.strip() for part in group.split(","))
    variants: list[str] = []
    for piece in pieces:
        for one in (piece, _PREFIXES.sub("", piece)):
            if one and name_key(one) and one not in variants:
                variants.append(one)
    return variants
