"""What every page view shares: the page language, error pages, the htmx partial switch."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.cache import patch_vary_headers

from openbch.web.display import page_language

__all__ = ["error_page", "is_htmx", "page", "page_language"]


def is_htmx(request: HttpRequest) -> bool:
    """An htmx request asking for a region of the page (never a boosted full page or a history restore)."""
    return (
        request.headers.get("HX-Request") == "true"
        and request.headers.get("HX-History-Restore-Request") != "true"
        and request.headers.get("HX-Boosted") != "true"
    )


def page(request: HttpRequest, template: str, context: dict[str, Any], *, status: int = 200) -> HttpResponse:
    response = render(request, template, context, status=status)
    # the same URL answers a full page or an htmx region: caches must keep them apart
    patch_vary_headers(response, ("HX-Request",))
    return response


def error_page(request: HttpRequest, status: int, message: str) -> HttpResponse:
    """An HTML error page (404 for a record that does not exist, 400 for a malformed address)."""
    return render(
        request, "web/error.html", {"status": status, "message": message, "language": page_language()}, status=status
    )
