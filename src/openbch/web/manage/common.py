"""What every management view shares: the logged-in Actor, no caching, and service errors as pages.

:func:`management_view` wraps a view ``(request, actor, **kwargs)``: an anonymous visitor is sent to
the login page (``?next=`` back here), a disabled account likewise; a service error the view did not
turn into a message on its own page becomes an error page with the error's status (never a 500, never
swallowed). Every answer is ``Cache-Control: private, no-store``: these pages hold drafts, names and
CSRF tokens.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, Concatenate, ParamSpec
from urllib.parse import quote

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils.cache import add_never_cache_headers, patch_cache_control, patch_vary_headers
from django.utils.translation import gettext

from openbch.accounts.actors import session_actor
from openbch.core.actors import Actor
from openbch.core.errors import (
    ConflictError,
    NotFoundError,
    OpenBCHError,
    PermissionDeniedError,
    StaleRevisionError,
    UnauthenticatedError,
    ValidationFailedError,
)

__all__ = ["error_status", "management_view", "no_store"]

P = ParamSpec("P")

#: HTTP status of a service error shown on a page (a form with errors answers 400, as Django's do)
_STATUS: tuple[tuple[type[OpenBCHError], int], ...] = (
    (ValidationFailedError, 400),
    (StaleRevisionError, 412),
    (ConflictError, 409),
    (NotFoundError, 404),
    (PermissionDeniedError, 403),
)


def error_status(exc: OpenBCHError) -> int:
    for kind, status in _STATUS:
        if isinstance(exc, kind):
            return status
    return int(exc.http_status)


def error_title(exc: OpenBCHError) -> str:
    if isinstance(exc, NotFoundError):
        return gettext("Not found")
    if isinstance(exc, PermissionDeniedError):
        return gettext("Not allowed")
    if isinstance(exc, StaleRevisionError):
        return gettext("Changed meanwhile")
    if isinstance(exc, ConflictError):
        return gettext("Not possible now")
    if isinstance(exc, ValidationFailedError):
        return gettext("Not valid")
    return gettext("Refused")


def no_store(response: HttpResponse) -> HttpResponse:
    add_never_cache_headers(response)
    patch_cache_control(response, private=True, no_store=True)
    patch_vary_headers(response, ("Cookie", "HX-Request"))
    return response


def _to_login(request: HttpRequest) -> HttpResponse:
    return HttpResponseRedirect(f"{settings.LOGIN_URL}?next={quote(request.get_full_path(), safe='/')}")


def error_response(request: HttpRequest, exc: OpenBCHError) -> HttpResponse:
    return render(
        request,
        "web/manage/error.html",
        {"title": error_title(exc), "message": exc.message, "issues": exc.issues, "status": error_status(exc)},
        status=error_status(exc),
    )


def management_view(
    view: Callable[Concatenate[HttpRequest, Actor, P], HttpResponse],
) -> Callable[Concatenate[HttpRequest, P], HttpResponse]:
    """Log-in required; the view gets the Actor; service errors become error pages; nothing is cached."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, /, *args: P.args, **kwargs: P.kwargs) -> HttpResponse:
        try:
            actor = session_actor(request)
        except UnauthenticatedError:  # the account was disabled since it logged in
            actor = None
        if actor is None:
            return no_store(_to_login(request))
        try:
            response = view(request, actor, *args, **kwargs)
        except UnauthenticatedError:
            response = _to_login(request)
        except OpenBCHError as exc:
            response = error_response(request, exc)
        return no_store(response)

    return wrapper


def render_page(request: HttpRequest, template: str, context: dict[str, Any], *, status: int = 200) -> HttpResponse:
    return render(request, template, {"nav": "manage", **context}, status=status)
