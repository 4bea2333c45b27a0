"""Border-check exercises on the demo data: a generated document's right answer is the border
check's own verdict on it, and the identifiers asked for by the exercise's mix are there."""

from __future__ import annotations

import random

import pytest

from openbch.customs.bordercheck import check_shipment
from openbch.identifiers.oecd import check as check_oecd_uid
from openbch.learning.catalogue import Exercise, Question
from openbch.learning.exercises import make_exercise, published_identifiers

pytestmark = pytest.mark.django_db


def question(country: str, use: str, *mix: str) -> Question:
    return Question("bc", "border-check", {"en": "?"}, {"en": "!"}, exercise=Exercise(country, use, mix))


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_answer_is_the_border_checks_verdict_on_the_document(seed: int) -> None:
    entry = make_exercise(question("CA", "food", "authorised", "no-decision", "check-digit-wrong"), random.Random(seed))
    again = check_shipment(entry["document"], "CA", "food")
    assert entry["expected"] == {"overall": str(again.overall), "items": [str(i.verdict) for i in again.items]}
    assert entry["identifiers"] == [i.input for i in again.items]
    assert len(entry["identifiers"]) == 3
    # the mix asked for these, and the Canadian demo decisions have them
    assert sorted(entry["expected"]["items"]) == ["authorised", "check-digit-wrong", "no-decision"]
    assert entry["expected"]["overall"] != "authorised"  # the weakest of the three
    assert "COMMERCIAL INVOICE" in entry["document"] and "may contain" in entry["document"]


def test_the_same_seed_gives_the_same_document() -> None:
    asked = question("CA", "feed", "authorised", "identifier-unknown")
    assert make_exercise(asked, random.Random(7)) == make_exercise(asked, random.Random(7))


def test_an_unknown_identifier_is_well_formed_and_unregistered() -> None:
    entry = make_exercise(question("CA", "food", "identifier-unknown"), random.Random(5))
    assert entry["expected"]["items"] == ["identifier-unknown"]
    checked = check_oecd_uid(entry["identifiers"][0])
    assert checked.compact and checked.check_digit_ok


def test_identifiers_come_from_published_lmo_records() -> None:
    identifiers = published_identifiers()
    assert "MON-ØØ81Ø-6" in identifiers and len(identifiers) > 50
    assert all(not check_oecd_uid(uid).is_stack for uid in identifiers)


def test_a_seed_document_states_identity_not_may_contain() -> None:
    entry = make_exercise(question("CA", "cultivation", "authorised", "no-decision"), random.Random(3))
    assert "may contain" not in entry["document"] and "Identity of the LMOs" in entry["document"]
    again = check_shipment(entry["document"], "CA", "cultivation")
    assert entry["expected"]["overall"] == str(again.overall)
