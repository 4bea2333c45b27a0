"""The interop routes against their own OpenAPI spec: generated requests, every schemathesis check."""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.http import HttpRequest, HttpResponseBase
from hypothesis import HealthCheck, settings
from schemathesis.checks import CHECKS, load_all_checks

from tests.wsgi_plain import uncompressed


class InteropApplication(WSGIHandler):
    """The project's WSGI application, with the URLs the interop tests serve (see urls.py)."""

    def get_response(self, request: HttpRequest) -> HttpResponseBase:
        request.urlconf = "tests.interop.urls"  # type: ignore[attr-defined]
        return super().get_response(request)


load_all_checks()
schema = schemathesis.openapi.from_wsgi("/api/openapi.json", uncompressed(InteropApplication())).include(
    path_regex="^/api/v1/(reconciliation|screening|partners|harvest)"
)


@pytest.mark.django_db
@schema.parametrize()
@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
def test_interop_routes_conform_to_their_spec(
    case: schemathesis.Case, same_connection: None, harvested: dict[str, Any]
) -> None:
    case.call_and_validate(checks=CHECKS.get_all())
