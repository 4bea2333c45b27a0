"""The border check's verdicts and their order, strongest first.

``authorised``, ``authorised-with-conditions``, ``no-decision``, ``identifier-unknown``,
``check-digit-wrong``, ``not-authorised``. An identifier that names nothing is weaker than "no
decision" because nothing is known about the goods; a wrong verifier digit is weaker still
because the document itself is wrong; a prohibition is the weakest: the goods may not enter.
A shipment's verdict, and a stack's when its components decide it, is the weakest present.

Kept apart from the rules that give verdicts (:mod:`openbch.customs.decisions`) because the order
is what the answer, the page and the e-learning exercises all share.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum

__all__ = ["VERDICT_ORDER", "Verdict", "weakest"]


class Verdict(StrEnum):
    AUTHORISED = "authorised"
    AUTHORISED_WITH_CONDITIONS = "authorised-with-conditions"
    NOT_AUTHORISED = "not-authorised"
    NO_DECISION = "no-decision"
    IDENTIFIER_UNKNOWN = "identifier-unknown"
    CHECK_DIGIT_WRONG = "check-digit-wrong"


#: strongest first; a shipment's verdict is the weakest (last) of its identifiers' (module docstring)
VERDICT_ORDER: tuple[Verdict, ...] = (
    Verdict.AUTHORISED,
    Verdict.AUTHORISED_WITH_CONDITIONS,
    Verdict.NO_DECISION,
    Verdict.IDENTIFIER_UNKNOWN,
    Verdict.CHECK_DIGIT_WRONG,
    Verdict.NOT_AUTHORISED,
)


def weakest(verdicts: Iterable[Verdict]) -> Verdict:
    """The weakest of some verdicts (see :data:`VERDICT_ORDER`); ``no-decision`` for none."""
    found = [VERDICT_ORDER.index(v) for v in verdicts]
    return VERDICT_ORDER[max(found)] if found else Verdict.NO_DECISION
