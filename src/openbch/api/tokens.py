"""API tokens of the caller: create (the token is shown once), list (never the secrets), revoke.

Authenticated by an API token or by a logged-in browser session; with a session, POST and DELETE
need the CSRF token (``X-CSRFToken`` header). Mounted by :mod:`openbch.api.routes_accounts`.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from django.http import HttpRequest
from ninja import Field, Path, Router, Schema, Status

from openbch.accounts import services
from openbch.accounts.auth import TOKEN_OR_SESSION, require_scope
from openbch.accounts.models import ApiToken
from openbch.api.schemas import Problem
from openbch.core.actors import Actor

__all__ = ["router"]

router = Router(tags=["tokens"])

TokenId = Annotated[int, Path(..., ge=1, le=2**63 - 1, description="the token's id (from GET /tokens)")]


#: not all spaces, no control characters (the service checks the same)
NAME_PATTERN = r"^[^\x00-\x1f\x7f-\x9f]*[^\s\x00-\x1f\x7f-\x9f][^\x00-\x1f\x7f-\x9f]*$"


class TokenIn(Schema):
    name: str = Field(
        ...,
        min_length=1,
        max_length=100,
        pattern=NAME_PATTERN,
        description="what the token is for",
        examples=["nightly harvest"],
    )
    scopes: list[Literal["read", "write"]] = Field(
        ..., min_length=1, max_length=2, description="`read`, `write` or both (`write` implies `read`)"
    )


class TokenOut(Schema):
    id: int
    name: str
    prefix: str = Field(..., description="the token's public part (`obch_<prefix>_…`), to recognise it")
    scopes: list[str]
    created_at: dt.datetime
    last_used_at: dt.datetime | None = Field(None, description="to within five minutes")
    revoked_at: dt.datetime | None


class TokenCreatedOut(TokenOut):
    token: str = Field(..., description="the token itself: shown this once, never again (only its hash is kept)")


def _out(token: ApiToken) -> dict[str, Any]:
    return {
        "id": token.pk,
        "name": token.name,
        "prefix": token.prefix,
        "scopes": list(token.scopes),
        "created_at": token.created_at,
        "last_used_at": token.last_used_at,
        "revoked_at": token.revoked_at,
    }


def _actor(request: HttpRequest) -> Actor:
    actor = request.auth  # type: ignore[attr-defined]  # set by the auth classes
    assert isinstance(actor, Actor)
    return actor


@router.post(
    "/tokens",
    auth=TOKEN_OR_SESSION,
    response={201: TokenCreatedOut, 400: Problem, 401: Problem, 403: Problem, 404: Problem, 409: Problem, 429: Problem},
    summary="Create an API token for yourself",
    description=(
        "The response carries the token once; store it, it cannot be shown again. Needs a token with the "
        "`write` scope or a logged-in session (with `X-CSRFToken`). 403: read-only token or CSRF failure; "
        "404: your account is gone; 409: too many live tokens or account disabled."
    ),
)
def create_token(request: HttpRequest, payload: TokenIn) -> Status[dict[str, Any]]:
    actor = _actor(request)
    require_scope(actor, "write")
    issued = services.create_token(actor, name=payload.name, scopes=payload.scopes)
    return Status(201, {**_out(issued.token), "token": issued.plaintext})


@router.get(
    "/tokens",
    auth=TOKEN_OR_SESSION,
    response={200: list[TokenOut], 401: Problem, 404: Problem, 429: Problem},
    summary="Your API tokens (never their secrets)",
)
def list_tokens(request: HttpRequest) -> list[dict[str, Any]]:
    return [_out(t) for t in services.list_tokens(_actor(request))]


@router.delete(
    "/tokens/{token_id}",
    auth=TOKEN_OR_SESSION,
    response={204: None, 400: Problem, 401: Problem, 403: Problem, 404: Problem, 429: Problem},
    summary="Revoke one of your API tokens",
    description=(
        "Effective on the token's next request. Another account's token, an unknown id and a revoked token "
        "all give 404. 403: read-only token or CSRF failure."
    ),
)
def revoke_token(request: HttpRequest, token_id: TokenId) -> Status[None]:
    actor = _actor(request)
    require_scope(actor, "write")
    services.revoke_token(actor, token_id=token_id)
    return Status(204, None)
