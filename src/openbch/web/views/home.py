"""The home page: one search box, how many records of each type, the latest decisions."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse

from openbch.recordtypes import record_types
from openbch.web.cache import cached_search
from openbch.web.display import country_name, country_url, type_label
from openbch.web.views.common import page, page_language
from openbch.web.views.search import result_views

__all__ = ["home"]

#: how many of the latest decisions the home page lists
LATEST = 8
#: countries listed with their number of decisions (the countries page lists them all)
TOP_COUNTRIES = 12


def _node_country(language: str) -> dict[str, Any] | None:
    """On a national node, its country (the page leads with it and its latest decisions); else None."""
    from openbch.federation.models import Node

    node = Node.objects.first()
    if node is None:
        return None
    own = cached_search({"type": ["DEC"], "country": [node.country.lower()], "limit": [str(LATEST)]}, language)
    return {
        "code": node.country,
        "name": country_name(node.country.lower(), language),
        "url": country_url(node.country.lower()),
        "latest": result_views(own["results"], language),
        "total": own["total"],
    }


def home(request: HttpRequest) -> HttpResponse:
    language = page_language()
    node_country = _node_country(language)
    # one search answers both: the latest decisions (date order) and, from the type facet — which
    # leaves out its own filter — the number of records of every type
    found = cached_search({"type": ["DEC"], "facet": ["type", "country"], "limit": [str(LATEST)]}, language)
    counts = {value["id"]: value["count"] for value in found["facets"][0]["values"]}
    types = record_types()
    by_type: list[dict[str, Any]] = [
        {"code": code, "label": type_label(types[code], language, plural=True), "count": counts.get(code, 0)}
        for code in sorted(types, key=lambda c: -counts.get(c, 0))
        if code in counts
    ]
    countries = [
        {"url": country_url(value["id"]), "name": country_name(value["id"], language), "count": value["count"]}
        for value in found["facets"][1]["values"][:TOP_COUNTRIES]
    ]
    if node_country:  # a node lists its own country first
        mine = [c for c in countries if c["url"] == node_country["url"]]
        countries = mine + [c for c in countries if c["url"] != node_country["url"]]
    return page(
        request,
        "web/home.html",
        {
            "by_type": by_type,
            "total": sum(counts.values()),
            "latest": result_views(found["results"], language),
            "decision_countries": countries,
            "more_countries": len(found["facets"][1]["values"]) > TOP_COUNTRIES,
            "node_country": node_country,
        },
    )
