"""Record UIDs: ``BCH-{TYPE}-{OWNER}-{number}-{revision}``, e.g. ``BCH-DEC-CA-1042-2``.

The same shape as the real BCH, so that people and links that know BCH UIDs keep
working.  The 4-part form without the revision (``BCH-DEC-CA-1042``) names the
record's latest revision.  Parsing is forgiving about case and surrounding blanks
(people type UIDs into search boxes) but strict about everything else, and reports
every problem as a :class:`ValueError`, so callers need to catch only that.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

__all__ = ["OWNER_CODES", "RecordUid", "parse_record_uid"]

DEFAULT_PREFIX = "BCH"

# ISO 3166-1 alpha-2, officially assigned codes.  Kept here rather than taken from
# the countries vocabulary so that identifiers stay a dependency-free leaf package.
_ISO_3166_ALPHA2_TEXT = """
    AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ
    BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV BW BY BZ
    CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ
    DE DJ DK DM DO DZ
    EC EE EG EH ER ES ET
    FI FJ FK FM FO FR
    GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY
    HK HM HN HR HT HU
    ID IE IL IM IN IO IQ IR IS IT
    JE JM JO JP
    KE KG KH KI KM KN KP KR KW KY KZ
    LA LB LC LI LK LR LS LT LU LV LY
    MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ
    NA NC NE NF NG NI NL NO NP NR NU NZ
    OM
    PA PE PF PG PH PK PL PM PN PR PS PT PW PY
    QA
    RE RO RS RU RW
    SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ
    TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ
    UA UG UM US UY UZ
    VA VC VE VG VI VN VU
    WF WS
    YE YT
    ZA ZM ZW
"""
_ISO_3166_ALPHA2 = frozenset(_ISO_3166_ALPHA2_TEXT.split())

#: Every valid owner: a country (ISO 3166-1 alpha-2), the European Union, or the
#: Secretariat (``SCBD``), which owns the reference records.
OWNER_CODES: frozenset[str] = _ISO_3166_ALPHA2 | {"EU", "SCBD"}

_PREFIX = re.compile(r"[A-Z]{2,10}")
_TYPE = re.compile(r"[A-Z]{2,5}")
# ASCII digits only (``\d`` and ``int`` would accept other scripts' digits), no
# leading zero so that each record has exactly one spelling, and a length cap that
# keeps ``int`` far from its digit limit.
_NUMBER = re.compile(r"[1-9][0-9]{0,17}")
_MAX_LENGTH = 100


def _check_positive(name: str, value: object) -> None:
    # bool is an int subclass; True as a record number is a bug, not 1.
    if not isinstance(value, int) or isinstance(value, bool):
        raise ValueError(f"{name} must be an int, got {type(value).__name__}")
    if value < 1:
        raise ValueError(f"{name} must be positive, got {value}")


@dataclass(frozen=True)
class RecordUid:
    """A parsed record UID; ``revision=None`` means "the latest revision".

    Construction validates every part (and raises :class:`ValueError`), so a
    ``RecordUid`` that exists is always one that prints as a valid UID.
    """

    type: str
    owner: str
    number: int
    revision: int | None = None
    prefix: str = DEFAULT_PREFIX

    def __post_init__(self) -> None:
        if not isinstance(self.prefix, str) or not _PREFIX.fullmatch(self.prefix):
            raise ValueError(f"prefix must be 2-10 upper-case letters, got {self.prefix!r}")
        if not isinstance(self.type, str) or not _TYPE.fullmatch(self.type):
            raise ValueError(f"record type must be 2-5 upper-case letters, got {self.type!r}")
        if not isinstance(self.owner, str) or self.owner not in OWNER_CODES:
            raise ValueError(
                f"owner must be an upper-case ISO 3166-1 alpha-2 country code, EU or SCBD, got {self.owner!r}"
            )
        _check_positive("number", self.number)
        if self.revision is not None:
            _check_positive("revision", self.revision)

    @property
    def base(self) -> str:
        """The 4-part UID without the revision, e.g. ``BCH-DEC-CA-1042``."""
        return f"{self.prefix}-{self.type}-{self.owner}-{self.number}"

    def with_revision(self, revision: int | None) -> RecordUid:
        """The same record at another revision (None: the latest)."""
        return replace(self, revision=revision)

    def __str__(self) -> str:
        if self.revision is None:
            return self.base
        return f"{self.base}-{self.revision}"


def _parse_count(name: str, text: str) -> int:
    if not _NUMBER.fullmatch(text):
        raise ValueError(f"{name} must be a positive whole number (1-18 digits, no leading zero), got {text!r}")
    return int(text)


def parse_record_uid(text: str) -> RecordUid:
    """Parse ``BCH-DEC-CA-1042-2`` (or the 4-part ``BCH-DEC-CA-1042``, the latest revision).

    Case-insensitive; surrounding whitespace is ignored.

    Raises:
        ValueError: naming the problem, for anything that is not a record UID
            (including input that is not a string at all).
    """
    raw: object = text
    if not isinstance(raw, str):
        raise ValueError(f"a record UID must be a string, got {type(raw).__name__}")
    if len(raw) > _MAX_LENGTH:
        raise ValueError(f"not a record UID: longer than {_MAX_LENGTH} characters")
    cleaned = raw.strip()
    if not cleaned:
        raise ValueError("not a record UID: empty")
    if not cleaned.isascii():
        raise ValueError(f"not a record UID: non-ASCII characters in {cleaned!r}")
    parts = cleaned.upper().split("-")
    if len(parts) not in (4, 5):
        raise ValueError(
            f"a record UID has 4 or 5 dash-separated parts "
            f"(BCH-TYPE-OWNER-NUMBER[-REVISION]), got {len(parts)} in {cleaned!r}"
        )
    prefix, type_code, owner = parts[0], parts[1], parts[2]
    number = _parse_count("number", parts[3])
    revision = _parse_count("revision", parts[4]) if len(parts) == 5 else None
    return RecordUid(type=type_code, owner=owner, number=number, revision=revision, prefix=prefix)
