"""The one error tree of openbch.

Services raise only these; the API maps them to HTTP in one table (`openbch.api.errors`) and the CLI
prints them. Every class has a stable ``code`` (part of the public API: clients switch on it) and
an ``http_status`` hint.

    OpenBCHError
    ├── ValidationFailedError      422 validation_failed   (carries every issue at once)
    ├── BadRequestError            400 bad_request
    ├── NotFoundError              404 not_found
    ├── WithdrawnError             410 withdrawn
    ├── PermissionDeniedError      403 permission_denied
    ├── UnauthenticatedError       401 unauthenticated
    ├── ConflictError              409 conflict
    ├── StaleRevisionError         412 stale_revision
    ├── RateLimitedError           429 rate_limited
    └── LoadFailedError            422 load_failed         (an import file had errors; nothing written)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

__all__ = [
    "BadRequestError",
    "ConflictError",
    "Issue",
    "LoadFailedError",
    "NotFoundError",
    "OpenBCHError",
    "PermissionDeniedError",
    "RateLimitedError",
    "StaleRevisionError",
    "UnauthenticatedError",
    "ValidationFailedError",
    "WithdrawnError",
]


@dataclass(frozen=True)
class Issue:
    """One problem found in a document: where (JSON pointer), what (stable code), and a message.

    ``severity`` is ``error`` (blocks the action) or ``warning`` (saved, shown to the editor).
    """

    path: str
    code: str
    message: str
    severity: str = "error"
    #: extra context for an importer's report (file, line), never needed by API clients
    location: dict[str, Any] = field(default_factory=dict, compare=False)

    def as_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"path": self.path, "code": self.code, "message": self.message}
        if self.severity != "error":
            data["severity"] = self.severity
        if self.location:
            data.update(self.location)
        return data


class OpenBCHError(Exception):
    code: ClassVar[str] = "error"
    http_status: ClassVar[int] = 500
    title: ClassVar[str] = "Internal error"

    def __init__(self, message: str | None = None, *, issues: list[Issue] | None = None) -> None:
        self.message = message or self.title
        self.issues: list[Issue] = list(issues or [])
        super().__init__(self.message)


class BadRequestError(OpenBCHError):
    code = "bad_request"
    http_status = 400
    title = "Bad request"


class ValidationFailedError(OpenBCHError):
    code = "validation_failed"
    http_status = 422
    title = "The document is not valid"


class NotFoundError(OpenBCHError):
    code = "not_found"
    http_status = 404
    title = "Not found"


class WithdrawnError(OpenBCHError):
    code = "withdrawn"
    http_status = 410
    title = "The record was withdrawn"


class PermissionDeniedError(OpenBCHError):
    code = "permission_denied"
    http_status = 403
    title = "Permission denied"


class UnauthenticatedError(OpenBCHError):
    code = "unauthenticated"
    http_status = 401
    title = "Authentication required"


class ConflictError(OpenBCHError):
    code = "conflict"
    http_status = 409
    title = "Conflict with the current state"


class StaleRevisionError(OpenBCHError):
    code = "stale_revision"
    http_status = 412
    title = "The record changed since you read it"


class RateLimitedError(OpenBCHError):
    code = "rate_limited"
    http_status = 429
    title = "Too many requests"

    def __init__(self, message: str | None = None, *, retry_after: int = 1) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class LoadFailedError(OpenBCHError):
    code = "load_failed"
    http_status = 422
    title = "The load file has errors; nothing was written"
