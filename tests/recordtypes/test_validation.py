"""The validator, on the real definitions: draft vs publish, every error at once, conditional rules."""

from __future__ import annotations

from typing import Any

import pytest

from openbch.recordtypes import get_record_type
from openbch.recordtypes.validate import check_references, validate

GUID = "0A1B2C3D-0000-4000-8000-000000000001"


def decision(**fields: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "government": {"identifier": "ca"},
        "authorities": [{"identifier": GUID}],
        "title": {"en": "A decision"},
        "date": "2005-07-28",
        "decisionTypes": [{"identifier": "8.1"}],
        "isAmendment": False,
        "expires": False,
        "modifiedOrganisms": [{"identifier": GUID}],
    }
    body.update(fields)
    return {k: v for k, v in body.items() if v is not None}


def codes(issues: list[Any]) -> set[tuple[str, str]]:
    return {(i.path, i.code) for i in issues}


def test_valid_decision_has_no_errors_when_complete() -> None:
    result = validate(get_record_type("DEC"), decision(), level="publish", owner="CA")
    assert result.errors == []
    assert result.languages == {"en"}


def test_every_error_is_reported_at_once_with_json_pointer_paths() -> None:
    body = decision(date="2005-13-40", title={"xx!": "t"}, isAmendment="no", bogus=1)
    result = validate(get_record_type("DEC"), body, level="publish", owner="CA")
    found = codes(result.errors)
    assert ("/date", "invalid_date") in found
    assert ("/title/xx!", "invalid_language") in found
    assert ("/isAmendment", "invalid_type") in found
    assert ("/bogus", "unknown_field") in found


def test_missing_mandatory_field_is_warning_in_draft_and_error_at_publish() -> None:
    body = decision(title=None)
    draft = validate(get_record_type("DEC"), body, level="draft", owner="CA")
    strict = validate(get_record_type("DEC"), body, level="publish", owner="CA")
    assert ("/title", "required") in codes(draft.warnings)
    assert draft.errors == []
    assert ("/title", "required") in codes(strict.errors)


@pytest.mark.parametrize("decision_type", ["8.1", "8.2", "8.3", "8.4", "8.5"])
def test_lmos_are_mandatory_when_decision_type_requires_them(decision_type: str) -> None:
    body = decision(decisionTypes=[{"identifier": decision_type}], modifiedOrganisms=None)
    result = validate(get_record_type("DEC"), body, level="publish", owner="CA")
    assert ("/modifiedOrganisms", "required") in codes(result.errors)


def test_narrower_decision_type_counts_as_its_parent() -> None:
    body = decision(decisionTypes=[{"identifier": "8.2-domestic-use"}], modifiedOrganisms=None)
    result = validate(get_record_type("DEC"), body, level="publish", owner="CA")
    assert ("/modifiedOrganisms", "required") in codes(result.errors)


def test_lmos_are_not_allowed_for_unintentional_movement_notice() -> None:
    body = decision(decisionTypes=[{"identifier": "8.6"}])
    result = validate(get_record_type("DEC"), body, level="publish", owner="CA")
    assert ("/modifiedOrganisms", "not_allowed") in codes(result.errors)


def test_illegal_movement_needs_lmo_or_description() -> None:
    record_type = get_record_type("DEC")
    neither = decision(decisionTypes=[{"identifier": "8.7"}], modifiedOrganisms=None)
    described = decision(
        decisionTypes=[{"identifier": "8.7"}],
        modifiedOrganisms=None,
        otherTransboundryInformation={"en": "unknown maize"},
    )
    assert "require_one_of" in {i.code for i in validate(record_type, neither, owner="CA").errors}
    assert validate(record_type, described, owner="CA").errors == []


def test_ffp_uses_only_allowed_for_ffp_decisions() -> None:
    record_type = get_record_type("DEC")
    on_release = decision(uses=[{"identifier": "food"}])
    on_ffp = decision(decisionTypes=[{"identifier": "8.2"}], uses=[{"identifier": "food"}])
    assert ("/uses", "not_allowed") in codes(validate(record_type, on_release, owner="CA").errors)
    assert validate(record_type, on_ffp, owner="CA").errors == []


def test_extension_period_required_only_with_extension_result() -> None:
    record_type = get_record_type("DEC")
    body = decision(decisionResult={"identifier": "extension-of-period"})
    assert ("/extensionPeriod", "required") in codes(validate(record_type, body, owner="CA").errors)
    assert validate(record_type, {**body, "extensionPeriod": 90}, owner="CA").errors == []


def test_unknown_term_names_itself() -> None:
    body = decision(decisionTypes=[{"identifier": "9.9"}])
    result = validate(get_record_type("DEC"), body, owner="CA")
    issue = next(i for i in result.errors if i.code == "unknown_term")
    assert issue.path == "/decisionTypes/0/identifier"
    assert "'9.9'" in issue.message and "decision-types" in issue.message


def test_other_term_needs_its_text() -> None:
    record_type = get_record_type("DEC")
    bare = decision(decisionTypes=[{"identifier": "other"}], modifiedOrganisms=None)
    described = decision(
        decisionTypes=[{"identifier": "other", "customValue": {"en": "A declaration"}}], modifiedOrganisms=None
    )
    assert ("/decisionTypes/0/customValue", "required") in codes(validate(record_type, bare, owner="CA").errors)
    assert validate(record_type, described, owner="CA").errors == []


def test_government_must_be_the_owner() -> None:
    result = validate(get_record_type("DEC"), decision(), owner="FR")
    assert ("/government", "owner_mismatch") in codes(result.errors)


def test_unknown_reference_names_itself_and_wrong_type_is_refused() -> None:
    result = validate(get_record_type("DEC"), decision(), owner="CA")
    check_references(result, {}, level="publish")
    assert {i.code for i in result.errors} == {"unknown_reference"}
    assert all(GUID in i.message for i in result.errors)
    result = validate(get_record_type("DEC"), decision(), owner="CA")
    check_references(result, {GUID: "GENE"}, level="publish")
    assert {i.code for i in result.errors} == {"wrong_reference_type"}


def test_unknown_reference_is_only_a_warning_in_a_draft() -> None:
    result = validate(get_record_type("DEC"), decision(), level="draft", owner="CA")
    check_references(result, {}, level="draft")
    assert result.errors == []
    assert {i.code for i in result.warnings if i.path.endswith("/identifier")} == {"unknown_reference"}


def test_oecd_identifier_check_digit_is_a_warning_not_an_error() -> None:
    record_type = get_record_type("LMO")
    base = {
        "transformationEvent": "GTS 40-3-2",
        "hasUniqueIdentification": True,
        "recipientOrganisms": [{"identifier": GUID}],
        "genes": [{"identifier": GUID}],
        "traits": [{"identifier": "resistance-to-herbicides"}],
    }
    registered_but_failing = validate(record_type, {**base, "uniqueIdentification": "SYN-ØØØJG-2"}, owner="SCBD")
    assert registered_but_failing.errors == []
    assert "check_digit" in {w.code for w in registered_but_failing.warnings}
    short = validate(record_type, {**base, "uniqueIdentification": "DP-32138-1"}, owner="SCBD")
    assert short.errors == []
    assert ("/uniqueIdentification", "identifier_format") in codes(short.warnings)
    garbage = validate(record_type, {**base, "uniqueIdentification": "–– ––"}, owner="SCBD")
    assert ("/uniqueIdentification", "invalid_identifier") in codes(garbage.errors)


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("acgt", "invalid_sequence"),
        ("ACGT<script>", "invalid_sequence"),
        (42, "invalid_sequence"),
    ],
)
def test_primer_sequences_are_nucleotides(value: Any, code: str) -> None:
    body = {
        "methodCode": "X",
        "methodType": {"identifier": "event-specific"},
        "forwardPrimer": value,
        "reversePrimer": "ACGT",
    }
    result = validate(get_record_type("DM"), body, owner="SCBD")
    assert ("/forwardPrimer", code) in codes(result.errors)


@pytest.mark.parametrize("bad", [None, [], "text", 1])
def test_body_must_be_an_object(bad: Any) -> None:
    result = validate(get_record_type("LMO"), bad, owner="SCBD")
    assert [(i.path, i.code) for i in result.errors] == [("", "invalid_type")]


def test_nul_bytes_and_overlong_text_are_refused() -> None:
    body = decision(title={"en": "a\x00b"}, referenceNumber="x" * 30_000)
    found = codes(validate(get_record_type("DEC"), body, owner="CA").errors)
    assert ("/title/en", "invalid_character") in found
    assert ("/referenceNumber", "too_long") in found


def test_links_must_be_http() -> None:
    body = decision(documents=[{"url": "javascript:alert(1)"}, {"url": "https://example.org/dd.pdf", "name": "DD"}])
    found = codes(validate(get_record_type("DEC"), body, owner="CA").errors)
    assert ("/documents/0/url", "invalid_url") in found
    assert ("/documents/1/url", "invalid_url") not in found


def test_json_schema_is_derived_from_the_definition() -> None:
    from openbch.recordtypes import record_types
    from openbch.recordtypes.schema import json_schema

    for record_type in record_types().values():
        schema = json_schema(record_type)
        assert set(schema["properties"]) == set(record_type.fields)
        assert set(schema["required"]) == {f.name for f in record_type.fields.values() if f.required}
    decision_schema = json_schema(get_record_type("DEC"))
    types = decision_schema["properties"]["decisionTypes"]
    assert types["type"] == "array"
    assert {"8.1", "8.2-domestic-use", "other"} <= set(types["items"]["properties"]["identifier"]["enum"])
    assert "x-openbch-required-when" in decision_schema["properties"]["modifiedOrganisms"]
