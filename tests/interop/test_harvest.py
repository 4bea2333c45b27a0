"""Harvests on a real database: payloads kept, counts logged, failures reported, runs resumed."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from openbch.core.actors import SYSTEM, Actor, Grant, Role
from openbch.core.errors import ConflictError, PermissionDeniedError
from openbch.interop.harvest import HarvestOptions
from openbch.interop.http import FetchLimits
from openbch.interop.models import ExternalItem, HarvestRun, HarvestStatus, RawPayload
from openbch.interop.services import harvest
from openbch.interop.sources import SourceDefinition, get_definition, load_definition
from openbch.records.audit import verify_chain
from openbch.records.models import AuditEntry
from tests.interop.conftest import LoopbackOnly
from tests.interop.server import PlayServer

pytestmark = pytest.mark.django_db
LIMITS = FetchLimits(max_bytes=2_000_000, connect_timeout=2, read_timeout=0.5, retries=0, backoff=0)


def variant(name: str, new_name: str, server: PlayServer, **changes: Any) -> SourceDefinition:
    """A shipped definition under another name, fetched over HTTP from the test server."""
    raw = copy.deepcopy(dict(get_definition(name).raw))
    raw.update(name=new_name, transport="http", base_url=server.base_url, **changes)
    if name != "bch-api":
        raw["requests"] = [{"path": f"files/{raw['bundled']}/{r['path']}"} for r in raw["requests"]]
    return load_definition(raw)


def run(definition: SourceDefinition | str, net: LoopbackOnly | None = None, **kwargs: Any) -> HarvestRun:
    options = HarvestOptions(allowed_hosts=frozenset({"127.0.0.1"}), limits=LIMITS, http_transport=net, **kwargs)
    return harvest(SYSTEM, definition, options)


def items(source: str) -> dict[str, ExternalItem]:
    return {i.external_id: i for i in ExternalItem.objects.filter(source=source)}


def test_every_bundled_source_was_harvested_with_its_payloads_kept(harvested: dict[str, Any]) -> None:
    runs = harvested["runs"]
    assert {name: r.items_new for name, r in runs.items()} == {
        "bch-api": 68,
        "isaaa": 507,
        "oecd-biotrack": 89,
        "cfia-pnt": 161,
        "us-fda-bnf": 22,
        "us-aphis-fr": 21,
        "eu-1829": 13,
        "euginius": 588,
        "eurl-gmff": 85,
    }
    for name, harvest_run in runs.items():
        assert harvest_run.status == HarvestStatus.SUCCEEDED and harvest_run.transport == "bundled"
        payloads = RawPayload.objects.filter(source=name)
        assert payloads.count() == harvest_run.payloads_fetched
        for payload in payloads[:3]:
            import hashlib

            assert hashlib.sha256(bytes(payload.body)).hexdigest() == payload.sha256
            assert payload.size == len(bytes(payload.body)) and payload.fetched_at is not None
    assert RawPayload.objects.filter(source="bch-api").count() == 68 + 10  # documents and index pages


def test_harvesting_unchanged_payloads_again_changes_nothing(harvested: dict[str, Any]) -> None:
    before = RawPayload.objects.count(), ExternalItem.objects.count()
    again = run("isaaa")
    assert again.status == "succeeded"
    assert (again.payloads_unchanged, again.items_new, again.items_changed, again.items_unchanged) == (1, 0, 0, 507)
    assert (RawPayload.objects.count(), ExternalItem.objects.count()) == before


def test_a_changed_payload_counts_new_changed_unchanged_rejected_and_removed(
    harvested: dict[str, Any], source_server: PlayServer, net: LoopbackOnly
) -> None:
    definition = variant("isaaa", "isaaa-copy", source_server)
    first = run(definition, net)
    assert (first.status, first.items_new) == ("succeeded", 507)
    path = "/files/isaaa/isaaa.csv"
    original = bytes(RawPayload.objects.get(source="isaaa-copy").body).decode("utf-8")
    lines = original.splitlines(keepends=True)
    edited = [
        line.replace("YieldGard™, MaizeGard™", "YieldGard™") if line.startswith("MON810,") else line
        for line in lines
        if not line.startswith("1210 amk,")  # gone from the source
    ]
    edited.append(",,Insect resistance,Maize,Zea mays L.,not available,cry1Ab\n")  # no name, no identifier
    edited.append(",not available,Insect resistance,Maize,Zea mays L.,not available,cry1Ab\n")
    source_server.overrides[path] = ("".join(edited).encode("utf-8"), "text/plain; charset=utf-8")
    second = run(definition, net)
    assert second.status == "succeeded"
    assert (second.items_new, second.items_changed, second.items_removed, second.items_rejected) == (0, 1, 1, 2)
    assert second.items_unchanged == 507 - 2
    assert {r["reason"] for r in second.rejections} == {"empty name/uid"}
    found = items("isaaa-copy")
    assert found["MON-ØØ81Ø-6 | MON810"].fields["trade_names"] == ["YieldGard™"]
    assert not found["1210 amk"].active
    assert RawPayload.objects.filter(source="isaaa-copy").count() == 2


@pytest.mark.parametrize(
    ("mode", "code"),
    [
        ("500", "http_status"),
        ("truncate", "truncated"),
        ("slow", "timeout"),
        ("html-as-json", "content_type"),
        ("xmlbomb", "xml_refused"),
        ("huge-chunked", "too_large"),
        ("redirect:http://169.254.169.254/latest/meta-data/", "address_refused"),
        ("redirect:http://10.0.0.1/", "address_refused"),
        ("garbage", "parse_error"),
    ],
)
def test_a_failure_mid_harvest_keeps_earlier_imports_and_the_next_run_resumes(
    harvested: dict[str, Any], source_server: PlayServer, net: LoopbackOnly, mode: str, code: str
) -> None:
    definition = variant("bch-api", "bch-copy", source_server)
    clean = run(definition, net)
    assert clean.status == "succeeded" and clean.items_new == 68
    before = {k: (i.content_hash, i.fetched_at, i.verdict) for k, i in items("bch-copy").items()}
    # the 6th document of the second harvest fails
    documents = [p for p in source_server.hits if "/documents/" in p]
    broken = documents[5]
    source_server.hits.clear()
    source_server.faults[broken] = mode
    failed = run(definition, net, resume=False)
    assert failed.status == "failed"
    assert [(e["stage"], e["code"]) for e in failed.errors] == [("import" if code == "parse_error" else "fetch", code)]
    assert broken.lstrip("/") in failed.errors[0]["locator"]
    assert failed.payloads_unchanged == 5 + 10  # the index pages and the documents before the broken one
    after = {k: (i.content_hash, i.verdict) for k, i in items("bch-copy").items()}
    assert after == {k: (v[0], v[2]) for k, v in before.items()}  # imports before the failure stay as they were
    assert all(i.active for i in items("bch-copy").values())
    assert net.refused == []  # no byte left for a private or link-local address
    del source_server.faults[broken]
    source_server.hits.clear()
    resumed = run(definition, net)
    assert resumed.status == "succeeded" and resumed.resumed_from_id == failed.pk
    assert resumed.tasks_resumed == 5
    assert not any(p.endswith("/index/select") for p in source_server.hits)  # the gathered list was taken over
    assert len(source_server.hits) == 68 - 5
    assert resumed.items_removed == 0 and all(i.active for i in items("bch-copy").values())


def test_a_failure_while_gathering_resumes_from_the_page_that_failed(
    harvested: dict[str, Any], source_server: PlayServer, net: LoopbackOnly
) -> None:
    definition = variant("bch-api", "bch-gather", source_server)
    source_server.faults["/api/v2013/index/select|start=20"] = "500"
    failed = run(definition, net)
    assert failed.status == "failed"
    assert (failed.errors[0]["stage"], failed.errors[0]["code"]) == ("gather", "http_status")
    assert "start=20" in failed.errors[0]["locator"]
    assert ExternalItem.objects.filter(source="bch-gather").count() == 0  # nothing is imported before gathering ends
    assert len(failed.state["tasks"]) == 20 and failed.state["cursor"]["modifiedOrganism"]["start"] == 20
    source_server.faults.clear()
    source_server.hits.clear()
    resumed = run(definition, net)
    assert resumed.status == "succeeded" and resumed.resumed_from_id == failed.pk
    pages = [p for p in source_server.hits if p.endswith("/index/select")]
    assert len(pages) == 2 + 3 + 1 + 1 + 1  # from start=20 on: the pages before were not asked again
    assert resumed.items_new == 68


def test_a_source_address_that_is_not_allowed_fails_the_run_without_any_request(
    harvested: dict[str, Any], source_server: PlayServer, net: LoopbackOnly
) -> None:
    definition = variant("cfia-pnt", "cfia-copy", source_server)
    failed = harvest(SYSTEM, definition, HarvestOptions(allowed_hosts=frozenset(), limits=LIMITS, http_transport=net))
    assert failed.status == "failed" and failed.errors[0]["code"] == "address_refused"
    assert source_server.hits == [] and net.sent == []


def test_harvest_writes_are_audited_in_an_intact_chain(harvested: dict[str, Any]) -> None:
    before = AuditEntry.objects.filter(action__startswith="interop.").count()
    run("eurl-gmff")
    actions = list(
        AuditEntry.objects.filter(action__startswith="interop.").order_by("seq").values_list("action", flat=True)
    )
    assert actions[before:] == ["interop.harvest_started", "interop.harvest_finished"]  # unchanged payload: no import
    assert verify_chain()[0]


def test_only_administrators_run_harvests() -> None:
    curator = Actor(name="curator", grants=(Grant(Role.REFERENCE_VALIDATOR),))
    with pytest.raises(PermissionDeniedError):
        harvest(curator, "isaaa")


def test_a_second_harvest_of_a_source_waits_for_the_running_one(harvested: dict[str, Any]) -> None:
    from django.utils import timezone

    HarvestRun.objects.create(source="isaaa", started_at=timezone.now(), transport="bundled", actor="other")
    with pytest.raises(ConflictError):
        run("isaaa")
