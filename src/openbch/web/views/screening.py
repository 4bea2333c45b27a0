"""Screening support for detection laboratories: which LMOs explain a sample's screening results?

The page is a GET form with the API's own parameters (``positive=P-35S&negative=bar&country=CA``),
so a result can be bookmarked, shared or opened as JSON at ``/api/v1/screening`` with the same
query. The answer comes from :func:`openbch.interop.screening.screen`, as the API's does.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils.http import urlencode
from django.utils.translation import gettext

from openbch.core.errors import BadRequestError, Issue, NotFoundError
from openbch.identifiers.record_uid import parse_record_uid
from openbch.interop.screening import MAX_ELEMENTS, screen
from openbch.vocabularies import get_vocabulary
from openbch.web.display import country_name, page_url, safe_link
from openbch.web.views.common import page, page_language

__all__ = ["screening_page"]

#: the screening targets most laboratories test first (the EU's common screening elements and
#: the genes of the herbicide-tolerance and insect-resistance traits), offered as rows of the form
COMMON_TARGETS = (
    "P-35S",
    "T-nos",
    "P-FMV",
    "T-35S",
    "bar",
    "pat",
    "cp4 epsps",
    "nptII",
    "hpt",
    "cry1Ab",
    "cry1Ac",
    "cry1F",
    "cry2Ab2",
    "cry3Bb1",
    "vip3Aa20",
)
MAX_NAME = 80


def _names(request: HttpRequest, key: str) -> list[str]:
    """The element names of one kind: ticked rows, then the free-text field (comma-separated)."""
    names = [n.strip() for n in request.GET.getlist(key) if n.strip()]
    for text in request.GET.getlist(f"{key}_other"):
        names += [n.strip() for n in text.replace(";", ",").split(",") if n.strip()]
    return list(dict.fromkeys(names))  # once each, in the order given


def _check(positive: Sequence[str], negative: Sequence[str], country: str) -> list[Issue]:
    issues = [
        Issue(f"/{kind}", "too_long", gettext("an element name has at most %(n)d characters") % {"n": MAX_NAME})
        for kind, names in (("positive", positive), ("negative", negative))
        if any(len(n) > MAX_NAME for n in names)
    ]
    if not positive:
        issues.append(Issue("/positive", "required", gettext("mark at least one positive assay")))
    both = sorted(set(positive) & set(negative))
    if both:
        issues.append(
            Issue(
                "/negative",
                "contradiction",
                gettext("marked both positive and negative: %(names)s") % {"names": ", ".join(both)},
            )
        )
    if len(positive) + len(negative) > MAX_ELEMENTS:
        issues.append(Issue("/positive", "too_many", gettext("at most %(n)d elements") % {"n": MAX_ELEMENTS}))
    if country and country.lower() not in get_vocabulary("countries"):
        issues.append(Issue("/country", "unknown_country", gettext("no country with the code %(c)s") % {"c": country}))
    return issues


def _record_link(uid: str | None) -> str | None:
    if not uid:
        return None
    try:
        parsed = parse_record_uid(uid)
    except ValueError:
        return None
    return page_url("web:record", f"BCH-{parsed.type}-{parsed.owner}-{parsed.number}")


def _entry(item: Mapping[str, Any]) -> dict[str, Any]:
    """One LMO of the answer, with the links its row shows."""
    unique = str(item.get("unique_identifier") or "")
    lmo_url = page_url("web:lmo", unique) if unique and "/" not in unique else _record_link(item.get("uid"))
    authorisation = item.get("authorisation")
    decisions = []
    if authorisation:
        for decision in authorisation["decisions"]:
            decisions.append({**decision, "url": _record_link(decision["uid"])})
    methods = [
        {
            **method,
            "record_url": _record_link(method.get("record")),
            "external_url": safe_link(method.get("url")),
        }
        for method in item.get("confirmation_methods") or []
    ]
    return {
        "name": item.get("name") or unique or item.get("uid"),
        "unique_identifier": unique,
        "url": lmo_url,
        "evidence": item.get("evidence") or {},
        "not_known": item.get("not_known") or [],
        "uncertain": item.get("uncertain") or [],
        "status": authorisation["status"] if authorisation else None,
        "decisions": decisions,
        "methods": methods,
    }


def screening_page(request: HttpRequest) -> HttpResponse:
    language = page_language()
    positive = _names(request, "positive")
    negative = _names(request, "negative")
    country = request.GET.get("country", "").strip().upper()[:2]
    include_partial = request.GET.get("partial", "1") != "0"
    issues: list[Issue] = []
    answer: dict[str, Any] | None = None
    status = 200
    asked = bool(positive or negative or request.GET.get("submitted"))
    if asked:
        issues = _check(positive, negative, country)
        if not issues:
            try:
                answer = screen(
                    positive=positive,
                    negative=negative,
                    country=country or None,
                    include_partial=include_partial,
                )
            except (BadRequestError, NotFoundError) as exc:
                issues = list(exc.issues) or [Issue("/positive", exc.code, str(exc))]
        if issues:
            status = 400
    ticked = {"positive": set(positive), "negative": set(negative)}
    targets = [
        {"name": name, "positive": name in ticked["positive"], "negative": name in ticked["negative"]}
        for name in COMMON_TARGETS
    ]
    other = {
        kind: [n for n in names if n not in COMMON_TARGETS]
        for kind, names in (("positive", positive), ("negative", negative))
    }
    countries = sorted(
        ({"code": t.id.upper(), "name": t.label_in(language)} for t in get_vocabulary("countries")),
        key=lambda c: c["name"].casefold(),
    )
    api_query = urlencode(
        [("positive", n) for n in positive]
        + [("negative", n) for n in negative]
        + ([("country", country)] if country else [])
        + ([] if include_partial else [("include_partial", "false")]),
    )
    context = {
        "nav": "screening",
        "language": language,
        "targets": targets,
        "other_positive": ", ".join(other["positive"]),
        "other_negative": ", ".join(other["negative"]),
        "country": country,
        "country_name": country_name(country, language) if country and not issues else "",
        "countries": countries,
        "include_partial": include_partial,
        "issues": [{"field": i.path.strip("/").split("/")[0], "message": i.message} for i in issues],
        "asked": asked,
        "answer": answer,
        "consistent": [_entry(e) for e in answer["consistent"]] if answer else [],
        "partial": [_entry(e) for e in answer["partial"]] if answer else [],
        "api_url": f"/api/v1/screening?{api_query}" if answer else "",
    }
    return page(request, "web/screening.html", context, status=status)
