"""The validator compiled per record type gives exactly the issues of the validator before it.

The oracle is ``reference_validator.py`` (the loop as it was). Bodies come from hypothesis, built
from the definitions themselves: real terms, references and dates mixed with every kind of
malformed value, missing and unknown fields, so every check, condition and rule is exercised.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from openbch.recordtypes import FieldDef, get_record_type, record_types
from openbch.recordtypes.conditions import compile_condition
from openbch.recordtypes.validate import ValidationResult, validate
from openbch.vocabularies import get_vocabulary
from tests.recordtypes.reference_validator import old_in_condition, reference_validate

GUIDS = ["0A1B2C3D-0000-4000-8000-000000000001", "0a1b2c3d-0000-4000-8000-0000000000ff"]
GARBAGE = st.sampled_from([None, "", "  ", [], {}, 0, -1, 1.5, True, False, "x", [None], {"x": 1}, "\x00"])
TEXT = st.text(max_size=12)


def _term(f: FieldDef) -> st.SearchStrategy[Any]:
    assert f.vocabulary is not None
    terms = [t.id for t in get_vocabulary(f.vocabulary)][:60]
    identifier = st.sampled_from([*terms, "other", "no-such-term"])
    custom = st.one_of(st.just({"en": "something else"}), st.just({"en": " "}), GARBAGE)
    return st.one_of(
        st.builds(lambda i: {"identifier": i}, identifier),
        st.builds(lambda i, c: {"identifier": i, "customValue": c}, identifier, custom),
        st.builds(lambda i: {"identifier": i, "extra": 1}, identifier),
    )


def _reference() -> st.SearchStrategy[Any]:
    identifier = st.sampled_from([*GUIDS, f"{GUIDS[0]}@2", f"{GUIDS[0]}@0", "not-a-guid", ""])
    return st.builds(lambda i: {"identifier": i}, identifier)


def _value(f: FieldDef) -> st.SearchStrategy[Any]:
    kind = f.kind
    mltext = st.dictionaries(st.sampled_from(["en", "fr", "es", "zh-Hant", "EN", "x"]), st.one_of(TEXT, GARBAGE))
    by_kind: dict[str, st.SearchStrategy[Any]] = {
        "text": TEXT,
        "mltext": mltext,
        "term": _term(f) if kind == "term" else st.nothing(),
        "reference": _reference(),
        "link": st.builds(
            lambda u, n: {"url": u, "name": n},
            st.sampled_from(["https://example.org/a", "ftp://x", "http://", "https://a b"]),
            st.one_of(st.none(), TEXT, st.just(3)),
        ),
        "date": st.sampled_from(["2020-01-31", "2020-02-30", "2020-1-1", "yesterday"]),
        "integer": st.one_of(st.integers(-5, 10**6), st.floats(allow_nan=True)),
        "number": st.one_of(st.integers(-5, 10**6), st.floats(allow_nan=True)),
        "boolean": st.booleans(),
        "email": st.sampled_from(["a@b.org", "not an email", "x@y"]),
        "oecd_uid": st.sampled_from(["MON-ØØ81Ø-6", "mon 00810 6", "MON-00810-7", "DP-32138-1", "A", "???"]),
        "dna_sequence": st.sampled_from(["ACGTN", "acgt", "ACGU" * 3]),
        "construct": st.builds(
            lambda r, t, s: {**r, "type": t, "size": s},
            _reference(),
            st.sampled_from(["sense", "antisense", "sideways"]),
            st.one_of(st.none(), st.floats(-1, 10), st.just(True)),
        ),
    }
    one = st.one_of(by_kind[kind], GARBAGE)
    return st.one_of(st.lists(one, max_size=3), GARBAGE) if f.many else one


@st.composite
def bodies(draw: st.DrawFn) -> tuple[str, Any, str | None]:
    code = draw(st.sampled_from(sorted(record_types())))
    record_type = get_record_type(code)
    names = draw(st.lists(st.sampled_from(sorted(record_type.fields)), unique=True, max_size=14))
    body: dict[str, Any] = {name: draw(_value(record_type.fields[name])) for name in names}
    if draw(st.booleans()) and record_type.is_national:
        body["government"] = {"identifier": draw(st.sampled_from(["ca", "fr", "CA"]))}
    if draw(st.integers(0, 9)) == 0:
        body["noSuchField"] = 1
    if draw(st.integers(0, 29)) == 0:
        return code, draw(st.sampled_from([[], "body", None])), None
    owner = draw(st.sampled_from([None, "CA", "SCBD"]))
    return code, body, owner


def _same(compiled: ValidationResult, reference: ValidationResult) -> None:
    assert compiled.errors == reference.errors
    assert compiled.warnings == reference.warnings
    assert compiled.references == reference.references
    assert compiled.languages == reference.languages


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(bodies(), st.sampled_from(["publish", "draft"]))
def test_the_compiled_validator_reports_what_the_reference_validator_reports(
    case: tuple[str, Any, str | None], level: str
) -> None:
    code, body, owner = case
    record_type = get_record_type(code)
    _same(
        validate(record_type, body, level=level, owner=owner),
        reference_validate(record_type, body, level=level, owner=owner),
    )


@pytest.mark.parametrize(
    ("field", "vocabulary", "ids"),
    [
        ("decisionTypes", "decision-types", frozenset({"8.1"})),
        ("decisionTypes", "decision-types", frozenset({"8.2", "8.3", "8.4"})),
        ("traits", "lmo-traits", frozenset({t.id for t in get_vocabulary("lmo-traits") if t.broader is None})),
    ],
)
@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_a_precomputed_in_condition_holds_exactly_when_a_term_or_a_broader_term_is_listed(
    field: str, vocabulary: str, ids: frozenset[str], data: st.DataObject
) -> None:
    terms = [t.id for t in get_vocabulary(vocabulary)]
    term = st.builds(lambda i: {"identifier": i}, st.sampled_from([*terms, "other", "nope"]))
    value = data.draw(st.one_of(st.lists(st.one_of(term, GARBAGE), max_size=4), term, GARBAGE))
    holds = compile_condition({"field": field, "in": sorted(ids)}, {field: vocabulary})
    body = {field: value}
    assert holds(body) == old_in_condition(get_vocabulary(vocabulary), field, ids, body)


@pytest.mark.django_db
def test_every_demo_body_validates_as_before() -> None:
    from openbch.records.models import Record, Revision

    types = dict(Record.objects.values_list("pk", "type"))
    owners = dict(Record.objects.values_list("pk", "owner"))
    checked = 0
    for record_id, body in Revision.objects.values_list("record_id", "body").iterator(chunk_size=500):
        record_type = get_record_type(types[record_id])
        owner = owners[record_id]
        for level in ("publish", "draft"):
            _same(
                validate(record_type, body, level=level, owner=owner),
                reference_validate(record_type, body, level=level, owner=owner),
            )
        checked += 1
    assert checked > 500
