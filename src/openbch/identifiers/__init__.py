"""Identifiers: OECD unique identifiers of LMOs and openbch record UIDs.

Pure standard-library code with no dependency on the rest of openbch, so that
validation, search and import code can all share one notion of "the same
identifier".
"""

from openbch.identifiers.oecd import (
    OecdUidCheck,
    check,
    compact_key,
    first_eight,
    is_probably_oecd_uid,
    same_registration,
    split_stack,
    verifier_digit,
)
from openbch.identifiers.record_uid import OWNER_CODES, RecordUid, parse_record_uid

__all__ = [
    "OWNER_CODES",
    "OecdUidCheck",
    "RecordUid",
    "check",
    "compact_key",
    "first_eight",
    "is_probably_oecd_uid",
    "parse_record_uid",
    "same_registration",
    "split_stack",
    "verifier_digit",
]
