"""The interoperability routes: the reconciliation report, its filters, the sources, the spec."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from openbch.interop.models import ExternalItem

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.interop.urls")]


def test_the_reconciliation_report_counts_verdicts_per_source(harvested: dict[str, Any], client: Client) -> None:
    data = client.get("/api/v1/reconciliation").json()
    lmo_items = ExternalItem.objects.filter(subject="lmo", active=True)
    assert data["total"] == lmo_items.count()
    assert sum(n for verdicts in data["counts"].values() for n in verdicts.values()) == data["total"]
    assert (
        data["counts"]["isaaa"]["matched_with_warning"]
        == lmo_items.filter(source="isaaa", verdict="matched_with_warning").count()
    )
    assert len(data["items"]) == 50


def test_the_report_filters_by_verdict_and_source(harvested: dict[str, Any], client: Client) -> None:
    data = client.get("/api/v1/reconciliation?source=isaaa&verdict=matched_with_warning&limit=200").json()
    assert data["items"] and {(i["source"], i["verdict"]) for i in data["items"]} == {("isaaa", "matched_with_warning")}
    flo = next(i for i in data["items"] if i["external_id"] == "FLO-11226-8 | 1226A (11226)")
    assert flo["record"]["unique_identifier"] == "FLO-11226-9" and flo["method"] == "verifier"
    ambiguous = client.get("/api/v1/reconciliation?verdict=ambiguous").json()["items"]
    assert ambiguous and all(len(i["candidates"]) > 1 and i["record"] is None for i in ambiguous)
    elements = client.get("/api/v1/reconciliation?subject=element&source=euginius").json()
    assert elements["total"] == ExternalItem.objects.filter(source="euginius", subject="element").count()


def test_one_item_and_bad_filters(harvested: dict[str, Any], client: Client) -> None:
    item = ExternalItem.objects.get(source="isaaa", external_id="MON-ØØ81Ø-6 | MON810")
    data = client.get(f"/api/v1/reconciliation/{item.pk}").json()
    assert data["external_id"] == "MON-ØØ81Ø-6 | MON810" and data["fields"]["event_name"] == "MON810"
    assert client.get("/api/v1/reconciliation/999999999").status_code == 404
    assert client.get("/api/v1/reconciliation?verdict=maybe").status_code == 400
    assert client.get("/api/v1/reconciliation?source=nowhere").json()["total"] == 0  # a filter, not an error
    assert client.get("/api/v1/reconciliation?limit=100000").status_code == 400


def test_the_sources_route_lists_licences_and_last_harvests(harvested: dict[str, Any], client: Client) -> None:
    sources = {s["name"]: s for s in client.get("/api/v1/harvest/sources").json()}
    assert sources["cfia-pnt"]["licence"].startswith("Open Government Licence")
    assert sources["isaaa"]["items"] == 507 and sources["isaaa"]["last_harvest"]["status"] == "succeeded"


def test_every_interop_route_documents_its_errors_as_problems(client: Client) -> None:
    spec = client.get("/api/openapi.json").json()
    routes = {
        p: ops
        for p, ops in spec["paths"].items()
        if p.startswith(("/api/v1/reconciliation", "/api/v1/screening", "/api/v1/partners", "/api/v1/harvest"))
    }
    assert len(routes) == 6  # report, item, decision, screening, partner feed, sources
    for path, operations in routes.items():
        for operation in operations.values():
            errors = {int(s) for s in operation["responses"] if str(s).isdigit() and int(s) >= 400}
            assert 429 in errors, path
            for status in errors:
                assert "application/problem+json" in operation["responses"][str(status)]["content"], (path, status)
    decision = routes["/api/v1/reconciliation/{item_id}/decision"]["post"]
    assert {"400", "401", "403", "404", "422"} <= set(decision["responses"])
