"""The border check in the API: ``/api/v1/border-check`` (GET, and POST for long documents) and
``/api/v1/border-check/pack`` (a country's decisions to keep offline). ``openbch.api.app`` calls
:func:`mount`. Parse, call :mod:`openbch.customs.bordercheck` (or :mod:`openbch.customs.pack`), return;
nothing else here.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from django.http import HttpRequest
from ninja import Field, NinjaAPI, Query, Router, Schema

from openbch.api.language import requested_language
from openbch.api.params import LANGUAGE_PATTERN, NON_BLANK_PATTERN, Language
from openbch.api.schemas import Problem
from openbch.customs.bordercheck import MAX_TEXT, check_shipment
from openbch.customs.pack import decision_pack

__all__ = ["mount", "router"]

router = Router(tags=["border check"])
ERRORS: dict[int, Any] = {400: Problem, 404: Problem, 429: Problem}

Use = Literal["food", "feed", "processing", "cultivation", "field-trial", "contained-use", "transit"]
VerdictName = Literal[
    "authorised",
    "authorised-with-conditions",
    "not-authorised",
    "no-decision",
    "identifier-unknown",
    "check-digit-wrong",
]
Country = Annotated[
    str,
    Field(
        ...,
        pattern=r"^[A-Za-z]{2}$",
        description="the importing country: ISO 3166-1 alpha-2 (`CA`), or `EU`",
        examples=["CA"],
    ),
]
Text = Annotated[
    str,
    Field(
        ...,
        min_length=1,
        max_length=MAX_TEXT,
        pattern=NON_BLANK_PATTERN,
        description=(
            "identifiers as written on the document, or the document's text pasted whole: any spelling "
            "(`mon-00810-6`, `MON 00810 6`, `MON-OO81O-6`), stacks joined by `x`, `×` or `+`, "
            '"may contain" lists; event names (`MON810`) only when the text has no unique identifier'
        ),
        examples=["mon-00810-6 x MON-ØØ6Ø3-6"],
    ),
]


_USES = "food|feed|processing|cultivation|field-trial|contained-use|transit"


class BorderCheckParams(Schema):
    text: Text
    country: Country
    use: str = Field(
        ...,
        pattern=rf"^({_USES})(,({_USES}))*$",
        max_length=120,
        description="the intended use of the shipment, or several comma-separated (`food,feed`: each "
        "identifier's verdict is then the weakest of its verdicts for them, `per_use` gives each)",
        examples=["food", "food,feed"],
    )


class BorderCheckIn(BorderCheckParams):
    lang: str | None = Field(None, pattern=LANGUAGE_PATTERN, max_length=20, description="language of labels and advice")


class DecisionOut(Schema):
    uid: str
    identifier: str
    lmo: str = Field(..., description="the LMO (registered unique identifier) the decision was found on")
    title: str
    date: str | None
    reference_number: str | None
    decision_types: list[str]
    uses: list[str]
    scope: str
    result: str | None
    result_label: str
    conditions: str
    effect: Literal[
        "authorises",
        "authorises-with-conditions",
        "regulates",
        "prohibits",
        "not-an-authorisation",
        "withdrawn",
        "expired",
    ]
    covers_use: bool = Field(..., description="the decision decides the intended use")
    expires_on: str | None = Field(..., description="end of the validity period, where the jurisdiction has one")
    documents: list[str]
    api_url: str


class ComponentOut(Schema):
    input: str
    verdict: VerdictName
    unique_identifier: str | None
    lmo_uid: str | None
    name: str
    identifier: str | None
    evidence: list[DecisionOut]
    related: list[DecisionOut]
    inferred: str


class MethodOut(Schema):
    method_code: str
    title: str
    record: str | None
    api_url: str | None
    sources: list[str]
    url: str | None
    component: str | None = Field(..., description="for a stack: the component event the method detects")


class LaboratoryOut(Schema):
    uid: str
    name: str
    detectable_lmos: list[str]
    api_url: str


class ShipmentItemOut(Schema):
    input: str = Field(..., description="the identifier (or stack) as written in the text")
    verdict: VerdictName
    lmo_uid: str | None
    unique_identifier: str | None = Field(..., description="the registered spelling; null when nothing is registered")
    identifier: str | None
    name: str
    crop: str
    found_by: Literal["identifier", "event-name"]
    may_contain: bool = Field(..., description='named in a "may contain" statement (Article 18.2(a))')
    check: dict[str, Any] = Field(..., description="the identifier check of the spelling as written")
    evidence: list[DecisionOut] = Field(..., description="the decisions that decide the verdict")
    related: list[DecisionOut] = Field(..., description="the country's other decisions on the LMO")
    components: list[ComponentOut]
    stack_basis: Literal["own", "components"] | None
    inferred: str
    detection_methods: list[MethodOut]
    laboratories: list[LaboratoryOut]
    suggestions: list[str]
    warnings: list[str]
    next_steps: list[str]
    per_use: dict[str, VerdictName] = Field(..., description="with several uses: the verdict for each")


class DataVersionOut(Schema):
    seq: int = Field(..., description="the latest change-log sequence number when the check ran")
    at: str | None


class BorderCheckOut(Schema):
    country: str
    country_name: str
    use: str = Field(..., description="the use asked, or the uses joined by commas")
    uses: list[Use]
    per_use: dict[str, VerdictName] = Field(..., description="with several uses: the shipment's verdict for each")
    use_label: str
    language: str
    overall: VerdictName = Field(..., description="the weakest of the items' verdicts (see verdict_order)")
    verdict_order: list[VerdictName]
    counts: dict[str, int]
    items: list[ShipmentItemOut]
    checked_at: str
    data: DataVersionOut
    note: str
    stacks_rule: str = Field(..., description="the importing country's rule for stacks, when the text names one")
    laboratories: list[LaboratoryOut]
    ignored: list[str] = Field(
        ...,
        description="spans shaped like identifiers that name nothing and were left out: without dashes, "
        "or dashed with a part of the wrong length (`MON-0810-6`)",
    )


class PackParams(Schema):
    country: Country


@router.get(
    "/border-check",
    response={200: BorderCheckOut, **ERRORS},
    summary="Border check: may these LMOs enter this country for this use?",
)
def border_check(request: HttpRequest, params: Query[BorderCheckParams], lang: Language = None) -> dict[str, Any]:
    """Picks the LMO identifiers out of ``text``, and answers for each: the LMO as registered,
    the verdict for ``country`` and ``use`` with the decisions that decide it, for a stack each
    component's verdict, the event-specific detection methods, the country's detection
    laboratories and what to do next; ``overall`` is the weakest verdict. 404: a country code
    that names no country, or a text with no LMO identifier (``errors[].path`` names the field);
    400: more than 100 identifiers. Use POST for documents longer than a URL allows."""
    language = requested_language(request, lang)
    return check_shipment(params.text, params.country, params.use, language).as_dict()


@router.post(
    "/border-check",
    response={200: BorderCheckOut, **ERRORS},
    summary="Border check of a long document (the same answer as GET)",
)
def border_check_document(request: HttpRequest, payload: BorderCheckIn) -> dict[str, Any]:
    """The GET route's check with the text in a JSON body (up to 100,000 characters). Nothing is
    stored; no token is needed."""
    language = requested_language(request, payload.lang)
    return check_shipment(payload.text, payload.country, payload.use, language).as_dict()


@router.get(
    "/border-check/pack",
    response={200: dict[str, Any], **ERRORS},
    summary="A country's decisions with the LMOs they name, to keep for checking offline",
)
def border_check_pack(request: HttpRequest, params: Query[PackParams], lang: Language = None) -> dict[str, Any]:
    """Every published decision of ``country`` (withdrawn and expired ones marked: they do not
    authorise), the uses each decides, the LMOs it names, and ``data.seq``/``data.at``: how current
    the pack is. 404: a code that names no country."""
    return decision_pack(params.country, requested_language(request, lang))


def mount(api: NinjaAPI) -> None:
    if any(mounted is router for _, mounted in api._routers):
        return  # ninja refuses to mount one router twice; tests may call this again
    api.add_router("/v1", router)
