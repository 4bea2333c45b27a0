"""Record routes: a record by UID, its revisions, diffs between revisions, what references it."""

from __future__ import annotations

from typing import Annotated, Any

from django.http import HttpRequest, HttpResponse
from ninja import Field, Path, Query, Router, Schema
from pydantic import ConfigDict

from openbch.api.conventions import etag_matches, json_response, not_modified
from openbch.api.language import requested_language
from openbch.api.params import LANGUAGE_PATTERN, Language, RecordUid
from openbch.api.schemas import Problem
from openbch.core.multilingual import localize
from openbch.interop.bchshape import to_bch
from openbch.records.expand import expand_references, parse_expand
from openbch.records.history import revision_diff, revisions_of
from openbch.records.queries import PublishedRecord, get_published, latest_revisions, linking_records
from openbch.recordtypes import get_record_type

__all__ = ["router"]

router = Router(tags=["records"])
ERRORS: dict[int, Any] = {400: Problem, 404: Problem, 429: Problem}


class RecordOut(Schema):
    uid: str
    identifier: str
    type: str
    owner: str
    state: str
    revision: int
    latest_revision: int
    published_at: str = Field(
        description="when this revision was published on this clearing-house (for a record loaded from a source, "
        "the day it was loaded); the source's own dates are in the body (`date`, `entryIntoForce`…)"
    )
    first_published_at: str | None = Field(description="when revision 1 was published on this clearing-house")
    languages: list[str]
    title: str
    content_hash: str
    withdrawn: dict[str, Any] | None = None
    display: dict[str, Any]
    body: dict[str, Any]
    links: dict[str, str]


class RevisionSummary(Schema):
    revision: int
    uid: str
    published_at: str
    published_by: str
    content_hash: str


class RevisionsOut(Schema):
    identifier: str
    uid: str
    state: str
    latest_revision: int
    revisions: list[RevisionSummary]


class Change(Schema):
    op: str
    path: str
    old: Any = None
    new: Any = None


class DiffOut(Schema):
    uid: str
    from_revision: int
    to_revision: int
    changes: list[Change]


class ReferencingRecord(Schema):
    uid: str
    type: str
    owner: str
    title: str


class ReferencedByOut(Schema):
    uid: str
    referenced_by: dict[str, list[ReferencingRecord]]


class RecordParams(Schema):
    revision: int | None = Field(None, ge=1, le=10**9)
    expand: str | None = Field(None, max_length=500, description="reference fields to embed, comma-separated, or *")
    lang: str | None = Field(None, pattern=LANGUAGE_PATTERN, max_length=20)


def _etag(found: PublishedRecord, expand: list[str]) -> str:
    suffix = f"-x{'.'.join(expand)}" if expand else ""
    return f'"{found.revision.content_hash[:40]}-{found.record.state}{suffix}"'


def _record_out(request: HttpRequest, found: PublishedRecord, expand: list[str], language: str) -> dict[str, Any]:
    record_type = get_record_type(found.record.type)
    title = record_type.title(found.body, language)
    shown = None
    for name in record_type.title_fields:
        value = found.body.get(name)
        if isinstance(value, dict):
            shown = localize(value, language)
            break
        if value:
            break
    base = found.uid.rsplit("-", 1)[0]
    return {
        **found.envelope(),
        "display": {
            "title": title,
            "language": shown.language if shown else language,
            "fallback": shown.fallback if shown else False,
            "type_label": record_type.label_in(language),
        },
        "body": expand_references(found.body, expand),
        "links": {
            "self": f"/api/v1/records/{found.uid}",
            "latest": f"/api/v1/records/{base}",
            "revisions": f"/api/v1/records/{base}/revisions",
            "referenced_by": f"/api/v1/records/{base}/referenced-by",
        },
    }


def _serve_record(
    request: HttpRequest, uid: str, revision: int | None, expand: str | None, lang: str | None
) -> HttpResponse:
    language = requested_language(request, lang)
    found = get_published(uid, revision)
    fields = parse_expand(get_record_type(found.record.type), expand)
    etag = _etag(found, fields)
    if etag_matches(request, etag):
        return not_modified(etag)
    answer = json_response(_record_out(request, found, fields, language))
    answer["ETag"] = etag
    return answer


@router.get(
    "/records/{uid}",
    response={200: RecordOut, 304: None, **ERRORS},
    summary="A published record by UID or identifier",
)
def get_record(request: HttpRequest, uid: RecordUid, params: Query[RecordParams]) -> HttpResponse:
    """``uid``: a record UID with or without revision (``BCH-DEC-CA-12-2``, ``BCH-DEC-CA-12``) or the
    record identifier (GUID); the latest revision unless one is named. ``expand=field,…`` (or ``*``)
    embeds the referenced records. Withdrawn records are served, marked ``withdrawn``.
    Supports ``If-None-Match`` (304)."""
    return _serve_record(request, uid, params.revision, params.expand, params.lang)


class BchRecordOut(Schema):
    header: dict[str, Any] = Field(
        description="{identifier, schema, languages}: schema is null for a type the BCH lacks"
    )
    openbch: dict[str, Any] = Field(
        alias="_openbch",
        description="uid, type, revision; `unmapped`: our fields the BCH shape has no place for, with their values; "
        "`unchecked`: fields written under their own names for a type the mapping table does not cover",
    )

    model_config = ConfigDict(extra="allow", populate_by_name=True)


@router.get(
    "/records/{uid}/bch",
    response={200: BchRecordOut, 304: None, **ERRORS},
    summary="A published record in the central BCH's document shape",
)
def get_record_bch(
    request: HttpRequest,
    uid: RecordUid,
    revision: Annotated[int | None, Query(None, ge=1, le=10**9)] = None,
) -> HttpResponse:
    """The record as a BCH document: `header`, the BCH's field names, terms as BCH thesaurus GUIDs
    (or the BCH's "Other" term with our label), references `{identifier: GUID[@revision]}`. The
    field-by-field mapping is docs/bch-exchange.md. Supports `If-None-Match` (304)."""
    found = get_published(uid, revision)
    etag = _etag(found, ["bch"])
    if etag_matches(request, etag):
        return not_modified(etag)
    document = to_bch(
        found.record.type, found.body, identifier=found.record.identifier, languages=found.revision.languages
    )
    document["_openbch"] = {"uid": found.uid, "revision": found.revision.revision, **document["_openbch"]}
    answer = json_response(document)
    answer["ETag"] = etag
    return answer


@router.get(
    "/records/{uid}/revisions",
    response={200: RevisionsOut, **ERRORS},
    summary="The published revisions of a record",
)
def list_revisions(request: HttpRequest, uid: RecordUid) -> dict[str, Any]:
    return revisions_of(uid)


@router.get(
    "/records/{uid}/revisions/{revision}",
    response={200: RecordOut, 304: None, **ERRORS},
    summary="One published revision of a record",
)
def get_revision(
    request: HttpRequest,
    uid: RecordUid,
    revision: Annotated[int, Path(..., ge=1, le=10**9)],
    expand: Annotated[str | None, Query(None, max_length=500)] = None,
    lang: Language = None,
) -> Any:
    return _serve_record(request, uid, revision, expand, lang)


@router.get(
    "/records/{uid}/diff",
    response={200: DiffOut, **ERRORS},
    summary="Field-level differences between two revisions",
)
def diff(
    request: HttpRequest,
    uid: RecordUid,
    from_revision: Annotated[int, Query(..., ge=1, le=10**9)],
    to_revision: Annotated[int, Query(..., ge=1, le=10**9)],
) -> dict[str, Any]:
    """Changes from revision ``from_revision`` to ``to_revision`` as JSON-pointer operations on leaf values."""
    result = revision_diff(uid, from_revision, to_revision)
    return {
        "uid": result["uid"],
        "from_revision": result["from"],
        "to_revision": result["to"],
        "changes": result["changes"],
    }


@router.get(
    "/records/{uid}/referenced-by",
    response={200: ReferencedByOut, **ERRORS},
    summary="Published records that reference this one (e.g. an LMO's decisions)",
)
def referenced_by(request: HttpRequest, uid: RecordUid, lang: Language = None) -> dict[str, Any]:
    """Grouped by ``{type}.{field}``, e.g. ``DEC.modifiedOrganisms`` for the decisions on an LMO."""
    language = requested_language(request, lang)
    found = get_published(uid)
    grouped: dict[str, list[dict[str, Any]]] = {}
    for field, records in linking_records(found.record).items():
        for item in latest_revisions(records):
            title = get_record_type(item.record.type).title(item.body, language)
            grouped.setdefault(f"{item.record.type}.{field}", []).append(
                {"uid": item.uid, "type": item.record.type, "owner": item.record.owner, "title": title}
            )
    return {"uid": found.uid, "referenced_by": grouped}
