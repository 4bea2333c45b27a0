"""django-ninja authentication: each class returns an :class:`~openbch.core.actors.Actor` as ``request.auth``.

    from openbch.accounts.auth import TOKEN_OR_SESSION, TokenAuth, require_scope, token_or_anonymous

    @router.post("/things", auth=TokenAuth())          # write routes: a token (None -> 401)
    def create(request, ...):
        actor: Actor = request.auth
        require_scope(actor, "write")                  # a read-only token -> 403
        ...

    @router.get("/things/{id}")                        # read routes: no declared auth
    def read(request, ...):
        actor = token_or_anonymous(request)            # a token's Actor, or anonymous

The API ignores sessions except where a route declares :class:`SessionAuth` (as
``TOKEN_OR_SESSION`` does), which enforces CSRF on state-changing methods: django-ninja's views
are exempt from Django's CSRF middleware, so the check has to happen here.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest
from ninja.security import APIKeyCookie, HttpBearer

from openbch.accounts.actors import (
    anonymous_actor,
    authenticate_token,
    bearer_token,
    client_ip,
    remember_actor,
    request_id,
    require_scope,
    session_actor,
)
from openbch.core.actors import Actor
from openbch.core.errors import UnauthenticatedError

__all__ = ["TOKEN_OR_SESSION", "SessionAuth", "TokenAuth", "require_scope", "token_or_anonymous"]


class TokenAuth(HttpBearer):
    """``Authorization: Bearer obch_…``: the token owner's Actor (current grants, token scopes), or None (401)."""

    def authenticate(self, request: HttpRequest, token: str) -> Actor | None:
        actor = authenticate_token(token, request_id=request_id(request), client_ip=client_ip(request))
        if actor is not None:
            remember_actor(request, actor)
        return actor


class SessionAuth(APIKeyCookie):
    """The logged-in session's Actor; POST/PUT/PATCH/DELETE also need the CSRF token (else 403).

    Only a request that carries the session cookie is judged, so a request with no credentials
    at all gets 401 (not a CSRF 403).
    """

    param_name = settings.SESSION_COOKIE_NAME

    def __init__(self) -> None:
        super().__init__(csrf=False)  # checked in authenticate, after the session is known

    def _get_key(self, request: HttpRequest) -> str | None:
        return request.COOKIES.get(self.param_name)

    def authenticate(self, request: HttpRequest, key: str | None) -> Actor | None:
        if not key:
            return None
        actor = session_actor(request)  # raises PermissionDeniedError when CSRF fails
        if actor is not None:
            remember_actor(request, actor)
        return actor


#: for routes a browser session may also use (token first: a token never needs CSRF)
TOKEN_OR_SESSION = [TokenAuth(), SessionAuth()]


def token_or_anonymous(request: HttpRequest) -> Actor:
    """For read routes: the Bearer token's Actor, or anonymous when there is no token.

    A token that is not valid raises UnauthenticatedError (401) instead of quietly reading as
    anonymous. Session cookies are ignored, so API reads stay cacheable and the same for every
    cookie-less client.
    """
    token = bearer_token(request)
    if token is None:
        return anonymous_actor(request)
    actor = authenticate_token(token, request_id=request_id(request), client_ip=client_ip(request))
    if actor is None:
        raise UnauthenticatedError("the API token is not valid (unknown, revoked, or its account is disabled)")
    remember_actor(request, actor)
    return actor
