"""GET /api/v1/search on the real demo data: identifiers, facets against independent database
counts, hierarchical and LMO-derived filters, cursor walks while records are published, languages,
highlights, and a 4xx (never a 500) for malformed input in every parameter."""

from __future__ import annotations

import copy
from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from openbch.core.actors import SYSTEM
from openbch.records.models import Record, RecordState
from openbch.records.queries import latest_revisions
from openbch.records.services import RecordInput, publish_records
from openbch.records.workflow import withdraw
from openbch.recordtypes.validate import parse_reference
from openbch.search.query import MAX_QUERY_LENGTH, sort_title
from openbch.vocabularies import get_vocabulary

pytestmark = pytest.mark.django_db

Params = dict[str, Any]


def search(client: Client, params: Params, headers: dict[str, str] | None = None) -> dict[str, Any]:
    response = client.get("/api/v1/search", params, headers=headers)
    assert response.status_code == 200, response.content
    data: dict[str, Any] = response.json()
    return data


def walk(client: Client, params: Params, between: Callable[[int], None] | None = None) -> list[dict[str, Any]]:
    """Every result, page after page, following ``next``; ``between(page_number)`` runs between pages."""
    results: list[dict[str, Any]] = []
    page = search(client, params)
    number = 0
    while True:
        results.extend(page["results"])
        if not page["next"]:
            return results
        if between:
            between(number)
        number += 1
        page = search(client, {**params, "cursor": page["next"]})


def flatten(values: list[dict[str, Any]]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for value in values:
        counts[value["id"]] = value["count"]
        counts.update(flatten(value["children"] or []))
    return counts


def canadian_decisions() -> list[Any]:
    return latest_revisions(Record.objects.filter(type="DEC", owner="CA", state=RecordState.PUBLISHED))


def references(body: dict[str, Any], field: str) -> list[str]:
    return [p[0] for item in body.get(field) or [] if (p := parse_reference(item["identifier"]))]


def new_decision(title: str, date: str, template: dict[str, Any] | None = None) -> Record:
    body = copy.deepcopy(template or canadian_decisions()[0].body)
    body["title"] = {"en": title} if isinstance(title, str) else title
    body["date"] = date
    return publish_records(SYSTEM, [RecordInput("DEC", "CA", body)]).records[0]


# -- identifiers and free text ------------------------------------------------------------------


@pytest.mark.parametrize("spelling", ["mon-00810-6", "MON 00810 6", "MON-ØØ81Ø-6", "mon00810-6", "MON–ØØ81Ø–6"])
def test_an_oecd_identifier_in_any_spelling_finds_its_lmo_first(client: Client, spelling: str) -> None:
    lmo = Record.objects.get(keys__kind="oecd", keys__value="MON008106")
    page = search(client, {"q": spelling})
    first = page["results"][0]
    assert (first["identifier"], first["type"], first["uid"]) == (lmo.identifier, "LMO", lmo.uid)
    assert latest_revisions([lmo])[0].body["uniqueIdentification"] == "MON-ØØ81Ø-6"
    # the decisions on MON810 are found too, after the LMO
    assert any(r["type"] == "DEC" for r in walk(client, {"q": spelling, "limit": 100}))


def test_a_record_uid_finds_that_record_first(client: Client) -> None:
    decision = canadian_decisions()[5]
    for text in (decision.uid, decision.uid.rsplit("-", 1)[0].lower(), decision.record.identifier):
        assert search(client, {"q": text})["results"][0]["uid"] == decision.uid


def test_free_text_is_anded_and_highlighted(client: Client) -> None:
    page = search(client, {"q": "glufosinate canola", "type": "DEC", "limit": 100})
    assert page["total"] > 0
    for result in page["results"]:
        assert result["score"] is not None
    highlighted = " ".join(h for r in page["results"] for h in r["highlights"]).lower()
    assert "<b>glufosinate</b>" in highlighted or "<b>canola</b>" in highlighted
    both = search(client, {"q": "glufosinate", "type": "DEC"})["total"]
    assert page["total"] <= both


def test_highlights_escape_the_text_they_show(client: Client) -> None:
    new_decision("Zorblax <script>alert(1)</script> decision", "2010-01-01")
    result = search(client, {"q": "zorblax"})["results"][0]
    assert result["highlights"]
    assert all("<script>" not in h for h in result["highlights"])
    assert any("&lt;script&gt;" in h and "<b>Zorblax</b>" in h for h in result["highlights"])


def test_any_un_language_with_accents_stems_and_chinese(client: Client) -> None:
    record = new_decision(
        {
            "en": "Quuxline maize import decision",
            "fr": "Décisions sur l'importation du maïs quuxline",
            "es": "Decisión sobre la importación de maíz",
            "ru": "Решение об импорте кукурузы",
            "ar": "قرار بشأن استيراد الذرة",
            "zh": "关于转基因玉米进口的决定",
        },
        "2011-02-03",
    )
    for text in (
        "decision importation mais",
        "décision",
        "l'importation",
        "импорте",
        "кукуруза",
        "الذرة",
        "转基因玉米",
        "玉米",
    ):
        uids = [r["uid"] for r in search(client, {"q": text, "limit": 100})["results"]]
        assert record.uid in uids, text
    assert search(client, {"q": "quuxline", "lang": "zh"})["results"][0]["title"] == "关于转基因玉米进口的决定"
    fallback = search(client, {"q": "quuxline", "lang": "de"})["results"][0]
    assert (fallback["title"], fallback["title_language"]) == ("Quuxline maize import decision", "en")
    by_header = search(client, {"q": "quuxline"}, {"Accept-Language": "fr-CA,fr;q=0.9,en;q=0.5"})["results"][0]
    assert by_header["title_language"] == "fr" and by_header["title"].startswith("Décisions")


# -- facets and filters -------------------------------------------------------------------------


def test_decision_type_counts_equal_the_database(client: Client) -> None:
    vocabulary = get_vocabulary("decision-types")
    expected: Counter[str] = Counter()
    for item in canadian_decisions():
        terms: set[str] = set()
        for term in item.body["decisionTypes"]:
            current: str | None = term["identifier"]
            while current:  # the term and each broader term
                terms.add(current)
                current = vocabulary.terms[current].broader if current in vocabulary else None
        expected.update(terms)
    page = search(client, {"type": "DEC", "country": "CA", "facet": "decisionTypes", "limit": 1})
    assert page["total"] == len(canadian_decisions())
    (facet,) = page["facets"]
    assert facet["name"] == "decisionTypes" and facet["label"]
    assert flatten(facet["values"]) == dict(expected)
    top = {v["id"]: v for v in facet["values"]}
    assert {"8.1", "8.2"} <= set(top)  # children are nested under their parent
    assert {c["id"] for c in top["8.2"]["children"]} <= vocabulary.descendants("8.2")
    assert top["8.1"]["label"] == vocabulary.terms["8.1"].label_in("en")
    french = search(client, {"type": "DEC", "facet": "decisionTypes", "lang": "fr", "limit": 1})["facets"][0]
    assert {v["id"]: v["label"] for v in french["values"]}["8.1"] == vocabulary.terms["8.1"].label_in("fr")


def test_a_facet_ignores_its_own_filter_but_not_the_others(client: Client) -> None:
    unfiltered = search(client, {"type": "DEC", "facet": ["decisionTypes", "uses"]})
    filtered = search(client, {"type": "DEC", "decisionTypes": "8.1", "facet": ["decisionTypes", "uses"]})
    by_name = {f["name"]: flatten(f["values"]) for f in filtered["facets"]}
    assert by_name["decisionTypes"] == {f["name"]: flatten(f["values"]) for f in unfiltered["facets"]}["decisionTypes"]
    assert filtered["total"] == by_name["decisionTypes"]["8.1"]
    assert sum(by_name["uses"].values()) < sum(flatten(unfiltered["facets"][1]["values"]).values())


def _decisions_whose_lmos(predicate: Callable[[dict[str, Any]], bool]) -> set[str]:
    lmos = {p.record.identifier: p.body for p in latest_revisions(Record.objects.filter(type="LMO"))}
    return {
        item.record.identifier
        for item in canadian_decisions()
        if any(predicate(lmos[i]) for i in references(item.body, "modifiedOrganisms") if i in lmos)
    }


def test_a_trait_parent_finds_the_decisions_on_lmos_with_a_narrower_trait(client: Client) -> None:
    vocabulary = get_vocabulary("lmo-traits")
    parent = "resistance-to-herbicides"
    wanted = {parent} | vocabulary.descendants(parent)
    expected = _decisions_whose_lmos(lambda body: any(t["identifier"] in wanted for t in body.get("traits", [])))
    only_by_child = _decisions_whose_lmos(
        lambda body: any(t["identifier"] in wanted - {parent} for t in body.get("traits", []))
    ) - _decisions_whose_lmos(lambda body: any(t["identifier"] == parent for t in body.get("traits", [])))
    assert only_by_child, "the demo data should have decisions reached only through a narrower trait"
    found = walk(client, {"type": "DEC", "country": "CA", "traits": parent, "limit": 100})
    assert {r["identifier"] for r in found} == expected
    facet = search(client, {"type": "DEC", "country": "CA", "facet": "traits"})["facets"][0]
    assert flatten(facet["values"])[parent] == len(expected)


def test_decisions_filtered_by_crop_and_by_genetic_element_of_their_lmos(client: Client) -> None:
    maize = Record.objects.get(type="ORGA", title="Zea mays")
    expected = _decisions_whose_lmos(lambda body: maize.identifier in references(body, "recipientOrganisms"))
    found = walk(client, {"type": "DEC", "country": "CA", "recipientOrganisms": maize.identifier, "limit": 100})
    assert expected and {r["identifier"] for r in found} == expected
    facet = search(client, {"type": "DEC", "facet": "recipientOrganisms"})["facets"][0]
    labels = {v["id"]: v["label"] for v in facet["values"]}
    assert labels[maize.identifier] == "Zea mays"

    gene = Record.objects.filter(type="GENE", title__icontains="cry1Ab").order_by("number").first()
    assert gene is not None
    expected = _decisions_whose_lmos(lambda body: gene.identifier in references(body, "genes"))
    found = walk(client, {"type": "DEC", "country": "CA", "genes": gene.identifier, "limit": 100})
    assert expected and {r["identifier"] for r in found} == expected


def test_decisions_by_lmo_identifier_and_date_range(client: Client) -> None:
    lmo = Record.objects.get(keys__kind="oecd", keys__value="MON008106")
    in_range = {
        item.record.identifier
        for item in canadian_decisions()
        if lmo.identifier in references(item.body, "modifiedOrganisms")
        and "1996-01-01" <= item.body["date"] <= "1997-12-31"
    }
    found = walk(
        client,
        {"modifiedOrganisms": "MON 00810 6", "date_from": "1996-01-01", "date_to": "1997-12-31", "limit": 100},
    )
    assert in_range and {r["identifier"] for r in found} == in_range
    assert all("1996-01-01" <= r["date"] <= "1997-12-31" for r in found)


def test_an_lmo_republished_with_a_new_trait_reindexes_its_decisions(client: Client) -> None:
    lmo = Record.objects.get(keys__kind="oecd", keys__value="MON008106")
    decisions = {
        item.record.identifier
        for item in canadian_decisions()
        if lmo.identifier in references(item.body, "modifiedOrganisms")
    }
    before = {
        r["identifier"]
        for r in walk(client, {"type": "DEC", "country": "CA", "traits": "drought-tolerance", "limit": 100})
    }
    assert not decisions <= before
    body = copy.deepcopy(latest_revisions([lmo])[0].body)
    body["traits"] = [*body["traits"], {"identifier": "drought-tolerance"}]
    publish_records(SYSTEM, [RecordInput("LMO", "SCBD", body, identifier=lmo.identifier)])
    after = {
        r["identifier"]
        for r in walk(client, {"type": "DEC", "country": "CA", "traits": "drought-tolerance", "limit": 100})
    }
    assert after == before | decisions
    # the parent of the new trait matches them too
    parent = get_vocabulary("lmo-traits").terms["drought-tolerance"].broader
    assert parent is not None
    assert decisions <= {
        r["identifier"] for r in walk(client, {"type": "DEC", "country": "CA", "traits": parent, "limit": 100})
    }


def test_a_publication_is_searchable_on_the_next_query_and_a_withdrawal_disappears(client: Client) -> None:
    search(client, {"q": "anything"})  # the index is current
    record = publish_records(SYSTEM, [RecordInput("ORGA", "SCBD", {"scientificName": "Frobnica searchable"})]).records[
        0
    ]
    assert [r["uid"] for r in search(client, {"q": "frobnica"})["results"]] == [record.uid]
    withdraw(SYSTEM, identifier=record.identifier, reason="test")
    assert search(client, {"q": "frobnica"})["total"] == 0


def test_type_and_country_facets(client: Client) -> None:
    page = search(client, {"facet": ["type", "country"], "limit": 1})
    types = {v["id"]: v for v in page["facets"][0]["values"]}
    assert types["DEC"]["count"] == Record.objects.filter(type="DEC", state=RecordState.PUBLISHED).count()
    assert types["LMO"]["label"] == "Living modified organism"
    countries = {v["id"]: v for v in page["facets"][1]["values"]}
    assert countries["CA"]["count"] == Record.objects.filter(owner="CA", state=RecordState.PUBLISHED).count()
    assert countries["CA"]["label"] == "Canada"


# -- sorting and cursors ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "params",
    [
        {"type": "DEC", "country": "CA"},
        {"type": "DEC", "country": "CA", "sort": "date", "order": "asc"},
        {"type": "DEC", "country": "CA", "sort": "title"},
        {"type": "DEC", "country": "CA", "sort": "title", "order": "desc", "lang": "fr"},
        {"q": "canada", "type": "DEC", "country": "CA"},
    ],
    ids=["date-desc", "date-asc", "title", "title-desc-fr", "relevance"],
)
def test_a_cursor_walk_returns_each_record_once_while_records_are_published(client: Client, params: Params) -> None:
    expected = {r["identifier"] for r in search(client, {**params, "limit": 100})["results"]}
    expected |= {r["identifier"] for r in walk(client, {**params, "limit": 100})}
    candidates = [i for i in canadian_decisions() if i.record.identifier in expected]
    withdrawn = candidates[len(candidates) // 2]
    republished = candidates[len(candidates) // 3]
    added: list[Record] = []

    def publish_meanwhile(page: int) -> None:
        if page == 1:
            # newest and oldest: one sorts before the pages already seen, one after
            added.append(new_decision("Canada aaa newly published decision", "2099-01-01"))
            added.append(new_decision("Canada zzz newly published decision", "1901-01-01"))
            withdraw(SYSTEM, identifier=withdrawn.record.identifier, reason="test")
            body = copy.deepcopy(republished.body)
            body["referenceNumber"] = "REPUBLISHED-1"
            publish_records(SYSTEM, [RecordInput("DEC", "CA", body, identifier=republished.record.identifier)])

    seen = walk(client, {**params, "limit": 7}, between=publish_meanwhile)
    identifiers = [r["identifier"] for r in seen]
    assert len(identifiers) == len(set(identifiers)), "a record came twice"
    assert set(identifiers) == expected - {withdrawn.record.identifier}
    assert not {r.identifier for r in added} & set(identifiers)
    # a new walk sees the new records
    again = {r["identifier"] for r in walk(client, {**params, "limit": 100})}
    assert {r.identifier for r in added} <= again


def test_sort_orders(client: Client) -> None:
    by_date = walk(client, {"type": "DEC", "limit": 50})
    dates = [r["date"] for r in by_date]
    assert dates == sorted(dates, reverse=True)
    by_title = walk(client, {"type": "DEC", "sort": "title", "limit": 50})
    titles = [sort_title(r["title"]) for r in by_title]
    assert titles == sorted(titles)
    ranked = walk(client, {"q": "glyphosate tolerance", "limit": 10})
    scores = [r["score"] for r in ranked]
    assert scores == sorted(scores, reverse=True)


def test_limit_and_the_last_page(client: Client) -> None:
    page = search(client, {"type": "DEC", "limit": 3})
    assert len(page["results"]) == 3 and page["next"]
    assert search(client, {"type": "DEC", "limit": 100})["total"] == page["total"]
    empty = search(client, {"q": "nonexistentwordxyz"})
    assert empty == {"total": 0, "results": [], "facets": [], "next": None}


# -- errors -------------------------------------------------------------------------------------

PROBLEM_KEYS = {"type", "title", "status", "detail", "code"}


@pytest.mark.parametrize(
    "params",
    [
        {"q": "title:("},
        {"q": "maize AND"},
        {"q": "title:* OR maize"},
        {"q": "uid:[a TO z]"},
        {"q": "x" * 257},
        {"facet": "nonsense"},
        {"nonsense": "1"},
        {"limit": "0"},
        {"limit": "101"},
    ],
)
def test_bad_requests_are_problems(client: Client, params: Params) -> None:
    response = client.get("/api/v1/search", params)
    assert response.status_code == 400, response.content
    assert response["Content-Type"] == "application/problem+json"
    assert set(response.json()) >= PROBLEM_KEYS


def test_a_cursor_that_names_no_page_of_this_query_is_not_found(client: Client) -> None:
    cursor = search(client, {"type": "DEC", "limit": 2})["next"]
    response = client.get("/api/v1/search", {"type": "LMO", "limit": 2, "cursor": cursor})
    assert response.status_code == 404 and "another query" in response.json()["detail"]
    forged = client.get("/api/v1/search", {"type": "DEC", "limit": 2, "cursor": cursor[:-3] + "abc"})
    assert forged.status_code == 404 and forged["Content-Type"] == "application/problem+json"


def test_what_can_match_nothing_is_answered_empty(client: Client) -> None:
    assert search(client, {"type": "LMO", "decisionTypes": "8.1"})["total"] == 0
    facet = search(client, {"type": "LMO", "facet": "decisionTypes"})["facets"][0]
    assert facet["name"] == "decisionTypes" and facet["values"] == []
    assert search(client, {"date_from": "2021-01-01", "date_to": "2020-01-01"})["total"] == 0
    assert search(client, {"modifiedOrganisms": "00000000-0000-0000-0000-000000000000"})["total"] == 0


MALICIOUS = {
    "sql": "' OR 1=1 --",
    "sql-drop": "1; DROP TABLE records_record; --",
    "fts": 'title:* OR "',
    "nul": "maize\x00",
    "10kb": "a" * 10_240,
}
SEARCH_PARAMETERS = [
    "q", "type", "country", "facet", "sort", "order", "limit", "cursor", "lang", "date_from", "date_to",
    "decisionTypes", "decisionResult", "traits", "recipientOrganisms", "genes", "modifiedOrganisms", "isGeneEdited",
]  # fmt: skip


@pytest.mark.parametrize("payload", list(MALICIOUS), ids=list(MALICIOUS))
@pytest.mark.parametrize("parameter", SEARCH_PARAMETERS)
def test_malicious_values_in_every_parameter_are_refused(client: Client, parameter: str, payload: str) -> None:
    response = client.get("/api/v1/search", {parameter: MALICIOUS[payload]})
    assert 400 <= response.status_code < 500, (parameter, payload, response.status_code)
    assert set(response.json()) >= PROBLEM_KEYS
    # and nothing changed: the records are all there
    assert Record.objects.filter(type="DEC", state=RecordState.PUBLISHED).exists()


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.text(max_size=MAX_QUERY_LENGTH))
def test_any_free_text_is_answered_or_refused_never_an_error(client: Client, text: str) -> None:
    """Whatever is typed: 200, or 400 with a problem body (query syntax, control characters)."""
    response = client.get("/api/v1/search", {"q": text, "limit": 5})
    assert response.status_code in (200, 400), (text, response.status_code)
    if response.status_code == 400:
        assert set(response.json()) >= PROBLEM_KEYS


def test_the_spec_documents_the_search_parameters_and_responses(client: Client) -> None:
    spec = client.get("/api/openapi.json").json()
    operation = spec["paths"]["/api/v1/search"]["get"]
    names = {p["name"] for p in operation["parameters"]}
    assert {"q", "type", "country", "facet", "cursor", "limit", "traits", "decisionTypes"} <= names
    assert {"200", "400"} <= set(operation["responses"])
    export = spec["paths"]["/api/v1/export"]["get"]
    assert "text/csv" in export["responses"]["200"]["content"]


@pytest.mark.parametrize("first_window", [2, 1024])
@pytest.mark.parametrize("q", ["maize", "tolerance", "canada"])
def test_relevance_pages_follow_score_then_the_newer_record(
    client: Client, monkeypatch: pytest.MonkeyPatch, q: str, first_window: int
) -> None:
    """The walk equals every hit sorted by (score, record number), both descending, whatever the
    first window (a window of 2 cuts every run of equal scores and makes the window grow)."""
    from openbch.search import service

    monkeypatch.setattr(service, "FIRST_RELEVANCE_WINDOW", first_window)
    everything = search(client, {"q": q, "limit": 100})
    assert everything["total"] > 20, "the query must match enough records to page"
    pages = walk(client, {"q": q, "limit": 7})
    numbers = {r["uid"]: int(r["uid"].split("-")[3]) for r in pages}
    expected = sorted(pages, key=lambda r: (-r["score"], -numbers[r["uid"]]))
    assert [r["uid"] for r in pages] == [r["uid"] for r in expected]
    assert len(pages) == everything["total"] == len({r["uid"] for r in pages})
    ties = Counter(r["score"] for r in pages)
    assert max(ties.values()) > 7, "the query must have a run of equal scores longer than a page"
