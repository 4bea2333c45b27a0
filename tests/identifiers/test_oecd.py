"""Tests for OECD unique identifiers, driven by the oracle of 345 real spellings."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from openbch.identifiers import (
    OecdUidCheck,
    check,
    compact_key,
    first_eight,
    is_probably_oecd_uid,
    same_registration,
    split_stack,
    verifier_digit,
)

ORACLE = Path(__file__).resolve().parents[3] / "shared" / "data" / "oecd-uid-oracle" / "oecd_uid_verifier_cases.csv"


def _oracle_params() -> list[object]:
    if not ORACLE.is_file():
        return [
            pytest.param(
                None,
                marks=pytest.mark.skip(reason=f"OECD UID oracle not found at {ORACLE}"),
                id="oracle-missing",
            )
        ]
    with ORACLE.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    return [pytest.param(row, id=f"{line:03d}:{row['uid_as_written']}") for line, row in enumerate(rows, start=2)]


ORACLE_ROWS = _oracle_params()
VERDICTS: dict[str, bool | None] = {"yes": True, "no": False, "n/a": None}


def test_oracle_is_complete() -> None:
    if not ORACLE.is_file():
        pytest.skip(f"OECD UID oracle not found at {ORACLE}")
    assert len(ORACLE_ROWS) == 345


@pytest.mark.parametrize("row", ORACLE_ROWS)
def test_oracle_row(row: dict[str, str]) -> None:
    text = row["uid_as_written"]
    result = check(text)
    assert result.input == text
    assert not result.is_stack  # the oracle holds components, never whole stacks
    assert compact_key(text) == row["compact_key"]
    assert result.compact == row["compact_key"]
    assert result.format_ok is (row["strict_format"] == "yes")
    if row["verifier_computed"]:
        assert verifier_digit(first_eight(text)) == int(row["verifier_computed"])
        assert verifier_digit(text) == int(row["verifier_computed"])
    assert result.check_digit_ok is VERDICTS[row["conforms"]]
    if result.check_digit_ok is None:
        assert result.canonical is None
    else:
        assert result.canonical is not None
        assert check(result.canonical).format_ok
        assert compact_key(result.canonical) == row["compact_key"]
    if result.check_digit_ok is False:
        assert any(w.startswith("check digit is") for w in result.warnings)


@pytest.mark.parametrize("row", ORACLE_ROWS)
def test_oracle_conforming_variants_share_first_eight(row: dict[str, str]) -> None:
    """The oracle's "conforming variant" of a failing spelling is found by first_eight."""
    variants = [part.split(" [")[0].strip() for part in row["conforming_variant_seen"].split(" | ") if part.strip()]
    for variant in variants:
        assert first_eight(variant) == first_eight(row["uid_as_written"])
        assert not same_registration(variant, row["uid_as_written"])
        assert check(variant).check_digit_ok is True


def test_lower_case_with_digit_zeros() -> None:
    result = check("mon-00810-6")
    assert result.canonical == "MON-ØØ81Ø-6"
    assert result.compact == "MON008106"
    assert result.check_digit_ok is True
    assert result.format_ok is False  # lower case is not the strict registry format
    assert same_registration("mon-00810-6", "MON-ØØ81Ø-6")


def test_registered_uid_failing_its_verifier_is_a_warning() -> None:
    result = check("SYN-ØØØJG-2")
    assert result.format_ok is True
    assert result.check_digit_ok is False
    assert result.canonical == "SYN-ØØØJG-2"
    assert result.warnings == ("check digit is 2, computed 3",)


@pytest.mark.parametrize(
    ("text", "canonical"),
    [
        ("DP004114-3", "DP-ØØ4114-3"),
        ("MON87419-8", "MON-87419-8"),
        ("PH-MON-8Ø9-2", "PH-MON8Ø9-2"),
        ("DAS- Ø15Ø7-1", "DAS-Ø15Ø7-1"),
        ("SPS–ØØV11–6", "SPS-ØØV11-6"),
        ("MON 887Ø1-3", "MON-887Ø1-3"),
        ("kb-kws201-6", "KB-KWS2Ø1-6"),
        ("mon—øø81ø—6", "MON-ØØ81Ø-6"),
        ("MON008106", "MON-ØØ81Ø-6"),
    ],
)
def test_canonical_spelling(text: str, canonical: str) -> None:
    result = check(text)
    assert result.canonical == canonical
    assert result.check_digit_ok is True
    if not result.format_ok:
        assert any("canonical spelling is" in w for w in result.warnings)


@pytest.mark.parametrize(
    "template",
    [
        "{a} x {b}",
        "{a} X {b}",
        "{a}×{b}",
        "{a} × {b}",
        "{a}x{b}",
        "{a}X{b}",
        "{a} + {b}",
    ],
)
def test_stack_separators_and_order(template: str) -> None:
    a, b = "DAS-4Ø278-9", "MON-ØØ6Ø3-6"
    forward = template.format(a=a, b=b)
    backward = template.format(a=b, b=a)
    assert split_stack(forward) == [a, b]
    assert compact_key(forward) == compact_key(backward) == "DAS402789+MON006036"
    assert same_registration(forward, backward)
    result = check(forward)
    assert result.is_stack
    assert result.canonical == "DAS-4Ø278-9 × MON-ØØ6Ø3-6"
    assert result.check_digit_ok is True
    assert [c.input for c in result.components] == [a, b]
    assert is_probably_oecd_uid(forward)


def test_glued_x_with_digit_zeros_and_lower_case() -> None:
    text = "das-40278-9xmon-00603-6xSYN-IR6Ø4-5"
    assert split_stack(text) == ["das-40278-9", "mon-00603-6", "SYN-IR6Ø4-5"]
    assert compact_key(text) == "DAS402789+MON006036+SYNIR6045"


@pytest.mark.parametrize("text", ["UFL-X17CP-9", "SPS-ØØX17-5", "SPS-00X17-5", "1XAB12345"])
def test_x_inside_a_code_does_not_split(text: str) -> None:
    assert split_stack(text) == [text]
    assert not check(text).is_stack


def test_stack_verdicts_combine() -> None:
    failing = check("SYN-ØØØJG-2 x MON-ØØ81Ø-6")
    assert failing.check_digit_ok is False
    assert failing.format_ok is True
    assert failing.warnings == ("'SYN-ØØØJG-2': check digit is 2, computed 3",)

    unknown = check("TC1507 x MON-ØØ81Ø-6")
    assert unknown.check_digit_ok is None
    assert unknown.canonical is None
    assert unknown.format_ok is False
    assert not is_probably_oecd_uid("TC1507 x MON-ØØ81Ø-6")

    both = check("TC1507 x SYN-ØØØJG-2")
    assert both.check_digit_ok is False


def test_as_dict() -> None:
    data = check("DAS-4Ø278-9 x SYN-ØØØJG-2").as_dict()
    assert set(data) == {
        "input",
        "canonical",
        "compact",
        "format_ok",
        "check_digit_ok",
        "components",
        "warnings",
    }
    assert data["check_digit_ok"] is False
    components = data["components"]
    assert isinstance(components, list)
    assert [c["input"] for c in components] == ["DAS-4Ø278-9", "SYN-ØØØJG-2"]
    assert components[0]["components"] == []
    assert check("MON-ØØ81Ø-6").as_dict()["components"] == []


def test_check_is_frozen() -> None:
    result = check("MON-ØØ81Ø-6")
    with pytest.raises(AttributeError):
        result.canonical = "x"  # type: ignore[misc]


@pytest.mark.parametrize(
    "text",
    [
        "not available",
        "",
        "   ",
        "-",
        "\x00",
        "MON\x00-ØØ81Ø-6\x00\x00",
        "\x00" * 1000,
        "ß" * 9,
        "x",
        " x ",
        "××××",
        "+++",
        "A" * 10_000,
        ("MON-ØØ81Ø-6 " * 900)[:10_000],
        " " * 10_000,
        "9x" * 5_000,
        ("9xMON-ØØ81Ø-6" * 800)[:10_000],
    ],
    ids=lambda text: f"len{len(text)}:{text[:12]!r}",
)
def test_garbage_never_raises(text: str) -> None:
    result = check(text)
    compact_key(text)
    split_stack(text)
    first_eight(text)
    is_probably_oecd_uid(text)
    same_registration(text, text)
    assert result.input == text
    if "MON" not in text:
        assert result.check_digit_ok is None
        assert result.format_ok is False


def test_garbage_is_not_an_identifier() -> None:
    for text in ["not available", "", "---", "59122", "TC1507"]:
        assert not is_probably_oecd_uid(text)
        assert check(text).canonical is None
    # Nine digits have the shape of a code, so check() judges them, but search must
    # not take a plain number for an identifier.
    assert check("123456789").check_digit_ok is True
    assert not is_probably_oecd_uid("123456789")
    assert not is_probably_oecd_uid("1234-56789-1")
    assert is_probably_oecd_uid("1A3456789")
    assert not same_registration("", "")
    assert not same_registration("---", "–")


def test_verifier_digit() -> None:
    assert verifier_digit("MON00810") == 6
    assert verifier_digit("MON-ØØ81Ø") == 6
    assert verifier_digit("MON-ØØ81Ø-6") == 6  # only the first eight count
    assert verifier_digit("00000000") == 0
    assert verifier_digit("00000009") == 9
    assert verifier_digit("ZZZZZZZZ") == 1 + (26 * 8 - 1) % 9
    with pytest.raises(ValueError, match="8 characters"):
        verifier_digit("MON-81")


def test_first_eight() -> None:
    assert first_eight("FLO-11226-8") == first_eight("flo 11226 9") == "FLO11226"
    assert first_eight("TC1507") == "TC1507"  # not a code: whole key, no prefix matching
    assert first_eight("FLO-11226-8 x DAS-4Ø278-9") == "DAS40278+FLO11226"


CODE_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"


@given(st.text(alphabet=CODE_CHARS, min_size=8, max_size=8))
def test_any_code_with_its_verifier_passes(first8: str) -> None:
    code = first8 + str(verifier_digit(first8))
    result = check(code)
    assert result.check_digit_ok is True
    assert not result.is_stack
    assert result.compact == code
    assert compact_key(compact_key(code)) == compact_key(code)
    assert result.canonical is not None
    assert check(result.canonical).format_ok
    assert compact_key(result.canonical) == code
    assert same_registration(result.canonical, code.lower())


@given(
    st.text(alphabet=CODE_CHARS, min_size=8, max_size=8),
    st.sampled_from(["-", "–", "—", " ", "", "‐"]),
)
def test_dashes_and_zeros_do_not_change_the_key(first8: str, dash: str) -> None:
    code = first8 + str(verifier_digit(first8))
    spelled = code[:3] + dash + code[3:8].replace("0", "Ø") + dash + code[8]
    assert compact_key(spelled) == code
    assert compact_key(compact_key(spelled)) == compact_key(spelled)
    assert check(spelled).check_digit_ok is True


@given(st.text(max_size=60))
def test_check_never_raises(text: str) -> None:
    result = check(text)
    assert isinstance(result, OecdUidCheck)
    assert result.input == text
    assert set(result.compact) <= set(CODE_CHARS + "+")
    if result.canonical is not None:
        assert result.check_digit_ok is not None
