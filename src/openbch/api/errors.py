"""The one mapping from errors to HTTP: RFC 9457 problem details, the same shape everywhere.

``{"type", "title", "status", "detail", "code", "errors": [{"path", "code", "message"}]}`` with
``Content-Type: application/problem+json``. ``code`` is stable (see openbch.core.errors).
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from openbch.core.errors import OpenBCHError, RateLimitedError

__all__ = ["install_error_handlers", "problem_response"]

PROBLEM_TYPE = "/api/v1/errors#{code}"


def problem_response(
    status: int, code: str, title: str, detail: str, errors: list[dict[str, Any]] | None = None
) -> JsonResponse:
    body: dict[str, Any] = {
        "type": PROBLEM_TYPE.format(code=code),
        "title": title,
        "status": status,
        "detail": detail,
        "code": code,
    }
    if errors:
        body["errors"] = errors
    return JsonResponse(
        body, status=status, content_type="application/problem+json", json_dumps_params={"ensure_ascii": False}
    )


def _domain(request: HttpRequest, exc: OpenBCHError) -> HttpResponse:
    response = problem_response(
        exc.http_status, exc.code, exc.title, exc.message, [i.as_dict() for i in exc.issues] or None
    )
    if isinstance(exc, RateLimitedError):
        response["Retry-After"] = str(exc.retry_after)
    return response


def _validation(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    errors = []
    for error in exc.errors:
        location = [str(p) for p in error.get("loc", ())]
        errors.append(
            {"path": "/" + "/".join(location), "code": "invalid_parameter", "message": str(error.get("msg", ""))}
        )
    return problem_response(400, "bad_request", "Bad request", "a parameter is missing or malformed", errors)


def _http(request: HttpRequest, exc: HttpError) -> HttpResponse:
    return problem_response(exc.status_code, "http_error", "HTTP error", str(exc))


def _authentication(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return problem_response(401, "unauthenticated", "Authentication required", "a valid API token is required")


def install_error_handlers(api: NinjaAPI) -> None:
    api.add_exception_handler(OpenBCHError, _domain)  # type: ignore[arg-type]
    api.add_exception_handler(NinjaValidationError, _validation)  # type: ignore[arg-type]
    api.add_exception_handler(HttpError, _http)  # type: ignore[arg-type]
    api.add_exception_handler(AuthenticationError, _authentication)  # type: ignore[arg-type]


def not_found_view(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """Django's 404 handler: the same problem body as the API (there is no HTML site yet)."""
    return problem_response(404, "not_found", "Not found", f"no resource at {request.path[:200]}")


def server_error_view(request: HttpRequest) -> HttpResponse:
    return problem_response(500, "error", "Internal error", "the server failed; the error was logged")
