"""The change feed: the change log as JSON, so a consumer can mirror the clearing-house incrementally."""

from __future__ import annotations

from typing import Any, Literal

from django.http import HttpRequest, HttpResponse
from ninja import Field, Query, Router, Schema

from openbch.api.conventions import json_bytes_response, json_response
from openbch.api.schemas import Problem
from openbch.core.jsonbytes import compact_json
from openbch.federation.feed import change_out, changes_with_records_json
from openbch.records.changelog import SEQ_MAX, events_after, last_seq

__all__ = ["router"]

router = Router(tags=["changes"])


class ChangeOut(Schema):
    seq: int
    at: str
    kind: str
    uid: str
    identifier: str
    type: str
    owner: str
    revision: int
    href: str
    record: dict[str, Any] | None = Field(
        None,
        description="with `include=record`: the revision the event names, as stored (envelope fields and `body`; "
        "`content_hash` is the SHA-256 of the body's canonical JSON), so a mirror needs no request per record",
    )


class ChangesOut(Schema):
    changes: list[ChangeOut]
    last_seq: int
    next: str | None


class ChangesParams(Schema):
    after: int = Field(0, ge=0, le=SEQ_MAX, description="the last sequence number the consumer has processed")
    limit: int = Field(500, ge=1, le=5000)
    include: Literal["record"] | None = Field(
        None, description="`record`: each change carries the revision it names (envelope and body)"
    )


@router.get("/changes", response={200: ChangesOut, 400: Problem, 429: Problem}, summary="The change feed")
def changes(request: HttpRequest, params: Query[ChangesParams]) -> HttpResponse:
    """Events after ``after`` in sequence order. Store the ``seq`` of the last event you processed and
    ask again with ``after=`` it; an empty ``changes`` list means you are up to date. ``next`` is the URL
    of the following page while more events exist. Kinds: ``published`` (a new revision: fetch
    ``href``), ``withdrawn``."""
    if params.include:
        # a page may carry 5,000 record bodies: read with one plain query, each body sent as stored
        items, last_item = changes_with_records_json(params.after, params.limit)
        head = last_seq()
        last = params.after if last_item is None else last_item
        more = f"/api/v1/changes?after={last}&limit={params.limit}&include={params.include}" if last < head else None
        tail = compact_json({"last_seq": head, "next": more})
        return json_bytes_response(b'{"changes":[' + b",".join(items) + b"]," + tail[1:])
    events = events_after(params.after, params.limit)
    head = last_seq()
    last = events[-1].seq if events else params.after
    # serialised here, not validated again against ChangesOut
    return json_response(
        {
            "changes": [change_out(e, None, with_record=False) for e in events],
            "last_seq": head,
            "next": f"/api/v1/changes?after={last}&limit={params.limit}" if last < head else None,
        }
    )
