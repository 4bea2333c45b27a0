"""Response schemas of the public API (documented in the OpenAPI spec)."""

from __future__ import annotations

from typing import Any

from ninja import Schema

__all__ = ["ApiRoot", "OecdUidCheckOut", "Problem", "ProblemIssue"]


class ProblemIssue(Schema):
    path: str
    code: str
    message: str


class Problem(Schema):
    """RFC 9457 problem details."""

    type: str
    title: str
    status: int
    detail: str
    code: str
    errors: list[ProblemIssue] | None = None


class OecdUidCheckOut(Schema):
    input: str
    canonical: str | None
    compact: str
    format_ok: bool
    check_digit_ok: bool | None
    components: list[dict[str, Any]]
    warnings: list[str]


class ApiRoot(Schema):
    api_feature_level: int
    version: str
    links: dict[str, str]
