"""The search service: one page of results with facets and a cursor; and the rows of an export.

The API (``openbch.api.search``) parses nothing itself: it hands the query parameters to
:func:`search` or :func:`prepare_export`, which validate them (:mod:`openbch.search.query`), bring
the index up to date with the change log (:func:`openbch.search.live.ensure_current`) and answer.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

import tantivy

from openbch.core.errors import BadRequestError
from openbch.core.multilingual import UN_LANGUAGES, localize, localized_text
from openbch.records.queries import (
    LatestRevision,
    latest_by_identifiers,
    latest_by_numbers,
)
from openbch.recordtypes import FieldDef, RecordType, get_record_type, record_types
from openbch.recordtypes.validate import parse_reference
from openbch.search.index import IndexMeta, display_title, open_searcher
from openbch.search.live import ensure_current
from openbch.search.query import (
    BOOLEAN_LABELS,
    OTHER_LABEL,
    Cursor,
    FacetSpec,
    SearchQuery,
    after_key_query,
    decode_cursor,
    encode_cursor,
    facet_catalogue,
    filter_queries,
    is_after,
    parse_params,
    text_query,
)
from openbch.vocabularies import get_vocabulary

__all__ = [
    "ExportPlan",
    "export_columns",
    "export_rows",
    "hit_fields",
    "prepare_export",
    "run_search",
    "search",
    "search_page",
]

#: values shown for a facet on references (genes, crops…): the most frequent ones
REFERENCE_FACET_SIZE = 100
#: relevance pages look at most this deep for the tail of a group of equal scores
MAX_RELEVANCE_WINDOW = 100_000
FIRST_RELEVANCE_WINDOW = 1024
EXPORT_BATCH = 1000


def _label(labels: Mapping[str, str], language: str, default: str) -> str:
    shown = localize(labels, language)
    return shown.text if shown else default


# ---------------------------------------------------------------------------------------------
# search


def search(params: Mapping[str, Sequence[str]], language: str) -> dict[str, Any]:
    """``{total, results, facets, next}`` for the query parameters of ``GET /api/v1/search``."""
    return run_search(parse_params(params), language)


def _combine(text: tantivy.Query | None, filters: list[tantivy.Query]) -> tantivy.Query:
    # filters must hold but never change the ranking: constant score 0
    clauses = [(tantivy.Occur.Must, text if text is not None else tantivy.Query.all_query())]
    clauses += [(tantivy.Occur.Must, tantivy.Query.const_score_query(f, 0.0)) for f in filters]
    return tantivy.Query.boolean_query(clauses)


def count(searcher: tantivy.Searcher, query: tantivy.Query) -> int:
    """How many documents match (exactly)."""
    result = searcher.search(query, 1, count=True)
    return int(result.count)  # type: ignore[attr-defined]  # the stub lacks SearchResult.count


#: (index generation, last applied seq) -> the highest record number in it
_highest: tuple[tuple[str, int], int] | None = None


def _highest_number(searcher: tantivy.Searcher, meta: IndexMeta | None = None) -> int:
    """The highest record number indexed: what a walk of pages is pinned to.

    An aggregation over every document (most of a rare word's search): kept per index state."""
    global _highest
    state = (meta.generation, meta.last_seq) if meta is not None else None
    kept = _highest
    if state is not None and kept is not None and kept[0] == state:
        return kept[1]
    result = searcher.aggregate(tantivy.Query.all_query(), {"n": {"max": {"field": "number"}}})
    value = result.get("n", {}).get("value")
    highest = int(value) if value is not None else 0
    if state is not None:
        _highest = (state, highest)
    return highest


@dataclass(frozen=True)
class _Hit:
    address: tantivy.DocAddress
    score: float | None
    number: int


def _sorted_page(
    searcher: tantivy.Searcher,
    schema: tantivy.Schema,
    base: tantivy.Query,
    query: SearchQuery,
    cursor: Cursor | None,
    pin: int,
    language: str,
) -> tuple[list[_Hit], Cursor | None]:
    """Date or title order: keyset pagination on a unique key (sort value, record number)."""
    if query.sort == "date":
        field_name = "date_key"
        sort_language = language
    else:
        sort_language = cursor.language if cursor else (language if language in UN_LANGUAGES else "en")
        field_name = f"tsort_{sort_language}"
    order = tantivy.Order.Desc if query.descending else tantivy.Order.Asc
    page_query = base
    last = cursor.key if cursor is not None else None
    if last is not None:
        after = after_key_query(schema, query.sort, field_name, last, query.descending)
        page_query = tantivy.Query.boolean_query([(tantivy.Occur.Must, base), (tantivy.Occur.Must, after)])
    window = query.limit + 1 if query.sort == "date" else query.limit + 17
    while True:
        found = searcher.search(page_query, window, count=False, order_by_field=field_name, order=order).hits
        # title keys: the index narrowed on a prefix; drop the rest of the last page's tie here
        kept = [(key, address) for key, address in found if last is None or is_after(key, last, query.descending)]
        if len(kept) > query.limit or len(found) < window:
            break
        window *= 4
    kept = kept[: query.limit + 1]
    addresses = [address for _, address in kept]
    numbers = searcher.fast_field_values("number", addresses) if addresses else []
    hits = [_Hit(address, None, int(n or 0)) for address, n in zip(addresses, numbers, strict=True)]
    following = None
    if len(kept) > query.limit:
        key = kept[query.limit - 1][0]
        following = Cursor(query.fingerprint(), pin, key if isinstance(key, str) else int(key), language=sort_language)
    return hits[: query.limit], following


def _relevance_page(
    searcher: tantivy.Searcher,
    base: tantivy.Query,
    query: SearchQuery,
    cursor: Cursor | None,
    pin: int,
    weights: tuple[float, ...],
) -> tuple[list[_Hit], Cursor | None, int]:
    """Relevance order: score, then the newer record (higher number) first; keyset on both.

    Scores are reproducible across pages (see :func:`openbch.search.query.text_query`), so the next
    page is exactly what ranks after the last record returned. tantivy keeps the best ``window``
    hits but breaks ties between equal scores its own way, so the window grows until the run of
    equal scores that completes this page is whole (it scores more than the lowest score kept, or
    the window holds every hit).
    """
    last = (cursor.score, cursor.number) if cursor else None
    wanted = query.limit + 1
    # every search scores all the matches again, so a few large windows beat many small ones
    window = max((cursor.offset if cursor else 0) + wanted, FIRST_RELEVANCE_WINDOW)
    total: int | None = None
    while True:
        result = searcher.search(base, window, count=total is None)
        if total is None:
            total = int(result.count)  # type: ignore[attr-defined]  # the stub lacks SearchResult.count
        found = result.hits  # built anew on every access
        # past the deepest window, the last run is taken as it stands
        exhausted = len(found) < window or window >= MAX_RELEVANCE_WINDOW
        ranked = _rank_runs(searcher, found, last, wanted, exhausted)
        if ranked.settled:
            break
        window *= 8
    page = ranked.hits[: query.limit]
    following = None
    if len(ranked.hits) > query.limit:
        tail = page[-1]
        following = Cursor(
            query.fingerprint(),
            pin,
            None,
            number=tail.number,
            score=tail.score or 0.0,
            offset=ranked.before + query.limit,
            weights=weights,
        )
    return page, following, total


@dataclass(frozen=True)
class _Ranked:
    #: the hits after the cursor, best first, at least ``wanted`` of them unless the hits ran out
    hits: list[_Hit]
    #: how many hits rank at or before the cursor (sizes the next page's window)
    before: int
    #: False when the run of equal scores that completes the page may go on past the window
    settled: bool


def _rank_runs(
    searcher: tantivy.Searcher,
    found: list[tuple[float, tantivy.DocAddress]],
    last: tuple[float, int] | None,
    wanted: int,
    exhausted: bool,
) -> _Ranked:
    """Order ``found`` (best score first, ties in tantivy's order) by (score, number) descending.

    Only the runs of equal scores that reach the page are looked at: runs wholly before the cursor
    are counted, not read, and the record numbers are fetched for the runs that are ordered.
    """
    hits: list[_Hit] = []
    before = 0
    start = 0
    while start < len(found) and len(hits) < wanted:
        score = float(found[start][0])
        end = start + 1
        while end < len(found) and float(found[end][0]) == score:
            end += 1
        if last is not None and score > last[0]:
            before += end - start
            start = end
            continue
        if end == len(found) and not exhausted:
            # this run may continue past the window: its order is not known yet
            return _Ranked(hits, before, False)
        addresses = [address for _, address in found[start:end]]
        numbers = [int(n or 0) for n in searcher.fast_field_values("number", addresses)]
        order = sorted(range(len(numbers)), key=numbers.__getitem__, reverse=True)
        for i in order:
            if last is not None and score == last[0] and numbers[i] >= last[1]:
                before += 1
                continue
            hits.append(_Hit(addresses[i], score, numbers[i]))
        start = end
    return _Ranked(hits, before, True)


def _snippets(
    searcher: tantivy.Searcher, schema: tantivy.Schema, text: tantivy.Query
) -> list[tuple[str, tantivy.SnippetGenerator]]:
    generators = []
    for field_name in ("title", "fold"):
        generator = tantivy.SnippetGenerator.create(searcher, text, schema, field_name)
        generator.set_max_num_chars(200)
        generators.append((field_name, generator))
    return generators


def _highlights(document: tantivy.Document, generators: list[tuple[str, tantivy.SnippetGenerator]]) -> list[str]:
    shown: list[str] = []
    plain: set[str] = set()
    for _, generator in generators:
        snippet = generator.snippet_from_doc(document)
        if not snippet.highlighted():
            continue
        # tantivy escapes the text and wraps matches in <b>…</b>; the same fragment from the title
        # and the full text is shown once
        fragment = snippet.fragment().strip()
        if fragment in plain:
            continue
        plain.add(fragment)
        shown.append(snippet.to_html())
    return shown


def _hit_value_text(spec: FieldDef, value: Any, language: str) -> str:
    """One value of a hit field as shown: a term's label, a text in the language, a date as written."""
    if isinstance(value, dict):
        if spec.kind == "term":
            term_id = str(value.get("identifier", ""))
            custom = value.get("customValue")
            if term_id == "other" and isinstance(custom, dict):
                return localized_text(custom, language) or term_id
            vocabulary = get_vocabulary(spec.vocabulary) if spec.vocabulary else None
            return vocabulary.terms[term_id].label_in(language) if vocabulary and term_id in vocabulary else term_id
        return localized_text(value, language) or ""
    if isinstance(value, bool):
        return _label(BOOLEAN_LABELS["true" if value else "false"], language, str(value).lower())
    return "" if value is None else str(value)


def hit_fields(record_type: RecordType | None, values: Mapping[str, Any], language: str) -> list[dict[str, str]]:
    """The identifying fields of a hit (the definition's ``hit_fields``) that have a value, as text."""
    if record_type is None:
        return []
    shown = []
    for name in record_type.hit_fields:
        spec = record_type.fields[name]
        value = values.get(name)
        texts = [
            t for v in (value if isinstance(value, list) else [value]) if (t := _hit_value_text(spec, v, language))
        ]
        if texts:
            shown.append({"name": name, "label": spec.label_in(language), "value": "; ".join(texts)})
    return shown


def _unique_identifier(record_type: RecordType | None, values: Mapping[str, Any]) -> str | None:
    for name in record_type.oecd_uid_field_names if record_type else ():
        value = values.get(name)
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, str) and item:
                return item
    return None


def _result(
    searcher: tantivy.Searcher,
    hit: _Hit,
    language: str,
    generators: list[tuple[str, tantivy.SnippetGenerator]],
) -> dict[str, Any]:
    document = searcher.doc(hit.address)
    raw_titles = document.get_first("titles")
    titles = json.loads(bytes(raw_titles).decode("utf-8")) if raw_titles else {}
    title, title_language = display_title(titles, language)
    raw_values = document.get_first("hit")
    values = json.loads(bytes(raw_values).decode("utf-8")) if raw_values else {}
    code = str(document.get_first("type"))
    owner = document.get_first("owner")
    record_type = record_types().get(code)
    return {
        "uid": document.get_first("uid"),
        "identifier": document.get_first("identifier"),
        "type": code,
        "owner": owner,
        "title": title,
        "title_language": title_language,
        "unique_identifier": _unique_identifier(record_type, values),
        "country": owner if record_type is not None and record_type.is_national else None,
        "date": document.get_first("date") or None,
        "fields": hit_fields(record_type, values, language),
        "score": hit.score,
        "highlights": _highlights(document, generators) if generators else [],
    }


def run_search(query: SearchQuery, language: str) -> dict[str, Any]:
    """One page for a validated query, once the index has caught up with the change log."""
    ensure_current()
    return search_page(query, language)


def search_page(query: SearchQuery, language: str) -> dict[str, Any]:
    """One page for a validated query, from the index as it is (the caller keeps it current)."""
    index, searcher, meta = open_searcher()
    schema = index.schema
    cursor = decode_cursor(query.cursor, query) if query.cursor else None
    pin = cursor.pin if cursor else _highest_number(searcher, meta)
    text = text_query(schema, searcher, query.text, cursor.weights if cursor else None) if query.text else None
    base = _combine(text.query if text else None, filter_queries(schema, query, pin=pin))
    try:
        if query.sort == "relevance" and text is not None:
            # the count comes with the first window of hits: one pass over the matches, not two
            hits, following, total = _relevance_page(searcher, base, query, cursor, pin, text.weights)
        else:
            total = count(searcher, base)
            hits, following = _sorted_page(searcher, schema, base, query, cursor, pin, language)
    except ValueError as exc:  # a query tantivy accepted but cannot run: the client's to fix
        raise BadRequestError(f"q cannot be run: {str(exc)[:200]}") from None
    generators = _snippets(searcher, schema, text.query) if text is not None else []
    return {
        "total": total,
        "results": [_result(searcher, hit, language, generators) for hit in hits],
        "facets": _facets(searcher, schema, query, text.query if text else None, pin, language),
        "next": encode_cursor(following) if following else None,
    }


# ---------------------------------------------------------------------------------------------
# facets


def _bucket_size(spec: FacetSpec) -> int:
    if spec.kind == "type":
        return len(record_types()) + 1
    if spec.kind == "boolean":
        return 2
    if spec.vocabulary:
        return len(get_vocabulary(spec.vocabulary)) + 1  # + "other"
    return REFERENCE_FACET_SIZE


def _facets(
    searcher: tantivy.Searcher,
    schema: tantivy.Schema,
    query: SearchQuery,
    text: tantivy.Query | None,
    pin: int,
    language: str,
) -> list[dict[str, Any]]:
    """Counts per requested facet. A facet's own filter is left out of its counts (the usual
    "or within a facet" behaviour: the other values stay visible with what choosing them would give)."""
    if not query.facets:
        return []
    catalogue = facet_catalogue()
    filtered = (
        {name for name, _ in query.filters}
        | ({"type"} if query.types else set())
        | ({"country"} if query.countries else set())
    )
    counts: dict[str, dict[str, int]] = {}
    shared = [n for n in query.facets if n not in filtered]
    groups: list[tuple[str | None, list[str]]] = [(None, shared)] if shared else []
    groups += [(n, [n]) for n in query.facets if n in filtered]
    for without, names in groups:
        facet_query = _combine(text, filter_queries(schema, query, pin=pin, without=without))
        aggregations = {
            str(i): {"terms": {"field": f"facets.{name}", "size": _bucket_size(catalogue.facets[name])}}
            for i, name in enumerate(names)
        }
        result = searcher.aggregate(facet_query, aggregations)
        for i, name in enumerate(names):
            buckets = result.get(str(i), {}).get("buckets", [])
            counts[name] = {str(b["key"]): int(b["doc_count"]) for b in buckets}
    return [_facet_out(catalogue.facets[name], counts[name], language) for name in query.facets]


def _reference_labels(identifiers: Sequence[str], language: str) -> dict[str, str]:
    """Titles in ``language`` of the published (or withdrawn) records among ``identifiers``."""
    return {
        item.identifier: get_record_type(item.type).title(item.body, language) or item.uid
        for item in latest_by_identifiers(identifiers)
    }


def _facet_out(spec: FacetSpec, counts: dict[str, int], language: str) -> dict[str, Any]:
    labels: dict[str, str] = {}
    if spec.kind == "type":
        types = record_types()
        labels = {v: types[v].label_in(language) if v in types else v for v in counts}
    elif spec.kind == "boolean":
        labels = {v: _label(BOOLEAN_LABELS.get(v, {}), language, v) for v in counts}
    elif spec.vocabulary:
        vocabulary = get_vocabulary(spec.vocabulary)
        for value in counts:
            term = vocabulary.terms.get(value.lower() if spec.kind == "country" else value)
            labels[value] = term.label_in(language) if term else _label(OTHER_LABEL, language, value)
    else:
        labels = _reference_labels(sorted(counts), language)

    def node(value: str) -> dict[str, Any]:
        return {"id": value, "label": labels.get(value) or value, "count": counts[value], "children": None}

    def ordered(values: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return sorted(values, key=lambda v: (-v["count"], v["label"].casefold()))

    values: list[dict[str, Any]]
    if spec.hierarchical and spec.vocabulary:
        vocabulary = get_vocabulary(spec.vocabulary)
        nodes = {value: node(value) for value in counts}
        children: dict[str, list[dict[str, Any]]] = {}
        roots = []
        for value, item in nodes.items():
            term = vocabulary.terms.get(value)
            parent = term.broader if term else None
            if parent and parent in nodes:
                children.setdefault(parent, []).append(item)
            else:
                roots.append(item)
        for value, item in nodes.items():
            if value in children:
                item["children"] = ordered(children[value])
        values = ordered(roots)
    else:
        values = ordered([node(v) for v in counts])
    return {"name": spec.name, "label": spec.label_in(language), "values": values}


# ---------------------------------------------------------------------------------------------
# export


@dataclass(frozen=True)
class ExportPlan:
    query: SearchQuery
    #: the type whose columns are exported; None: records of any type, with the columns all share
    record_type: RecordType | None
    language: str

    @property
    def slug(self) -> str:
        return self.record_type.slug if self.record_type else "records"


#: the columns of an export of several record types: what every record has
COMMON_COLUMNS = ("uid", "owner", "revision", "type", "title", "date")


def prepare_export(params: Mapping[str, Sequence[str]], language: str) -> ExportPlan:
    """Validate an export request before anything is streamed (errors are still a 400).

    The columns are those of the record type given, or of the one type the filters belong to
    (``decisionTypes=8.1`` exports decisions); without either, the columns every record has.
    """
    query = parse_params(params, mode="export")
    if len(query.types) > 1:
        raise BadRequestError("an export has one record type: give type= once")
    if query.types:
        return ExportPlan(query, get_record_type(query.types[0]), language)
    catalogue = facet_catalogue()
    candidates = set(record_types())
    for name, _ in query.filters:
        candidates &= catalogue.facets[name].types
    if query.filters and len(candidates) == 1:
        return ExportPlan(query, get_record_type(next(iter(candidates))), language)
    return ExportPlan(query, None, language)


def export_columns(record_type: RecordType | None) -> list[str]:
    """uid, owner, revision, then the definition's ``export`` fields (or type, title and date)."""
    if record_type is None:
        return list(COMMON_COLUMNS)
    return ["uid", "owner", "revision", *record_type.export]


class _ReferenceTitles:
    """Titles of referenced records in the export's language, loaded per batch, kept for the next."""

    def __init__(self, language: str) -> None:
        self.language = language
        self.titles: dict[str, str] = {}
        #: the batch's references as written → the record named (None: not a reference)
        self.named: dict[str, str | None] = {}

    def target(self, text: str) -> str | None:
        """The record a reference names: parsed once per batch, though its cell needs it again."""
        try:
            return self.named[text]
        except KeyError:
            parsed = parse_reference(text)
            target = self.named[text] = parsed[0] if parsed else None
            return target

    def collect(self, names: Sequence[str], body: Mapping[str, Any]) -> None:
        """Note the references in the fields ``names`` of ``body``."""
        for name in names:
            value = body.get(name)
            for item in value if isinstance(value, list) else (value,):
                if isinstance(item, dict):
                    self.target(str(item.get("identifier", "")))

    def load(self) -> None:
        """Read the titles of the references collected that are not known yet."""
        if len(self.titles) > 50_000:
            self.titles.clear()
        missing = sorted({i for i in self.named.values() if i is not None} - self.titles.keys())
        self.titles.update(_reference_labels(missing, self.language))
        for identifier in missing:
            self.titles.setdefault(identifier, identifier)


#: a field's value (from a record body) → its cell: one string per value
_Cell = Callable[[Any], list[str]]
#: an object value (a term, a multilingual text, a reference, a link) → its text; None: nothing shown
_ObjectText = Callable[[dict[str, Any]], str | None]


def _term_text(vocabulary: str, language: str) -> _ObjectText:
    # labels of the terms met so far; unknown identifiers are not kept, so this stays bounded
    labels: dict[str, str] = {}

    def text(item: dict[str, Any]) -> str | None:
        term_id = str(item.get("identifier", ""))
        if term_id == "other":
            custom = localize(item.get("customValue") or {}, language)
            return custom.text if custom else _label(OTHER_LABEL, language, "other")
        label = labels.get(term_id)
        if label is None:
            term = get_vocabulary(vocabulary).terms.get(term_id)
            if term is None:
                return term_id
            label = labels[term_id] = term.label_in(language)
        return label

    return text


def _reference_text(construct: bool, references: _ReferenceTitles) -> _ObjectText:
    def text(item: dict[str, Any]) -> str | None:
        target = references.target(str(item.get("identifier", "")))
        if target is None:
            return None
        title = references.titles.get(target, target)
        if construct and item.get("type"):
            title = f"{title} ({item['type']})"
        return title

    return text


def _object_text(f: FieldDef, language: str, references: _ReferenceTitles) -> _ObjectText | None:
    if f.kind == "mltext":
        return lambda item: localized_text(item, language)
    if f.kind == "term":
        return _term_text(f.vocabulary or "", language)
    if f.kind in ("reference", "construct"):
        return _reference_text(f.kind == "construct", references)
    if f.kind == "link":
        return lambda item: str(item.get("url", ""))
    return None  # objects in a field of another kind are not shown


def _cell(f: FieldDef, language: str, references: _ReferenceTitles) -> _Cell:
    """A field's value as text in ``language``, with what depends on the field alone worked out once."""
    object_text = _object_text(f, language, references)

    def cell(value: Any) -> list[str]:
        if value is None:
            return []
        if value.__class__ is str:  # most values: no list, no object
            return [value]
        shown: list[str] = []
        for item in value if isinstance(value, list) else (value,):
            # objects first: most items are (terms, references), and none is also a bool or a str
            if isinstance(item, dict):
                if object_text is not None and (text := object_text(item)) is not None:
                    shown.append(text)
            elif isinstance(item, bool):
                shown.append("true" if item else "false")
            elif isinstance(item, str | int | float):
                shown.append(str(item))
        return shown

    return cell


def _matching_numbers(plan: ExportPlan) -> Iterator[list[int]]:
    """Record numbers of the matches, 1,000 at a time in number order, pinned to those indexed now."""
    ensure_current()
    index, searcher, _ = open_searcher()
    schema = index.schema
    types = (plan.record_type.code,) if plan.record_type else ()
    query = replace(plan.query, types=types)
    pin = _highest_number(searcher)
    text = text_query(schema, searcher, query.text).query if query.text else None
    base = _combine(text, filter_queries(schema, query, pin=pin))
    last = 0
    while True:
        after = tantivy.Query.range_query(
            schema, "number", tantivy.FieldType.Integer, lower_bound=last, include_lower=False
        )
        batch_query = tantivy.Query.boolean_query([(tantivy.Occur.Must, base), (tantivy.Occur.Must, after)])
        found = searcher.search(
            batch_query, EXPORT_BATCH, count=False, order_by_field="number", order=tantivy.Order.Asc
        )
        numbers = [int(score) for score, _ in found.hits]
        if not numbers:
            return
        yield numbers
        last = numbers[-1]


ExportRow = list[str | list[str]]


class _TypeRows:
    """The rows of an export of one record type: its ``export`` fields, labels in one language."""

    def __init__(self, record_type: RecordType, language: str) -> None:
        self.code = record_type.code
        self.references = _ReferenceTitles(language)
        fields = [record_type.fields[name] for name in record_type.export]
        self.cells = [(f.name, _cell(f, language, self.references)) for f in fields]
        self.reference_names = [f.name for f in fields if f.kind in ("reference", "construct")]

    def __call__(self, items: list[LatestRevision]) -> Iterator[ExportRow]:
        # the index already chose the type; checked again here, as in SQL it would make SQLite pick
        # the (type, owner, state) index and walk every record of the type for each batch
        items = [item for item in items if item.type == self.code]
        self.references.named.clear()
        for item in items:
            self.references.collect(self.reference_names, item.body)
        self.references.load()
        cells = self.cells
        for item in items:
            body = item.body
            row: ExportRow = [item.uid, item.owner, str(item.revision)]
            row += [cell(body.get(name)) for name, cell in cells]
            yield row


class _CommonRows:
    """The rows of an export of records of any type: the columns every record has."""

    def __init__(self, language: str) -> None:
        self.language = language
        self.date_fields = facet_catalogue().date_fields

    def __call__(self, items: list[LatestRevision]) -> Iterator[ExportRow]:
        for item in items:
            own_type = get_record_type(item.type)
            date_field = self.date_fields.get(own_type.code)
            date = item.body.get(date_field) if date_field else None
            yield [
                item.uid,
                item.owner,
                str(item.revision),
                own_type.code,
                own_type.title(item.body, self.language),
                date if isinstance(date, str) else item.first_published_at.date().isoformat(),
            ]


def export_rows(plan: ExportPlan) -> Iterator[ExportRow]:
    """The header, then one row per matching record in record-number order, in constant memory.

    Matches are read from the index 1,000 at a time (keyset on the record number, pinned to the
    records indexed when the export started); their latest revisions come from the database per
    batch, so a record republished meanwhile is exported as it is now and a withdrawn one is left out.
    """
    record_type = plan.record_type
    yield list(export_columns(record_type))
    rows = _TypeRows(record_type, plan.language) if record_type else _CommonRows(plan.language)
    for numbers in _matching_numbers(plan):
        yield from rows(latest_by_numbers(numbers))
