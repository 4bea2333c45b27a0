"""The search page: results with facets (counts, trees for hierarchical terms), filters kept in the
URL, highlights, paging and export of the current query; and the export download itself.

The page takes the same parameters as ``GET /api/v1/search`` (``q``, ``type``, ``country``, one per
facet, ``date_from``, ``date_to``, ``sort``, ``order``, ``cursor``) and hands them to the same
service. A query that is exactly a record UID or the unique identifier of one LMO goes straight to
that record. Facet links, the sort form and the pager swap the results region with htmx when
JavaScript runs; without it they are ordinary links and GET forms.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, StreamingHttpResponse
from django.urls import reverse
from django.utils.translation import gettext, gettext_lazy

from openbch.core.errors import BadRequestError, NotFoundError
from openbch.identifiers.oecd import is_probably_oecd_uid
from openbch.records.models import Record
from openbch.records.queries import PUBLIC_STATES, find_lmos_by_oecd_uid, get_published, latest_revisions
from openbch.recordtypes import RecordType, record_types
from openbch.search.export import export_stream
from openbch.search.query import facet_catalogue
from openbch.search.service import prepare_export
from openbch.vocabularies import get_vocabulary
from openbch.web.cache import cached_search
from openbch.web.display import Text, country_name, localized, record_url, type_label
from openbch.web.extensions import search_notes, search_panels
from openbch.web.views.common import error_page, is_htmx, page, page_language

__all__ = ["export", "result_views", "search_page"]

#: facets counted when no record type is chosen
DEFAULT_FACETS = ("type", "country", "traits")
#: facets never shown (``government`` is the same as ``country`` for national records)
HIDDEN_FACETS = frozenset({"government"})
#: facets on references counted by the page (small lists: crops, authorities); the others (genes,
#: LMOs…) have hundreds of values, which cost a title lookup each: they are filters in the URL only
REFERENCE_FACETS = frozenset({"recipientOrganisms", "authorities", "targetOrganisms", "organizations", "organization"})
#: values shown before "more", and at most in all
SHOWN_VALUES = 8
MAX_VALUES = 40
#: parameters of the page that the search service does not take
PAGE_ONLY = frozenset({"page"})
#: parameters the page never passes on (the page decides facets and language itself)
DROPPED = frozenset({"facet", "lang", "limit"})
PAGE_SIZE = 20
FORMATS = (("csv", "CSV"), ("xlsx", "XLSX"), ("jsonl", "JSON"))
SORTS = (
    ("relevance", gettext_lazy("Relevance")),
    ("date", gettext_lazy("Date")),
    ("title", gettext_lazy("Title")),
)
_BOLD = re.compile(r"(<b>|</b>)")


@dataclass(frozen=True)
class Fragment:
    text: str
    match: bool


def highlight_fragments(snippet: str) -> list[Fragment]:
    """tantivy's HTML snippet (escaped text, matches in ``<b>``) as plain fragments; the template
    escapes them again, so no markup from a record can ever reach the page."""
    fragments: list[Fragment] = []
    bold = False
    for part in _BOLD.split(snippet):
        if part == "<b>":
            bold = True
        elif part == "</b>":
            bold = False
        elif part:
            fragments.append(Fragment(html.unescape(part), bold))
    return fragments


def result_views(results: Sequence[Mapping[str, Any]], language: str) -> list[dict[str, Any]]:
    """Search hits with their page URL, type label, country and marked title language."""
    types = record_types()
    lmo_ids = [r["identifier"] for r in results if r["type"] == "LMO"]
    lmo_bodies = {}
    if lmo_ids:
        records = Record.objects.filter(identifier__in=lmo_ids, state__in=PUBLIC_STATES)
        lmo_bodies = {p.record.identifier: p for p in latest_revisions(records)}
    notes = search_notes([r["identifier"] for r in results], language)
    shown = []
    for result in results:
        code = result["type"]
        record_type = types.get(code)
        item = lmo_bodies.get(result["identifier"])
        url = record_url(item.record, item.body) if item is not None else _record_path(result["uid"])
        title_language = result.get("title_language")
        shown.append(
            {
                "uid": result["uid"],
                "url": url,
                "type": code,
                "type_label": type_label(record_type, language) if record_type else code,
                "owner": result["owner"],
                "owner_name": country_name(result["owner"], language),
                "title": Text(
                    result["title"] or result["uid"],
                    title_language,
                    bool(title_language) and title_language != language,
                ),
                "date": result.get("date"),
                "fields": _field_views(record_type, result.get("fields") or []),
                "highlights": [highlight_fragments(h) for h in result.get("highlights", [])],
                "notes": notes.get(result["identifier"], []),
            }
        )
    return shown


def _field_views(record_type: RecordType | None, fields: Sequence[Mapping[str, str]]) -> list[dict[str, Any]]:
    """The hit's identifying fields as the API gives them, with what the list shows them as: a date
    as a ``<time>``, a country without its (long) label, which only screen readers then read."""
    views = []
    for hit_field in fields:
        spec = record_type.fields.get(hit_field["name"]) if record_type else None
        views.append(
            {
                **hit_field,
                "is_date": spec is not None and spec.kind == "date",
                "label_hidden": spec is not None and spec.vocabulary == "countries",
            }
        )
    return views


def _record_path(uid: str) -> str:
    return reverse("web:record", args=[uid.rsplit("-", 1)[0]])


# ---------------------------------------------------------------------------------------------
# the query as URL parameters


@dataclass
class Params:
    """The page's query parameters in order, as pairs (repeatable parameters repeat)."""

    pairs: list[tuple[str, str]] = field(default_factory=list)
    #: the pairs without the cursor, encoded once (see ``toggle``)
    _base: str | None = field(default=None, repr=False)

    @classmethod
    def from_request(cls, request: HttpRequest) -> Params:
        pairs = [
            (name, value)
            for name, values in request.GET.lists()
            if name not in DROPPED
            for value in values
            if value.strip()
        ]
        return cls(pairs)

    def service(self, *, paging: bool = True) -> dict[str, list[str]]:
        """The parameters for the search service (without the page's own)."""
        out: dict[str, list[str]] = {}
        for name, value in self.pairs:
            if name in PAGE_ONLY or (not paging and name in ("cursor", "sort", "order")):
                continue
            out.setdefault(name, []).append(value)
        return out

    def get(self, name: str) -> str:
        return next((v for n, v in self.pairs if n == name), "")

    def values(self, name: str) -> list[str]:
        return [v for n, v in self.pairs if n == name]

    def url(self, *, without: Iterable[str] = (), **changes: str | None) -> str:
        """``?…`` of these parameters, leaving out ``without`` (and the cursor), with ``changes`` set."""
        dropped = {"cursor", "page", *without, *changes}
        pairs = [(n, v) for n, v in self.pairs if n not in dropped]
        pairs += [(n, v) for n, v in changes.items() if v]
        return "?" + urlencode(pairs)

    def toggle(self, name: str, value: str) -> str:
        """The URL with the filter ``name=value`` added, or removed when it is there."""
        pairs = [(n, v) for n, v in self.pairs if n not in ("cursor", "page")]
        if (name, value) in pairs:
            pairs.remove((name, value))
            return "?" + urlencode(pairs)
        # adding: the common case, once per facet value shown, so the rest is encoded once
        if self._base is None:
            self._base = urlencode(pairs)
        added = urlencode([(name, value)])
        return f"?{self._base}&{added}" if self._base else f"?{added}"


# ---------------------------------------------------------------------------------------------
# facets


def _facet_names(types: Sequence[str], filtered: Iterable[str] = (), countries: Sequence[str] = ()) -> list[str]:
    """The facets counted: by default a few; for chosen types, theirs (and any facet filtered on)."""
    catalogue = facet_catalogue()
    applicable = catalogue.for_types(types)
    names = list(DEFAULT_FACETS)
    if types:
        wanted = set(types)
        names = ["type"]
        if "country" in applicable and catalogue.facets["country"].types & wanted:
            names.append("country")
        for name, spec in applicable.items():
            # a facet of every chosen type (for one type: all of its facets)
            if name in ("type", "country") or name in HIDDEN_FACETS or not wanted <= spec.types:
                continue
            if spec.kind == "reference" and name not in REFERENCE_FACETS:
                continue
            if name == "authorities" and not countries:
                continue  # a country's authorities are few; the whole world's are not
            names.append(name)
    names += [n for n in filtered if n in applicable and n not in names and n not in HIDDEN_FACETS]
    return names


def _types_of(params: Params) -> list[str]:
    codes = []
    types = record_types()
    for value in params.values("type"):
        for code, record_type in types.items():
            if value.upper() == code or value.lower() == record_type.slug:
                codes.append(code)
    return sorted(set(codes))


def _facet_value_views(
    name: str, values: list[dict[str, Any]], params: Params, chosen: set[str], limit: int
) -> list[dict[str, Any]]:
    """Facet values with their toggle URLs: the ``limit`` first, chosen ones and the narrower terms
    of chosen ones (a drill-down); URLs are made only for the values shown."""

    def is_open(value: dict[str, Any]) -> bool:
        return value["id"] in chosen or any(is_open(c) for c in value["children"] or [])

    out = []
    for index, value in enumerate(values):
        opened = is_open(value)
        if index >= limit and not opened:
            continue
        selected = value["id"] in chosen
        out.append(
            {
                "id": value["id"],
                "label": value["label"],
                "count": value["count"],
                "selected": selected,
                "url": params.toggle(name, value["id"]),
                "children": _facet_value_views(name, value["children"] or [], params, chosen, MAX_VALUES)
                if opened
                else [],
                "open": opened,
            }
        )
    return out


def _facet_views(facets: list[dict[str, Any]], params: Params, language: str) -> list[dict[str, Any]]:
    types = record_types()
    views = []
    for facet in facets:
        if not facet["values"]:
            continue
        spec = facet_catalogue().facets.get(facet["name"])
        if spec is not None and language not in spec.label:
            # a label the definitions lack in this language: the interface catalogue's (labels.py)
            facet["label"] = gettext(spec.label.get("en", facet["label"]))
        if facet["name"] == "type":  # the interface's plural labels, translated in every language
            for value in facet["values"]:
                if value["id"] in types:
                    value["label"] = type_label(types[value["id"]], language, plural=True)
        chosen = set(params.values(facet["name"]))
        if facet["name"] == "country":
            chosen = {v.upper() for v in chosen}
        values = _facet_value_views(facet["name"], facet["values"], params, chosen, MAX_VALUES)
        # chosen values always stay visible; the rest after the first few go under "more"
        first = [v for i, v in enumerate(values) if i < SHOWN_VALUES or v["open"]]
        more = [v for v in values if v not in first]
        views.append({"name": facet["name"], "label": facet["label"], "values": first, "more": more})
    return views


def _active_filters(params: Params, facets: list[dict[str, Any]], language: str) -> list[dict[str, str]]:
    """The filters in force, each with its label and the URL without it."""
    labels: dict[tuple[str, str], str] = {}
    facet_labels: dict[str, str] = {}

    def collect(name: str, values: list[dict[str, Any]]) -> None:
        for value in values:
            labels[(name, value["id"])] = value["label"]
            collect(name, value["children"] or [])

    for facet in facets:
        facet_labels[facet["name"]] = facet["label"]
        collect(facet["name"], facet["values"])
    catalogue = facet_catalogue()
    active = []
    for name, value in params.pairs:
        if name in ("q", "sort", "order", "cursor", "page"):
            continue
        if name == "date_from":
            label, shown = gettext("From"), value
        elif name == "date_to":
            label, shown = gettext("To"), value
        else:
            spec = catalogue.facets.get(name)
            label = facet_labels.get(name) or (spec.label_in(language) if spec else name)
            shown = labels.get((name, value.upper() if name == "country" else value)) or (
                country_name(value, language) if name == "country" else value
            )
        active.append({"label": label, "value": shown, "remove": params.toggle(name, value)})
    return active


# ---------------------------------------------------------------------------------------------
# the views


def _direct_hit(params: Params) -> str | None:
    """The page of the one record a bare query names: a record UID, or one LMO's unique identifier."""
    query = params.get("q").strip()
    if not query or len(params.pairs) != 1:
        return None
    if query.upper().startswith("BCH-"):
        try:
            found = get_published(query)
        except NotFoundError:
            return None
        if len(query.split("-")) == 5:
            return reverse("web:record", args=[found.uid])
        return record_url(found.record, found.body)
    if is_probably_oecd_uid(query):
        lmos = find_lmos_by_oecd_uid(query)
        if len(lmos) == 1:
            item = latest_revisions(lmos)[0]
            return record_url(item.record, item.body)
    return None


def _compact(text: str) -> str:
    return re.sub(r"[\s\-_.×]+", "", text).casefold()


def _named_lmos(query: str, language: str) -> list[dict[str, str]]:
    """The LMOs whose transformation event is the query (``MON810``), first of all results."""
    wanted = _compact(query)
    # event names mix letters and digits (MON810, GA21, T25); plain words never name one
    if " " in query.strip() or not re.search(r"\d", wanted) or not re.search(r"[^\W\d]", wanted):
        return []
    try:
        found = cached_search({"q": [query], "type": ["LMO"], "limit": ["5"]}, language)
    except BadRequestError:
        return []
    identifiers = [r["identifier"] for r in found["results"]]
    records = Record.objects.filter(identifier__in=identifiers, state__in=PUBLIC_STATES)
    shown = []
    for item in latest_revisions(records):
        event = str(item.body.get("transformationEvent") or "")
        if _compact(event) != wanted:
            continue
        name = localized(item.body.get("identity"), language)
        unique = str(item.body.get("uniqueIdentification") or "")
        label = gettext("LMO %(event)s: %(name)s") % {"event": event, "name": name.text if name else unique}
        if unique:
            label += f" ({unique})"
        shown.append({"url": record_url(item.record, item.body), "label": label, "kind": "lmo"})
    return shown


def _suggestions(params: Params, language: str) -> list[dict[str, str]]:
    """Shortcuts when the words name a country or a trait: its profile, or the filter on it."""
    query = params.get("q").strip()
    if not query or len(query) > 60:
        return []
    shown = _named_lmos(query, language)
    country = get_vocabulary("countries").lookup(query)
    if country is not None:
        name = country.label_in(language)
        shown.append(
            {
                "url": reverse("web:country", args=[country.id]),
                "label": gettext("Country profile: %(name)s") % {"name": name},
            }
        )
        if ("country", country.id.upper()) not in params.pairs:
            shown.append(
                {
                    "url": "?" + urlencode([("country", country.id.upper())]),
                    "label": gettext("All records of %(name)s") % {"name": name},
                }
            )
    trait = get_vocabulary("lmo-traits").lookup(query)
    if trait is not None and ("traits", trait.id) not in params.pairs:
        shown.append(
            {
                "url": "?" + urlencode([("traits", trait.id)]),
                "label": gettext("Everything with the trait %(name)s") % {"name": trait.label_in(language)},
            }
        )
    return shown


def search_page(request: HttpRequest) -> HttpResponse:
    language = page_language()
    params = Params.from_request(request)
    target = _direct_hit(params)
    if target is not None:
        return HttpResponseRedirect(target)
    types = _types_of(params)
    service_params = params.service()
    service_params["facet"] = _facet_names(types, [n for n, _ in params.pairs], params.values("country"))
    service_params["limit"] = [str(PAGE_SIZE)]
    context: dict[str, Any] = {
        "params": params,
        "q": params.get("q"),
        # the order in force: the parameter, else relevance with words and date without
        "sort": params.get("sort") or ("relevance" if params.get("q") else "date"),
        "order": params.get("order"),
        "sorts": [(v, label) for v, label in SORTS if v != "relevance" or params.get("q")],
        "hidden": [(n, v) for n, v in params.pairs if n not in ("q", "cursor", "page", "sort", "order")],
        "hidden_for_sort": [(n, v) for n, v in params.pairs if n not in ("cursor", "page", "sort", "order")],
        "date_from": params.get("date_from"),
        "date_to": params.get("date_to"),
        "error": None,
    }
    status = 200
    try:
        found = cached_search(service_params, language)
    except (BadRequestError, NotFoundError) as exc:
        # a malformed query (400) or a page that no longer exists (a stale cursor: 404)
        status = exc.http_status
        context["error"] = exc.message
        found = {"total": 0, "results": [], "facets": [], "next": None}
    page_number = params.get("page")
    page_index = int(page_number) if page_number.isdigit() and 0 < int(page_number) < 10_000 else 1
    context.update(
        {
            "total": found["total"],
            "results": result_views(found["results"], language),
            "facets": _facet_views(found["facets"], params, language),
            "active": _active_filters(params, found["facets"], language) if status == 200 else [],
            "clear_url": params.url(without=[n for n, _ in params.pairs if n != "q"]),
            "next_url": params.url(cursor=found["next"], page=str(page_index + 1)) if found["next"] else None,
            "first_url": params.url() if params.get("cursor") else None,
            "page_index": page_index,
            "first_number": (page_index - 1) * PAGE_SIZE + 1,
            "last_number": (page_index - 1) * PAGE_SIZE + len(found["results"]),
            "exports": _exports(params, language) if status == 200 and found["total"] else [],
            "export_hint": status == 200 and found["total"] > 0,
            "suggestions": _suggestions(params, language),
            "panels": search_panels(params.get("q"), language) if status == 200 and params.get("q") else [],
        }
    )
    template = "web/partials/search_region.html" if is_htmx(request) else "web/search.html"
    return page(request, template, context, status=status)


def _exports(params: Params, language: str) -> list[dict[str, str]]:
    """Download links for the current query (one record type: its columns; several: the common ones)."""
    service_params = params.service(paging=False)
    try:
        plan = prepare_export(service_params, language)
    except BadRequestError:
        return []
    base = reverse("web:export")
    pairs = [(n, v) for n, values in service_params.items() for v in values]
    return [
        {
            "format": fmt,
            "label": label,
            "url": f"{base}?{urlencode([*pairs, ('format', fmt)])}",
            "type_label": type_label(plan.record_type, language, plural=True) if plan.record_type else "",
        }
        for fmt, label in FORMATS
    ]


def export(request: HttpRequest) -> HttpResponse | StreamingHttpResponse:
    """The rows of the current query as CSV, XLSX or JSON Lines, labels in the page language."""
    language = page_language()
    params = {name: values for name, values in request.GET.lists() if name not in DROPPED | PAGE_ONLY}
    try:
        plan = prepare_export(params, language)
    except BadRequestError as exc:
        return error_page(request, 400, exc.message)
    stream = export_stream(plan)
    response = StreamingHttpResponse(stream.chunks, content_type=stream.content_type)
    response["Content-Disposition"] = f'attachment; filename="{stream.filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response
