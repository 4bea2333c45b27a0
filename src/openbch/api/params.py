"""Shared, documented parameter shapes: the spec says what a valid value looks like.

Declaring the shape (not just ``string``) lets clients and fuzzers tell malformed input (400)
from well-formed input that names nothing (404).
"""

from __future__ import annotations

from typing import Annotated

from ninja import Path, Query

__all__ = ["LANGUAGE_PATTERN", "RECORD_UID_PATTERN", "Language", "RecordUid"]

#: a record UID with or without revision, or a record identifier (GUID)
RECORD_UID_PATTERN = (
    r"^([Bb][Cc][Hh]-[A-Za-z]{2,5}-[A-Za-z]{2,4}-[1-9][0-9]{0,17}(-[1-9][0-9]{0,17})?"
    r"|[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12})$"
)
LANGUAGE_PATTERN = r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$"

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
