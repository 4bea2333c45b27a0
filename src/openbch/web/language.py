"""The page language for the site; the API negotiates its own (``?lang=``, then Accept-Language).

Django's LocaleMiddleware chose a language for every request, the API's included, where nothing
used it: API answers pick their language in :mod:`openbch.api.language` and say which in
``Content-Language``. Skipping it there saves a tenth of a record read, and no longer labels a
``?lang=fr`` answer ``Content-Language: en``.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponseBase
from django.middleware.locale import LocaleMiddleware
from django.utils import translation

__all__ = ["PageLanguageMiddleware"]


class PageLanguageMiddleware(LocaleMiddleware):
    def process_request(self, request: HttpRequest) -> None:
        if request.path_info.startswith("/api/"):
            # no language left active by this thread's previous request: the default, always
            translation.deactivate()
            return
        super().process_request(request)

    def process_response(self, request: HttpRequest, response: HttpResponseBase) -> HttpResponseBase:
        if request.path_info.startswith("/api/"):
            return response
        return super().process_response(request, response)
