"""Federation in the API: ``POST /api/v1/federation/changes``, where a national node pushes its own
publications to central; ``GET /api/v1/federation/conflicts``; ``POST /api/v1/federation/keys``,
where a node registers its signing key; ``GET /api/v1/federation/keys/{instance}``, this
instance's key chain (public); ``GET /api/v1/federation/numbers/{country}``, the highest
number of a country's block held (public). ``openbch.api.app`` calls :func:`mount`. Parse, call the
federation service, return; nothing else here.
"""

from __future__ import annotations

from typing import Annotated, Any

from django.http import HttpRequest
from ninja import Field, NinjaAPI, Path, Router, Schema, Status

from openbch.accounts.auth import TokenAuth
from openbch.api.records import Change
from openbch.api.schemas import Problem
from openbch.core.actors import Actor
from openbch.federation.conflicts import conflict_out, list_conflicts
from openbch.federation.keychain import own_chain
from openbch.federation.keys import register_key
from openbch.federation.numbers import highest_in_block
from openbch.federation.receive import receive_changes
from openbch.records.changelog import SEQ_MAX

__all__ = ["mount", "router"]

router = Router(tags=["federation"], auth=TokenAuth())
ERRORS: dict[int, Any] = {400: Problem, 401: Problem, 403: Problem, 409: Problem, 422: Problem, 429: Problem}


class PushIn(Schema):
    changes: list[dict[str, Any]] = Field(
        ...,
        max_length=5000,
        description="the node's own changes in its change-log order, each as the change feed serves it with "
        "`include=record` (seq, kind, uid, record with envelope, `published_by`, `instance` and `body`)",
    )
    last_seq: int = Field(..., ge=0, le=SEQ_MAX, description="the node's seq of the page's last change")


class PushedConflict(Schema):
    identifier: str
    uid: str = Field(..., description="the record's UID without revision")
    revision: int = Field(..., description="the revision both sides published with different content")
    node_hash: str
    central_instance: str
    central_hash: str
    central_body: dict[str, Any] = Field(..., description="central's version, for the node's diff")


class PushOut(Schema):
    published: int = Field(..., description="revisions stored as copies")
    withdrawn: int
    unchanged: int = Field(..., description="changes already held (a repeated push)")
    uids: list[str] = Field(..., description="the record UIDs written")
    conflicts: list[PushedConflict] = Field(
        default_factory=list,
        description="changes set aside: central holds their revision with other content (recorded on both sides)",
    )


class ConflictSide(Schema):
    instance: str
    content_hash: str


class SyncConflictOut(Schema):
    identifier: str
    uid: str
    kind: str = Field(
        ...,
        description="`diverged` (both sides published this revision, with different content), "
        "`central_ahead` (central published this revision; the node side is the node's earlier revision) "
        "or `withdrawn` (central withdrew the record)",
    )
    withdrawn_reason: str | None = Field(..., description="central's reason, when central withdrew the record")
    type: str
    owner: str
    revision: int
    node: ConflictSide
    central: ConflictSide
    detected_at: str
    resolved_at: str | None
    resolved_by: str | None
    resolution: str | None = Field(..., description="`node`, `central` or `superseded`; null while open")
    resolved_revision: int | None
    diff: list[Change] = Field(..., description="from central's version to the node's, by JSON pointer")


class SyncConflictsOut(Schema):
    open: int
    conflicts: list[SyncConflictOut]


class NodeKeyIn(Schema):
    instance: str = Field(..., max_length=64, description="the node's instance id (its OPENBCH_INSTANCE_ID)")
    public_key: str = Field(..., max_length=200, description="the Ed25519 public key, base64 of 32 bytes")
    country: str = Field("", max_length=4, description="the node's country, when the token's account has several")


class NodeKeyOut(Schema):
    instance: str
    key_id: str
    country: str
    registered_at: str


@router.post(
    "/federation/changes",
    response={200: PushOut, **ERRORS},
    summary="A national node pushes its own publications (its country's records) to central",
)
def push_changes(request: HttpRequest, page: PushIn) -> dict[str, Any]:
    """Needs a token of an account holding the publishing role for the records' country. All or nothing:
    a change for another country (403), a body whose content hash does not match, a revision that does
    not follow the one held, or content that differs from a revision held (422, each named by its place
    in the page) leaves central unchanged."""
    actor = request.auth  # type: ignore[attr-defined]
    assert isinstance(actor, Actor)
    report = receive_changes(actor, page.dict())
    return {
        "published": report.published,
        "withdrawn": report.withdrawn,
        "unchanged": report.unchanged,
        "uids": [r.uid for r in report.records],
        "conflicts": [
            {
                "identifier": c.identifier,
                "uid": c.uid,
                "revision": c.revision,
                "node_hash": c.node_hash,
                "central_instance": c.central_instance,
                "central_hash": c.central_hash,
                "central_body": c.central_body,
            }
            for c in report.found
        ],
    }


@router.get(
    "/federation/conflicts",
    response={200: SyncConflictsOut, **ERRORS},
    summary="Synchronisation conflicts: the same revision published with different content at a node and central",
)
def conflicts(request: HttpRequest, open_only: bool = False) -> dict[str, Any]:
    """Administrators see every conflict; a country's publishing authority its country's. Newest first,
    each with the diff from central's version to the node's."""
    actor = request.auth  # type: ignore[attr-defined]
    assert isinstance(actor, Actor)
    found = list_conflicts(actor, open_only=open_only)
    return {"open": sum(1 for c in found if c.resolved_at is None), "conflicts": [conflict_out(c) for c in found]}


@router.post(
    "/federation/keys",
    response={201: NodeKeyOut, **ERRORS},
    summary="A national node registers its signing key (for offline bundles) at central",
)
def register_node_key(request: HttpRequest, key: NodeKeyIn) -> Status[dict[str, Any]]:
    """With a token (write scope) of the node's account, which holds its country's publishing role: the
    key is bound to that country, so bundles it signs may carry that country's records only. A new key
    of the same node is added beside the older ones (rotation); the same key again answers it again."""
    actor = request.auth  # type: ignore[attr-defined]
    assert isinstance(actor, Actor)
    trusted = register_key(actor, instance=key.instance, public_key=key.public_key, country=key.country)
    return Status(
        201,
        {
            "instance": trusted.instance,
            "key_id": trusted.key_id,
            "country": trusted.country,
            "registered_at": trusted.registered_at.isoformat(),
        },
    )


class RotationOut(Schema):
    statement: dict[str, Any] = Field(
        ...,
        description="`{format, instance, previous_key_id, key_id, public_key, at}`; the previous key signs "
        "its canonical JSON (sorted keys, no blanks)",
    )
    signature: str = Field(..., description="Ed25519, base64, by the previous key")


class KeyChainOut(Schema):
    instance: str
    key_id: str = Field(..., description="the key this instance signs with now")
    public_key: str = Field(..., description="its public half, base64 of 32 bytes")
    rotations: list[RotationOut] = Field(
        ..., description="every rotation statement, oldest first: each new key signed by the one before"
    )


@router.get(
    "/federation/keys/{instance}",
    response={200: KeyChainOut, 404: Problem, **ERRORS},
    auth=None,
    summary="This instance's signing key and its chain of rotation statements (nodes follow central's rotations)",
)
def key_chain(
    request: HttpRequest,
    instance: Annotated[str, Path(..., max_length=64, description="this instance's id")],
) -> dict[str, Any]:
    """Public, as public keys are: a node that trusts an older key accepts the current one only if each
    statement is signed by the key before it. 404 ``unknown_instance`` for another instance's id, or
    while this instance has no key."""
    return own_chain(instance)


class NumbersOut(Schema):
    country: str
    block_start: int = Field(..., description="the first number of the country's block")
    block_end: int = Field(..., description="the last number of the country's block")
    highest: int | None = Field(..., description="the highest number of the block held here, any state; null: none")


@router.get(
    "/federation/numbers/{country}",
    response={200: NumbersOut, **ERRORS},
    auth=None,
    summary="The highest record number held here in a country's block (a national node set up again starts after it)",
)
def numbers(
    request: HttpRequest,
    country: Annotated[str, Path(..., pattern=r"^[A-Za-z]{2}$", description="a two-letter country code")],
) -> dict[str, Any]:
    """Public, as the numbers are (they are in the records' UIDs): withdrawn records count, their
    numbers stay taken."""
    return highest_in_block(country)


def mount(api: NinjaAPI) -> None:
    if any(mounted is router for _, mounted in api._routers):
        return  # ninja refuses to mount one router twice; tests may call this again
    api.add_router("/v1", router)
