"""Search pages kept while nothing is published: exact, never stale, bounded, and errors never kept."""

from __future__ import annotations

import time
from typing import Any

import pytest
from django.core import signing
from django.test import Client, override_settings

from openbch.core.actors import SYSTEM
from openbch.core.errors import BadRequestError
from openbch.records.services import RecordInput, publish_records
from openbch.records.workflow import withdraw
from openbch.search import live
from openbch.search.answers import PAGES, PageCache, search_json
from openbch.search.index import rebuild, writer_lock

pytestmark = pytest.mark.django_db

MAIZE = {"q": ["maize"], "facet": ["type", "country"], "limit": ["5"]}


def _organism(name: str) -> RecordInput:
    return RecordInput("ORGA", "SCBD", {"scientificName": name})


def test_a_repeated_search_is_the_kept_page_byte_for_byte(client: Client) -> None:
    first = search_json(MAIZE, "en")
    assert len(PAGES) == 1
    assert search_json(MAIZE, "en") is first  # the same bytes object: not searched again
    # the same query with its parameters in another order is the same page
    assert search_json({"limit": ["5"], "facet": ["type", "country"], "q": ["maize"]}, "en") is first
    with override_settings(OPENBCH_SEARCH_CACHE_MB=0):
        assert search_json(MAIZE, "en") == first  # computed afresh: the same answer
    over_http = client.get("/api/v1/search", {"q": "maize", "facet": ["type", "country"], "limit": 5})
    assert over_http.content == first and over_http["Content-Type"].startswith("application/json")
    # the language is part of the key
    search_json(MAIZE, "fr")
    assert len(PAGES) == 2


def test_a_page_computed_later_has_the_same_cursor(monkeypatch: pytest.MonkeyPatch) -> None:
    # the cursor was signed with the time (signing.dumps): a page computed afresh a second later
    # differed from the kept one in its ``next`` (the test above failed so on a slow machine)
    first = search_json(MAIZE, "en")
    later = time.time() + 3600
    monkeypatch.setattr(signing.time, "time", lambda: later)
    with override_settings(OPENBCH_SEARCH_CACHE_MB=0):
        assert search_json(MAIZE, "en") == first


def test_a_publication_or_a_withdrawal_shows_in_the_very_next_answer(client: Client) -> None:
    params = {"q": "Cachia"}
    assert client.get("/api/v1/search", params).json()["total"] == 0
    record = publish_records(SYSTEM, [_organism("Cachia kept")]).records[0]
    found = client.get("/api/v1/search", params).json()
    assert [r["uid"] for r in found["results"]] == [record.uid]
    withdraw(SYSTEM, identifier=record.identifier, reason="a test")
    assert client.get("/api/v1/search", params).json()["total"] == 0


def test_an_answer_from_a_busy_index_is_not_kept(client: Client, monkeypatch: pytest.MonkeyPatch) -> None:
    rebuild()
    monkeypatch.setattr(live, "QUERY_WAIT_SECONDS", 0.05)
    record = publish_records(SYSTEM, [_organism("Busyia waiting")]).records[0]
    with writer_lock():  # another worker holds the index: the answer comes from the index as it is
        assert client.get("/api/v1/search", {"q": "busyia"}).json()["total"] == 0
        assert len(PAGES) == 0
    found = client.get("/api/v1/search", {"q": "busyia"}).json()
    assert [r["uid"] for r in found["results"]] == [record.uid]
    assert len(PAGES) == 1


def test_bad_parameters_fail_every_time_and_are_never_kept() -> None:
    for _ in range(2):
        with pytest.raises(BadRequestError, match="unknown parameter"):
            search_json({"q": ["maize"], "nonsense": ["1"]}, "en")
        with pytest.raises(BadRequestError):
            search_json({"q": ['"unclosed']}, "en")
    assert len(PAGES) == 0


def test_the_cache_keeps_within_its_budget_least_recently_used_out() -> None:
    pages = PageCache()
    for name in "abcd":
        pages.put(name, name.encode() * 100, budget=800)
    assert pages.get("a") is not None  # a is now the most recently used, b the least
    for name in "efghi":
        pages.put(name, name.encode() * 100, budget=800)
    kept: dict[str, Any] = {name: pages.get(name) for name in "abcdefghi"}
    assert {name for name, body in kept.items() if body is None} == {"b"}
    assert pages._bytes == 800
    pages.put("huge", b"x" * 101, budget=800)  # more than an eighth of the budget: not kept
    assert pages.get("huge") is None
    pages.put("a", b"A" * 50, budget=800)  # replacing an entry counts its new size only
    assert pages.get("a") == b"A" * 50 and pages._bytes == 750


@override_settings(OPENBCH_SEARCH_CACHE_MB=0)
def test_the_newest_record_is_on_the_first_page_after_each_publication(client: Client) -> None:
    # a new walk is pinned to the highest record number indexed, which is kept per index state
    seen = []
    for name in ("Pinnia prima", "Pinnia secunda"):
        record = publish_records(SYSTEM, [_organism(name)]).records[0]
        page = client.get("/api/v1/search", {"type": "ORGA", "sort": "date", "limit": 50}).json()
        seen.append(record.uid in {r["uid"] for r in page["results"]})
        assert client.get("/api/v1/search", {"q": "pinnia"}).json()["total"] == len(seen)
    assert seen == [True, True]
