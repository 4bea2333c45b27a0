"""The decision sources (US FDA, USDA APHIS, EU 1829/2003): their connector, harvest and the mapping
of an item to a DEC record body (``openbch.interop.decisions``), with ``../shared/data`` as oracle."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import pytest

from openbch.core.actors import SYSTEM
from openbch.interop.connectors import connector_for
from openbch.interop.connectors.base import FetchTask, NormalisedItem, Rejection
from openbch.interop.decisions import DecisionContext, LmoLookup, decision_body, import_decisions, read_bundled
from openbch.interop.harvest import HarvestOptions
from openbch.interop.http import BundledFetcher, Fetched, FetchLimits
from openbch.interop.models import ExternalItem
from openbch.interop.services import harvest
from openbch.interop.sources import get_definition
from tests.interop.conftest import LoopbackOnly
from tests.interop.server import PlayServer

DEMO = Path(__file__).resolve().parents[2] / "src" / "openbch" / "demo" / "data"
UPSTREAM = {
    "us-fda-bnf": "fda-bnf-consultations/fda_bnf.tsv",
    "us-aphis-fr": "aphis-federal-register-notices/aphis_fr_notices.tsv",
    "eu-1829": "eu-1829-decisions/eu_1829_decisions.tsv",
}
AUTHORITIES = {"FDA": "cna/us/fda", "USDA APHIS": "cna/us/usda-aphis", "European Commission": "cna/eu/ec"}


def bundled_text(source: str) -> str:
    definition = get_definition(source)
    fetcher = BundledFetcher(definition.bundled or "")
    return fetcher.fetch(definition.requests[0], accept=definition.accept).body.decode("utf-8")


def parse(source: str, text: str) -> list[NormalisedItem | Rejection]:
    definition = get_definition(source)
    fetched = Fetched(url="test:", content_type="text/tab-separated-values", body=text.encode("utf-8"))
    return list(connector_for(definition).parse(FetchTask(definition.requests[0]), fetched))


def lookup() -> LmoLookup:
    return LmoLookup.from_jsonl(DEMO / "lmos.jsonl")


@pytest.mark.parametrize("source", list(UPSTREAM))
def test_the_bundled_payload_is_the_shared_table_byte_for_byte(source: str, shared_data: Path) -> None:
    assert bundled_text(source) == (shared_data / UPSTREAM[source]).read_text(encoding="utf-8")


@pytest.mark.parametrize("source", list(UPSTREAM))
def test_every_row_becomes_an_item_with_the_source_date(source: str, shared_data: Path) -> None:
    rows = list(csv.DictReader(io.StringIO((shared_data / UPSTREAM[source]).read_text("utf-8")), delimiter="\t"))
    found = read_bundled(source)
    items = [i for i in found if isinstance(i, NormalisedItem)]
    assert len(items) == len(rows) and len(found) == len(rows)
    column = {"us-fda-bnf": "fda_letter_date", "us-aphis-fr": "publication_date", "eu-1829": "decision_date"}[source]
    assert [i.fields["date"] for i in items] == [r[column][:10] for r in rows]
    assert len({i.external_id for i in items}) == len(items)


def test_instruments_are_read_for_what_they_are() -> None:
    eu = {i.external_id: i for i in read_bundled("eu-1829") if isinstance(i, NormalisedItem)}
    assert eu["98/294/EC"].fields["cultivation"] is True
    assert eu["(EU) 2015/698"].fields["cultivation"] is False
    assert eu["(EU) 2023/1213"].fields["kind"] == "renewal"
    assert eu["(EU) 2023/1213"].fields["previous_decisions"] == ["2012/82/EU"]
    assert len(eu["(EU) 2019/1195"].fields["previous_decisions"]) == 12
    assert eu["COM(2011)40 (proposal annex)"].fields["kind"] == "proposal"
    aphis = {i.external_id: i for i in read_bundled("us-aphis-fr") if isinstance(i, NormalisedItem)}
    assert aphis["2018-22545"].fields["kind"] == "determination"
    assert aphis["2018-22545"].fields["reference_number"] == "FR Doc. 2018-22545, 83 FR 52377"
    assert aphis["2017-26584"].fields["kind"] == "petition-notice"
    assert aphis["APHIS-2014-0076 | 2015-09-02 | determination"].fields["date_note"] == (
        "effective date of determination"
    )


def test_a_malformed_date_is_a_named_rejection_not_a_crash() -> None:
    text = bundled_text("eu-1829").replace("2012-02-10", "2012-02-31").replace("2009-10-30", "30/10/2009")
    found = parse("eu-1829", text)
    rejected = {r.external_id: r.reason for r in found if isinstance(r, Rejection)}
    assert rejected == {
        "2012/84/EU": "date: '2012-02-31' is not a calendar date",
        "2009/814/EC": "date: '30/10/2009' is not a date (YYYY-MM-DD)",
    }
    assert len(found) == 13


def test_missing_date_and_unknown_uid_make_no_record_and_say_why() -> None:
    text = bundled_text("us-fda-bnf").replace("\t1996-11-05\t", "\t\t").replace("IND-ØØ41Ø-5", "IND-ØØ999-9")
    items = {i.external_id: i for i in parse("us-fda-bnf", text) if isinstance(i, NormalisedItem)}
    context = DecisionContext(lookup(), AUTHORITIES)
    no_date = decision_body(items["BNF No. 35"], context)
    assert (no_date.code, no_date.body) == ("no_date", None)
    unknown = decision_body(items["BNF No. 155"], context)
    assert unknown.code == "unknown_uid" and "IND-ØØ999-9" in unknown.reason
    missing = decision_body(items["BNF No. 1"], context)
    assert missing.code == "no_lmo" and "names no event" in missing.reason


def test_fda_consultation_body() -> None:
    items = {i.external_id: i for i in read_bundled("us-fda-bnf") if isinstance(i, NormalisedItem)}
    outcome = decision_body(items["BNF No. 164"], DecisionContext(lookup(), AUTHORITIES))
    assert outcome.code == "no_lmo"  # FAD2KO: gene-edited, no identifier, no LMO record
    outcome = decision_body(items["BNF No. 155"], DecisionContext(lookup(), AUTHORITIES))
    body: dict[str, Any] = outcome.body or {}
    assert body["date"] == "2017-08-02" and body["referenceNumber"] == "BNF No. 155"
    assert body["decisionResult"] == {"identifier": "consultation-concluded"}
    assert body["uses"] == [{"identifier": "food"}, {"identifier": "feed"}]  # "human and animal food"
    assert body["modifiedOrganisms"] == [{"key": "lmo/IND-ØØ41Ø-5"}]
    assert outcome.uid_matches and not outcome.name_matches


def test_eu_links_follow_the_records_made() -> None:
    items = [i for i in read_bundled("eu-1829") if isinstance(i, NormalisedItem)]
    outcomes = {item.external_id: outcome for item, outcome in import_decisions(items, lookup(), AUTHORITIES)}
    amendment = outcomes["(EU) 2019/1195"].body or {}
    assert amendment["amendedRecords"] == [{"key": "dec/eu/2015-697"}]
    assert amendment["modifiedOrganisms"] == [{"key": "lmo/ACS-ZMØØ3-2"}]
    # without the amended decision in the import, the amendment has nothing to link
    alone = {
        i.external_id: o
        for i, o in import_decisions([i for i in items if "2015/697" not in i.external_id], lookup(), AUTHORITIES)
    }
    assert alone["(EU) 2019/1195"].code == "no_lmo"


@pytest.mark.django_db
def test_the_sources_harvest_their_bundled_payloads(harvested: dict[str, Any]) -> None:
    for source, count in (("us-fda-bnf", 22), ("us-aphis-fr", 21), ("eu-1829", 13)):
        run = harvested["runs"][source]
        assert run.status == "succeeded" and run.items_rejected == 0, run.errors
        assert ExternalItem.objects.filter(source=source, active=True).count() == count
    item = ExternalItem.objects.get(source="eu-1829", external_id="98/294/EC")
    assert item.verdict == "matched" and item.fields["date"] == "1998-04-22"
    from openbch.records.queries import find_lmos_by_oecd_uid

    assert item.record_identifier == find_lmos_by_oecd_uid("MON-ØØ81Ø-6")[0].identifier


@pytest.mark.django_db
def test_a_harvest_of_bad_rows_logs_named_rejections(source_server: PlayServer, net: LoopbackOnly) -> None:
    text = bundled_text("eu-1829").replace("2012-02-10", "2012-13-01")
    source_server.overrides["/eu_1829_decisions.tsv"] = (text.encode("utf-8"), "text/tab-separated-values")
    options = HarvestOptions(
        transport="http",
        base_url=source_server.base_url,
        allowed_hosts=frozenset({"127.0.0.1"}),
        limits=FetchLimits(retries=0),
        http_transport=net,
    )
    run = harvest(SYSTEM, "eu-1829", options)
    assert run.status == "succeeded", run.errors
    assert run.items_rejected == 1
    assert run.rejections[0]["external_id"] == "2012/84/EU"
    assert "not a calendar date" in run.rejections[0]["reason"]
