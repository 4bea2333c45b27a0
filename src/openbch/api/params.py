"""Shared, documented parameter shapes: the spec says what a valid value looks like.

Declaring the shape (not just ``string``) lets clients and fuzzers tell malformed input (400)
from well-formed input that names nothing (404).
"""

from __future__ import annotations

from typing import Annotated

from ninja import Path, Query

__all__ = ["LANGUAGE_PATTERN", "NON_BLANK_PATTERN", "RECORD_UID_PATTERN", "Language", "RecordUid"]

#: a record UID with or without revision, or a record identifier (GUID)
RECORD_UID_PATTERN = (
    r"^([Bb][Cc][Hh]-[A-Za-z]{2,5}-[A-Za-z]{2,4}-[1-9][0-9]{0,17}(-[1-9][0-9]{0,17})?"
    r"|[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12})$"
)
LANGUAGE_PATTERN = r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$"
#: at least one character that is not white space. Not ``\S``: regex engines disagree on what white
#: space is (U+0085 is to Python and to the Rust engine that validates, not to ECMAScript, which the
#: schema's readers use; U+FEFF the other way round; U+001C-U+001F only to Python), so a client
#: could send a value the schema allows and have it refused. Every engine's white space is listed.
NON_BLANK_PATTERN = r"[^\t-\r \x1c-\x1f\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff]"

RecordUid = Annotated[
    str,
    Path(
        ...,
        pattern=RECORD_UID_PATTERN,
        max_length=64,
        description="record UID (`BCH-DEC-CA-12-2`, `BCH-DEC-CA-12`) or identifier (GUID)",
        examples=["BCH-LMO-SCBD-1-1"],
    ),
]
Language = Annotated[
    str | None,
    Query(
        None,
        pattern=LANGUAGE_PATTERN,
        max_length=20,
        description="ISO 639 language code; default: Accept-Language, then en",
    ),
]
