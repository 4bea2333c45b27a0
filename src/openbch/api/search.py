"""Search and bulk export: ``GET /api/v1/search`` and ``GET /api/v1/export``.

The query parameters are declared here (one per facet of the record-type definitions, so the spec
lists every filter) and validated by ninja; the service then validates them again against the
record types in force and the vocabularies (:func:`openbch.search.query.parse_params`), so that a
type registered at run time is searchable too.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Annotated, Any, Literal

from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from ninja import Field, Query, Router, Schema
from pydantic import create_model

from openbch.api.conventions import json_bytes_response
from openbch.api.language import requested_language
from openbch.api.params import LANGUAGE_PATTERN
from openbch.api.schemas import Problem
from openbch.recordtypes import record_types
from openbch.search.answers import search_json
from openbch.search.export import CONTENT_TYPES, export_stream
from openbch.search.query import (
    EXPORT_FORMATS,
    MAX_CURSOR_LENGTH,
    MAX_LIMIT,
    MAX_QUERY_LENGTH,
    REFERENCE_PATTERN,
    facet_catalogue,
    facet_filter_names,
)
from openbch.search.service import prepare_export
from openbch.vocabularies import get_vocabulary

__all__ = ["ExportParams", "FacetOut", "FacetValue", "HitField", "SearchHit", "SearchOut", "SearchParams", "router"]

router = Router(tags=["search"])
ERRORS: dict[int, Any] = {400: Problem, 429: Problem}
SEARCH_ERRORS: dict[int, Any] = {400: Problem, 404: Problem, 429: Problem}


class HitField(Schema):
    name: str = Field(description="the field's name in the record body (`uniqueIdentification`, `date`…)")
    label: str = Field(description="the field's label in the requested language")
    value: str = Field(
        description="as shown: a term's label and a multilingual text in the requested language, "
        "a date as YYYY-MM-DD, several values joined with `; `"
    )


class SearchHit(Schema):
    uid: str = Field(description="record UID with its latest revision")
    identifier: str
    type: str
    owner: str
    title: str = Field(description="in the requested language, else English, else the first language present")
    title_language: str | None = Field(description="the language of `title`; null for a language-neutral title")
    unique_identifier: str | None = Field(
        description="an LMO's OECD unique identifier as registered (`MON-ØØ81Ø-6`); null for other types"
    )
    country: str | None = Field(
        description="ISO 3166-1 alpha-2 code of the country a national record belongs to; null for reference records"
    )
    date: str | None = Field(
        description="the record's own date as its source gives it (a decision's date, a law's entry into force), "
        "YYYY-MM-DD; null when its type has no date or the record gives none (never the date it was loaded)"
    )
    fields: list[HitField] = Field(
        description="the fields that identify a record of its type (the record-type definition's `hit_fields`: "
        "a decision's country, date and reference number, an LMO's unique identifier…), those with a value"
    )
    score: float | None = Field(description="relevance (BM25) when sorted by relevance, else null")
    highlights: list[str] = Field(description="fragments matching the free text, HTML-escaped, matches in `<b>…</b>`")


class FacetValue(Schema):
    id: str
    label: str
    count: int
    children: list[FacetValue] | None = Field(None, description="narrower terms (hierarchical vocabularies)")


FacetValue.model_rebuild()


class FacetOut(Schema):
    name: str
    label: str
    values: list[FacetValue]


class SearchOut(Schema):
    total: int = Field(description="records matching (of those published when the first page was asked for)")
    results: list[SearchHit]
    facets: list[FacetOut]
    next: str | None = Field(description="opaque cursor of the next page (pass as `cursor=`); null on the last page")


def _one_of(values: Iterable[str]) -> Any:
    """A parameter type accepting exactly these values (an enum in the spec)."""
    return Literal[tuple(dict.fromkeys(values))]


def _many(item: Any) -> Any:
    """A repeatable, optional parameter of ``item`` values."""
    return list[item] | None


def _record_types() -> Any:
    return _one_of(v for code, rt in sorted(record_types().items()) for v in (code, rt.slug))


def _countries() -> Any:
    return _one_of(t.id.upper() for t in get_vocabulary("countries"))


Reference = Annotated[str, Field(pattern=REFERENCE_PATTERN, max_length=64)]

_COMMON: dict[str, Any] = {
    "q": (
        str | None,
        Field(
            None,
            max_length=MAX_QUERY_LENGTH,
            pattern=r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*$",  # no control characters
            description=(
                'free text in any language (tantivy syntax: words are ANDed, `"a phrase"`, `OR`, `-word`, '
                "`title:word`, `word^2`); an OECD unique identifier in any spelling, a record UID or identifier "
                "finds that record first. A query that is not valid syntax is a 400."
            ),
        ),
    ),
    "type": (
        _many(_record_types()),
        Field(None, description="record type code (`LMO`, `DEC`…) or slug; repeatable"),
    ),
    "country": (
        _many(_countries()),
        Field(None, description="ISO 3166-1 alpha-2 country: the owner of national records; repeatable"),
    ),
    "lang": (
        str | None,
        Field(None, pattern=LANGUAGE_PATTERN, max_length=20, description="language of titles and labels"),
    ),
    "date_from": (dt.date | None, Field(None, description="the record's date on or after (YYYY-MM-DD)")),
    "date_to": (dt.date | None, Field(None, description="the record's date on or before (YYYY-MM-DD)")),
}


def _facet_fields() -> dict[str, Any]:
    """One repeatable filter per facet of the record types: any of its values matches."""
    catalogue = facet_catalogue()
    fields: dict[str, Any] = {}
    for name in facet_filter_names():
        spec = catalogue.facets[name]
        types = ", ".join(sorted(spec.types))
        label = spec.label_in("en")
        if spec.kind == "term" and spec.vocabulary:
            item: Any = _one_of([*(t.id for t in get_vocabulary(spec.vocabulary)), "other"])
            hint = f"a term of {spec.vocabulary}; a broader term matches its narrower terms"
        elif spec.kind == "boolean":
            # one value (both would match everything); a list of booleans is also fuzzed ambiguously
            fields[name] = (bool | None, Field(None, description=f"{label}: true or false (a facet of {types})"))
            continue
        else:
            item = Reference
            hint = "a record identifier, record UID or, for LMOs, OECD unique identifier"
        description = f"{label}: {hint} (a facet of {types}); repeatable: any of them"
        fields[name] = (_many(item), Field(None, description=description))
    return fields


_SEARCH_ONLY: dict[str, Any] = {
    "facet": (
        _many(_one_of(facet_catalogue().facets)),
        Field(None, description="facets to count: `type`, `country` or a filter's name; repeatable"),
    ),
    "sort": (
        Literal["relevance", "date", "title"] | None,
        Field(
            None,
            description="default: relevance with q, else date (the record's own date, newest first; "
            "a record without one by its first publication on this clearing-house)",
        ),
    ),
    "order": (Literal["asc", "desc"] | None, Field(None, description="default: desc; title: asc")),
    "limit": (int, Field(20, ge=1, le=MAX_LIMIT)),
    "cursor": (
        str | None,
        Field(
            None,
            pattern=r"^[A-Za-z0-9_.:-]+$",
            max_length=MAX_CURSOR_LENGTH,
            description="`next` of the previous page; 404 when it names no page of this query",
        ),
    ),
}
_EXPORT_ONLY: dict[str, Any] = {
    "format": (Literal["csv", "jsonl", "xlsx"], Field("csv", description="csv, jsonl or xlsx")),
}
assert set(EXPORT_FORMATS) == {"csv", "jsonl", "xlsx"}

# the parameter models are built from the record-type definitions and vocabularies
SearchParams: Any = create_model("SearchParams", __base__=Schema, **_COMMON, **_SEARCH_ONLY, **_facet_fields())
ExportParams: Any = create_model(
    "ExportParams",
    __base__=Schema,
    **{
        **_COMMON,
        "type": (
            _record_types() | None,
            Field(None, description="the type whose columns are exported; default: that of the filters, else any"),
        ),
    },
    **_EXPORT_ONLY,
    **_facet_fields(),
)


@router.get(
    "/search",
    response={200: SearchOut, **SEARCH_ERRORS},
    summary="Search published records: free text, filters, facets, cursor pagination",
)
def search_records(request: HttpRequest, params: Query[SearchParams]) -> HttpResponse:
    """Free text over titles, names, descriptions and identifiers in any of the six UN languages,
    filtered by record type, country, date and any facet of the record types (a decision's facets
    include the traits, crops — `recipientOrganisms` — and `genes` of the LMOs it covers; a broader
    term matches its narrower terms). Facets come back with counts, as a tree for hierarchical
    vocabularies. Pages follow `next`: a walk sees the records published when it began, each once."""
    language = requested_language(request, request.GET.get("lang"))
    return json_bytes_response(search_json(dict(request.GET.lists()), language))


_EXPORT_RESPONSES = {
    "responses": {
        200: {
            "description": "the rows, streamed: a header row (uid, owner, revision, then the type's export columns)",
            "content": {
                CONTENT_TYPES["csv"].split(";")[0]: {"schema": {"type": "string"}},
                CONTENT_TYPES["jsonl"].split(";")[0]: {"schema": {"type": "string"}},
                CONTENT_TYPES["xlsx"]: {"schema": {"type": "string", "format": "binary"}},
            },
        }
    }
}


@router.get(
    "/export",
    response=ERRORS,
    summary="Bulk export of search results (CSV, JSON Lines, XLSX)",
    openapi_extra=_EXPORT_RESPONSES,
)
def export_records(request: HttpRequest, params: Query[ExportParams]) -> StreamingHttpResponse:
    """Every record matching the same filters as the search, one row each, streamed in any size.
    Columns: uid, owner, revision, then the `export` columns of the record type — `type`, else the
    one type the filters belong to; without either, records of every type with uid, owner, revision,
    type, title and date. Labels (terms,
    multilingual text, referenced records' titles) are in the requested language; several values
    in one cell are joined with `; ` (lists in JSON Lines)."""
    language = requested_language(request, request.GET.get("lang"))
    plan = prepare_export(dict(request.GET.lists()), language)
    stream = export_stream(plan)
    response = StreamingHttpResponse(stream.chunks, content_type=stream.content_type)
    response["Content-Disposition"] = f'attachment; filename="{stream.filename}"'
    return response
