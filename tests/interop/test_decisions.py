"""Curators confirm or reject proposed matches; their decisions hold across reconciliations and harvests."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from openbch.accounts.services import create_token, create_user, grant_role
from openbch.core.actors import SYSTEM, Actor, Grant, Role
from openbch.core.errors import NotFoundError, PermissionDeniedError
from openbch.interop.harvest import HarvestOptions
from openbch.interop.http import FetchLimits
from openbch.interop.models import ExternalItem, MatchDecision
from openbch.interop.services import decide_match, harvest, reconcile
from openbch.records.audit import verify_chain
from openbch.records.models import AuditEntry
from openbch.records.queries import find_lmos_by_oecd_uid
from tests.interop.conftest import LoopbackOnly
from tests.interop.server import PlayServer

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.interop.urls")]
CURATOR = Actor(name="curator", grants=(Grant(Role.REFERENCE_VALIDATOR),))
PASSWORD = "a long enough passphrase"


def lmo(uid: str) -> str:
    return find_lmos_by_oecd_uid(uid)[0].identifier


def isaaa(external_id: str) -> ExternalItem:
    return ExternalItem.objects.get(source="isaaa", external_id=external_id)


def reharvest_isaaa_with(server: PlayServer, net: LoopbackOnly, edit: Any) -> None:
    """Harvest the ISAAA source again, from the test server, with its table edited."""
    from openbch.interop.http import BundledFetcher, Request

    bundled = BundledFetcher("isaaa")
    text = bundled.read(bundled.resolve(Request("isaaa.csv"))).decode("utf-8")  # type: ignore[arg-type]
    server.overrides["/isaaa.csv"] = (edit(text).encode("utf-8"), "text/plain; charset=utf-8")
    options = HarvestOptions(
        transport="http",
        base_url=server.base_url,
        allowed_hosts=frozenset({"127.0.0.1"}),
        limits=FetchLimits(retries=0),
        http_transport=net,
    )
    run = harvest(SYSTEM, "isaaa", options)
    assert run.status == "succeeded", run.errors


def test_a_confirmed_match_is_kept_across_reconciliation_and_harvests(
    harvested: dict[str, Any], source_server: PlayServer, net: LoopbackOnly
) -> None:
    ambiguous = isaaa("MON832")  # Roundup Ready™ maize: two LMOs carry the trade name
    assert ambiguous.verdict == "ambiguous"
    target = lmo("MON-ØØØ21-9")
    confirmed = decide_match(CURATOR, item_id=ambiguous.pk, record=target, decision="confirmed", reason="checked")
    assert (confirmed.verdict, confirmed.method, confirmed.record_identifier) == ("matched", "curator", target)
    reconcile(SYSTEM)
    assert isaaa("MON832").method == "curator"
    reharvest_isaaa_with(
        source_server, net, lambda text: text.replace("Roundup Ready™ Maize", "Roundup Ready™ Maize (new)")
    )
    again = isaaa("MON832")
    assert again.fields["trade_names"] == ["Roundup Ready™ Maize (new)"]  # the item changed, the decision held
    assert (again.verdict, again.record_identifier) == ("matched", target)


def test_a_rejected_candidate_is_never_proposed_again(
    harvested: dict[str, Any], source_server: PlayServer, net: LoopbackOnly
) -> None:
    flo = isaaa("FLO-11226-8 | 1226A (11226)")
    rejected = decide_match(CURATOR, item_id=flo.pk, record=lmo("FLO-11226-9"), decision="rejected")
    flo9 = lmo("FLO-11226-9")
    # the identifier no longer decides; the trade name Moonshade™ is shared by other carnations
    assert rejected.verdict == "ambiguous" and rejected.method == "trade_name" and rejected.record_identifier == ""
    assert flo9 not in {c["identifier"] for c in rejected.candidates}
    assert "1 candidate(s) rejected by a curator" in rejected.warnings
    reharvest_isaaa_with(source_server, net, lambda text: text.replace("Moonshade™", "Moonshade™ (carnation)"))
    again = isaaa("FLO-11226-8 | 1226A (11226)")
    assert again.fields["trade_names"] == ["Moonshade™ (carnation)"] and again.verdict == "unmatched"
    assert flo9 not in {c["identifier"] for c in again.candidates}
    # the curator changes their mind: the latest word counts
    decide_match(CURATOR, item_id=flo.pk, record=lmo("FLO-11226-9"), decision="confirmed")
    assert isaaa("FLO-11226-8 | 1226A (11226)").verdict == "matched"
    assert MatchDecision.objects.filter(source="isaaa", external_id=flo.external_id).count() == 1


def test_decisions_are_audited(harvested: dict[str, Any]) -> None:
    before = AuditEntry.objects.count()
    decide_match(
        CURATOR, item_id=isaaa("Bt10").pk, record=lmo("SYN-BTØ11-1"), decision="rejected", reason="Bt10 is not Bt11"
    )
    entry = AuditEntry.objects.order_by("-seq").first()
    assert AuditEntry.objects.count() == before + 1 and entry is not None
    assert (entry.action, entry.actor, entry.roles) == ("interop.match_rejected", "curator", "reference-validator")
    assert entry.details["external_id"] == "Bt10" and entry.details["reason"] == "Bt10 is not Bt11"
    assert verify_chain()[0]


def test_only_reference_validators_and_administrators_decide(harvested: dict[str, Any]) -> None:
    item = isaaa("MON832")
    for actor in (
        Actor(name="national", grants=(Grant(Role.NATIONAL_PUBLISHING_AUTHORITY, "CA"),)),
        Actor(name="reader", grants=(Grant(Role.REFERENCE_VALIDATOR),), scopes=frozenset({"read"})),
    ):
        with pytest.raises(PermissionDeniedError):
            decide_match(actor, item_id=item.pk, record=lmo("MON-ØØØ21-9"), decision="confirmed")
    with pytest.raises(NotFoundError):
        decide_match(CURATOR, item_id=item.pk, record="BCH-LMO-SCBD-999999", decision="confirmed")
    assert isaaa("MON832").verdict == "ambiguous"


def _token(username: str, role: str | None, scopes: list[str]) -> str:
    create_user(SYSTEM, username=username, password=PASSWORD)
    if role:
        grant_role(SYSTEM, username=username, role=role)
    return create_token(SYSTEM, name="curation", scopes=scopes, owner=username).plaintext


def test_the_decision_route_needs_a_curators_write_token(harvested: dict[str, Any], client: Client) -> None:
    item = isaaa("MON832")
    url = f"/api/v1/reconciliation/{item.pk}/decision"
    body = {"record": lmo("MON-ØØØ21-9"), "decision": "confirmed", "reason": "checked"}
    assert client.post(url, body, content_type="application/json").status_code == 401
    other = _token("someone", None, ["read", "write"])
    response = client.post(url, body, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {other}")
    assert response.status_code == 403 and response.json()["code"] == "permission_denied"
    read_only = _token("reader", "reference-validator", ["read"])
    response = client.post(url, body, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {read_only}")
    assert response.status_code == 403
    token = _token("validator", "reference-validator", ["read", "write"])
    bad = client.post(
        url, {**body, "decision": "maybe"}, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {token}"
    )
    assert bad.status_code == 400
    missing = client.post(
        url,
        {**body, "record": "BCH-LMO-SCBD-999999"},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    assert missing.status_code == 404
    response = client.post(url, body, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 200, response.content
    data = response.json()
    assert (data["verdict"], data["method"], data["record"]["unique_identifier"]) == (
        "matched",
        "curator",
        "MON-ØØØ21-9",
    )
    assert data["decisions"][0]["decided_by"] == "validator"
