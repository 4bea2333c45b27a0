"""Security headers on every HTML (and SVG) response: CSP, nosniff, Referrer-Policy, framing, HSTS.

The policy allows scripts, styles, images and fonts from this site only: no inline script or style,
no ``eval``, no framing, no plugins, forms posting only here. The pages are written for it: all
script lives in static files (htmx is vendored, with SRI), all styling in one stylesheet.

Put the middleware first in ``MIDDLEWARE`` so that it also sees the responses other middleware
makes (redirects, CSRF failures, error pages). JSON responses are left to the API's conventions.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponseBase

__all__ = ["CONTENT_SECURITY_POLICY", "SVG_POLICY", "SecurityHeadersMiddleware", "security_headers"]

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self'",
        "font-src 'self'",
        "connect-src 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
        "object-src 'none'",
    ]
)
#: an SVG opened on its own is a document too: it may run nothing at all
SVG_POLICY = "default-src 'none'; style-src 'none'; frame-ancestors 'none'"
PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=()"
HSTS = "max-age=31536000; includeSubDomains"


def security_headers(request: HttpRequest, response: HttpResponseBase) -> HttpResponseBase:
    content_type = response.get("Content-Type", "").split(";")[0].strip().lower()
    if content_type not in ("text/html", "image/svg+xml"):
        return response
    policy = SVG_POLICY if content_type == "image/svg+xml" else CONTENT_SECURITY_POLICY
    response["Content-Security-Policy"] = policy
    response["X-Content-Type-Options"] = "nosniff"
    response["X-Frame-Options"] = "DENY"
    response["Permissions-Policy"] = PERMISSIONS_POLICY
    if "Referrer-Policy" not in response:
        response["Referrer-Policy"] = "same-origin"
    if request.is_secure():
        response["Strict-Transport-Security"] = HSTS
    return response


class SecurityHeadersMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        return security_headers(request, self.get_response(request))
