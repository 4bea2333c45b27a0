"""Each connector reads its source's real format into items (no database needed)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from openbch.interop.connectors import connector_for
from openbch.interop.connectors.base import GatherContext, NormalisedItem, ParseError, Rejection, split_names
from openbch.interop.http import BundledFetcher, Fetched, FetchLimits, HttpFetcher, Request
from openbch.interop.sources import definitions, get_definition, load_definition
from tests.interop.conftest import LoopbackOnly
from tests.interop.server import PlayServer


def parse_all(name: str, fetcher: Any = None) -> tuple[list[NormalisedItem], list[Rejection], int]:
    definition = get_definition(name)
    connector = connector_for(definition)
    fetcher = fetcher or BundledFetcher(definition.bundled or "")
    context = GatherContext(fetch=lambda r: fetcher.fetch(r, accept=definition.accept), cursor={})
    tasks = list(connector.gather(context))
    items: list[NormalisedItem] = []
    rejected: list[Rejection] = []
    for task in tasks:
        for entry in connector.parse(task, fetcher.fetch(task.request, accept=definition.accept)):
            (items if isinstance(entry, NormalisedItem) else rejected).append(entry)
    return items, rejected, len(tasks)


def by_id(items: list[NormalisedItem]) -> dict[str, NormalisedItem]:
    return {i.external_id: i for i in items}


def test_every_source_definition_is_complete_and_has_bundled_payloads() -> None:
    names = list(definitions())
    assert names == [
        "bch-api",
        "isaaa",
        "oecd-biotrack",
        "cfia-pnt",
        "us-fda-bnf",
        "us-aphis-fr",
        "eu-1829",
        "euginius",
        "eurl-gmff",
    ]
    for definition in definitions().values():
        assert definition.licence and definition.attribution and definition.homepage.startswith("https://")
        assert BundledFetcher(definition.bundled or "").routes


def test_isaaa_rows_exploded_per_trait_and_gene_become_one_item_per_event() -> None:
    items, rejected, _ = parse_all("isaaa")
    assert len(items) == 507 and not rejected  # 507 distinct name/UID pairs (SOURCE.md)
    mon810 = by_id(items)["MON-ØØ81Ø-6 | MON810"]
    assert mon810.identifiers == ["MON-ØØ81Ø-6"]
    assert mon810.fields["trade_names"] == ["YieldGard™", "MaizeGard™"]
    assert "cry1Ab" in mon810.fields["genes"] and mon810.fields["crop"] == "Maize"
    stack = by_id(items)["MON-ØØ863-5 x MON-ØØ81Ø-6 | MON863 x MON810"]
    assert stack.fields["component_names"] == ["MON863", "MON810"]
    assert by_id(items)["FLO-11226-8 | 1226A (11226)"].identifiers == ["FLO-11226-8"]


def test_biotrack_reads_component_names_of_stacks_from_the_trade_name_column() -> None:
    items, rejected, _ = parse_all("oecd-biotrack")
    assert len(items) == 89 and not rejected
    item = by_id(items)["DAS-Ø15Ø7-1 x DAS-59122-7 x MON-ØØ81Ø-6 x SYN-IR6Ø4-5 x MON-ØØ6Ø3-6"]
    assert item.fields["component_names"] == ["TC1507", "DAS-59122-7", "NK603", "MON810", "MIR604"]
    assert item.fields["trade_names"] == []
    enlist = by_id(items)["DAS-444Ø6-6 | DAS-44406-6"]
    assert enlist.fields["trade_names"] == ["Enlist"] and enlist.fields["crop"] == "Soybean"


def test_cfia_splits_multi_event_approvals_and_keeps_the_three_decisions() -> None:
    items, rejected, _ = parse_all("cfia-pnt")
    assert not rejected
    found = by_id(items)
    j101 = found["DD2005-53 | MON-00101-8"]
    assert j101.fields["event_name"] == "J101" and found["DD2005-53 | MON-00163-7"].fields["event_name"] == "J163"
    mon810 = found["DD97-19 | MON-00810-6"]
    assert [d["scope"] for d in mon810.fields["decisions"]] == ["environment", "feed", "food"]
    assert mon810.fields["decisions"][0]["date"] == "1997-01-22"
    # "73496 and 61061" with "DP-073496-4 and DP-061067-7": paired in order (the second UID is a CFIA typo)
    assert found["DD2012-88 | DP-061067-7"].fields["event_name"] == "61061"
    assert sum(1 for i in items if i.subject == "product") == 27  # CFIA's non-LMO rows


def test_euginius_gives_one_item_per_method_and_target() -> None:
    items, rejected, _ = parse_all("euginius")
    assert not rejected
    found = by_id(items)
    event = found["QT-EVE-ZM-020"]
    assert event.fields["event_name"] == "MON810" and event.fields["crop"] == "Zea mays"
    assert event.fields["forward_primer"] == {"name": "Mail-F1", "sequence": "TCGAAGGACGAAGGACTCTAACGT"}
    assert ("method", "QT-EVE-ZM-020") in event.keys
    construct = [i for i in items if i.fields["method_code"] == "QT-CON-00-004"]
    assert sorted(i.fields["event_name"] for i in construct) == ["DBN9936", "MON80100", "MON802", "MON809", "MON810"]
    assert found["QL-ELE-00-001"].subject == "element"
    assert found["QL-CON-00-003 @ Bt10 maize"].fields["event_name"] == "Bt10"


@pytest.mark.parametrize(
    ("code", "organism"),
    [
        ("QT-EVE-ZM-020", "Zea mays"),
        ("QL-EVE-MS-J101-F/J101-R", "Medicago sativa"),  # primer names, no number, after the crop
        ("QL-EVE-OS-KM2_for/KM1_rev", "Oryza sativa"),
        ("QL-EVE-SS-AquAdvantage", "Salmo salar"),
        ("QL-TAX-SL-005", "Solanum lycopersicum"),
        ("QL-EVE-KP-001", "Komagataella phaffii"),
        ("QT-EVE-HF-1F/HF-2R", ""),  # HF is the event (Huafan No 1), not an organism
        ("QL-ELE-00-001", ""),
        ("QL-ELE-P-Rice actin", ""),
    ],
)
def test_method_codes_name_their_organism(code: str, organism: str) -> None:
    from openbch.interop.connectors.euginius import method_crop

    assert method_crop(code) == organism


def test_eurl_reads_identifiers_written_in_targets_and_accessions() -> None:
    items, _, _ = parse_all("eurl-gmff")
    found = by_id(items)
    assert found["QT-EVE-GM-013"].identifiers == ["DAS-68416-4"]
    assert (
        found["QL-EVE-DC-003"].identifiers == ["IFD-25958-3"] and found["QL-EVE-DC-003"].fields["event_name"] == "25958"
    )
    assert found["QT-EVE-BN-008"].identifiers == ["ACS-BN007-1"]  # "Topas 19/2 insert", accession ACS-BN007-1
    assert found["QT-EVE-GM-016"].identifiers == []  # accession JRC102147 is not an identifier
    assert found["QL-CON-00-011"].subject == "construct"


def test_bch_api_pages_through_the_index_and_reads_each_document() -> None:
    items, rejected, tasks = parse_all("bch-api")
    assert not rejected and tasks == len(items) == 63 + 5  # and 3 decisions, 2 authorities
    mon810 = next(i for i in items if i.identifiers == ["MON-ØØ81Ø-6"])
    assert mon810.fields["event_name"] == "MON810" and mon810.fields["scientific_name"] == "Zea mays"
    assert mon810.url.startswith("https://bch.cbd.int/en/database/BCH-LMO-SCBD-")
    assert {i.subject for i in items} == {"lmo", "element", "organism", "decision", "authority"}
    eu = next(i for i in items if i.fields.get("title", "").startswith("Commission Decision 98/294/EC"))
    assert (eu.fields["government"], eu.fields["date"], eu.fields["decision_types"]) == (
        "eu",
        "1998-04-22",
        ["8.1", "8.2"],
    )
    assert eu.url == "https://bch.cbd.int/en/database/BCH-DEC-EU-101792"
    assert eu.fields["lmo_refs"] == [mon810.external_id]


def test_bch_api_over_http_follows_the_paging_of_a_real_server(source_server: PlayServer, net: LoopbackOnly) -> None:
    definition = get_definition("bch-api")
    fetcher = HttpFetcher(
        source_server.base_url,
        limits=FetchLimits(retries=0),
        allowed_hosts=frozenset({"127.0.0.1"}),
        http_transport=net,
    )
    items, _, tasks = parse_all("bch-api", fetcher)
    fetcher.close()
    pages = [h for h in source_server.hits if h.endswith("/index/select")]
    assert len(pages) == 4 + 3 + 1 + 1 + 1  # 36 LMOs, 25 elements, 2 organisms, 2 authorities, 3 decisions by 10
    assert tasks == len(items) == 68
    assert definition.accept == ("application/json",)


def test_bch_api_refuses_identifiers_that_would_leave_the_documents_path() -> None:
    connector = connector_for(get_definition("bch-api"))
    page = {
        "response": {
            "numFound": 2,
            "start": 0,
            "docs": [{"identifier_s": "../../admin/secrets"}, {"identifier_s": "ABCDEF0123456789"}],
        }
    }
    context = GatherContext(
        fetch=lambda r: Fetched("x", "application/json", json.dumps(page).encode()),
        cursor={
            name: {"start": 0, "done": True} for name in ("organism", "dnaSequence", "authority", "biosafetyDecision")
        },
    )
    tasks = list(connector.gather(context))
    assert [t.request.path for t in tasks] == ["api/v2013/documents/ABCDEF0123456789"]
    assert context.cursor["refused"] == ["../../admin/secrets"]


def test_bch_api_reports_a_page_that_is_not_solr_json() -> None:
    connector = connector_for(get_definition("bch-api"))
    context = GatherContext(
        fetch=lambda r: Fetched("x", "application/json", b'{"response": {"numFound": 3, "docs": [{'), cursor={}
    )
    with pytest.raises(ParseError):
        list(connector.gather(context))


def test_the_generic_connector_is_driven_by_the_mapping_alone() -> None:
    raw: dict[str, Any] = {
        "name": "example-json",
        "label": "Example",
        "kind": "product-database",
        "connector": "generic",
        "homepage": "https://example.org/",
        "base_url": "https://example.org/",
        "format": "json",
        "licence": "CC0",
        "attribution": "Example",
        "transport": "http",
        "requests": [{"path": "products.json"}],
        "options": {
            "records": "data.products",
            "mapping": {
                "subject": "lmo",
                "id": ["code"],
                "name": ["label.en", "code"],
                "required": [["code"]],
                "identifiers": {"column": "uid"},
                "url": {"template": "https://example.org/p/{event_name}"},
                "fields": {
                    "event_name": {"column": "event"},
                    "traits": {"column": "traits", "collect": True},
                    "country": {"value": "ZZ"},
                },
            },
        },
    }
    definition = load_definition(raw)
    connector = connector_for(definition)
    body = json.dumps(
        {
            "data": {
                "products": [
                    {
                        "code": "P1",
                        "label": {"en": "Product one"},
                        "uid": "MON-ØØ81Ø-6",
                        "event": "MON810",
                        "traits": ["Lepidoptera resistance"],
                    },
                    {"label": {"en": "no code"}},
                    "not an object",
                ]
            }
        }
    ).encode()
    entries = list(connector.parse(next(iter(_tasks(connector))), Fetched("x", "application/json", body)))
    items = [e for e in entries if isinstance(e, NormalisedItem)]
    assert len(items) == 1 and len(entries) == 3
    item = items[0]
    assert (item.external_id, item.name, item.identifiers) == ("P1", "Product one", ["MON-ØØ81Ø-6"])
    assert item.fields == {"event_name": "MON810", "traits": ["Lepidoptera resistance"], "country": "ZZ"}
    assert item.url == "https://example.org/p/MON810"


def _tasks(connector: Any) -> Iterator[Any]:
    return iter(connector.gather(GatherContext(fetch=lambda r: Fetched("", "", b""), cursor={})))


def test_garbage_tables_are_reported_as_parse_errors() -> None:
    connector = connector_for(get_definition("isaaa"))
    task = next(_tasks(connector))
    with pytest.raises(ParseError):
        list(connector.parse(task, Fetched("x", "text/csv", b"\xff\xfe\x00garbage")))


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("MON863 x MON810", ["MON863", "MON810"]),
        ("59122, 1507, NK603", ["59122", "1507", "NK603"]),
        ("1507x59122xMON810xNK603", ["1507", "59122", "MON810", "NK603"]),
        ("FG72 (FGØ72-2, FGØ72-3)", ["FG72 (FGØ72-2, FGØ72-3)"]),
        ("Roundup Ready 2 Xtend", ["Roundup Ready 2 Xtend"]),
    ],
)
def test_stacked_names_split_into_components(text: str, names: list[str]) -> None:
    assert split_names(text) == names


def test_requests_have_a_locator_independent_of_the_transport() -> None:
    request = Request.of("api/v2013/index/select", {"start": "10", "fq": ["b", "a"]})
    assert request.locator == "api/v2013/index/select?fq=a&fq=b&start=10"
    assert request.url("https://api.cbd.int/") == "https://api.cbd.int/api/v2013/index/select?start=10&fq=b&fq=a"
