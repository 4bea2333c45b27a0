"""The web search page shows what identifies each hit, with the very values of the API's hits."""

from __future__ import annotations

import html
import re
from typing import Any

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db

#: one shown hit field: its name, its label (visible or for screen readers), its value
_FIELD = re.compile(
    r'<span class="hit-field" data-field="(?P<name>\w+)"><span class="(?P<cls>[\w-]+)">(?P<label>[^<]*):</span> '
    r'(?:<time datetime="(?P<datetime>[^"]*)">)?(?P<value>[^<]*)'
)
_RESULT = re.compile(r'<li class="result">.*?</li>', re.S)


def api_hits(client: Client, params: dict[str, Any]) -> list[dict[str, Any]]:
    response = client.get("/api/v1/search", params)
    assert response.status_code == 200
    results: list[dict[str, Any]] = response.json()["results"]
    return results


def page_hits(client: Client, language: str, params: dict[str, Any]) -> list[list[dict[str, str]]]:
    response = client.get(f"/{language}/search/", params)
    assert response.status_code == 200
    shown = []
    for item in _RESULT.findall(response.content.decode()):
        shown.append(
            [
                {
                    "name": m["name"],
                    "label": html.unescape(m["label"]),
                    "value": html.unescape(m["value"]),
                    "class": m["cls"],
                    "datetime": m["datetime"] or "",
                }
                for m in _FIELD.finditer(item)
            ]
        )
    return shown


@pytest.mark.parametrize("language", ["en", "fr"])
@pytest.mark.parametrize(
    "params",
    [
        {"q": "MON810", "type": "LMO"},
        {"type": "DEC", "country": "CA"},
        {"type": "DM"},
        {"type": "GENE", "sort": "title"},
    ],
    ids=["lmo", "decision", "detection-method", "genetic-element"],
)
def test_the_page_shows_the_hit_fields_of_the_api(client: Client, params: dict[str, Any], language: str) -> None:
    api = api_hits(client, {**params, "lang": language, "limit": 20})
    shown = page_hits(client, language, params)
    assert api and len(shown) == len(api)
    for hit, fields in zip(api, shown, strict=True):
        assert hit["fields"], hit
        assert [{k: f[k] for k in ("name", "label", "value")} for f in fields] == hit["fields"]
        for field in fields:
            if field["name"] == "date":
                assert field["datetime"] == field["value"] == hit["date"]
            # a country's name speaks for itself: its label is for screen readers only
            assert field["class"] == ("visually-hidden" if field["name"] == "government" else "hit-label")


def test_an_lmo_hit_shows_its_unique_identifier_beside_its_title(client: Client) -> None:
    response = client.get("/en/search/", {"q": "MON810", "type": "LMO"})
    first = _RESULT.findall(response.content.decode())[0]
    assert re.search(
        r'data-field="uniqueIdentification"><span class="hit-label">Unique identifier:</span> MON-ØØ81Ø-6', first
    )
    assert "<time" not in first  # no date of its own, and never the day it was loaded


def test_a_decision_hit_shows_its_country_and_decision_date(client: Client) -> None:
    hit = api_hits(client, {"type": "DEC", "country": "CA", "limit": 1})[0]
    page = client.get("/en/search/", {"type": "DEC", "country": "CA"}).content.decode()
    first = _RESULT.findall(page)[0]
    assert hit["uid"] in first
    assert f'<time datetime="{hit["date"]}">{hit["date"]}</time>' in first
    assert re.search(r'<span class="visually-hidden">Country submitting[^<]*:</span> Canada', first)


def test_the_record_page_says_the_revision_was_published_here(client: Client) -> None:
    hit = api_hits(client, {"type": "DEC", "country": "CA", "limit": 1})[0]
    page = client.get(f"/en/records/{hit['uid']}/", follow=True).content.decode()
    assert re.search(r"published here <time datetime=", page)
