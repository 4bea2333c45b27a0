"""Multilingual text (the BCH's ``lstring``): ``{"en": "…", "fr": "…"}``.

Display falls back requested → English → the first language present, and says when it fell back,
so pages can mark text shown in another language than the one asked for.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

__all__ = ["LANGUAGE_CODE", "UN_LANGUAGES", "Localized", "is_language_code", "localize", "localized_text"]

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


def _pick(value: Mapping[str, Any], language: str) -> tuple[str, str] | None:
    """(language, text) to show: the language asked for, its base language, English, else the first
    language with text; None when there is no text at all."""
    for key in (language, language.split("-", 1)[0], "en"):
        text = value.get(key)
        if isinstance(text, str) and text.strip():
            return key, text
    for key, text in value.items():
        if isinstance(text, str) and text.strip():
            return key, text
    return None


def localize(value: Mapping[str, str] | None, language: str = "en") -> Localized | None:
    """Pick the text to show for ``language``; None when there is no text at all."""
    picked = _pick(value, language) if value else None
    if picked is None:
        return None
    shown, text = picked
    return Localized(text, shown, shown not in (language, language.split("-", 1)[0]))


def localized_text(value: Mapping[str, Any], language: str) -> str | None:
    """``localize(value, language).text`` without the rest (exports call it for every cell)."""
    picked = _pick(value, language)
    return picked[1] if picked is not None else None
