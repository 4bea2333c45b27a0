"""Which language a client asked for: ``?lang=`` first, then ``Accept-Language``, else English.

The choice is noted on the request, so that the API's conventions can say it in the answer's
``Content-Language`` (:mod:`openbch.api.conventions`).
"""

from __future__ import annotations

from django.http import HttpRequest

from openbch.core.errors import BadRequestError
from openbch.core.multilingual import UN_LANGUAGES, is_language_code

__all__ = ["LANGUAGE_KEY", "requested_language"]


LANGUAGE_KEY = "OPENBCH_LANGUAGE"


def requested_language(request: HttpRequest, lang: str | None) -> str:
    chosen = _choose(request, lang)
    request.META[LANGUAGE_KEY] = chosen
    return chosen


def _choose(request: HttpRequest, lang: str | None) -> str:
    if lang:
        if not is_language_code(lang):
            raise BadRequestError(f"lang {lang[:20]!r} is not an ISO 639 language code")
        return lang
    header = request.headers.get("Accept-Language", "")
    ranked = []
    for index, part in enumerate(header.split(",")[:20]):
        code, _, params = part.strip().partition(";")
        weight = 1.0
        if params.strip().startswith("q="):
            try:
                weight = float(params.strip()[2:])
            except ValueError:
                weight = 0.0
        base = code.strip().lower().split("-")[0]
        if base in UN_LANGUAGES:
            ranked.append((-weight, index, base))
    return min(ranked)[2] if ranked else "en"
