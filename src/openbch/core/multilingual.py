"""Multilingual text (the BCH's ``lstring``): ``{"en": "…", "fr": "…"}``.

Display falls back requested → English → the first language present, and says when it fell back,
so pages can mark text shown in another language than the one asked for.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

__all__ = ["LANGUAGE_CODE", "UN_LANGUAGES", "Localized", "is_language_code", "localize"]

#: the six official languages of the United Nations, in the BCH's order
UN_LANGUAGES: tuple[str, ...] = ("ar", "zh", "en", "fr", "ru", "es")

#: an ISO 639 code with optional subtags (``en``, ``fil``, ``zh-Hant``)
LANGUAGE_CODE = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$")


def is_language_code(text: str) -> bool:
    return bool(LANGUAGE_CODE.match(text))


@dataclass(frozen=True)
class Localized:
    text: str
    language: str
    fallback: bool


def localize(value: Mapping[str, str] | None, language: str = "en") -> Localized | None:
    """Pick the text to show for ``language``; None when there is no text at all."""
    if not value:
        return None
    present = {k: v for k, v in value.items() if isinstance(v, str) and v.strip()}
    if not present:
        return None
    if language in present:
        return Localized(present[language], language, False)
    base = language.split("-", 1)[0]
    if base in present:
        return Localized(present[base], base, False)
    if "en" in present:
        return Localized(present["en"], "en", True)
    first = next(iter(present))
    return Localized(present[first], first, True)
