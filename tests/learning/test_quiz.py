"""Quiz papers: drawn from a seed, shown without answers, marked by the documented rules."""

from __future__ import annotations

import json
import random
from typing import Any

import pytest

from openbch.learning.catalogue import Module, Question, load_catalogue
from openbch.learning.quiz import draw_paper, present, review, score
from tests.learning.answers import right_answers
from tests.learning.conftest import CONTENT

CATALOGUE = load_catalogue(CONTENT)
BASICS = CATALOGUE.modules["customs-basics"]
READING = CATALOGUE.modules["reading-documents"]


def fake_exercise(question: Question, rng: random.Random) -> dict[str, Any]:
    """A stand-in paper entry for exercises in the tests that need no database (the real one is
    tested in test_exercises.py against the border check)."""
    return {
        "country": "CA",
        "use": "food",
        "document": "may contain: MON-ØØ81Ø-6, XYZ-12345-1",
        "identifiers": ["MON-ØØ81Ø-6", "XYZ-12345-1"],
        "expected": {"overall": "identifier-unknown", "items": ["authorised", "identifier-unknown"]},
    }


def test_the_same_seed_draws_the_same_paper_and_others_differ() -> None:
    first = draw_paper(BASICS, 42, fake_exercise)
    assert draw_paper(BASICS, 42, fake_exercise) == first
    papers = {json.dumps(draw_paper(BASICS, seed, fake_exercise)) for seed in range(30)}
    assert len(papers) > 20
    assert all(len(json.loads(p)["questions"]) == BASICS.quiz.draw for p in papers)


def test_choices_are_shuffled_per_paper() -> None:
    orders = set()
    for seed in range(40):
        paper = draw_paper(BASICS, seed, fake_exercise)
        for entry in paper["questions"]:
            if entry["id"] == "q2":
                orders.add(tuple(entry["choices"]))
    assert len(orders) > 5


@pytest.mark.parametrize("seed", range(10))
def test_what_is_shown_holds_no_answer(seed: int) -> None:
    for module in (BASICS, READING):
        paper = draw_paper(module, seed, fake_exercise)
        shown = json.dumps(present(module, paper, "en"))
        assert '"answer"' not in shown and '"expected"' not in shown and '"explanation"' not in shown
        assert 'authorised", "identifier-unknown' not in shown
        for item in present(module, paper, "en"):
            if item["kind"] == "matching":
                # the right-hand options are in a drawn order of their own, named by position only
                assert [o["value"] for o in item["options"]] == [f"r{n}" for n in range(len(item["options"]))]


def marks_for(module: Module, responses: dict[str, list[str]], seed: int = 3) -> tuple[dict[str, float], float]:
    return score(module, draw_paper(module, seed, fake_exercise), responses)


def test_right_answers_score_one_and_none_score_zero() -> None:
    paper = draw_paper(BASICS, 3, fake_exercise)
    assert score(BASICS, paper, right_answers(BASICS, paper))[1] == 1.0
    assert score(BASICS, paper, {})[1] == 0.0


def test_multiple_choice_is_all_or_nothing() -> None:
    module = Module(**{**BASICS.__dict__, "quiz": BASICS.quiz.__class__(0.5, 5, 3)})
    paper = draw_paper(module, 1, fake_exercise)
    base = right_answers(module, paper)
    assert score(module, paper, {**base, "q2": ["a", "b"]})[0]["q2"] == 0.0
    assert score(module, paper, {**base, "q2": ["a", "b", "c", "d"]})[0]["q2"] == 0.0
    assert score(module, paper, {**base, "q2": ["d", "b", "a"]})[0]["q2"] == 1.0


def test_matching_scores_the_share_of_rows_right() -> None:
    module = Module(**{**BASICS.__dict__, "quiz": BASICS.quiz.__class__(0.5, 5, 3)})
    paper = draw_paper(module, 1, fake_exercise)
    right = right_answers(module, paper)
    one_wrong = {**right, "q3.0": right["q3.1"]}
    assert score(module, paper, one_wrong)[0]["q3"] == pytest.approx(2 / 3, abs=1e-3)


def test_an_exercise_scores_the_share_of_verdicts_right() -> None:
    paper = draw_paper(READING, 1, fake_exercise)
    right = right_answers(READING, paper)
    assert score(READING, paper, right)[0]["bc1"] == 1.0
    assert score(READING, paper, {**right, "bc1.overall": ["authorised"]})[0]["bc1"] == pytest.approx(2 / 3, abs=1e-3)
    assert score(READING, paper, {"bc1.item.0": ["authorised"]})[0]["bc1"] == pytest.approx(1 / 3, abs=1e-3)


def test_review_reveals_the_right_answers_only_when_asked() -> None:
    paper = draw_paper(BASICS, 5, fake_exercise)
    hidden = review(BASICS, paper, {}, reveal=False, language="fr")
    assert all(item["right"] is None and item["explanation"] for item in hidden)
    shown = review(BASICS, paper, {}, reveal=True, language="fr")
    assert all(item["right"] is not None for item in shown)


def test_a_question_taken_out_of_the_bank_is_neither_asked_nor_marked() -> None:
    paper = draw_paper(BASICS, 5, fake_exercise)
    gone = paper["questions"][0]["id"]
    smaller = Module(**{**BASICS.__dict__, "questions": tuple(q for q in BASICS.questions if q.id != gone)})
    assert gone not in {item["id"] for item in present(smaller, paper, "en")}
    marks, total = score(smaller, paper, right_answers(smaller, {"questions": paper["questions"][1:]}))
    assert gone not in marks and total == 1.0
