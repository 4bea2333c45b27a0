"""The fast canonical form (orjson) gives exactly the standard encoder's text; the collector's pause."""

from __future__ import annotations

import gc
import hashlib
import weakref
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from openbch.core.gcpause import EVERY, batch_collection
from openbch.records import hashing
from openbch.records.hashing import canonical_form, canonical_json

# JSON values as record bodies hold them, with what differs between encoders: floats written with
# an exponent, text in every plane with control characters, keys that sort differently as UTF-16
_text = st.text(alphabet=st.characters(exclude_categories=["Cs"]), max_size=12)
_scalars = st.none() | st.booleans() | st.integers(-(2**63), 2**63 - 1) | st.floats(allow_nan=False) | _text
_values = st.recursive(
    _scalars, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_text, inner, max_size=4), max_leaves=20
)


class _Node:
    def __init__(self, cycle: list[Any]) -> None:
        self.cycle = cycle
        cycle.append(self)


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@settings(max_examples=300, deadline=None)
@given(_values)
def test_the_fast_canonical_form_is_the_canonical_text_or_falls_back_to_it(value: Any) -> None:
    text = canonical_json(value)
    # given the hash the canonical text has (a copy's content hash), either way the text is that one
    assert canonical_form(value, expected_hash=_sha(text)) == (text, _sha(text))
    # given a wrong hash, the canonical text and its real hash: the caller sees the mismatch
    assert canonical_form(value, expected_hash="0" * 64) == (text, _sha(text))
    assert canonical_form(value) == (text, _sha(text))


def test_a_body_without_floats_is_written_by_orjson(monkeypatch: pytest.MonkeyPatch) -> None:
    body = {"name": {"en": "Maïs « MON810 »", "ar": "ذرة"}, "n": 3, "ok": True, "none": None, "lines": ["a", "\n\t"]}
    text = canonical_json(body)

    def standard_encoder(value: Any) -> str:
        raise AssertionError("the standard encoder was used")

    monkeypatch.setattr(hashing, "canonical_json", standard_encoder)
    assert canonical_form(body, expected_hash=_sha(text)) == (text, _sha(text))


def test_a_float_orjson_writes_otherwise_still_gets_the_canonical_text() -> None:
    body = {"size": 1.5e-07, "big": 1e16}
    text = canonical_json(body)
    assert text == '{"big":1e+16,"size":1.5e-07}'
    assert canonical_form(body, expected_hash=_sha(text)) == (text, _sha(text))


def test_an_integer_beyond_64_bits_is_hashed_as_the_standard_encoder_writes_it() -> None:
    body = {"n": 2**70}
    text = canonical_json(body)
    assert canonical_form(body, expected_hash=_sha(text)) == (text, _sha(text))


def test_the_collector_is_paused_in_a_batch_and_restored_after() -> None:
    assert gc.isenabled()
    with batch_collection() as outer:
        assert not gc.isenabled()
        with batch_collection():
            assert not gc.isenabled()
        assert not gc.isenabled()  # an inner block leaves it to the outer one
        cycle: list[Any] = []
        cycle.append(cycle)
        watch = weakref.ref(_Node(cycle))
        del cycle
        assert watch() is not None  # a cycle: reference counting does not free it
        for _ in range(EVERY):
            outer.done()  # collects the cycles the batches left, every EVERY batches
        assert watch() is None
        assert gc.get_freeze_count() > 0
    assert gc.isenabled()
    assert gc.get_freeze_count() == 0


def test_the_collector_is_restored_when_the_batch_fails() -> None:
    with pytest.raises(RuntimeError), batch_collection():
        raise RuntimeError("a page was refused")
    assert gc.isenabled()
    assert gc.get_freeze_count() == 0
