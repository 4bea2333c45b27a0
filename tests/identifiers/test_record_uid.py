"""Tests for record UIDs (``BCH-{TYPE}-{OWNER}-{number}-{revision}``)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from openbch.identifiers import OWNER_CODES, RecordUid, parse_record_uid


def test_examples() -> None:
    uid = parse_record_uid("BCH-DEC-CA-1042-2")
    assert uid == RecordUid(type="DEC", owner="CA", number=1042, revision=2)
    assert str(uid) == "BCH-DEC-CA-1042-2"
    assert uid.base == "BCH-DEC-CA-1042"
    assert uid.prefix == "BCH"

    ref = parse_record_uid("BCH-LMO-SCBD-14855-5")
    assert (ref.type, ref.owner, ref.number, ref.revision) == ("LMO", "SCBD", 14855, 5)


def test_four_parts_mean_latest() -> None:
    uid = parse_record_uid("BCH-DEC-EU-7")
    assert uid.revision is None
    assert str(uid) == uid.base == "BCH-DEC-EU-7"
    assert str(uid.with_revision(3)) == "BCH-DEC-EU-7-3"
    assert uid.with_revision(3).with_revision(None) == uid


def test_lower_case_and_whitespace() -> None:
    assert parse_record_uid("  bch-dec-ca-1042-2\n") == parse_record_uid("BCH-DEC-CA-1042-2")
    assert str(parse_record_uid("Bch-Lmo-Scbd-14855")) == "BCH-LMO-SCBD-14855"


def test_frozen() -> None:
    uid = RecordUid("DEC", "CA", 1)
    with pytest.raises(AttributeError):
        uid.number = 2  # type: ignore[misc]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "empty"),
        ("   ", "empty"),
        ("BCH", "4 or 5"),
        ("BCH-DEC-CA", "4 or 5"),
        ("BCH-DEC-CA-1042-2-1", "4 or 5"),
        ("BCH--CA-1042-2", "record type"),
        ("BCH-D-CA-1042-2", "record type"),
        ("BCH-DECISI-CA-1042-2", "record type"),
        ("BCH-D3C-CA-1042-2", "record type"),
        ("BCH-DEC-XX-1042-2", "owner"),
        ("BCH-DEC-CAN-1042-2", "owner"),
        ("BCH-DEC-C1-1042-2", "owner"),
        ("BCH-DEC-CA-0-2", "number"),
        ("BCH-DEC-CA-01042-2", "number"),
        ("BCH-DEC-CA--1", "number"),
        ("BCH-DEC-CA-1e3-2", "number"),
        ("BCH-DEC-CA-1042-0", "revision"),
        ("BCH-DEC-CA-1042-", "revision"),
        ("BCH-DEC-CA-1042-two", "revision"),
        ("BCH-DEC-CA-1042-+2", "revision"),
        ("BCH-DEC-CA-１０４２-2", "non-ASCII"),
        ("BCH-DEC-CA-١٠٤٢-2", "non-ASCII"),
        ("BCH-DEC-CA-1042-2\x00", "revision"),
        ("BCH-DEC-CA-" + "9" * 5000 + "-2", "longer than"),
        ("BCH-DEC-CA-" + "9" * 30 + "-2", "number"),
        ("B-DEC-CA-1042-2", "prefix"),
        ("1CH-DEC-CA-1042-2", "prefix"),
        ("BCH_DEC_CA_1042_2", "4 or 5"),
        ("BCH DEC CA 1042 2", "4 or 5"),
        ("MON-ØØ81Ø-6", "non-ASCII"),
    ],
)
def test_bad_inputs(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_record_uid(text)


@pytest.mark.parametrize("value", [None, 42, b"BCH-DEC-CA-1042-2", ["BCH-DEC-CA-1042-2"], 1.5])
def test_non_strings_raise_value_error(value: object) -> None:
    with pytest.raises(ValueError, match="string"):
        parse_record_uid(value)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "kwargs",
    [
        {"type": "dec", "owner": "CA", "number": 1},
        {"type": "DEC", "owner": "ca", "number": 1},
        {"type": "DEC", "owner": "CA", "number": 0},
        {"type": "DEC", "owner": "CA", "number": -5},
        {"type": "DEC", "owner": "CA", "number": True},
        {"type": "DEC", "owner": "CA", "number": "1"},
        {"type": "DEC", "owner": "CA", "number": 1, "revision": 0},
        {"type": "DEC", "owner": "CA", "number": 1, "prefix": "bch"},
    ],
)
def test_constructor_validates(kwargs: dict[str, object]) -> None:
    with pytest.raises(ValueError, match="must be"):
        RecordUid(**kwargs)  # type: ignore[arg-type]


def test_with_revision_validates() -> None:
    with pytest.raises(ValueError, match="revision"):
        RecordUid("DEC", "CA", 1).with_revision(0)


def test_owner_codes() -> None:
    assert len(OWNER_CODES) == 249 + 2
    assert {"CA", "EU", "SCBD", "BR", "ZW"} <= OWNER_CODES
    assert "XX" not in OWNER_CODES


record_uids = st.builds(
    RecordUid,
    type=st.from_regex(r"[A-Z]{2,5}", fullmatch=True),
    owner=st.sampled_from(sorted(OWNER_CODES)),
    number=st.integers(min_value=1, max_value=10**18 - 1),
    revision=st.none() | st.integers(min_value=1, max_value=10**18 - 1),
)


@given(record_uids)
def test_round_trip(uid: RecordUid) -> None:
    text = str(uid)
    assert parse_record_uid(text) == uid
    assert parse_record_uid(text.lower()) == uid
    assert parse_record_uid(f"  {text}\t") == uid
    assert str(parse_record_uid(text)) == text
    assert parse_record_uid(uid.base) == uid.with_revision(None)


@given(st.text(max_size=80))
def test_parse_raises_only_value_error(text: str) -> None:
    try:
        uid = parse_record_uid(text)
    except ValueError as error:
        message = str(error)
    else:
        assert parse_record_uid(str(uid)) == uid
        return
    assert message  # every rejection names its problem


@given(st.from_regex(r"[A-Za-z]{2,6}-[A-Za-z]{1,6}-[A-Za-z0-9]{1,5}-[0-9]{1,4}(-[0-9]{1,3})?"))
def test_near_misses_raise_only_value_error(text: str) -> None:
    message = "accepted"
    try:
        parse_record_uid(text)
    except ValueError as error:
        message = str(error)
    assert message
