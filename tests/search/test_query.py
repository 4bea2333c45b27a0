"""Search parameters: the facet catalogue, validation, cursors and the keyset regex, without HTTP."""

from __future__ import annotations

import datetime as dt

import pytest
import tantivy
from hypothesis import given, settings
from hypothesis import strategies as st

from openbch.core.errors import BadRequestError, NotFoundError
from openbch.records.models import Record
from openbch.search.query import (
    KEYSET_PREFIX,
    Cursor,
    SearchQuery,
    after_key_query,
    decode_cursor,
    encode_cursor,
    facet_catalogue,
    identifier_keys,
    is_after,
    parse_params,
    sort_title,
    title_key,
)


def parse(**params: str | list[str]) -> SearchQuery:
    return parse_params({k: v if isinstance(v, list) else [v] for k, v in params.items()})


def test_decisions_have_their_own_facets_and_those_of_the_lmos_they_cover() -> None:
    catalogue = facet_catalogue()
    dec = catalogue.for_types(["DEC"])
    assert {"decisionTypes", "decisionResult", "uses", "government", "traits", "recipientOrganisms", "genes"} <= set(
        dec
    )
    assert catalogue.facets["traits"].derived["DEC"] is True
    assert not catalogue.facets["traits"].derived.get("LMO")  # an LMO's traits are its own
    assert catalogue.facets["traits"].hierarchical
    assert catalogue.lmo_reference_fields["DEC"] == ("modifiedOrganisms",)
    assert catalogue.date_fields["DEC"] == "date"


def test_a_facet_named_like_a_parameter_is_qualified_with_its_type() -> None:
    facets = facet_catalogue().facets
    assert facets["type"].kind == "type"
    assert facets["lawType"].fields == {"LAW": "type"}
    # an organization's country and a national record's owner are one filter
    assert facets["country"].fields["ORG"] == "country" and facets["country"].fields["DEC"] == ""


def test_defaults_and_normalisation() -> None:
    query = parse(type=["dec", "lmo"], country="ca", decisionTypes="8.1")
    assert query.types == ("DEC", "LMO") and query.countries == ("CA",)
    assert query.filters == (("decisionTypes", ("8.1",)),)
    assert (query.sort, query.descending, query.limit) == ("date", True, 20)
    assert parse(q="maize").sort == "relevance"
    assert parse(sort="relevance").sort == "date"  # nothing to rank by without text
    assert parse(sort="title").descending is False
    assert parse(q="  ").text is None
    assert parse(q="*").text is None and parse(q="*:*").sort == "date"  # everything, newest first
    assert parse(type="decision").types == ("DEC",)  # the slug works too


@pytest.mark.django_db
def test_a_reference_filter_accepts_an_oecd_identifier_in_any_spelling() -> None:
    lmo = Record.objects.get(keys__kind="oecd", keys__value="MON008106")
    for spelling in ("mon-00810-6", "MON ØØ81Ø 6", lmo.identifier.lower()):
        query = parse(type="DEC", modifiedOrganisms=spelling)
        assert query.filters == (("modifiedOrganisms", (lmo.identifier,)),)


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"q": "x" * 257}, "at most 256"),
        ({"q": "maize\x00"}, "control characters"),
        ({"foo": "1"}, "unknown parameter"),
        ({"format": "csv"}, "unknown parameter"),  # an export parameter, not a search one
        ({"facet": "nonsense"}, "unknown facet"),
        ({"decisionTypes": "8.99"}, "not a term"),
        ({"isGeneEdited": "maybe"}, "true or false"),
        ({"modifiedOrganisms": "not an id"}, "not a record identifier"),
        ({"modifiedOrganisms": "MON-0081-6"}, "not a record identifier"),  # 8 characters: no OECD identifier
        ({"type": "XYZ"}, "unknown record type"),
        ({"country": "Canada"}, "unknown country"),
        ({"limit": "0"}, "limit"),
        ({"limit": "101"}, "limit"),
        ({"limit": "ten"}, "limit"),
        ({"sort": "random"}, "sort"),
        ({"order": "up"}, "order"),
        ({"date_from": "2020-02-30"}, "calendar date"),
        ({"date_from": "2020"}, "YYYY-MM-DD"),
        ({"lang": "english-language-please"}, "lang"),
        ({"sort": ["date", "title"]}, "once"),
        ({"type": ["DEC"] * 51}, "at most 50"),
    ],
)
def test_bad_parameters_are_a_bad_request(params: dict[str, str | list[str]], message: str) -> None:
    with pytest.raises(BadRequestError, match=message):
        parse(**params)


@pytest.mark.django_db
def test_what_names_nothing_is_no_error() -> None:
    """Well-formed requests that can match nothing are answered (empty), not refused."""
    assert parse(type="LMO", decisionTypes="8.1").filters == (("decisionTypes", ("8.1",)),)
    assert parse(type="LMO", facet="decisionTypes").facets == ("decisionTypes",)
    assert parse(date_from="2021-01-01", date_to="2020-01-01").date_from == dt.date(2021, 1, 1)
    unknown = parse(modifiedOrganisms="BCH-LMO-SCBD-999999999")
    assert unknown.filters == (("modifiedOrganisms", ()),)


def test_export_accepts_its_format_and_refuses_search_only_parameters() -> None:
    query = parse_params({"type": ["DEC"], "format": ["xlsx"]}, mode="export")
    assert query.format == "xlsx"
    with pytest.raises(BadRequestError, match="unknown parameter"):
        parse_params({"type": ["DEC"], "limit": ["5"]}, mode="export")
    with pytest.raises(BadRequestError, match="format"):
        parse_params({"type": ["DEC"], "format": ["pdf"]}, mode="export")


def test_a_cursor_round_trips_and_is_bound_to_its_query() -> None:
    query = parse(type="DEC", country="CA")
    cursor = Cursor(query.fingerprint(), pin=42, key=123456, number=7, score=1.5, offset=14, language="fr")
    text = encode_cursor(cursor)
    assert decode_cursor(text, query) == cursor
    # limit and the facets asked for may change between pages; the filters may not
    assert decode_cursor(text, parse(type="DEC", country="CA", limit="5", facet="traits")) == cursor
    # a cursor that names no page of this query is not found (404), like any unknown resource
    with pytest.raises(NotFoundError, match="another query"):
        decode_cursor(text, parse(type="DEC", country="US"))
    with pytest.raises(NotFoundError, match="no such page"):
        decode_cursor(text[:-2] + ("A" if text[-2] != "A" else "B") + text[-1], query)
    with pytest.raises(NotFoundError, match="no such page"):
        decode_cursor("' OR 1=1 --", query)


def test_sort_titles_ignore_case_accents_and_spacing() -> None:
    assert sort_title("  Éclair   MAÏS ") == "eclair mais"
    assert title_key("Zea", 5) < title_key("zea mays", 1) < title_key("Zeb", 1)
    assert title_key("Same", 2) < title_key("same", 10)  # ties broken by record number


def test_identifier_keys_of_an_oecd_identifier_in_any_spelling() -> None:
    exact, parts = identifier_keys("mon-ØØ81Ø-6 × MON 89Ø34 3")
    assert "MON008106+MON890343" in exact
    assert {"MON008106", "MON890343"} <= set(parts)
    assert identifier_keys("BCH-DEC-CA-12-1")[0] == ["bch-dec-ca-12-1"]


_TITLES = st.text(alphabet=st.sampled_from("aAbé z0~é中\U0001f600"), max_size=30)
_KEYS = st.builds(title_key, _TITLES, st.integers(min_value=1, max_value=10**9))


@settings(max_examples=60, deadline=None)
@given(keys=st.lists(_KEYS, min_size=1, max_size=12, unique=True), pivot=_KEYS, descending=st.booleans())
def test_the_title_keyset_query_selects_the_keys_after_the_pivot(keys: list[str], pivot: str, descending: bool) -> None:
    """Checked against tantivy itself: the regex runs over the real term dictionary. The index
    narrows on the first characters; ``is_after`` finishes the job."""
    builder = tantivy.SchemaBuilder()
    builder.add_text_field("k", stored=True, tokenizer_name="raw", fast=True)
    schema = builder.build()
    index = tantivy.Index(schema)
    writer = index.writer(15_000_000, 1)
    for key in keys:
        writer.add_document(tantivy.Document(k=key))
    writer.commit()
    writer.wait_merging_threads()
    index.reload()
    searcher = index.searcher()
    hits = searcher.search(after_key_query(schema, "title", "k", pivot, descending), 100).hits
    found = sorted(searcher.doc(address)["k"][0] for _, address in hits)
    prefix = pivot[:KEYSET_PREFIX]
    assert found == sorted(
        k for k in keys if (k[:KEYSET_PREFIX] <= prefix if descending else k[:KEYSET_PREFIX] >= prefix)
    )
    expected = sorted(k for k in keys if (k < pivot if descending else k > pivot))
    assert [k for k in found if is_after(k, pivot, descending)] == expected


def test_the_date_keyset_is_a_range_on_the_composite_key() -> None:
    builder = tantivy.SchemaBuilder()
    builder.add_integer_field("d", stored=True, indexed=True, fast=True)
    schema = builder.build()
    index = tantivy.Index(schema)
    writer = index.writer(15_000_000, 1)
    for value in (-5, 0, 3, 10):
        writer.add_document(tantivy.Document(d=value))
    writer.commit()
    index.reload()
    searcher = index.searcher()

    def after(key: int, descending: bool) -> list[int]:
        hits = searcher.search(after_key_query(schema, "date", "d", key, descending), 10).hits
        return sorted(searcher.doc(a)["d"][0] for _, a in hits)

    assert after(0, True) == [-5]
    assert after(0, False) == [3, 10]
