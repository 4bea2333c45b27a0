"""The site's 404 and 500 handlers: an HTML page for the web pages, the API's problem body under ``/api/``.

``urls.py`` names them (``handler404 = "openbch.web.views.errors.not_found"``, likewise ``server_error``).
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from openbch.api.errors import not_found_view, server_error_view

__all__ = ["not_found", "server_error"]


def _is_api(request: HttpRequest) -> bool:
    return request.path.startswith("/api/") or "application/json" in request.headers.get("Accept", "")


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if _is_api(request):
        return not_found_view(request, exception)
    return render(request, "web/error.html", {"status": 404, "message": ""}, status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    if _is_api(request):
        return server_error_view(request)
    # no template context processors or database here: the failure may be theirs
    return render(request, "web/server_error.html", {}, status=500)
