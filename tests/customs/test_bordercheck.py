"""The border check service on the demo data: every verdict derived from the records themselves."""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest

from openbch.core.actors import SYSTEM
from openbch.core.errors import BadRequestError, NotFoundError
from openbch.customs.bordercheck import MAX_IDENTIFIERS, check_shipment
from openbch.customs.decisions import USES
from openbch.customs.pack import decision_pack
from openbch.customs.verdicts import VERDICT_ORDER, Verdict, weakest
from openbch.identifiers.oecd import verifier_digit
from openbch.records.models import Record, RecordLink
from openbch.records.queries import latest_revisions
from openbch.recordtypes.validate import parse_reference

pytestmark = pytest.mark.django_db

MON810 = "MON-ØØ81Ø-6"
NK603 = "MON-ØØ6Ø3-6"
AUTHORISED = (Verdict.AUTHORISED, Verdict.AUTHORISED_WITH_CONDITIONS)


def _decisions(country: str) -> list[Any]:
    return latest_revisions(Record.objects.filter(type="DEC", owner=country, state="published").order_by("number"))


def _unique_identifiers(body: dict[str, Any]) -> list[str]:
    ids = [p[0] for ref in body.get("modifiedOrganisms") or [] if (p := parse_reference(ref.get("identifier", "")))]
    lmos = latest_revisions(Record.objects.filter(identifier__in=ids, type="LMO"))
    return [str(lmo.body["uniqueIdentification"]) for lmo in lmos if lmo.body.get("uniqueIdentification")]


def _uses_from_record(body: dict[str, Any]) -> set[str]:
    """The intended uses a Canadian decision speaks of, read from its own fields."""
    types = {t["identifier"] for t in body.get("decisionTypes") or []}
    uses = {u["identifier"] for u in body.get("uses") or []}
    found = set()
    if "8.2" in types:
        found |= uses or {"food", "feed", "processing"}
    if "8.1" in types:
        found |= {"cultivation", "field-trial"}
    return found


def test_every_canadian_authorisation_authorises_its_lmo_for_its_use_with_that_decision_as_evidence() -> None:
    expected: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))  # use → LMO → decisions
    checked = 0
    for decision in _decisions("CA"):
        result = (decision.body.get("decisionResult") or {}).get("identifier", "")
        if not result.startswith("approval"):
            continue
        for unique in _unique_identifiers(decision.body):
            for use in _uses_from_record(decision.body):
                expected[use][unique].add(decision.uid)
        checked += 1
    assert checked == 296  # every Canadian decision of the demo is an approval
    assert set(expected) == {"food", "feed", "cultivation", "field-trial"}
    pairs = 0
    for use, lmos in expected.items():
        identifiers = sorted(lmos)
        for start in range(0, len(identifiers), MAX_IDENTIFIERS):
            chunk = identifiers[start : start + MAX_IDENTIFIERS]
            answer = check_shipment("\n".join(chunk), "CA", use)
            by_registered = {item.unique_identifier: item for item in answer.items}
            for unique in chunk:
                item = by_registered[unique]
                assert item.verdict in AUTHORISED, (use, unique, item.verdict)
                assert lmos[unique] <= {d.uid for d in item.evidence}, (use, unique)
                pairs += 1
    assert pairs > 296


def test_the_issue_example_a_stack_in_odd_spellings_for_food_and_feed_in_canada() -> None:
    for use in ("food", "feed"):
        answer = check_shipment("mon-00810-6 x MON-ØØ6Ø3-6", "CA", use)
        assert answer.overall == Verdict.AUTHORISED
        (item,) = answer.items
        assert item.unique_identifier == f"{NK603} x {MON810}"  # the registered spelling
        assert item.crop.startswith("Maize")
        assert item.stack_basis == "components"
        assert [c.unique_identifier for c in item.components] == [NK603, MON810]
        for component in item.components:
            assert component.verdict == Verdict.AUTHORISED
            assert component.evidence and all(use in d.uses for d in component.evidence)
        assert {m["component"] for m in item.detection_methods} == {NK603, MON810}
        assert any("QL-EVE-ZM-001" in step or "QT-EVE" in step for step in item.next_steps)


def test_food_and_feed_in_one_check_is_the_weaker_of_both_with_the_decisions_of_each() -> None:
    both = check_shipment("mon-00810-6 x MON-ØØ6Ø3-6", "CA", "food,feed")
    (item,) = both.items
    assert both.uses == ["food", "feed"] and both.per_use == {"food": "authorised", "feed": "authorised"}
    assert item.per_use == {"food": "authorised", "feed": "authorised"} and item.verdict == Verdict.AUTHORISED
    for component in item.components:
        decided = {use for d in component.evidence for use in d.uses}
        assert {"food", "feed"} <= decided  # the food decisions and the feed decisions, together
    # a use one of them is not authorised for makes the shipment's verdict the weaker one
    single = {u: check_shipment(MON810, "EU", u).overall for u in ("food", "cultivation")}
    mixed = check_shipment(MON810, "EU", "food,cultivation")
    assert mixed.per_use == {u: v.value for u, v in single.items()}
    assert mixed.overall == weakest(single.values())
    with pytest.raises(BadRequestError) as refused:
        check_shipment(MON810, "CA", "food,eating")
    assert refused.value.issues[0].path == "/use"


@pytest.mark.parametrize(
    "spelling",
    [
        MON810,
        "mon-00810-6",
        "MON 00810 6",
        "MON–00810–6",  # en dashes
        "MON-OO81O-6",  # the letter O for the slashed zero
        "mon-oo81o-6",
        "MON-∅∅81∅-6",  # the empty-set sign
        "MON008106",
    ],
)
def test_odd_spellings_resolve_to_the_registered_identifier(spelling: str) -> None:
    (item,) = check_shipment(f"Consignment: 40 t maize grain, {spelling}.", "CA", "food").items
    assert item.unique_identifier == MON810
    assert item.verdict == Verdict.AUTHORISED
    assert item.input.upper().replace("∅", "Ø") in spelling.upper().replace("∅", "Ø")


@pytest.mark.parametrize(
    "joined", [f"{NK603}×{MON810}", f"{NK603}x{MON810}", f"{MON810} + {NK603}", "mon-00603-6 X mon-00810-6"]
)
def test_stacks_written_any_way_are_one_item(joined: str) -> None:
    (item,) = check_shipment(joined, "CA", "feed").items
    assert item.unique_identifier == f"{NK603} x {MON810}"
    assert len(item.components) == 2


def test_a_may_contain_list_is_several_lmos_not_a_stack() -> None:
    text = f"Yellow maize. May contain: {MON810}, {NK603}; MON-88Ø17-3\n\nInvoice 2024-118, 3 lots."
    answer = check_shipment(text, "CA", "food")
    assert [i.unique_identifier for i in answer.items] == [MON810, NK603, "MON-88Ø17-3"]
    assert all(i.may_contain and not i.components for i in answer.items)


def test_an_unregistered_identifier_and_a_wrong_verifier_digit() -> None:
    body = "ZZQ12345"
    unknown = f"ZZQ-12345-{verifier_digit(body)}"
    wrong = "MON-ØØ81Ø-7"
    answer = check_shipment(f"{MON810}\n{unknown}\n{wrong}", "CA", "food")
    verdicts = {i.input: i for i in answer.items}
    assert verdicts[MON810].verdict == Verdict.AUTHORISED
    assert verdicts[unknown].verdict == Verdict.IDENTIFIER_UNKNOWN
    assert verdicts[unknown].unique_identifier is None
    assert verdicts[wrong].verdict == Verdict.CHECK_DIGIT_WRONG
    assert MON810 in verdicts[wrong].suggestions
    assert answer.overall == Verdict.CHECK_DIGIT_WRONG == weakest(i.verdict for i in answer.items)
    assert answer.counts["authorised"] == 1


def test_a_registered_identifier_that_fails_its_own_verifier_is_checked_with_a_warning() -> None:
    (item,) = check_shipment("syn-000jg-2", "US", "food").items
    assert item.unique_identifier == "SYN-ØØØJG-2"
    assert item.verdict != Verdict.CHECK_DIGIT_WRONG
    assert any("verifier" in w for w in item.warnings)


def test_a_us_fda_consultation_is_not_an_authorisation() -> None:
    consultations = [
        d
        for d in _decisions("US")
        if (d.body.get("decisionResult") or {}).get("identifier") == "consultation-concluded"
    ]
    assert consultations
    for decision in consultations:
        (unique,) = _unique_identifiers(decision.body)
        (item,) = check_shipment(unique, "US", "food").items
        assert item.verdict == Verdict.NO_DECISION
        assert item.evidence == []
        effects = {d.uid: d.effect for d in item.related}
        assert effects[decision.uid] == "not-an-authorisation"
    assert "not an authorisation" in check_shipment(
        unique, "US", "food"
    ).note.lower() or "neither is an authorisation" in (check_shipment(unique, "US", "food").note.lower())


def test_an_expired_eu_authorisation_does_not_authorise() -> None:
    today = dt.date.today()
    expired = []
    for decision in _decisions("EU"):
        date = dt.date.fromisoformat(decision.body["date"])
        approval = (decision.body.get("decisionResult") or {}).get("identifier") == "approval"
        if approval and dt.date(2004, 4, 18) <= date and date.replace(year=date.year + 10) <= today:
            expired.append(decision)
    assert expired
    for decision in expired:
        for unique in _unique_identifiers(decision.body):
            (item,) = check_shipment(unique, "EU", "food").items
            assert decision.uid not in {d.uid for d in item.evidence}
            assert {d.uid: d.effect for d in item.related}[decision.uid] == "expired"


def test_a_withdrawn_decision_does_not_authorise() -> None:
    from openbch.records.workflow import withdraw

    (item,) = check_shipment(MON810, "CA", "cultivation").items
    assert item.verdict == Verdict.AUTHORISED
    (decision,) = item.evidence
    withdraw(SYSTEM, identifier=decision.identifier, reason="test: withdrawn")
    (item,) = check_shipment(MON810, "CA", "cultivation").items
    assert item.verdict == Verdict.NO_DECISION
    assert {d.uid: d.effect for d in item.related}[decision.uid] == "withdrawn"


@pytest.fixture
def prohibition(tmp_path: Path) -> str:
    """A Canadian prohibition of MON810 for feed, published through the loader (the test's transaction)."""
    from openbch.records.load import load_files

    known = dict(
        Record.objects.filter(source_key__in=["cna/ca/cfia", f"lmo/{MON810}"]).values_list("source_key", "identifier")
    )
    line = {
        "key": "dec/ca/test-prohibition",
        "type": "DEC",
        "owner": "CA",
        "body": {
            "authorities": [{"identifier": known["cna/ca/cfia"]}],
            "date": "2030-01-01",
            "decisionResult": {"identifier": "prohibition"},
            "decisionTypes": [{"identifier": "8.2"}, {"identifier": "8.2-import"}],
            "expires": False,
            "government": {"identifier": "ca"},
            "isAmendment": False,
            "modifiedOrganisms": [{"identifier": known[f"lmo/{MON810}"]}],
            "title": {"en": "MON810: import for feed prohibited (test)"},
            "uses": [{"identifier": "feed"}],
        },
    }
    path = tmp_path / "prohibition.jsonl"
    path.write_text(json.dumps(line, ensure_ascii=False) + "\n", encoding="utf-8")
    load_files(SYSTEM, [path])
    return "MON810: import for feed prohibited (test)"


def test_a_later_prohibition_wins_and_makes_the_shipment_not_authorised(prohibition: str) -> None:
    answer = check_shipment(f"{MON810}\n{NK603}", "CA", "feed")
    by_id = {i.unique_identifier: i for i in answer.items}
    assert by_id[MON810].verdict == Verdict.NOT_AUTHORISED
    assert by_id[MON810].evidence[0].title == prohibition
    assert by_id[NK603].verdict == Verdict.AUTHORISED
    assert answer.overall == Verdict.NOT_AUTHORISED
    # the stack of both is prohibited through its component
    (stack,) = check_shipment(f"{MON810} x {NK603}", "CA", "feed").items
    assert stack.verdict == Verdict.NOT_AUTHORISED
    # food is another use: still authorised
    assert check_shipment(MON810, "CA", "food").overall == Verdict.AUTHORISED


def test_processing_is_inferred_from_food_and_feed_and_says_so() -> None:
    (item,) = check_shipment(MON810, "CA", "processing").items
    assert item.verdict == Verdict.AUTHORISED
    assert item.inferred
    assert {tuple(d.uses) for d in item.evidence} == {("food",), ("feed",)}


def test_uses_without_decisions_in_the_demo_give_no_decision() -> None:
    for use in ("contained-use", "transit"):
        assert check_shipment(MON810, "CA", use).overall == Verdict.NO_DECISION


def test_an_eu_stack_needs_its_own_authorisation() -> None:
    (item,) = check_shipment(f"{MON810} x {NK603}", "EU", "food").items
    assert item.stack_basis == "own"
    assert item.verdict == Verdict.NO_DECISION
    assert {c.unique_identifier: c.verdict for c in item.components}[MON810] == Verdict.AUTHORISED


def test_event_names_are_a_fallback_only_when_no_identifier_is_written() -> None:
    (item,) = check_shipment("Shipment of MON810 maize grain", "CA", "food").items
    assert item.found_by == "event-name"
    assert item.unique_identifier == MON810
    answer = check_shipment(f"{NK603} and some MON810", "CA", "food")
    assert [i.unique_identifier for i in answer.items] == [NK603]


def test_injection_in_pasted_text_is_only_text() -> None:
    hostile = (
        "<script>alert(1)</script> '; DROP TABLE records_record; -- {{7*7}} ${7*7} "
        f"<img src=x onerror=alert(2)>{MON810}</img> \x00 \u202e"
    )
    answer = check_shipment(hostile, "CA", "food")
    (item,) = answer.items
    assert item.unique_identifier == MON810 and item.verdict == Verdict.AUTHORISED
    assert Record.objects.filter(type="DEC", owner="CA").count() >= 296  # nothing dropped


@pytest.mark.parametrize(
    ("text", "country", "use", "error", "path", "code"),
    [
        ("", "CA", "food", BadRequestError, "/text", "required"),
        ("   \n ", "CA", "food", BadRequestError, "/text", "required"),
        (MON810, "CA", "eating", BadRequestError, "/use", "unknown_use"),
        (MON810, "", "food", BadRequestError, "/country", "required"),
        (MON810, "QQ", "food", NotFoundError, "/country", "unknown_country"),
        ("no identifier here, just words 12345", "CA", "food", NotFoundError, "/text", "no_identifiers"),
        ("x" * 100_001, "CA", "food", BadRequestError, "/text", "too_long"),
    ],
)
def test_bad_input_names_the_field(text: str, country: str, use: str, error: type, path: str, code: str) -> None:
    with pytest.raises(error) as raised:
        check_shipment(text, country, use)
    assert (path, code) in {(i.path, i.code) for i in raised.value.issues}


def test_a_malformed_identifier_is_listed_not_dropped() -> None:
    answer = check_shipment(f"{MON810}, and MON-0810-6 (a character missing)", "CA", "food")
    assert [i.unique_identifier for i in answer.items] == [MON810] and answer.ignored == ["MON-0810-6"]
    with pytest.raises(NotFoundError) as raised:
        check_shipment("MON-0810-6 only", "CA", "food")
    assert "MON-0810-6" in raised.value.issues[0].message


def test_too_many_identifiers() -> None:
    many = "\n".join(f"ZZQ-{n:05d}-{verifier_digit(f'ZZQ{n:05d}')}" for n in range(MAX_IDENTIFIERS + 1))
    with pytest.raises(BadRequestError) as raised:
        check_shipment(many, "CA", "food")
    assert [(i.path, i.code) for i in raised.value.issues] == [("/text", "too_many")]


def test_the_verdict_order_and_the_uses_are_the_documented_ones() -> None:
    assert [v.value for v in VERDICT_ORDER] == [
        "authorised",
        "authorised-with-conditions",
        "no-decision",
        "identifier-unknown",
        "check-digit-wrong",
        "not-authorised",
    ]
    assert USES == ("food", "feed", "processing", "cultivation", "field-trial", "contained-use", "transit")


def test_advice_in_french() -> None:
    answer = check_shipment(MON810, "CA", "food", language="fr")
    assert answer.country_name == "Canada"
    assert "autorisé" in answer.items[0].next_steps[0]


def test_the_offline_pack_lists_every_decision_with_the_uses_it_decides() -> None:
    pack = decision_pack("ca")
    assert pack["country"] == "CA" and len(pack["decisions"]) == 296
    assert pack["data"]["seq"] > 0
    mon810 = [d for d in pack["decisions"] if any(lmo["unique_identifier"] == MON810 for lmo in d["lmos"])]
    assert {u for d in mon810 for u in d["uses_decided"]} >= {"food", "feed", "cultivation"}
    with pytest.raises(NotFoundError):
        decision_pack("QQ")


def test_the_countrys_detection_laboratories_that_list_the_lmo_are_named(tmp_path: Path, client: Any) -> None:
    from openbch.records.load import load_files

    mon810 = Record.objects.get(source_key=f"lmo/{MON810}").identifier
    lines = [
        {
            "key": "org/ca/test-lab",
            "type": "ORG",
            "owner": "SCBD",
            "body": {
                "name": {"en": "Test grain laboratory"},
                "organizationType": {"identifier": "government"},
                "country": {"identifier": "ca"},
            },
        },
        {
            "key": "lab/ca/test-lab",
            "type": "LAB",
            "owner": "SCBD",
            "body": {
                "name": {"en": "Test grain laboratory, GMO unit"},
                "organization": [{"key": "org/ca/test-lab"}],
                "services": [{"identifier": "detection"}],
                "detectionMethodTypes": [{"identifier": "event-specific"}],
                "detectableLmos": [{"identifier": mon810}],
            },
        },
    ]
    path = tmp_path / "lab.jsonl"
    path.write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")
    load_files(SYSTEM, [path])
    answer = check_shipment(f"{MON810} x {NK603}\n{NK603}", "CA", "food")
    assert [lab["name"] for lab in answer.laboratories] == ["Test grain laboratory, GMO unit"]
    stack, single = answer.items
    assert [lab["name"] for lab in stack.laboratories] == ["Test grain laboratory, GMO unit"]  # via MON810
    assert single.laboratories == []
    page = client.get("/en/border-check/", {"text": NK603, "country": "CA", "use": "food"}).content.decode()
    assert "Detection laboratories in Canada" in page and "Test grain laboratory, GMO unit" in page
    assert check_shipment(NK603, "US", "food").laboratories == []


def _load_decisions(tmp_path: Path, decisions: list[dict[str, Any]]) -> None:
    from openbch.records.load import load_files

    cfia = Record.objects.get(source_key="cna/ca/cfia").identifier
    lines = []
    for n, body in enumerate(decisions):
        base = {
            "authorities": [{"identifier": cfia}],
            "date": "2031-01-01",
            "expires": False,
            "government": {"identifier": "ca"},
            "isAmendment": False,
        }
        lines.append({"key": f"dec/ca/test-{n}", "type": "DEC", "owner": "CA", "body": {**base, **body}})
    path = tmp_path / "decisions.jsonl"
    path.write_text("".join(json.dumps(line, ensure_ascii=False) + "\n" for line in lines), encoding="utf-8")
    load_files(SYSTEM, [path])


def test_conditions_a_transit_decision_and_a_field_trial_only_release(tmp_path: Path) -> None:
    decided = set(
        RecordLink.objects.filter(field="modifiedOrganisms", source__owner="CA").values_list(
            "target_identifier", flat=True
        )
    )
    lmo = next(
        p
        for p in latest_revisions(Record.objects.filter(type="LMO", state="published").order_by("number"))
        if p.record.identifier not in decided and " x " not in str(p.body.get("uniqueIdentification", "x x"))
    )
    unique = str(lmo.body["uniqueIdentification"])
    assert check_shipment(unique, "CA", "transit").overall == Verdict.NO_DECISION
    target = [{"identifier": lmo.record.identifier}]
    _load_decisions(
        tmp_path,
        [
            {
                "title": {"en": "Transit in sealed containers (test)"},
                "decisionTypes": [{"identifier": "8.4"}],
                "modifiedOrganisms": target,
            },
            {
                "title": {"en": "Feed under conditions (test)"},
                "decisionTypes": [{"identifier": "8.2"}, {"identifier": "8.2-import"}],
                "uses": [{"identifier": "feed"}],
                "decisionResult": {"identifier": "approval-with-conditions"},
                "conditions": {"en": "Only for crushing in licensed plants."},
                "modifiedOrganisms": target,
            },
            {
                "title": {"en": "Confined field trial (test)"},
                "decisionTypes": [{"identifier": "8.1"}, {"identifier": "8.1-domestic"}],
                "decisionResult": {"identifier": "approval"},
                "involvesFieldTrial": True,
                "modifiedOrganisms": target,
            },
        ],
    )
    (transit,) = check_shipment(unique, "CA", "transit").items
    assert transit.verdict == Verdict.AUTHORISED_WITH_CONDITIONS
    assert [(d.title, d.effect) for d in transit.evidence] == [("Transit in sealed containers (test)", "regulates")]
    assert check_shipment(unique, "CA", "field-trial").overall == Verdict.AUTHORISED
    assert check_shipment(unique, "CA", "cultivation").overall == Verdict.NO_DECISION
    assert check_shipment(unique, "CA", "food").overall == Verdict.NO_DECISION
    (feed,) = check_shipment(unique, "CA", "feed").items
    assert feed.verdict == Verdict.AUTHORISED_WITH_CONDITIONS
    assert feed.evidence[0].conditions == "Only for crushing in licensed plants."
    assert "conditions" in feed.next_steps[0]
