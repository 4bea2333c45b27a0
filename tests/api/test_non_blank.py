"""The non-blank parameter pattern means the same to every regex engine that reads it.

Schemathesis found ``GET /api/v1/screening?positive=%C2%85`` refused although the schema said
``\\S`` allows it: U+0085 is white space to Python and to pydantic's Rust engine, not to
ECMAScript. The pattern now lists white space explicitly; these tests hold every engine to it.
"""

from __future__ import annotations

import re
import sys
import unicodedata
from typing import Annotated

import pytest
from django.test import Client
from pydantic import Field, TypeAdapter, ValidationError

from openbch.api.params import NON_BLANK_PATTERN

#: ECMA-262's WhiteSpace and LineTerminator (the \s of JSON Schema's regex dialect), besides category Zs
ECMASCRIPT_SPACE = {"\t", "\v", "\f", " ", "\ufeff", "\n", "\r", "\u2028", "\u2029"}


def _code_points() -> list[str]:
    return [chr(c) for c in range(sys.maxunicode + 1) if not 0xD800 <= c <= 0xDFFF]


def test_python_and_the_validating_engine_agree_on_every_code_point() -> None:
    rust = TypeAdapter(Annotated[str, Field(pattern=NON_BLANK_PATTERN)])
    disagree = []
    for char in _code_points():
        by_python = re.search(NON_BLANK_PATTERN, char) is not None
        try:
            rust.validate_python(char)
            by_rust = True
        except ValidationError:
            by_rust = False
        if by_python != by_rust:
            disagree.append(f"U+{ord(char):04X}")
    assert disagree == []


def test_white_space_of_any_engine_is_blank_and_nothing_else_is() -> None:
    space = {c for c in _code_points() if c.isspace() or unicodedata.category(c) == "Zs"} | ECMASCRIPT_SPACE
    assert "\x85" in space and "\ufeff" in space and "\x1c" in space  # one from each engine's own list
    blank = {c for c in _code_points() if re.search(NON_BLANK_PATTERN, c) is None}
    assert blank == space


@pytest.mark.django_db
@pytest.mark.parametrize("value", ["\x85", "\ufeff", " \u3000\t"])
def test_a_blank_element_name_or_shipment_text_is_refused_by_name(client: Client, value: str) -> None:
    screening = client.get("/api/v1/screening", {"positive": ["P-35S", value]})
    assert screening.status_code == 400
    assert [e["path"] for e in screening.json()["errors"]] == ["/query/params/positive/1"]
    border = client.get("/api/v1/border-check", {"text": value, "country": "CA", "use": "food"})
    assert border.status_code == 400
    assert [e["path"] for e in border.json()["errors"]] == ["/query/text"]


@pytest.mark.django_db
def test_a_name_with_white_space_around_it_is_allowed(client: Client) -> None:
    assert client.get("/api/v1/screening", {"positive": "\x85P-35S "}).status_code == 200
