"""What a client needs to build its own forms and filters: vocabularies and record-type definitions."""

from __future__ import annotations

from typing import Annotated, Any

from django.http import HttpRequest
from ninja import Path, Router, Schema

from openbch.api.language import requested_language
from openbch.api.params import Language
from openbch.api.schemas import Problem
from openbch.recordtypes import get_record_type, record_types
from openbch.recordtypes.schema import json_schema
from openbch.vocabularies import get_vocabulary, vocabularies

__all__ = ["router"]

router = Router(tags=["catalogue"])
ERRORS: dict[int, Any] = {400: Problem, 404: Problem, 429: Problem}


class VocabularySummary(Schema):
    name: str
    label: str
    hierarchical: bool
    terms: int
    href: str


class VocabularyOut(Schema):
    name: str
    label: dict[str, str]
    hierarchical: bool
    source: str
    terms: list[dict[str, Any]]


class RecordTypeSummary(Schema):
    code: str
    slug: str
    family: str
    label: str
    href: str


class RecordTypeOut(Schema):
    code: str
    slug: str
    family: str
    version: int
    definition: dict[str, Any]
    body_schema: dict[str, Any]


@router.get("/vocabularies", response={200: list[VocabularySummary], **ERRORS}, summary="The controlled vocabularies")
def list_vocabularies(request: HttpRequest, lang: Language = None) -> list[dict[str, Any]]:
    language = requested_language(request, lang)
    return [
        {
            "name": v.name,
            "label": v.label.get(language) or v.label.get("en", v.name),
            "hierarchical": v.hierarchical,
            "terms": len(v),
            "href": f"/api/v1/vocabularies/{v.name}",
        }
        for v in vocabularies().values()
    ]


@router.get("/vocabularies/{name}", response={200: VocabularyOut, **ERRORS}, summary="One vocabulary with its terms")
def get_vocabulary_route(request: HttpRequest, name: Annotated[str, Path(..., max_length=64)]) -> dict[str, Any]:
    """Every term with its labels in every language it has, and its broader term."""
    return get_vocabulary(name).as_dict()


@router.get("/record-types", response={200: list[RecordTypeSummary], **ERRORS}, summary="The record types")
def list_record_types(request: HttpRequest, lang: Language = None) -> list[dict[str, Any]]:
    language = requested_language(request, lang)
    return [
        {
            "code": t.code,
            "slug": t.slug,
            "family": t.family,
            "label": t.label_in(language),
            "href": f"/api/v1/record-types/{t.slug}",
        }
        for t in record_types().values()
    ]


@router.get("/record-types/{type}", response={200: RecordTypeOut, **ERRORS}, summary="One record type's definition")
def get_record_type_route(request: HttpRequest, type: Annotated[str, Path(..., max_length=64)]) -> dict[str, Any]:
    """The definition as written (fields, conditions, facets, export columns, form layout) and the
    JSON Schema of its body."""
    record_type = get_record_type(type)
    return {
        "code": record_type.code,
        "slug": record_type.slug,
        "family": record_type.family,
        "version": record_type.version,
        "definition": dict(record_type.raw),
        "body_schema": json_schema(record_type),
    }
