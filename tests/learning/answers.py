"""Right answers to a drawn paper, worked out from the question bank the way a trainee who knows
the content would answer (the tests' stand-in for a trainee who read the lessons)."""

from __future__ import annotations

from typing import Any

from openbch.learning.catalogue import Module


def right_answers(module: Module, paper: dict[str, Any]) -> dict[str, list[str]]:
    bank = {q.id: q for q in module.questions}
    responses: dict[str, list[str]] = {}
    for entry in paper["questions"]:
        question = bank[entry["id"]]
        if question.kind in ("single", "multiple"):
            responses[question.id] = sorted(question.answer)
        elif question.kind == "matching":
            for row, pair in enumerate(entry["lefts"]):
                responses[f"{question.id}.{row}"] = [f"r{entry['rights'].index(pair)}"]
        else:
            responses[f"{question.id}.overall"] = [entry["expected"]["overall"]]
            for n, verdict in enumerate(entry["expected"]["items"]):
                responses[f"{question.id}.item.{n}"] = [verdict]
    return responses
