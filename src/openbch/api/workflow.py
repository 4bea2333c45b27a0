"""Write API: drafts, publication requests and decisions, withdrawal, amendment, re-confirmation.

Every route authenticates with an API token (``Authorization: Bearer …``), parses, calls ONE
workflow service with the token's Actor, and renders. Permissions, validation, transactions and the
audit trail are the services' business (openbch.records.workflow).
"""

from __future__ import annotations

from typing import Annotated, Any

from django.http import HttpRequest, HttpResponse
from ninja import Field, Query, Router, Schema, Status
from pydantic import ConfigDict

from openbch.accounts.auth import TokenAuth
from openbch.api.params import RecordUid
from openbch.api.schemas import Problem
from openbch.core.actors import Actor
from openbch.core.errors import OpenBCHError
from openbch.records import workflow
from openbch.records.models import Draft, PublicationRequest, Record, Revision, WorkflowEvent
from openbch.records.queries import get_published

__all__ = ["router"]


class PreconditionRequiredError(OpenBCHError):
    code = "precondition_required"
    http_status = 428
    title = "If-Match is required"


router = Router(tags=["workflow"], auth=TokenAuth())
ERRORS: dict[int, Any] = {
    400: Problem,
    401: Problem,
    403: Problem,
    404: Problem,
    409: Problem,
    422: Problem,
    429: Problem,
}


class Strict(Schema):
    """Request bodies refuse unknown keys: ``state``, ``owner`` or ``revision`` cannot be slipped in."""

    model_config = ConfigDict(extra="forbid")


class DraftIn(Strict):
    type: str = Field(..., max_length=16, description="record-type code or slug, e.g. DEC")
    owner: str = Field(..., max_length=4, description="ISO 3166-1 alpha-2 country (national records) or SCBD")
    body: dict[str, Any]


class DraftUpdateIn(Strict):
    body: dict[str, Any]


class MessageIn(Strict):
    message: str = Field("", max_length=4000, description="a note to the approver")


class ReasonIn(Strict):
    reason: str = Field(..., min_length=1, max_length=4000)


class RequestOut(Schema):
    id: int
    identifier: str
    type: str
    owner: str
    title: str
    status: str
    message: str
    submitted_by: str
    submitted_at: str
    expires_at: str
    decided_by: str
    decided_at: str | None
    reason: str
    revision: int | None


class DraftOut(Schema):
    identifier: str
    uid: str | None
    type: str
    owner: str
    state: str
    base_revision: int
    version: int
    etag: str
    locked: bool
    body: dict[str, Any]
    warnings: list[dict[str, Any]]
    amends_revision: int | None
    request: RequestOut | None


class DraftSummary(Schema):
    identifier: str
    type: str
    owner: str
    state: str
    locked: bool
    updated_at: str
    updated_by: str
    etag: str


class RecordRef(Schema):
    identifier: str
    uid: str
    type: str
    owner: str
    state: str
    revision: int


class HistoryEntry(Schema):
    at: str
    action: str
    actor: str
    revision: int | None
    reason: str
    approved_by: str = ""
    amends: int | None = None


class HistoryOut(Schema):
    uid: str
    state: str
    confirmation: str
    events: list[HistoryEntry]


def _actor(request: HttpRequest) -> Actor:
    actor = request.auth  # type: ignore[attr-defined]
    assert isinstance(actor, Actor)
    return actor


def _request_out(r: PublicationRequest) -> dict[str, Any]:
    return {
        "id": r.pk,
        "identifier": r.record.identifier,
        "type": r.record.type,
        "owner": r.record.owner,
        "title": r.record.title,
        "status": r.status,
        "message": r.message,
        "submitted_by": r.submitted_by,
        "submitted_at": r.submitted_at.isoformat(),
        "expires_at": r.expires_at.isoformat(),
        "decided_by": r.decided_by,
        "decided_at": r.decided_at.isoformat() if r.decided_at else None,
        "reason": r.reason,
        "revision": r.revision,
    }


def _draft_out(record: Record, draft: Draft | None, request: PublicationRequest | None) -> dict[str, Any]:
    latest = Revision.objects.filter(record=record, revision=record.revision).first() if record.revision else None
    return {
        "identifier": record.identifier,
        "uid": record.uid or None,
        "type": record.type,
        "owner": record.owner,
        "state": record.state,
        "base_revision": draft.base_revision if draft else record.revision,
        "version": draft.version if draft else 0,
        "etag": draft.etag if draft else f'"{record.revision}.0"',
        "locked": bool(draft and draft.locked),
        "body": draft.body if draft else (latest.body if latest else {}),
        "warnings": draft.warnings if draft else [],
        "amends_revision": draft.amends_revision if draft else None,
        "request": _request_out(request) if request else None,
    }


def _record_ref(record: Record) -> dict[str, Any]:
    return {
        "identifier": record.identifier,
        "uid": record.uid,
        "type": record.type,
        "owner": record.owner,
        "state": record.state,
        "revision": record.revision,
    }


def _with_etag(response: HttpResponse, data: dict[str, Any]) -> dict[str, Any]:
    response["ETag"] = data["etag"]
    return data


@router.post("/drafts", response={201: DraftOut, **ERRORS}, summary="Create a draft")
def create_draft(request: HttpRequest, response: HttpResponse, payload: DraftIn) -> Status[dict[str, Any]]:
    """Saved with lenient validation: warnings come back with the draft; malformed values are refused (422)."""
    draft = workflow.create_draft(_actor(request), record_type=payload.type, owner=payload.owner, body=payload.body)
    return Status(201, _with_etag(response, _draft_out(draft.record, draft, None)))


@router.get("/drafts", response={200: list[DraftSummary], **ERRORS}, summary="The drafts you may see")
def list_drafts(request: HttpRequest) -> list[dict[str, Any]]:
    return [
        {
            "identifier": record.identifier,
            "type": record.type,
            "owner": record.owner,
            "state": record.state,
            "locked": draft.locked,
            "updated_at": draft.updated_at.isoformat(),
            "updated_by": draft.updated_by,
            "etag": draft.etag,
        }
        for record, draft in workflow.list_drafts(_actor(request))
    ]


@router.get("/drafts/{identifier}", response={200: DraftOut, **ERRORS}, summary="A draft, with its latest request")
def get_draft(request: HttpRequest, response: HttpResponse, identifier: RecordUid) -> dict[str, Any]:
    """A rejected request's reason is in ``request.reason``. The ETag is the If-Match for the next edit."""
    record, draft, latest = workflow.get_draft(_actor(request), identifier)
    return _with_etag(response, _draft_out(record, draft, latest))


@router.put(
    "/drafts/{identifier}",
    response={200: DraftOut, 412: Problem, 428: Problem, **ERRORS},
    summary="Replace a draft's body (If-Match required)",
)
def update_draft(
    request: HttpRequest, response: HttpResponse, identifier: RecordUid, payload: DraftUpdateIn
) -> dict[str, Any]:
    """Send the ETag you read as ``If-Match``; a stale one gets 412 and the stored draft is unchanged.
    On a published record this starts the draft of its next revision (ETag ``"<revision>.0"``)."""
    if_match = request.headers.get("If-Match")
    if not if_match:
        raise PreconditionRequiredError("send the draft's ETag as If-Match")
    draft = workflow.update_draft(_actor(request), identifier=identifier, body=payload.body, if_match=if_match)
    return _with_etag(response, _draft_out(draft.record, draft, None))


@router.post(
    "/drafts/{identifier}/submit", response={202: RequestOut, **ERRORS}, summary="Request publication of a draft"
)
def submit(request: HttpRequest, identifier: RecordUid, payload: MessageIn) -> Status[dict[str, Any]]:
    """Strict validation (422 with every error); the draft is locked until the request is decided."""
    result = workflow.submit(_actor(request), identifier=identifier, message=payload.message)
    return Status(202, _request_out(result))


@router.post("/drafts/{identifier}/publish", response={200: RecordRef, **ERRORS}, summary="Publish a draft directly")
def publish(request: HttpRequest, identifier: RecordUid) -> dict[str, Any]:
    """For those who hold the publishing role: no request needed."""
    return _record_ref(workflow.publish(_actor(request), identifier=identifier))


@router.get("/requests", response={200: list[RequestOut], **ERRORS}, summary="Publication requests")
def list_requests(
    request: HttpRequest,
    status: Annotated[str, Query("pending", pattern="^(pending|approved|rejected|expired)$")] = "pending",
    inbox: bool = False,
) -> list[dict[str, Any]]:
    """``inbox=true``: only the requests you may decide."""
    found = workflow.list_requests(_actor(request), status=status, decidable_only=inbox)
    return [_request_out(r) for r in found]


@router.post("/requests/{identifier}/approve", response={200: RecordRef, **ERRORS}, summary="Approve a request")
def approve(request: HttpRequest, identifier: RecordUid) -> dict[str, Any]:
    """Publishes the locked draft as the record's next revision; 409 if it was decided meanwhile."""
    return _record_ref(workflow.approve(_actor(request), identifier=identifier))


@router.post("/requests/{identifier}/reject", response={200: RequestOut, **ERRORS}, summary="Reject a request")
def reject(request: HttpRequest, identifier: RecordUid, payload: ReasonIn) -> dict[str, Any]:
    """The reason is shown to the submitter; the draft is unlocked for correction."""
    return _request_out(workflow.reject(_actor(request), identifier=identifier, reason=payload.reason))


@router.post("/records/{identifier}/withdraw", response={200: RecordRef, **ERRORS}, summary="Withdraw a record")
def withdraw(request: HttpRequest, identifier: RecordUid, payload: ReasonIn) -> dict[str, Any]:
    """The record stays retrievable, marked withdrawn with the reason."""
    return _record_ref(workflow.withdraw(_actor(request), identifier=identifier, reason=payload.reason))


@router.post("/records/{identifier}/amend", response={201: DraftOut, **ERRORS}, summary="Start an amendment")
def amend(
    request: HttpRequest, response: HttpResponse, identifier: RecordUid, payload: ReasonIn
) -> Status[dict[str, Any]]:
    """A draft of the next revision, linked to the revision it amends, with the reason."""
    draft = workflow.amend(_actor(request), identifier=identifier, reason=payload.reason)
    return Status(201, _with_etag(response, _draft_out(draft.record, draft, None)))


@router.post("/records/{identifier}/confirm", response={200: RecordRef, **ERRORS}, summary="Re-confirm a record")
def confirm(request: HttpRequest, identifier: RecordUid) -> dict[str, Any]:
    """For records that must be confirmed every two years (``expires``)."""
    return _record_ref(workflow.confirm(_actor(request), identifier=identifier))


history_router = Router(tags=["records"])


@history_router.get(
    "/records/{uid}/history",
    response={200: HistoryOut, 400: Problem, 404: Problem, 429: Problem},
    summary="A record's public history",
)
def history(request: HttpRequest, uid: RecordUid) -> dict[str, Any]:
    """Publications (with their approver and what they amend), withdrawals and re-confirmations, oldest first."""
    found = get_published(uid)
    record = found.record
    events: list[dict[str, Any]] = [
        {
            "at": r.published_at.isoformat(),
            "action": "published",
            "actor": r.published_by,
            "revision": r.revision,
            "reason": r.amendment_reason,
            "approved_by": r.approved_by,
            "amends": r.amends,
        }
        for r in Revision.objects.filter(record=record).order_by("revision")
    ]
    events += [
        {"at": e.at.isoformat(), "action": e.action, "actor": e.actor, "revision": e.revision, "reason": e.reason}
        for e in WorkflowEvent.objects.filter(record=record).exclude(action="amended")
    ]
    events.sort(key=lambda e: e["at"])
    return {
        "uid": found.uid,
        "state": record.state,
        "confirmation": workflow.confirmation_status(record, found.body),
        "events": events,
    }
