"""Federation in the API: ``POST /api/v1/federation/changes``, where a national node pushes its own
publications to central. ``openbch.api.app`` calls :func:`mount`. Parse, call
:func:`openbch.federation.receive.receive_changes`, return; nothing else here.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Field, NinjaAPI, Router, Schema

from openbch.accounts.auth import TokenAuth
from openbch.api.schemas import Problem
from openbch.core.actors import Actor
from openbch.federation.receive import receive_changes

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
    last_seq: int = Field(..., ge=0, description="the node's seq of the page's last change")


class PushOut(Schema):
    published: int = Field(..., description="revisions stored as copies")
    withdrawn: int
    unchanged: int = Field(..., description="changes already held (a repeated push)")
    uids: list[str] = Field(..., description="the record UIDs written")


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
    }


def mount(api: NinjaAPI) -> None:
    if any(mounted is router for _, mounted in api._routers):
        return  # ninja refuses to mount one router twice; tests may call this again
    api.add_router("/v1", router)
