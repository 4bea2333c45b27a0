"""Who is asking: the :class:`~openbch.core.actors.Actor` for a user, a token or a request.

Grants are read from the database every time an Actor is built, and an Actor lives for one
request at most, so a revoked role or a disabled account takes effect on the very next request
(ASVS 8.3.2). Nothing here caches across requests.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re
import uuid
from dataclasses import replace
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.http import HttpRequest
from django.middleware.csrf import CsrfViewMiddleware
from django.utils import timezone

from openbch.accounts.models import ApiToken, RoleAssignment
from openbch.core.actors import ANONYMOUS, Actor, Grant, Role
from openbch.core.errors import PermissionDeniedError, UnauthenticatedError

__all__ = [
    "ALL_SCOPES",
    "TOKEN_PATTERN",
    "actor_for_request",
    "actor_for_user",
    "anonymous_actor",
    "authenticate_token",
    "bearer_token",
    "client_ip",
    "grants_of",
    "hash_token",
    "remember_actor",
    "request_id",
    "require_scope",
    "session_actor",
]

ALL_SCOPES = frozenset({"read", "write"})
#: ``obch_<8 lower-case hex: lookup prefix>_<43 url-safe base64 characters: 256-bit secret>``
TOKEN_PATTERN = re.compile(r"^obch_([0-9a-f]{8})_([A-Za-z0-9_-]{43})$")
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
#: ``last_used_at`` is written at most this often per token: a write per request would put every
#: token-authenticated read behind the database's write lock
LAST_USED_RESOLUTION = dt.timedelta(minutes=5)
_ACTOR_ATTRIBUTE = "_openbch_actor"
_SESSION_ACTOR_ATTRIBUTE = "_openbch_session_actor"


def hash_token(token: str) -> str:
    """SHA-256 of the whole token (prefix included, so a secret cannot be moved to another row)."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def grants_of(user_id: int) -> tuple[Grant, ...]:
    """The user's current role grants, read from the database (never cached)."""
    rows = RoleAssignment.objects.filter(user_id=user_id).order_by("role", "country")
    return tuple(
        Grant(role=Role(role), country=country or None, record_types=frozenset(types or ()))
        for role, country, types in rows.values_list("role", "country", "record_types")
    )


def actor_for_user(
    user: AbstractBaseUser,
    *,
    scopes: frozenset[str] = ALL_SCOPES,
    request_id: str = "",
    client_ip: str = "",
) -> Actor:
    """The Actor of an active account with its current grants; a disabled account is refused."""
    if not user.is_active or user.pk is None:
        raise UnauthenticatedError("the account is disabled")
    return Actor(
        name=user.get_username(),
        kind="user",
        grants=grants_of(int(user.pk)),
        user_id=int(user.pk),
        scopes=frozenset(scopes),
        request_id=request_id,
        client_ip=client_ip,
    )


def authenticate_token(token: str, *, request_id: str = "", client_ip: str = "") -> Actor | None:
    """The Actor of a valid, unrevoked token of an active account; None for anything else.

    The Actor carries the owner's grants as they are now and the token's scopes.
    """
    match = TOKEN_PATTERN.match(token)
    if match is None:
        return None
    row = ApiToken.objects.select_related("user").filter(prefix=match.group(1)).first()
    if row is None or not hmac.compare_digest(row.secret_hash, hash_token(token)):
        return None
    if row.revoked_at is not None or not row.user.is_active:
        return None
    actor = actor_for_user(
        row.user, scopes=frozenset(row.scopes) & ALL_SCOPES, request_id=request_id, client_ip=client_ip
    )
    now = timezone.now()
    if row.last_used_at is None or now - row.last_used_at >= LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=row.pk).update(last_used_at=now)
    return actor


def require_scope(actor: Actor, scope: str) -> None:
    """Refuse (403) when the credential behind ``actor`` does not carry ``scope`` (e.g. a read-only token)."""
    if scope not in actor.scopes:
        raise PermissionDeniedError(f"this credential has no {scope!r} scope")


def request_id(request: HttpRequest) -> str:
    """The request's id: the one the API middleware set, else a new one (kept for the request)."""
    rid = request.META.get("OPENBCH_REQUEST_ID")
    if not rid:
        rid = uuid.uuid4().hex
        request.META["OPENBCH_REQUEST_ID"] = rid
    return str(rid)


def client_ip(request: HttpRequest) -> str:
    # REMOTE_ADDR only: forwarded headers are client-controlled unless a trusted proxy sets them
    return str(request.META.get("REMOTE_ADDR", "") or "unknown")


def anonymous_actor(request: HttpRequest) -> Actor:
    return replace(ANONYMOUS, request_id=request_id(request), client_ip=client_ip(request))


def bearer_token(request: HttpRequest) -> str | None:
    """The token of an ``Authorization: Bearer …`` header, None without one ('' when empty)."""
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer":
        return None
    return value.strip()


def _csrf_passes(request: HttpRequest) -> bool:
    """Django's own CSRF check, for views that skipped the middleware (django-ninja's are csrf_exempt)."""
    if getattr(request, "csrf_processing_done", False):
        return True  # CsrfViewMiddleware already accepted this request

    def view(request: HttpRequest) -> Any:  # the middleware needs a (non-exempt) view to judge
        return None

    middleware = CsrfViewMiddleware(view)
    middleware.process_request(request)
    return middleware.process_view(request, view, (), {}) is None


def session_actor(request: HttpRequest) -> Actor | None:
    """The Actor of the request's logged-in session, None without one.

    A state-changing request also needs a valid CSRF token (PermissionDeniedError otherwise).
    Requests without a session cookie never touch the session, so API responses to cookie-less
    clients do not get ``Vary: Cookie``.
    """
    if settings.SESSION_COOKIE_NAME not in request.COOKIES:
        return None
    user = getattr(request, "user", None)
    if user is None or isinstance(user, AnonymousUser) or not user.is_authenticated:
        return None
    if request.method not in SAFE_METHODS and not _csrf_passes(request):
        raise PermissionDeniedError("CSRF check failed: send the form's csrf token (or X-CSRFToken)")
    # a page asks more than once (the view, then a template tag): the grants are read once
    cached = getattr(request, _SESSION_ACTOR_ATTRIBUTE, None)
    if isinstance(cached, Actor) and cached.user_id == user.pk:
        return cached
    actor = actor_for_user(user, request_id=request_id(request), client_ip=client_ip(request))
    setattr(request, _SESSION_ACTOR_ATTRIBUTE, actor)
    return actor


def actor_for_request(request: HttpRequest) -> Actor:
    """The Actor of a request: its Bearer token, else its session, else anonymous.

    A Bearer token that is not valid (unknown, revoked, owner disabled) is refused with
    UnauthenticatedError rather than treated as anonymous, so a client learns its token is dead.
    The result is kept on the request, so one request reads the grants once.
    """
    cached = getattr(request, _ACTOR_ATTRIBUTE, None)
    if isinstance(cached, Actor):
        return cached
    token = bearer_token(request)
    actor: Actor | None
    if token is not None:
        actor = authenticate_token(token, request_id=request_id(request), client_ip=client_ip(request))
        if actor is None:
            raise UnauthenticatedError("the API token is not valid (unknown, revoked, or its account is disabled)")
    else:
        actor = session_actor(request) or anonymous_actor(request)
    setattr(request, _ACTOR_ATTRIBUTE, actor)
    return actor


def remember_actor(request: HttpRequest, actor: Actor) -> None:
    """Keep ``actor`` as the request's Actor (the ninja auth classes call this)."""
    setattr(request, _ACTOR_ATTRIBUTE, actor)
