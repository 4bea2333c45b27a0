"""API v1 routes (read-only for now): records, LMOs by unique identifier, identifier checks."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router

from openbch.api.language import requested_language
from openbch.api.schemas import ApiRoot, OecdUidCheckOut, Problem
from openbch.identifiers.oecd import check as check_oecd_uid
from openbch.records.lmo_profile import lmo_profile
from openbch.records.queries import get_published

__all__ = ["API_FEATURE_LEVEL", "router"]

#: bumped on every change of the API; each level is described in docs/api-changelog.md
API_FEATURE_LEVEL = 1

router = Router()
ERRORS = {400: Problem, 404: Problem}


@router.get("/", response=ApiRoot, summary="API root: version and feature level")
def root(request: HttpRequest) -> dict[str, Any]:
    from openbch import __version__

    return {
        "api_feature_level": API_FEATURE_LEVEL,
        "version": __version__,
        "links": {
            "records": "/api/v1/records/{uid}",
            "lmos": "/api/v1/lmos/{unique_identifier}",
            "oecd_identifier_check": "/api/v1/identifiers/oecd/{text}",
            "openapi": "/api/openapi.json",
            "docs": "/api/docs",
        },
    }


@router.get("/records/{uid}", response={200: dict[str, Any], **ERRORS}, summary="A published record by UID")
def get_record(request: HttpRequest, uid: str, revision: int | None = None) -> dict[str, Any]:
    """``uid``: a record UID with or without revision (``BCH-LMO-SCBD-12-1``, ``BCH-LMO-SCBD-12``) or
    the record identifier (GUID). Without a revision the latest is returned."""
    found = get_published(uid, revision)
    return {**found.envelope(), "body": found.body}


@router.get(
    "/lmos/{unique_identifier}",
    response={200: dict[str, Any], **ERRORS},
    summary="An LMO by any spelling of its unique identifier",
)
def get_lmo(request: HttpRequest, unique_identifier: str, lang: str | None = None) -> dict[str, Any]:
    """The LMO registered under an OECD unique identifier in any spelling (``mon-00810-6``,
    ``MON00810 6``, ``MON-ØØ81Ø-6``), with the countries' decisions on it, its genetic elements and
    its detection methods."""
    return lmo_profile(unique_identifier, language=requested_language(request, lang))


@router.get(
    "/identifiers/oecd/{text}", response={200: OecdUidCheckOut, **ERRORS}, summary="Check an OECD unique identifier"
)
def check_identifier(request: HttpRequest, text: str) -> dict[str, Any]:
    """Parse any spelling: canonical form, compact key, strict format, verifier digit, stack components."""
    return check_oecd_uid(text).as_dict()
