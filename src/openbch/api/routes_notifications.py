"""Subscriptions and the participation change feed in the API (feature level 9).

``openbch.api.app`` calls :func:`mount`. ``GET /participation/changes`` is open to anyone: it says
what became public (ids only; read the post or thread for its content). The subscription routes
act on the caller's own account only, with an API token or a signed-in session (``X-CSRFToken`` on
writes); each handler calls ONE function of :mod:`openbch.notifications.services`.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from django.http import HttpRequest
from ninja import Field, NinjaAPI, Path, Query, Router, Schema, Status
from pydantic import ConfigDict

from openbch.accounts.auth import TOKEN_OR_SESSION, require_scope
from openbch.api.schemas import Problem
from openbch.core.actors import Actor
from openbch.notifications import services
from openbch.notifications.models import Subscription
from openbch.participation import events

__all__ = ["mount", "router"]

router = Router(tags=["notifications"])

ERRORS: dict[int, Any] = {400: Problem, 401: Problem, 403: Problem, 404: Problem, 422: Problem, 429: Problem}


class ParticipationChangeOut(Schema):
    seq: int
    at: dt.datetime
    kind: str = Field(..., description="`" + "`, `".join(events.KINDS) + "`")
    forum: int | None
    thread: int | None
    debate: int | None
    comment_period: int | None
    post: int | None
    country: str = Field(..., description="the country of a comment period, else empty")


class ParticipationChangesOut(Schema):
    changes: list[ParticipationChangeOut]
    last_seq: int = Field(..., description="the newest seq in the log: poll again with `after` = the last seq read")


class SubscriptionOut(Schema):
    id: int
    target: str = Field(..., description="`forum`, `thread`, `debate`, `comment_period`, `country` or `lmo`")
    key: str = Field(
        ..., description="forum or debate slug, thread or comment period number, country code, LMO identifier"
    )
    mode: str = Field(..., description="`immediate` (one e-mail each) or `daily` (a digest)")
    created_at: dt.datetime


class SubscriptionIn(Schema):
    model_config = ConfigDict(extra="forbid")

    target: str = Field(..., max_length=20)
    key: str = Field(..., max_length=200)
    mode: str = Field("immediate", max_length=10)


def _actor(request: HttpRequest) -> Actor:
    actor = request.auth  # type: ignore[attr-defined]  # set by the auth classes
    assert isinstance(actor, Actor)
    return actor


def _subscription(found: Subscription) -> dict[str, Any]:
    return {
        "id": found.pk,
        "target": found.target,
        "key": found.key,
        "mode": found.mode,
        "created_at": found.created_at,
    }


@router.get(
    "/participation/changes",
    response={200: ParticipationChangesOut, 400: Problem, 422: Problem, 429: Problem},
    summary="What participation made public, in order (posts, threads, debates, comment periods)",
    description="An append-only log: `after` = the last `seq` you read (0 for the start). A post waiting for a "
    "moderator appears when it is approved; a post hidden later stays in the log (read it to see).",
)
def participation_changes(
    request: HttpRequest,
    after: Annotated[int, Query(ge=0, le=2**63 - 1)] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> dict[str, Any]:
    found = events.events_after(after, limit)
    return {
        "changes": [
            {
                "seq": e.seq,
                "at": e.at,
                "kind": e.kind,
                "forum": e.forum_id,
                "thread": e.thread_id,
                "debate": e.debate_id,
                "comment_period": e.comment_period_id,
                "post": e.post_id,
                "country": e.country,
            }
            for e in found
        ],
        "last_seq": events.last_seq(),
    }


@router.get(
    "/subscriptions",
    auth=TOKEN_OR_SESSION,
    response={200: list[SubscriptionOut], **ERRORS},
    summary="What you follow",
)
def list_subscriptions(request: HttpRequest) -> list[dict[str, Any]]:
    return [_subscription(s) for s in services.list_subscriptions(_actor(request))]


@router.post(
    "/subscriptions",
    auth=TOKEN_OR_SESSION,
    response={201: SubscriptionOut, **ERRORS},
    summary="Follow a forum, thread, debate, comment period, country or LMO",
    description="Following again changes the mode. 404 when the forum, thread, debate, comment period or LMO "
    "does not exist; 422 names a bad `target`, `key` or `mode`.",
)
def follow(request: HttpRequest, payload: SubscriptionIn) -> Status[dict[str, Any]]:
    actor = _actor(request)
    require_scope(actor, "write")
    found = services.follow(actor, target=payload.target, key=payload.key, mode=payload.mode)
    return Status(201, _subscription(found))


@router.delete(
    "/subscriptions/{subscription_id}",
    auth=TOKEN_OR_SESSION,
    response={204: None, **ERRORS},
    summary="Stop following (one of your own subscriptions; another account's is 404)",
)
def unfollow(request: HttpRequest, subscription_id: Annotated[int, Path(..., ge=1, le=2**63 - 1)]) -> Status[None]:
    actor = _actor(request)
    require_scope(actor, "write")
    services.unfollow_id(actor, subscription_id=subscription_id)
    return Status(204, None)


def mount(api: NinjaAPI) -> None:
    if any(mounted is router for _, mounted in api._routers):
        return  # ninja refuses to mount one router twice; tests may call this again
    api.add_router("/v1", router)
