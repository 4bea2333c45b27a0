"""HTTP conventions shared by every API route: ETags, CORS for reads, rate limits, request ids.

Rate limits: a fixed window per client IP on every API request, plus one per API key when a
request carries one (``Authorization: Bearer …`` or ``X-API-Key``). Counters live in Django's
cache: per process by default; set ``OPENBCH_CACHE_URL=redis://127.0.0.1:6379/1`` to share them
between server processes.
"""

from __future__ import annotations

import hashlib
import time
import uuid
from collections.abc import Callable, Mapping
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.utils.cache import patch_vary_headers

from openbch.api.errors import problem_response
from openbch.api.language import LANGUAGE_KEY
from openbch.core.cache import take
from openbch.core.jsonbytes import compact_json

__all__ = ["ApiConventionsMiddleware", "etag_matches", "json_bytes_response", "json_response", "not_modified"]

READ_METHODS = frozenset({"GET", "HEAD"})
CORS_HEADERS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Expose-Headers": "ETag, Retry-After, X-Request-Id, X-RateLimit-Limit, X-RateLimit-Remaining",
}


def etag_matches(request: HttpRequest, etag: str) -> bool:
    """True when the client's If-None-Match names ``etag`` (weak comparison, as RFC 9110 says for GET)."""
    header = request.headers.get("If-None-Match", "")
    if not header:
        return False
    if header.strip() == "*":
        return True
    bare = etag.removeprefix("W/")
    return any(candidate.strip().removeprefix("W/") == bare for candidate in header.split(","))


def not_modified(etag: str) -> HttpResponse:
    response = HttpResponse(status=304)
    response["ETag"] = etag
    return response


def json_response(data: Mapping[str, Any]) -> HttpResponse:
    """A 200 answer serialized once, bypassing django-ninja's validation of the response.

    For the hottest reads (a search page, a record by UID) that validation cost as much as the
    query itself. The routes still declare their response schema for the spec, the payload comes
    from our own services in that shape, and the schemathesis tests hold every response to the spec.
    """
    return json_bytes_response(compact_json(data))


def json_bytes_response(body: bytes) -> HttpResponse:
    """A 200 answer of JSON already serialized (a kept search page)."""
    return HttpResponse(body, content_type="application/json; charset=utf-8")


def _client_ip(request: HttpRequest) -> str:
    return str(request.META.get("REMOTE_ADDR", "") or "unknown")


def _api_key(request: HttpRequest) -> str | None:
    header = request.headers.get("Authorization", "")
    token = header[7:].strip() if header.lower().startswith("bearer ") else request.headers.get("X-API-Key", "")
    if not token:
        return None
    return hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()[:32]


def _hit(bucket: str, limit: int, window: int) -> tuple[bool, int, int]:
    """Count one request in ``bucket``; (allowed, remaining, seconds until the window resets)."""
    now = int(time.time())
    start = now - now % window
    allowed, count = take(f"openbch:rl:{bucket}:{start}", limit, window + 5)
    return allowed, max(0, limit - count), start + window - now


class ApiConventionsMiddleware:
    """Applies to ``/api/`` paths only; the rest of the site has its own rules."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        if not request.path.startswith("/api/"):
            return self.get_response(request)
        request_id = uuid.uuid4().hex
        request.META["OPENBCH_REQUEST_ID"] = request_id
        if request.method == "OPTIONS":
            response: HttpResponseBase = HttpResponse(status=204)
            response["Access-Control-Allow-Methods"] = "GET, HEAD, OPTIONS"
            response["Access-Control-Allow-Headers"] = (
                "Accept, Accept-Language, If-None-Match, Authorization, X-API-Key"
            )
            response["Access-Control-Max-Age"] = "86400"
        else:
            response = self._limited(request) or self.get_response(request)
        if request.method in READ_METHODS or request.method == "OPTIONS":
            for name, value in CORS_HEADERS.items():
                response[name] = value
        if request.method in READ_METHODS:
            # answers may be in the language Accept-Language asked for: a shared cache must know
            patch_vary_headers(response, ("Accept-Language",))
            language = request.META.get(LANGUAGE_KEY)
            if language and response.status_code == 200:
                response["Content-Language"] = language
        response["X-Request-Id"] = request_id
        return response

    def _limited(self, request: HttpRequest) -> HttpResponse | None:
        window = int(settings.OPENBCH_RATE_LIMIT_WINDOW)
        checks = [(f"ip:{_client_ip(request)}", int(settings.OPENBCH_RATE_LIMIT_PER_IP))]
        key = _api_key(request)
        if key:
            checks.append((f"key:{key}", int(settings.OPENBCH_RATE_LIMIT_PER_KEY)))
        for bucket, limit in checks:
            allowed, _, reset = _hit(bucket, limit, window)
            if not allowed:
                response = problem_response(
                    429,
                    "rate_limited",
                    "Too many requests",
                    f"more than {limit} requests in {window} s from this {bucket.split(':')[0]}; retry later",
                )
                response["Retry-After"] = str(max(1, reset))
                return response
        return None
