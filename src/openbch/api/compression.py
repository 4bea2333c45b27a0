"""gzip for the API's answers, for clients that ask for it (``Accept-Encoding: gzip``).

A national node mirrors central through the change feed, often over a slow or metered line: the
feed's JSON shrinks about tenfold. Django's own ``GZipMiddleware`` does the work (and pads its
output with random bytes against BREACH); it is limited to ``/api/`` because API answers carry no
secret (tokens travel in headers), while HTML pages, whose compression a proxy may decide, are
left as they are.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponseBase
from django.middleware.gzip import GZipMiddleware

__all__ = ["ApiGZipMiddleware"]


class ApiGZipMiddleware(GZipMiddleware):
    def process_response(self, request: HttpRequest, response: HttpResponseBase) -> HttpResponseBase:
        if not request.path.startswith("/api/"):
            return response
        return super().process_response(request, response)
