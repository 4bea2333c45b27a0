"""API routes of interoperability: the reconciliation report and curators' decisions, screening,
harvest sources, and the partners' decision feeds. Parse, call a service, serialise; nothing else.

Mounted under ``/api/v1`` by :mod:`openbch.api.routes_interop`.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from ninja import Field, Path, Query, Router, Schema

from openbch.accounts.auth import TOKEN_OR_SESSION, require_scope
from openbch.api.params import NON_BLANK_PATTERN
from openbch.api.schemas import Problem
from openbch.core.actors import Actor
from openbch.interop import services
from openbch.interop.harvest import describe_run
from openbch.interop.models import ExternalItem, HarvestRun
from openbch.interop.outbound import decision_feed, feed_csv
from openbch.interop.screening import screen
from openbch.interop.sources import definitions

__all__ = ["router"]

router = Router(tags=["interoperability"])
READ_ERRORS: dict[int, Any] = {400: Problem, 404: Problem, 429: Problem}
MAX_PAGE = 200

ItemId = Annotated[int, Path(..., ge=1, le=2**63 - 1, description="the external item's id (from the report)")]
SourceName = Annotated[str, Path(..., pattern=r"^[a-z0-9-]{1,64}$", description="a source name (`isaaa`)")]
PartnerName = Annotated[str, Path(..., pattern=r"^[a-z0-9-]{1,64}$", description="`oecd-biotrack` or `fao-gm-foods`")]
VerdictName = Literal[
    "pending", "matched", "matched_with_warning", "ambiguous", "unmatched", "conflicting", "not_applicable"
]


class CandidateOut(Schema):
    identifier: str
    record_type: str
    uid: str
    unique_identifier: str
    name: str
    reason: str


class ItemOut(Schema):
    id: int
    source: str
    external_id: str
    subject: str = Field(description="lmo, element, organism, construct or product")
    name: str
    url: str
    identifiers: list[str] = Field(description="OECD unique identifiers as the source writes them")
    fields: dict[str, Any] = Field(description="normalised fields (names shared by every source)")
    fetched_at: str
    active: bool
    verdict: str
    method: str = Field(description="how the match was found: identifier, verifier, components, event_name, …")
    record: CandidateOut | None = Field(description="the clearing-house record matched, if any")
    candidates: list[CandidateOut]
    warnings: list[str]
    decisions: list[dict[str, Any]] = Field(description="curators' decisions on this item")


class ReconciliationOut(Schema):
    counts: dict[str, dict[str, int]] = Field(
        description="items per source and verdict (all items of the filter's subject)"
    )
    total: int = Field(description="items matching the filters")
    items: list[ItemOut]


class ReconciliationParams(Schema):
    verdict: VerdictName | None = None
    source: str | None = Field(None, pattern=r"^[a-z0-9-]{1,64}$")
    subject: Literal["lmo", "element", "organism", "construct", "product"] | None = Field(
        "lmo", description="what the items describe (default lmo)"
    )
    limit: int = Field(50, ge=1, le=MAX_PAGE)
    offset: int = Field(0, ge=0, le=1_000_000)


class DecisionIn(Schema):
    record: str = Field(
        ..., min_length=1, max_length=64, description="the record: identifier (GUID) or record UID (`BCH-LMO-SCBD-12`)"
    )
    decision: Literal["confirmed", "rejected"]
    reason: str = Field("", max_length=2000)


ElementName = Annotated[str, Field(min_length=1, max_length=80, pattern=NON_BLANK_PATTERN)]


class ScreeningParams(Schema):
    positive: list[ElementName] = Field(
        ...,
        min_length=1,
        max_length=30,
        description="elements whose screening assay was positive (`P-35S`); repeatable",
    )
    negative: list[ElementName] = Field(
        [], max_length=30, description="elements whose screening assay was negative (`bar`); repeatable"
    )
    country: str | None = Field(
        None, pattern=r"^[A-Za-z]{2}$", description="ISO 3166-1 alpha-2: show the LMOs' authorisation status there"
    )
    include_partial: bool = Field(True, description="also list LMOs that explain only some positive results")


class FeedParams(Schema):
    format: Literal["json", "csv"] = "json"
    after: int = Field(0, ge=0, le=2**63 - 1, description="`next_after` of the previous poll (0: from the start)")
    limit: int = Field(100, ge=1, le=1000)


def _item_out(item: ExternalItem, decisions: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    record = next((c for c in item.candidates if c.get("identifier") == item.record_identifier), None)
    return {
        "id": item.pk,
        "source": item.source,
        "external_id": item.external_id,
        "subject": item.subject,
        "name": item.name,
        "url": item.url,
        "identifiers": item.identifiers,
        "fields": item.fields,
        "fetched_at": item.fetched_at.isoformat(),
        "active": item.active,
        "verdict": item.verdict,
        "method": item.method,
        "record": record if item.record_identifier else None,
        "candidates": item.candidates,
        "warnings": item.warnings,
        "decisions": decisions or [],
    }


def _decisions_of(items: list[ExternalItem]) -> dict[tuple[str, str], list[dict[str, Any]]]:
    from openbch.interop.models import MatchDecision

    keys = {(i.source, i.external_id) for i in items}
    found: dict[tuple[str, str], list[dict[str, Any]]] = {}
    rows = MatchDecision.objects.filter(external_id__in=[k[1] for k in keys]).order_by("decided_at")
    for row in rows:
        if (row.source, row.external_id) in keys:
            found.setdefault((row.source, row.external_id), []).append(
                {
                    "record": row.record_identifier,
                    "decision": row.decision,
                    "decided_by": row.decided_by,
                    "decided_at": row.decided_at.isoformat(),
                    "reason": row.reason,
                }
            )
    return found


@router.get(
    "/reconciliation",
    response={200: ReconciliationOut, **READ_ERRORS},
    summary="The reconciliation report: external items and the records they match",
)
def reconciliation(request: HttpRequest, params: Query[ReconciliationParams]) -> dict[str, Any]:
    """Every harvested item with its verdict (matched, matched_with_warning, ambiguous, unmatched,
    conflicting), the record matched or the candidates, and why. Filter by ``verdict``, ``source``
    and ``subject``; ``counts`` summarise the subject's items per source and verdict."""
    base = ExternalItem.objects.filter(active=True)
    if params.subject:
        base = base.filter(subject=params.subject)
    counts: dict[str, dict[str, int]] = {}
    for row in base.values("source", "verdict").annotate(n=Count("pk")).order_by("source", "verdict"):
        counts.setdefault(row["source"], {})[row["verdict"]] = row["n"]
    items = base
    if params.source:
        items = items.filter(source=params.source)
    if params.verdict:
        items = items.filter(verdict=params.verdict)
    total = items.count()
    page = list(items.order_by("source", "external_id")[params.offset : params.offset + params.limit])
    decisions = _decisions_of(page)
    return {
        "counts": counts,
        "total": total,
        "items": [_item_out(i, decisions.get((i.source, i.external_id))) for i in page],
    }


@router.get(
    "/reconciliation/{item_id}",
    response={200: ItemOut, **READ_ERRORS},
    summary="One external item, its verdict, candidates and curators' decisions",
)
def reconciliation_item(request: HttpRequest, item_id: ItemId) -> dict[str, Any]:
    from openbch.core.errors import NotFoundError

    item = ExternalItem.objects.filter(pk=item_id).first()
    if item is None:
        raise NotFoundError(f"no external item {item_id}")
    return _item_out(item, _decisions_of([item]).get((item.source, item.external_id)))


@router.post(
    "/reconciliation/{item_id}/decision",
    auth=TOKEN_OR_SESSION,
    response={
        200: ItemOut,
        400: Problem,
        401: Problem,
        403: Problem,
        404: Problem,
        422: Problem,
        429: Problem,
    },
    summary="Confirm or reject a match (reference validators and administrators)",
    description=(
        "Records a curator's decision that the item is (`confirmed`) or is not (`rejected`) the named record; "
        "the item is resolved again at once and the decision holds across harvests. Needs a token with the "
        "`write` scope (or a session with `X-CSRFToken`) of an account holding the reference-validator or "
        "administrator role. 401: no credentials; 403: another role or a read-only token; 404: no such item "
        "or record; 422: not a valid decision."
    ),
)
def decide(request: HttpRequest, item_id: ItemId, payload: DecisionIn) -> dict[str, Any]:
    actor = request.auth  # type: ignore[attr-defined]  # set by the auth classes
    assert isinstance(actor, Actor)
    require_scope(actor, "write")
    item = services.decide_match(
        actor, item_id=item_id, record=payload.record, decision=payload.decision, reason=payload.reason
    )
    return _item_out(item, _decisions_of([item]).get((item.source, item.external_id)))


@router.get(
    "/screening",
    response={200: dict[str, Any], **READ_ERRORS},
    summary="LMOs consistent with element-screening results (P-35S, T-nos, bar …)",
)
def screening(request: HttpRequest, params: Query[ScreeningParams]) -> dict[str, Any]:
    """``positive`` and ``negative`` name genetic elements (abbreviation or name: ``P-35S``, ``T-nos``,
    ``bar``); the answer lists the LMOs known to carry every positive element and no negative one
    (``consistent``), those carrying only some (``partial``), each with the evidence and its
    source, its authorisation status in ``country`` and the event-specific methods that confirm
    it. 404: an element no record names (each listed in ``errors``)."""
    return screen(
        positive=params.positive,
        negative=params.negative,
        country=params.country,
        include_partial=params.include_partial,
    )


@router.get(
    "/partners/{partner}/decisions",
    response={200: dict[str, Any], **READ_ERRORS},
    summary="Decisions flagged for a partner database (OECD BioTrack, FAO GM Foods Platform), to poll",
)
def partner_decisions(request: HttpRequest, partner: PartnerName, params: Query[FeedParams]) -> Any:
    """Published decisions flagged ``forwardToOECD`` (``oecd-biotrack``) or ``forwardToFAO``
    (``fao-gm-foods``), oldest change first. Poll with ``after=<next_after>``; a withdrawn decision
    comes again with ``state: withdrawn``. ``format=csv`` gives the same rows as CSV."""
    feed = decision_feed(partner, after=params.after, limit=params.limit)
    if params.format == "csv":
        response = HttpResponse(feed_csv(feed), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{partner}-decisions-after-{params.after}.csv"'
        response["X-Next-After"] = str(feed["next_after"])
        return response
    return feed


@router.get(
    "/harvest/sources",
    response={200: list[dict[str, Any]], 429: Problem},
    summary="The external databases harvested, with their licences and last harvest",
)
def harvest_sources(request: HttpRequest) -> list[dict[str, Any]]:
    out = []
    for name, definition in definitions().items():
        run = HarvestRun.objects.filter(source=name).order_by("-started_at", "-pk").first()
        last = describe_run(run) if run else None
        if last:
            last.pop("rejections", None)
        out.append(
            {
                **definition.summary(),
                "description": definition.description,
                "items": ExternalItem.objects.filter(source=name, active=True).count(),
                "last_harvest": last,
            }
        )
    return out


class BchImportIn(Schema):
    country: str = Field(..., pattern=r"^[A-Za-z]{2}$", description="the country whose records these are (`ca`, `eu`)")
    documents: list[dict[str, Any]] = Field(
        ..., min_length=1, max_length=500, description="`biosafetyDecision`, `authority` or `biosafetyLaw` documents"
    )
    draft: bool = Field(False, description="save drafts instead of publishing")


class BchImportOut(Schema):
    created: int
    revised: int
    unchanged: int
    drafts: int
    records: list[dict[str, str]] = Field(description="{bch_identifier, identifier, type, owner, outcome} per document")
    warnings: list[dict[str, Any]]


@router.post(
    "/bch/import",
    auth=TOKEN_OR_SESSION,
    response={200: BchImportOut, 400: Problem, 401: Problem, 403: Problem, 422: Problem, 429: Problem},
    summary="Publish (or draft) a country's records given in the central BCH's document shape",
    description=(
        "The documents are mapped field by field (docs/bch-exchange.md) and published through the normal "
        "services, all or nothing; importing again changes nothing. Needs a token with the `write` scope (or a "
        "session with `X-CSRFToken`) of the country's publishing authority (`draft`: also its authorized users). "
        "401: no credentials; 403: another country's or a read-only credential; 422: every problem, each with "
        "the BCH field's `path`, a `bch_*` code and the `document` it is in; nothing is written."
    ),
)
def bch_import(request: HttpRequest, payload: BchImportIn) -> dict[str, Any]:
    from openbch.interop.bchexchange import import_bch_documents

    actor = request.auth  # type: ignore[attr-defined]  # set by the auth classes
    assert isinstance(actor, Actor)
    require_scope(actor, "write")
    report = import_bch_documents(actor, payload.documents, country=payload.country, draft=payload.draft)
    return report.as_dict()
