"""Picking identifiers out of pasted text (pure functions: no database)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from openbch.customs.documents import event_name_spans, find_identifiers, letter_o_as_zero, near_misses, normalise
from openbch.identifiers.oecd import compact_key


def test_dashed_and_loose_spellings_stacks_and_lists() -> None:
    text = (
        "Invoice 2024-118 / HS 1005.90\n"
        "may contain: MON-ØØ81Ø-6, mon–00603–6; DAS-4Ø278-9xMON-ØØ6Ø3-6 and SYN 05307 1\n\n"
        "Also MON-ØØ81Ø-6 again, and a × stack: MON-88Ø17-3 × MON-ØØ81Ø-6."
    )
    spans = find_identifiers(text)
    assert [s.text for s in spans] == [
        "MON-ØØ81Ø-6",
        "mon–00603–6",
        "DAS-4Ø278-9xMON-ØØ6Ø3-6",
        "SYN 05307 1",
        "MON-88Ø17-3 × MON-ØØ81Ø-6",
    ]
    assert [s.loose for s in spans] == [False, False, False, True, False]
    # "may contain" covers its paragraph only
    assert [s.may_contain for s in spans] == [True, True, True, True, False]
    assert spans[2].key == compact_key("MON-ØØ6Ø3-6 x DAS-4Ø278-9")


def test_prose_numbers_and_dates_are_not_identifiers_unless_dashed() -> None:
    spans = find_identifiers("an orders 1, 2024-11-05, 12,000 t, ref ABC123456 7, container MSKU 1234567")
    assert all(s.loose for s in spans)  # the caller keeps loose ones only when they name a registered LMO


def test_a_dashed_span_of_the_wrong_length_is_a_near_miss_never_dropped_in_silence() -> None:
    text = "Lot A: MON-0810-6 (typo), lot B: MON-ØØ81Ø-6, lot C: SYN-IR162-4X, order PO-2024-17"
    spans = find_identifiers(text)
    assert [s.text for s in spans] == ["MON-ØØ81Ø-6"]
    assert near_misses(text, taken=spans) == ["MON-0810-6", "SYN-IR162-4X", "PO-2024-17"]


def test_the_letter_o_is_read_as_zero_in_event_parts_only() -> None:
    assert letter_o_as_zero("MON-OO81O-6") == "MON-ØØ81Ø-6"
    assert letter_o_as_zero("mon-oo81o-6 x MON-OO6O3-6") == "mon-ØØ81Ø-6 x MON-ØØ6Ø3-6"
    assert normalise("MON-∅∅81∅-6") == "MON-ØØ81Ø-6"


def test_event_names_need_letters_and_digits_and_must_be_outside_identifiers() -> None:
    names = {"MON810": "MON-ØØ81Ø-6", "NK603": "MON-ØØ6Ø3-6", "GT73": "MON-ØØØ73-7"}
    spans = event_name_spans("Maize MON810, canola GT73; 2024; ABCD; nk603", names, taken=[])
    assert [(s.text, s.normalised) for s in spans] == [
        ("MON810", "MON-ØØ81Ø-6"),
        ("GT73", "MON-ØØØ73-7"),
        ("nk603", "MON-ØØ6Ø3-6"),
    ]
    assert all(s.by_event_name for s in spans)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=400))
def test_any_text_is_read_without_error(text: str) -> None:
    for span in find_identifiers(text):
        assert span.text and span.text in normalise(text)


@settings(max_examples=100, deadline=None)
@given(
    before=st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=80),
    after=st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=80),
    dash=st.sampled_from(["-", "–", "—", "‐", "−"]),
    zero=st.sampled_from(["Ø", "0", "ø"]),
    lower=st.booleans(),
)
def test_a_dashed_identifier_is_found_in_any_surrounding_text(
    before: str, after: str, dash: str, zero: str, lower: bool
) -> None:
    written = f"MON{dash}{zero}{zero}81{zero}{dash}6"
    written = written.lower() if lower else written
    spans = find_identifiers(f"{before} {written} {after}")
    assert compact_key("MON-ØØ81Ø-6") in {s.key for s in spans} | {
        compact_key(p) for s in spans for p in s.normalised.replace("×", "x").split(" x ")
    }
