"""Quizzes: drawn from a module's bank per attempt, shown without answers, scored on the server.

An attempt's *paper* is made once from a random seed: which questions (``draw`` of the bank), the
order of each question's choices, the order of a matching question's two columns, and for a
border-check exercise the generated document and the border check's answer. The paper is stored
with the attempt; :func:`present` turns it into what a trainee may see (never the answers), and
:func:`score` marks the responses against it.

Responses are form fields, ``name -> [values]``, the same from an HTML form and from the API:

| kind | field(s) | values |
|---|---|---|
| single | ``<qid>`` | one choice id |
| multiple | ``<qid>`` | the choice ids ticked |
| matching | ``<qid>.<row>`` for each left-hand row | ``r<n>``, the right-hand option chosen |
| border-check | ``<qid>.overall`` and ``<qid>.item.<n>`` per identifier | a verdict |

Marks per question, from 0 to 1: single and multiple choice all or nothing (every right choice and
no wrong one); matching the share of rows matched right; an exercise the share of verdicts right,
the overall verdict and each identifier's counting alike. The attempt's score is the mean mark;
it passes at the module's ``pass_mark`` or above.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from openbch.core.multilingual import localized_text
from openbch.learning.catalogue import Module, Question

__all__ = ["VERDICTS", "Responses", "draw_paper", "present", "review", "score"]

Responses = Mapping[str, Sequence[str]]
#: the border check's verdicts, strongest first (``openbch.customs.verdicts.Verdict``)
VERDICTS = (
    "authorised",
    "authorised-with-conditions",
    "not-authorised",
    "no-decision",
    "identifier-unknown",
    "check-digit-wrong",
)
#: makes a border-check exercise's document and answer: (question, random, language) -> paper entry
ExerciseMaker = Callable[[Question, random.Random], dict[str, Any]]


def draw_paper(module: Module, seed: int, make_exercise: ExerciseMaker) -> dict[str, Any]:
    """The questions of one attempt, all drawn from ``seed`` (the same seed, the same paper)."""
    rng = random.Random(seed)  # noqa: S311 - repeatable from the stored seed, which itself comes from secrets
    drawn = rng.sample(list(module.questions), module.quiz.draw)
    entries: list[dict[str, Any]] = []
    for question in drawn:
        entry: dict[str, Any] = {"id": question.id, "kind": question.kind}
        if question.kind in ("single", "multiple"):
            order = [c.id for c in question.choices]
            rng.shuffle(order)
            entry["choices"] = order
        elif question.kind == "matching":
            lefts = list(range(len(question.pairs)))
            rights = list(range(len(question.pairs)))
            rng.shuffle(lefts)
            rng.shuffle(rights)
            entry["lefts"], entry["rights"] = lefts, rights
        else:
            entry.update(make_exercise(question, rng))
        entries.append(entry)
    return {"questions": entries}


def _text(value: Mapping[str, str], language: str) -> str:
    return localized_text(value, language) or ""


def _bank(module: Module) -> dict[str, Question]:
    return {q.id: q for q in module.questions}


def present(module: Module, paper: Mapping[str, Any], language: str) -> list[dict[str, Any]]:
    """The paper as the trainee sees it: prompts, choices in their drawn order, no answers."""
    bank = _bank(module)
    shown: list[dict[str, Any]] = []
    for number, entry in enumerate(paper["questions"], start=1):
        question = bank.get(entry["id"])
        if question is None:  # taken out of the bank since this paper was drawn: not asked, not marked
            continue
        item: dict[str, Any] = {
            "number": number,
            "id": question.id,
            "kind": question.kind,
            "prompt": _text(question.prompt, language),
        }
        if question.kind in ("single", "multiple"):
            texts = {c.id: c.text for c in question.choices}
            item["field"] = question.id
            item["choices"] = [
                {"id": cid, "text": _text(texts[cid], language)} for cid in entry["choices"] if cid in texts
            ]
        elif question.kind == "matching":
            item["rows"] = [
                {"field": f"{question.id}.{row}", "text": _text(question.pairs[pair].left, language)}
                for row, pair in enumerate(entry["lefts"])
            ]
            item["options"] = [
                {"value": f"r{position}", "text": _text(question.pairs[pair].right, language)}
                for position, pair in enumerate(entry["rights"])
            ]
        else:
            item["country"] = entry["country"]
            item["use"] = entry["use"]
            item["document"] = entry["document"]
            item["overall_field"] = f"{question.id}.overall"
            item["identifiers"] = [
                {"field": f"{question.id}.item.{n}", "text": text} for n, text in enumerate(entry["identifiers"])
            ]
            item["verdicts"] = list(VERDICTS)
        shown.append(item)
    return shown


def _first(responses: Responses, key: str) -> str:
    values = responses.get(key) or []
    return str(values[0]) if values else ""


def _mark(question: Question, entry: Mapping[str, Any], responses: Responses) -> tuple[float, Any, Any]:
    """(mark, the answer given, the right answer) for one question."""
    if question.kind in ("single", "multiple"):
        ticked = sorted({str(v) for v in responses.get(question.id) or []})
        key = sorted(question.answer)
        return (1.0 if ticked == key else 0.0), ticked, key
    if question.kind == "matching":
        given_rows: list[str] = []
        right_rows: list[str] = []
        hits = 0
        for row, pair in enumerate(entry["lefts"]):
            chosen = _first(responses, f"{question.id}.{row}")
            wanted = f"r{entry['rights'].index(pair)}"
            given_rows.append(chosen)
            right_rows.append(wanted)
            hits += chosen == wanted
        return hits / len(entry["lefts"]), given_rows, right_rows
    expected = entry["expected"]
    given_overall = _first(responses, f"{question.id}.overall")
    given_items = [_first(responses, f"{question.id}.item.{n}") for n in range(len(expected["items"]))]
    hits = (given_overall == expected["overall"]) + sum(
        g == e for g, e in zip(given_items, expected["items"], strict=True)
    )
    verdicts = {"overall": given_overall, "items": given_items}
    return hits / (1 + len(expected["items"])), verdicts, {"overall": expected["overall"], "items": expected["items"]}


def score(module: Module, paper: Mapping[str, Any], responses: Responses) -> tuple[dict[str, float], float]:
    """(mark per question id, the attempt's score): see the module docstring for the rules."""
    bank = _bank(module)
    marks: dict[str, float] = {}
    for entry in paper["questions"]:
        question = bank.get(entry["id"])
        if question is None:
            continue
        marks[question.id] = round(_mark(question, entry, responses)[0], 4)
    total = sum(marks.values()) / len(marks) if marks else 0.0
    return marks, round(total, 4)


def review(
    module: Module, paper: Mapping[str, Any], responses: Responses, *, reveal: bool, language: str
) -> list[dict[str, Any]]:
    """The submitted paper with each question's mark and explanation; the right answers only if ``reveal``
    (the attempt passed, or no attempt is left), so a failed attempt does not hand out the next one's key."""
    shown = {item["id"]: item for item in present(module, paper, language)}
    bank = _bank(module)
    out: list[dict[str, Any]] = []
    for entry in paper["questions"]:
        question = bank.get(entry["id"])
        if question is None:
            continue
        mark, given, right = _mark(question, entry, responses)
        item = dict(shown[question.id])
        item["mark"] = mark
        item["explanation"] = _text(question.explanation, language)
        item["given"] = given
        item["right"] = right if reveal else None
        if question.kind == "border-check":
            # one row per identifier: what was answered and, when revealed, what the border check says
            item["rows"] = [
                {"text": shown_item["text"], "given": given["items"][n], "right": right["items"][n] if reveal else None}
                for n, shown_item in enumerate(item["identifiers"])
            ]
        out.append(item)
    return out
