"""Country profiles: the competent national authorities, focal points, laws and decisions of a country,
and the sections other apps add (:func:`openbch.web.extensions.country_sections`)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse

from openbch.records.models import Record, RecordState
from openbch.records.queries import PublishedRecord, latest_revisions
from openbch.recordtypes import get_record_type, record_types
from openbch.vocabularies import get_vocabulary
from openbch.web.cache import cached_search
from openbch.web.display import country_name, country_url, localized, record_url, term_text, type_label
from openbch.web.extensions import country_sections
from openbch.web.views.common import error_page, page, page_language
from openbch.web.views.search import result_views

__all__ = ["countries_page", "country_page"]

LATEST_DECISIONS = 10
#: records listed in full on the profile (a country has a handful of each)
LISTED = 200


def _records(code: str, record_type: str) -> list[PublishedRecord]:
    records = Record.objects.filter(owner=code, type=record_type, state=RecordState.PUBLISHED).order_by("number")
    return latest_revisions(records[:LISTED])


def _texts(vocabulary: str, value: Any, language: str) -> list[Any]:
    items = value if isinstance(value, list) else [value] if value else []
    return [t for t in (term_text(vocabulary, i, language) for i in items) if t is not None]


def _authority(item: PublishedRecord, language: str) -> dict[str, Any]:
    body = item.body
    return {
        "url": record_url(item.record, body),
        "name": localized(body.get("name"), language),
        "acronym": body.get("acronym") or "",
        "city": localized(body.get("city"), language),
        "responsibilities": localized(body.get("responsibilities"), language),
        "functions": _texts("subject-areas", body.get("functions"), language),
        "emails": [e for e in body.get("emails") or [] if isinstance(e, str)],
        "phones": [p for p in body.get("phones") or [] if isinstance(p, str)],
    }


def _focal_point(item: PublishedRecord, language: str) -> dict[str, Any]:
    body = item.body
    names = [body.get("firstName"), body.get("lastName")]
    return {
        "url": record_url(item.record, body),
        "name": " ".join(n for n in names if isinstance(n, str) and n),
        "title": localized(body.get("title"), language),
        "organization": localized(body.get("organization"), language),
        "categories": _texts("focal-point-categories", body.get("categories"), language),
        "emails": [e for e in body.get("emails") or [] if isinstance(e, str)],
    }


def _law(item: PublishedRecord, language: str) -> dict[str, Any]:
    body = item.body
    record_type = get_record_type("LAW")
    return {
        "url": record_url(item.record, body),
        "title": localized(body.get("title"), language) or record_type.title(body, language),
        "type": (_texts("law-types", body.get("type"), language) or [None])[0],
        "entry_into_force": body.get("entryIntoForce") or "",
    }


def country_page(request: HttpRequest, code: str) -> HttpResponse:
    language = page_language()
    if code.lower() not in get_vocabulary("countries") or code != code.lower():
        if code.lower() in get_vocabulary("countries"):
            return HttpResponseRedirect(reverse("web:country", args=[code.lower()]))
        return error_page(request, 404, f"unknown country code {code[:8]!r}")
    owner = code.upper()
    found = cached_search(
        {"country": [owner], "type": ["DEC"], "facet": ["type", "decisionTypes"], "limit": [str(LATEST_DECISIONS)]},
        language,
    )
    counts = {v["id"]: v["count"] for v in found["facets"][0]["values"]}
    types = record_types()
    by_type = [
        {"code": c, "label": type_label(types[c], language, plural=True), "count": n}
        for c, n in sorted(counts.items(), key=lambda kv: -kv[1])
        if c in types
    ]
    decision_types = [{"id": v["id"], "label": v["label"], "count": v["count"]} for v in found["facets"][1]["values"]]
    return page(
        request,
        "web/country.html",
        {
            "code": owner,
            "slug": code,
            "name": country_name(owner, language),
            "by_type": by_type,
            "authorities": [_authority(i, language) for i in _records(owner, "CNA")],
            "focal_points": [_focal_point(i, language) for i in _records(owner, "NFP")],
            "laws": [_law(i, language) for i in _records(owner, "LAW")],
            "decisions": result_views(found["results"], language),
            "decision_total": counts.get("DEC", 0),
            "decision_types": decision_types,
            # e.g. the country's comment periods on pending decisions (openbch.participation.pages)
            "sections": country_sections(owner, language),
            "nav": "countries",
        },
    )


def countries_page(request: HttpRequest) -> HttpResponse:
    language = page_language()
    found = cached_search({"facet": ["country"], "limit": ["1"]}, language)
    countries = sorted(
        (
            {"url": country_url(v["id"]), "name": country_name(v["id"], language), "count": v["count"]}
            for v in found["facets"][0]["values"]
        ),
        key=lambda c: c["name"].casefold(),
    )
    everyone = sorted(
        ({"url": country_url(t.id), "name": t.label_in(language)} for t in get_vocabulary("countries")),
        key=lambda c: c["name"].casefold(),
    )
    own = _node_country()
    if own:  # a national node lists its own country first
        url = country_url(own)
        countries = [c for c in countries if c["url"] == url] + [c for c in countries if c["url"] != url]
    context = {
        "countries": countries,
        "everyone": everyone,
        "nav": "countries",
        "own_url": country_url(own) if own else "",
    }
    return page(request, "web/countries.html", context)


def _node_country() -> str:
    """On a national node, its country's code (lower case); else ""."""
    from openbch.federation.models import Node

    node = Node.objects.first()
    return node.country.lower() if node is not None else ""
