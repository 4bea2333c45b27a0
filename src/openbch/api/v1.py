"""API v1 routes (read-only for now): records, LMOs by unique identifier, identifier checks."""

from __future__ import annotations

from importlib import resources
from typing import Annotated, Any

from django.http import HttpRequest
from ninja import Path, Router, Schema

from openbch.api.language import requested_language
from openbch.api.params import Language
from openbch.api.schemas import ApiRoot, OecdUidCheckOut, Problem
from openbch.identifiers.oecd import check as check_oecd_uid
from openbch.records.lmo_profile import lmo_profile

__all__ = ["API_FEATURE_LEVEL", "router"]

#: bumped on every change of the API; each level is described in api/changelog.md (served at /api/v1/changelog)
API_FEATURE_LEVEL = 15

router = Router()
ERRORS: dict[int, Any] = {400: Problem, 404: Problem, 429: Problem}


@router.get("/", response={200: ApiRoot, 429: Problem}, summary="API root: version and feature level")
def root(request: HttpRequest) -> dict[str, Any]:
    from openbch import __version__

    return {
        "api_feature_level": API_FEATURE_LEVEL,
        "version": __version__,
        "links": {
            "records": "/api/v1/records/{uid}",
            "revisions": "/api/v1/records/{uid}/revisions",
            "diff": "/api/v1/records/{uid}/diff?from_revision=1&to_revision=2",
            "referenced_by": "/api/v1/records/{uid}/referenced-by",
            "lmos": "/api/v1/lmos/{unique_identifier}",
            "search": "/api/v1/search",
            "export": "/api/v1/export?type=LMO&format=csv",
            "changes": "/api/v1/changes?after=0",
            "vocabularies": "/api/v1/vocabularies",
            "record_types": "/api/v1/record-types",
            "changelog": "/api/v1/changelog",
            "oecd_identifier_check": "/api/v1/identifiers/oecd/{text}",
            "border_check": "/api/v1/border-check?text={identifiers}&country={CC}&use={use}",
            "openapi": "/api/openapi.json",
            "docs": "/api/docs",
        },
    }


class ChangelogOut(Schema):
    api_feature_level: int
    changelog: str


@router.get(
    "/changelog", response={200: ChangelogOut, 429: Problem}, summary="What changed in the API, by feature level"
)
def changelog(request: HttpRequest) -> dict[str, Any]:
    """The API changelog (Markdown): one section per ``API_FEATURE_LEVEL``."""
    text = (resources.files("openbch.api") / "changelog.md").read_text(encoding="utf-8")
    return {"api_feature_level": API_FEATURE_LEVEL, "changelog": text}


@router.get(
    "/lmos/{unique_identifier}",
    response={200: dict[str, Any], **ERRORS},
    summary="An LMO by any spelling of its unique identifier",
)
def get_lmo(
    request: HttpRequest, unique_identifier: Annotated[str, Path(..., max_length=300)], lang: Language = None
) -> dict[str, Any]:
    """The LMO registered under an OECD unique identifier in any spelling (``mon-00810-6``,
    ``MON00810 6``, ``MON-ØØ81Ø-6``), with the countries' decisions on it, its genetic elements and
    its detection methods."""
    return lmo_profile(unique_identifier, language=requested_language(request, lang))


@router.get(
    "/identifiers/oecd/{text}", response={200: OecdUidCheckOut, **ERRORS}, summary="Check an OECD unique identifier"
)
def check_identifier(request: HttpRequest, text: Annotated[str, Path(..., max_length=300)]) -> dict[str, Any]:
    """Parse any spelling: canonical form, compact key, strict format, verifier digit, stack components."""
    return check_oecd_uid(text).as_dict()
