"""Search parameters: the facet catalogue, parsing and validating a request, cursors, tantivy queries.

One parser serves the search API and the export (``parse_params``), so both accept exactly the same
filters and reject the same malformed input with a 400 problem (``BadRequestError``), never a 500.

**Facets** come from the record-type definitions (fields with ``"facet": true``) plus two built-ins,
``type`` and ``country`` (the owner of a national record; the ``country`` field of a reference record
that has one), plus the facets of the LMOs a record covers: a decision (or a risk assessment,
detection method, laboratory) is indexed with the ``traits``, ``recipientOrganisms`` (the crop) and
``genes`` of the LMOs it references, as the real BCH does (``lmoTraits_ss``). Hierarchical terms are
indexed with all their broader terms (the BCH's ``*_REL_ss``), so filtering on a parent term matches
records carrying any narrower term, and facet counts of a parent include its children.

**Cursors** pin the result set of the first page: they carry the highest record number the index held
then (numbers are minted in publication order and never change), so records published later never
shift pages; a withdrawn record simply disappears. Date and title sorts continue strictly after the
last key (sort value + record number: unique, so no record is returned twice); relevance continues
after the last record returned, located again in the current ranking.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import tantivy
from django.core import signing

from openbch.core.errors import BadRequestError, NotFoundError
from openbch.core.multilingual import is_language_code, localize
from openbch.identifiers.oecd import compact_key, is_probably_oecd_uid, split_stack
from openbch.records.queries import find_lmos_by_oecd_uid, get_published
from openbch.recordtypes import RecordType, record_types
from openbch.recordtypes.validate import GUID
from openbch.search.analysis import ANALYZERS, STEMMED, word_text
from openbch.vocabularies import Vocabulary, get_vocabulary

__all__ = [
    "EXPORT_FORMATS",
    "MAX_LIMIT",
    "MAX_QUERY_LENGTH",
    "REFERENCE_PATTERN",
    "SORTS",
    "Cursor",
    "FacetSpec",
    "SearchQuery",
    "after_key_query",
    "check_syntax",
    "decode_cursor",
    "encode_cursor",
    "facet_catalogue",
    "facet_filter_names",
    "filter_queries",
    "is_after",
    "parse_params",
    "sort_title",
    "text_query",
]

MAX_QUERY_LENGTH = 256
MAX_LIMIT = 100
DEFAULT_LIMIT = 20
#: longest value accepted for any parameter but ``q`` and ``cursor`` (ids, codes, dates)
MAX_VALUE_LENGTH = 128
MAX_CURSOR_LENGTH = 1024
#: values of one repeatable parameter (``type=…&type=…``)
MAX_VALUES = 50
SORTS = ("relevance", "date", "title")
EXPORT_FORMATS = ("csv", "jsonl", "xlsx")

#: the LMO fields a record that covers LMOs is also indexed with (decision → its LMOs' traits, crops, genes)
LMO_DERIVED = ("traits", "recipientOrganisms", "genes")

#: parameters that are not facet filters; a facet field with one of these names is renamed
_COMMON_PARAMS = frozenset({"q", "type", "country", "lang", "date_from", "date_to"})
_SEARCH_PARAMS = _COMMON_PARAMS | {"facet", "sort", "order", "limit", "cursor"}
_EXPORT_PARAMS = _COMMON_PARAMS | {"format"}
RESERVED = _SEARCH_PARAMS | _EXPORT_PARAMS

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_CURSOR_SALT = "openbch.search.cursor"
_APOSTROPHE = re.compile(r"(?<=\w)['’](?=\w)")

_BUILTIN_LABELS: dict[str, dict[str, str]] = {
    "type": {"en": "Record type", "fr": "Type de fiche", "es": "Tipo de registro"},
    "country": {"en": "Country", "fr": "Pays", "es": "País"},
}
BOOLEAN_LABELS: dict[str, dict[str, str]] = {
    "true": {"en": "Yes", "fr": "Oui", "es": "Sí"},
    "false": {"en": "No", "fr": "Non", "es": "No"},
}
OTHER_LABEL = {"en": "Other", "fr": "Autre", "es": "Otro"}


# ---------------------------------------------------------------------------------------------
# the facet catalogue


@dataclass(frozen=True)
class FacetSpec:
    """One facet: its public name (the query parameter and the ``facet=`` value) and where values come from."""

    name: str
    label: Mapping[str, str]
    #: ``type``, ``country``, ``term``, ``boolean`` or ``reference``
    kind: str
    vocabulary: str | None = None
    #: record-type code → the body field read for it ("" for the built-ins and for LMO-derived values)
    fields: Mapping[str, str] = field(default_factory=dict)
    #: record-type code → True when the values come from the LMOs the record references
    derived: Mapping[str, bool] = field(default_factory=dict)

    @property
    def types(self) -> frozenset[str]:
        return frozenset(self.fields)

    @property
    def hierarchical(self) -> bool:
        return self.vocabulary is not None and get_vocabulary(self.vocabulary).hierarchical

    def label_in(self, language: str) -> str:
        shown = localize(self.label, language)
        return shown.text if shown else self.name

    def signature(self) -> tuple[str, str | None]:
        return (self.kind, self.vocabulary)


@dataclass(frozen=True)
class Catalogue:
    facets: dict[str, FacetSpec]
    #: record-type code → names of its reference fields that point to LMOs and are facets
    lmo_reference_fields: dict[str, tuple[str, ...]]
    #: record-type code → its date field (the record's own date: decision date, entry into force)
    date_fields: dict[str, str | None]

    def of_type(self, code: str) -> list[FacetSpec]:
        """The facets a record of type ``code`` is indexed with."""
        return [s for s in self.facets.values() if code in s.fields]

    def for_types(self, codes: Iterable[str]) -> dict[str, FacetSpec]:
        wanted = set(codes)
        return {n: s for n, s in self.facets.items() if not wanted or s.types & wanted}


_catalogue_cache: tuple[dict[str, RecordType], Catalogue] | None = None


def facet_catalogue() -> Catalogue:
    """The facets of every record type in force (rebuilt when a type is registered)."""
    global _catalogue_cache
    types = record_types()
    if _catalogue_cache is None or _catalogue_cache[0] is not types:
        _catalogue_cache = (types, _build_catalogue(types))
    return _catalogue_cache[1]


def _camel(code: str, name: str) -> str:
    return code.lower() + name[0].upper() + name[1:]


def _build_catalogue(types: Mapping[str, RecordType]) -> Catalogue:
    facets: dict[str, FacetSpec] = {
        "type": FacetSpec("type", _BUILTIN_LABELS["type"], "type", fields={c: "" for c in types}),
    }
    country_fields: dict[str, str] = {}
    lmo_refs: dict[str, tuple[str, ...]] = {}
    date_fields: dict[str, str | None] = {}

    def add(code: str, name: str, spec: FacetSpec) -> None:
        key = name
        existing = facets.get(key)
        if key in RESERVED or (existing is not None and existing.signature() != spec.signature()):
            # the same name meaning something else (LAW's ``type``): qualify it with the type code
            key = _camel(code, name)
            existing = facets.get(key)
        if existing is None:
            facets[key] = FacetSpec(key, spec.label, spec.kind, spec.vocabulary, dict(spec.fields), dict(spec.derived))
        else:
            facets[key] = FacetSpec(
                key,
                existing.label,
                existing.kind,
                existing.vocabulary,
                {**existing.fields, **spec.fields},
                {**existing.derived, **spec.derived},
            )

    lmo = types.get("LMO")
    for code in sorted(types):
        rt = types[code]
        date_fields[code] = rt.date_field
        if rt.is_national:
            country_fields[code] = ""
        for f in rt.facets:
            if f.name == "country" and f.kind == "term" and f.vocabulary == "countries" and not rt.is_national:
                country_fields[code] = f.name
                continue
            if f.kind == "term":
                add(code, f.name, FacetSpec(f.name, f.label, "term", f.vocabulary, {code: f.name}))
            elif f.kind == "boolean":
                add(code, f.name, FacetSpec(f.name, f.label, "boolean", None, {code: f.name}))
            elif f.kind in ("reference", "construct"):
                add(code, f.name, FacetSpec(f.name, f.label, "reference", None, {code: f.name}))
        refs = tuple(f.name for f in rt.facets if f.kind == "reference" and "LMO" in f.targets)
        if refs:
            lmo_refs[code] = refs
        if lmo is None:
            continue
        # the LMO's own crops and genes are facets too, so LMOs and decisions filter the same way
        derived = refs and code != "LMO"
        if code == "LMO" or derived:
            for name in LMO_DERIVED:
                source = lmo.fields.get(name)
                if source is None:
                    continue
                kind = "term" if source.kind == "term" else "reference"
                spec = FacetSpec(name, source.label, kind, source.vocabulary, {code: name}, {code: bool(derived)})
                if code == "LMO" and name in {f.name for f in rt.facets}:
                    continue  # already added from the definition
                add(code, name, spec)
    facets["country"] = FacetSpec("country", _BUILTIN_LABELS["country"], "country", "countries", country_fields)
    return Catalogue(facets=facets, lmo_reference_fields=lmo_refs, date_fields=date_fields)


def facet_filter_names() -> list[str]:
    """Every facet that can be a filter parameter (``traits=…``), for the API's documentation."""
    return [n for n in facet_catalogue().facets if n not in RESERVED]


# ---------------------------------------------------------------------------------------------
# parsing


@dataclass(frozen=True)
class SearchQuery:
    """A validated search (or export) request."""

    text: str | None = None
    types: tuple[str, ...] = ()
    countries: tuple[str, ...] = ()
    #: facet name → accepted values (normalised ids), AND across facets, OR within one
    filters: tuple[tuple[str, tuple[str, ...]], ...] = ()
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    facets: tuple[str, ...] = ()
    sort: str = "date"
    descending: bool = True
    limit: int = DEFAULT_LIMIT
    cursor: str | None = None
    format: str = "csv"

    def fingerprint(self) -> str:
        """What a cursor is bound to: everything that decides the result set and its order."""
        data = [
            self.text,
            self.types,
            self.countries,
            self.filters,
            str(self.date_from),
            str(self.date_to),
            self.sort,
            self.descending,
        ]
        return hashlib.sha256(json.dumps(data).encode()).hexdigest()[:16]


def _bad(message: str) -> BadRequestError:
    return BadRequestError(message)


def _single(params: Mapping[str, Sequence[str]], name: str) -> str | None:
    values = params.get(name) or []
    if len(values) > 1:
        raise _bad(f"{name} may be given once")
    return values[0] if values else None


def _check_value(name: str, value: str, limit: int = MAX_VALUE_LENGTH) -> str:
    if len(value) > limit:
        raise _bad(f"{name} is at most {limit} characters")
    if _CONTROL.search(value):
        raise _bad(f"{name} contains control characters")
    return value.strip()


def _date(name: str, value: str | None) -> dt.date | None:
    if not value:
        return None
    value = _check_value(name, value)
    if not _DATE.match(value):
        raise _bad(f"{name} is a date, YYYY-MM-DD")
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise _bad(f"{name} {value!r} is not a calendar date") from None


def _record_type_code(value: str) -> str:
    for code, rt in record_types().items():
        if value.upper() == code or value.lower() == rt.slug:
            return code
    raise _bad(f"unknown record type {value[:40]!r} (one of {', '.join(sorted(record_types()))})")


def _country(value: str) -> str:
    if value.lower() not in get_vocabulary("countries"):
        raise _bad(f"unknown country {value[:40]!r}: an ISO 3166-1 alpha-2 code")
    return value.upper()


def _term(spec: FacetSpec, vocabulary: Vocabulary, value: str) -> str:
    if value == "other" or value in vocabulary:
        return value
    raise _bad(f"{spec.name}: {value[:40]!r} is not a term of {vocabulary.name}")


def _boolean(spec: FacetSpec, value: str) -> str:
    lowered = value.lower()  # the spellings the API's parameter validation (pydantic) accepts
    if lowered in ("true", "1", "yes", "y", "t", "on"):
        return "true"
    if lowered in ("false", "0", "no", "n", "f", "off"):
        return "false"
    raise _bad(f"{spec.name} is true or false")


#: a referenced record: its identifier (GUID), its record UID (with or without revision) or, for an
#: LMO, its OECD unique identifier in any usual spelling (9 characters once dashes and spaces go)
REFERENCE_PATTERN = (
    r"^([0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}"
    r"|[Bb][Cc][Hh]-[A-Za-z]{2,5}-[A-Za-z]{2,4}-[1-9][0-9]{0,17}(-[1-9][0-9]{0,17})?"
    r"|[A-Za-z][A-Za-z0-9Øø]{2}[ –-]?[A-Za-z0-9Øø]{5}[ –-]?[0-9]"
    r"|[A-Za-z][A-Za-z0-9Øø][ –-]?[A-Za-z0-9Øø]{6}[ –-]?[0-9])$"
)
_REFERENCE = re.compile(REFERENCE_PATTERN)


def _reference(spec: FacetSpec, value: str) -> list[str]:
    """The records a reference filter names; none when it is well formed but unknown."""
    if not _REFERENCE.match(value):
        raise _bad(f"{spec.name}: {value[:40]!r} is not a record identifier, record UID or OECD unique identifier")
    if GUID.match(value):
        return [value.upper()]
    if value.upper().startswith("BCH-"):
        try:
            return [get_published(value).record.identifier]
        except (NotFoundError, BadRequestError):
            return []
    return [r.identifier for r in find_lmos_by_oecd_uid(value)]


def _values(params: Mapping[str, Sequence[str]], name: str) -> list[str]:
    values = [v for v in params.get(name) or [] if v.strip()]
    if len(values) > MAX_VALUES:
        raise _bad(f"{name} may be given at most {MAX_VALUES} times")
    return [_check_value(name, v) for v in values]


def parse_params(params: Mapping[str, Sequence[str]], *, mode: Literal["search", "export"] = "search") -> SearchQuery:
    """Validate the query parameters of a search (or an export); raise BadRequestError on anything wrong."""
    catalogue = facet_catalogue()
    allowed = _SEARCH_PARAMS if mode == "search" else _EXPORT_PARAMS
    for name in params:
        if name not in allowed and (name in RESERVED or name not in catalogue.facets):
            raise _bad(f"unknown parameter {name[:40]!r}")

    text = _single(params, "q")
    if text is not None:
        if len(text) > MAX_QUERY_LENGTH:
            raise _bad(f"q is at most {MAX_QUERY_LENGTH} characters")
        text = _check_value("q", text, MAX_QUERY_LENGTH) or None
        if text in ("*", "*:*"):  # everything (the second is Solr's, as BCH clients send it)
            text = None
        if text is not None:
            check_syntax(text)

    types = tuple(sorted({_record_type_code(v) for v in _values(params, "type")}))
    countries = tuple(sorted({_country(v) for v in _values(params, "country")}))
    lang = _single(params, "lang")
    if lang is not None and (len(lang) > 35 or not is_language_code(lang)):
        raise _bad("lang is an ISO 639 language code")

    filters: list[tuple[str, tuple[str, ...]]] = []
    for name in sorted(params):
        if name in RESERVED:
            continue
        spec = catalogue.facets[name]
        # a facet of other types than those asked for is no error: no record matches it
        raw = _values(params, name)
        if not raw:
            continue
        accepted: set[str] = set()
        for value in raw:
            if spec.kind == "term":
                accepted.add(_term(spec, get_vocabulary(spec.vocabulary or ""), value))
            elif spec.kind == "boolean":
                accepted.add(_boolean(spec, value))
            else:
                # an unknown but well-formed record adds nothing: alone, the filter matches nothing
                accepted.update(_reference(spec, value))
        filters.append((name, tuple(sorted(accepted))))

    date_from = _date("date_from", _single(params, "date_from"))
    date_to = _date("date_to", _single(params, "date_to"))

    if mode == "export":
        fmt = _check_value("format", _single(params, "format") or "csv")
        if fmt not in EXPORT_FORMATS:
            raise _bad(f"format is one of {', '.join(EXPORT_FORMATS)}")
        return SearchQuery(text, types, countries, tuple(filters), date_from, date_to, format=fmt)

    facets: list[str] = []
    for value in _values(params, "facet"):
        if value not in catalogue.facets:
            raise _bad(f"unknown facet {value[:40]!r}")
        if value not in facets:  # a facet of other types than those asked for comes back empty
            facets.append(value)

    sort = _check_value("sort", _single(params, "sort") or ("relevance" if text else "date"))
    if sort not in SORTS:
        raise _bad(f"sort is one of {', '.join(SORTS)}")
    if sort == "relevance" and not text:
        sort = "date"  # nothing to rank by: newest first
    order = _check_value("order", _single(params, "order") or ("asc" if sort == "title" else "desc"))
    if order not in ("asc", "desc"):
        raise _bad("order is asc or desc")

    raw_limit = _single(params, "limit")
    limit = DEFAULT_LIMIT
    if raw_limit is not None:
        raw_limit = _check_value("limit", raw_limit)
        if not raw_limit.isdigit() or not 1 <= int(raw_limit) <= MAX_LIMIT:
            raise _bad(f"limit is a number from 1 to {MAX_LIMIT}")
        limit = int(raw_limit)
    cursor = _single(params, "cursor")
    if cursor is not None:
        cursor = _check_value("cursor", cursor, MAX_CURSOR_LENGTH) or None
    return SearchQuery(
        text,
        types,
        countries,
        tuple(filters),
        date_from,
        date_to,
        tuple(facets),
        sort,
        order == "desc",
        limit,
        cursor,
    )


# ---------------------------------------------------------------------------------------------
# cursors


@dataclass(frozen=True)
class Cursor:
    """Where the next page starts. ``pin``: highest record number in the result set of page one."""

    fingerprint: str
    pin: int
    #: date sort: the last date key; title sort: the last title key; relevance: unused
    key: int | str | None
    #: relevance: the last record number and score returned, and how many were returned before
    number: int = 0
    score: float = 0.0
    offset: int = 0
    #: title sort: the language whose titles order the pages
    language: str = "en"
    #: relevance: the weights of the query's words on the first page (see text_query)
    weights: tuple[float, ...] = ()


def encode_cursor(cursor: Cursor) -> str:
    data = [
        cursor.fingerprint,
        cursor.pin,
        cursor.key,
        cursor.number,
        cursor.score,
        cursor.offset,
        cursor.language,
        list(cursor.weights),
    ]
    # a plain signature, not signing.dumps's timestamped one: the same page always has the same
    # cursor, so a page computed afresh is the kept page byte for byte (the time was never checked)
    return signing.Signer(salt=_CURSOR_SALT).sign_object(data, compress=True)


def decode_cursor(text: str, query: SearchQuery) -> Cursor:
    try:
        data = signing.Signer(salt=_CURSOR_SALT).unsign_object(text)
        fingerprint, pin, key, number, score, offset, language, weights = data
        if key is not None and not isinstance(key, int | str):
            raise TypeError("key")
        cursor = Cursor(
            str(fingerprint),
            int(pin),
            key,
            int(number),
            float(score),
            int(offset),
            str(language),
            tuple(float(w) for w in weights),
        )
    except (signing.BadSignature, ValueError, TypeError):
        # well-formed text that names no page (altered, or signed with another key): not found
        raise NotFoundError("no such page: pass the `next` value of the previous page unchanged") from None
    if cursor.fingerprint != query.fingerprint():
        raise NotFoundError("the cursor names a page of another query: keep every parameter but limit and facet")
    return cursor


# ---------------------------------------------------------------------------------------------
# index-side helpers shared by the indexer and the searcher


def sort_title(title: str) -> str:
    """Title as sorted: case- and accent-insensitive, single spaces, at most 60 characters."""
    text = title[:240].casefold()  # only the start decides the order
    if not text.isascii():
        text = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    return " ".join(_CONTROL.sub(" ", text).split())[:60]


def title_key(title: str, number: int) -> str:
    """Unique sort key: the sortable title, NUL (lower than any character of a title), the record number."""
    return f"{sort_title(title)}\x00{number:010d}"


def date_key(day: int, number: int) -> int:
    """Unique sort key for the date sort: days since 1970 in the high bits, the record number below."""
    return day * 2**32 + number


def _char(c: str) -> str:
    return f"\\x{{{ord(c):x}}}"


def _above(c: str) -> str | None:
    return None if ord(c) >= 0x10FFFF else f"[{_char(chr(ord(c) + 1))}-\\x{{10ffff}}].*"


def _below(c: str) -> str | None:
    return None if ord(c) == 0 else f"[\\x{{0}}-{_char(chr(ord(c) - 1))}].*"


#: characters of a title key the keyset regex looks at: tantivy caps a regex at 1,000 automaton
#: states, and 24 characters of any script stay under it; the rest is compared in Python
KEYSET_PREFIX = 24


def _prefix_regex(prefix: str, greater: bool) -> str:
    """A regex for the strings whose first ``len(prefix)`` characters are >= (or <=) ``prefix``.

    tantivy has no range query on text, but a regex query runs over the term dictionary. Built
    innermost first, so its size is linear in the prefix.
    """
    tail = ".*"  # the prefix itself, then anything
    for c in reversed(prefix):
        step = _above(c) if greater else _below(c)
        alternatives = [f"{_char(c)}({tail})", step]
        if not greater:
            alternatives.insert(0, "")  # a string that stops here is smaller
        tail = "|".join(a for a in alternatives if a is not None)
    return tail


def after_key_query(
    schema: tantivy.Schema, sort: str, field_name: str, key: int | str, descending: bool
) -> tantivy.Query:
    """Documents after ``key`` in the page order (keyset pagination).

    Date keys are integers: exactly the documents after. Title keys are strings: the documents whose
    first :data:`KEYSET_PREFIX` characters are not before the key's, a small superset that the caller
    narrows with :func:`is_after`.
    """
    if sort == "date":
        value = int(key)
        if descending:
            return tantivy.Query.range_query(
                schema, field_name, tantivy.FieldType.Integer, upper_bound=value, include_upper=False
            )
        return tantivy.Query.range_query(
            schema, field_name, tantivy.FieldType.Integer, lower_bound=value, include_lower=False
        )
    text = str(key)
    width = KEYSET_PREFIX
    while True:
        try:
            return tantivy.Query.regex_query(schema, field_name, _prefix_regex(text[:width], greater=not descending))
        except ValueError:  # too many automaton states after all: look at fewer characters
            if width == 0:
                raise
            width //= 2


def is_after(key: int | str, last: int | str, descending: bool) -> bool:
    return bool(key < last) if descending else bool(key > last)  # type: ignore[operator]


def _facet_path(name: str) -> str:
    return f"facets.{name}"


def any_term(schema: tantivy.Schema, field_name: str, values: Sequence[str]) -> tantivy.Query:
    """Documents with any of ``values`` in ``field_name``.

    A disjunction of term queries: for the few values of a filter it costs microseconds, where
    tantivy's term-set query scans the field's term dictionary (a tenth of a millisecond each).
    """
    terms = [tantivy.Query.term_query(schema, field_name, v) for v in dict.fromkeys(values)]
    if len(terms) == 1:
        return terms[0]
    if not terms:
        return tantivy.Query.empty_query()
    return tantivy.Query.boolean_query([(tantivy.Occur.Should, t) for t in terms])


def filter_queries(
    schema: tantivy.Schema, query: SearchQuery, *, pin: int | None, without: str | None = None
) -> list[tantivy.Query]:
    """The filter clauses (all must hold); ``without`` leaves one facet out (its own counts)."""
    clauses: list[tantivy.Query] = []
    if query.types and without != "type":
        clauses.append(any_term(schema, _facet_path("type"), query.types))
    if query.countries and without != "country":
        clauses.append(any_term(schema, _facet_path("country"), query.countries))
    for name, values in query.filters:
        if name != without:
            clauses.append(any_term(schema, _facet_path(name), values))
    if query.date_from and query.date_to and query.date_from > query.date_to:
        clauses.append(tantivy.Query.empty_query())  # no date is in an empty range
    elif query.date_from or query.date_to:
        clauses.append(
            tantivy.Query.range_query(
                schema,
                "day",
                tantivy.FieldType.Integer,
                lower_bound=_day(query.date_from) if query.date_from else None,
                upper_bound=_day(query.date_to) if query.date_to else None,
            )
        )
    if pin is not None:
        clauses.append(tantivy.Query.range_query(schema, "number", tantivy.FieldType.Integer, upper_bound=pin))
    return clauses


_EPOCH = dt.date(1970, 1, 1).toordinal()


def _day(date: dt.date) -> int:
    return date.toordinal() - _EPOCH


#: free-text fields with their weights: titles count most; stems catch other word forms; text of
#: the records a record covers (a decision's LMOs) least
TEXT_FIELDS: dict[str, float] = {
    "title": 3.0,
    "fold": 1.0,
    "stem_en": 0.6,
    "stem_fr": 0.6,
    "stem_es": 0.6,
    "stem_ru": 0.6,
    "stem_ar": 0.6,
    "related": 0.3,
}
#: fields a query may name (``title:maize``); the others are internal or not text
QUERY_FIELDS: dict[str, float] = {**TEXT_FIELDS, "text": 1.0, "uid": 1.0, "identifier": 1.0, "type": 1.0, "owner": 1.0}
#: exact identifier matches outrank any text match: the record's own identifiers, then components
#: and keyword values (an event name, a reference number), then the identifiers of covered LMOs
IDENTIFIER_SCORES = {"idkey": 10_000.0, "keys": 500.0, "related_keys": 50.0}
#: a word found in several fields counts a little more than in its best field alone
FIELD_TIE_BREAKER = 0.1

# tantivy's "default" tokenizer, to analyse words for the ``text`` field the same way
_DEFAULT = (
    tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.simple())
    .filter(tantivy.Filter.remove_long(40))
    .filter(tantivy.Filter.lowercase())
    .build()
)
_FIELD_ANALYZERS: dict[str, tantivy.TextAnalyzer | None] = {
    "title": ANALYZERS["openbch_fold"],
    "fold": ANALYZERS["openbch_fold"],
    "related": ANALYZERS["openbch_words"],
    **{f"stem_{lang}": ANALYZERS[f"openbch_{lang}"] for lang in STEMMED},
    "text": _DEFAULT,
    # raw fields: the word as written
    "uid": None,
    "identifier": None,
    "type": None,
    "owner": None,
}
#: fields analysed by the simple tokenizer, which needs the text prepared (analysis.word_text)
_WORD_TEXT_FIELDS = frozenset({"related", *(f"stem_{lang}" for lang in STEMMED)})


def identifier_keys(text: str) -> tuple[list[str], list[str]]:
    """Exact keys a query may name: (the record's own identifiers, components and keywords)."""
    stripped = text.strip().strip('"').strip()
    exact = {stripped.lower()}
    parts: set[str] = set()
    if is_probably_oecd_uid(stripped):
        exact.add(compact_key(stripped))
        parts.update(compact_key(p) for p in split_stack(stripped))
    parts.add(stripped.lower())
    return sorted(k for k in exact if k), sorted(k for k in parts if k)


@dataclass(frozen=True)
class TextQuery:
    query: tantivy.Query
    #: the weight (inverse document frequency) of each word or phrase, in query order
    weights: tuple[float, ...]


def check_syntax(text: str) -> None:
    """Raise BadRequestError when ``text`` is not a query we run (checked before any work starts)."""
    try:
        _check_syntax(tantivy.parse_query(_APOSTROPHE.sub(" ", text)))
    except ValueError as exc:
        if not is_probably_oecd_uid(text):
            raise _bad(f"q is not a valid query: {str(exc)[:200]}") from None


def _check_syntax(node: Any) -> None:
    """Allow words, phrases, boolean operators, boosts and sets on text fields; refuse the rest.

    Range and exists queries (``uid:[a TO b]``, ``title:*``) need fields the index does not offer
    for them and would fail when run; refusing them here keeps every failure a 400.
    """
    if not isinstance(node, dict):
        raise ValueError("unexpected query structure")
    kind = node.get("type")
    if kind == "bool":
        clauses = node.get("clauses", [])
        if clauses and all(occur == "must_not" for occur, _ in clauses):
            raise ValueError("only excluded words: say what to look for too")
        for _, clause in clauses:
            _check_syntax(clause)
    elif kind == "boost":
        _check_syntax(node.get("underlying"))
    elif kind in ("literal", "set"):
        name = node.get("field_name") if kind == "literal" else node.get("field")
        if kind == "set" and name is None:
            raise ValueError("IN [...] needs a field: field:IN [a b]")
        if name is not None and name not in QUERY_FIELDS:
            raise ValueError(f"unknown field {str(name)[:40]!r} (fields: {', '.join(sorted(QUERY_FIELDS))})")
    elif kind != "all":
        raise ValueError(f"{kind} queries are not supported")


class _Builder:
    """Turns the parsed query into a tantivy query whose scores do not depend on the rest of the corpus.

    tantivy's BM25 uses corpus statistics (document frequencies, average field lengths) that change
    with every publication, which would reorder results between two pages of one walk. Here each
    word or phrase scores its field weight (best field, plus a little for the others) times a
    weight fixed on the first page (its inverse document frequency then) and carried by the cursor,
    so every page ranks a record exactly as the first did. Equal scores are ordered by record number.
    """

    def __init__(self, schema: tantivy.Schema, searcher: tantivy.Searcher, weights: list[float] | None) -> None:
        self.schema = schema
        self.searcher = searcher
        self.given = weights
        self.weights: list[float] = []

    def _field_query(self, field_name: str, phrase: str, slop: int, prefix: bool) -> tuple[tantivy.Query, int] | None:
        """The query of a word or phrase in one field, and how many documents have its rarest word there."""
        analyzer = _FIELD_ANALYZERS[field_name]
        if field_name in _WORD_TEXT_FIELDS:
            phrase = word_text(phrase)
        tokens = analyzer.analyze(phrase) if analyzer is not None else [phrase]
        if not tokens:
            return None
        frequency = 0
        if self.given is None:  # term dictionary look-ups: microseconds
            frequency = min(self.searcher.doc_freq(field_name, token) for token in tokens)
        words: list[str | tuple[int, str]] = list(tokens)
        if prefix:
            return tantivy.Query.phrase_prefix_query(self.schema, field_name, words), frequency
        if len(tokens) == 1:
            return tantivy.Query.term_query(self.schema, field_name, tokens[0]), frequency
        return tantivy.Query.phrase_query(self.schema, field_name, words, slop), frequency

    def _leaf(self, fields: dict[str, float], phrase: str, slop: int, prefix: bool) -> tantivy.Query | None:
        scored = []
        frequency = 0
        for field_name, weight in fields.items():
            found = self._field_query(field_name, phrase, slop, prefix)
            if found is not None:
                scored.append(tantivy.Query.const_score_query(found[0], weight))
                frequency = max(frequency, found[1])
        if not scored:
            return None
        leaf = tantivy.Query.disjunction_max_query(scored, FIELD_TIE_BREAKER)
        if self.given is None:
            weight = _idf(self.searcher.num_docs, frequency)
        elif len(self.weights) < len(self.given):
            weight = self.given[len(self.weights)]
        else:
            raise ValueError("the query does not match its cursor")
        self.weights.append(weight)
        return tantivy.Query.boost_query(leaf, weight)

    def build(self, node: dict[str, Any]) -> tantivy.Query | None:
        kind = node["type"]
        if kind == "all":
            return tantivy.Query.const_score_query(tantivy.Query.all_query(), 1.0)
        if kind == "boost":
            inner = self.build(node["underlying"])
            return tantivy.Query.boost_query(inner, float(node["boost"])) if inner is not None else None
        if kind == "set":
            name = str(node["field"])
            return tantivy.Query.const_score_query(
                any_term(self.schema, name, [str(e) for e in node["elements"]]), QUERY_FIELDS[name]
            )
        if kind == "literal":
            field_name = node.get("field_name")
            fields = {str(field_name): QUERY_FIELDS[str(field_name)]} if field_name else TEXT_FIELDS
            return self._leaf(fields, str(node["phrase"]), int(node.get("slop") or 0), bool(node.get("prefix")))
        clauses: list[tuple[tantivy.Occur, tantivy.Query]] = []
        for occur, child in node["clauses"]:
            built = self.build(child)
            if built is None:
                continue
            # words without an operator must all match (conjunction), as the real BCH does
            mode = {"should": tantivy.Occur.Should, "must_not": tantivy.Occur.MustNot}.get(occur, tantivy.Occur.Must)
            clauses.append((mode, built))
        if not clauses:
            return None
        if all(mode == tantivy.Occur.MustNot for mode, _ in clauses):
            raise ValueError("only excluded words: say what to look for too")
        return tantivy.Query.boolean_query(clauses)


def _idf(documents: int, frequency: int) -> float:
    """BM25's inverse document frequency, rounded so that it survives the cursor unchanged."""
    documents = max(documents, 1)
    return max(round(math.log(1 + (documents - frequency + 0.5) / (frequency + 0.5)), 4), 0.0001)


def text_query(
    schema: tantivy.Schema, searcher: tantivy.Searcher, text: str, weights: Sequence[float] | None = None
) -> TextQuery:
    """Free text in tantivy's syntax (words ANDed, "phrases", OR, -excluded, field:word, word^2),
    plus exact identifiers: an OECD unique identifier in any spelling, a record UID or a GUID ranks
    its record first. ``weights``: those of the first page (from the cursor); None computes them."""
    exact, parts = identifier_keys(text)
    identifier_clauses: list[tuple[tantivy.Occur, tantivy.Query]] = [
        (
            tantivy.Occur.Should,
            tantivy.Query.const_score_query(any_term(schema, field, keys), score),
        )
        for (field, score), keys in zip(IDENTIFIER_SCORES.items(), (exact, parts, exact), strict=True)
    ]
    # an apostrophe inside a word (l'organisme, d'importation) is no quote for the query syntax
    cleaned = _APOSTROPHE.sub(" ", text)
    try:
        tree = tantivy.parse_query(cleaned)
        _check_syntax(tree)
        builder = _Builder(schema, searcher, list(weights) if weights is not None else None)
        built = builder.build(tree)
        computed = tuple(builder.weights)
        if weights is not None and computed != tuple(weights):
            raise ValueError("the query does not match its cursor")
    except ValueError as exc:
        if is_probably_oecd_uid(text):
            return TextQuery(tantivy.Query.boolean_query(identifier_clauses), ())
        raise _bad(f"q is not a valid query: {str(exc)[:200]}") from None
    clauses = [(tantivy.Occur.Should, built)] if built is not None else []
    return TextQuery(tantivy.Query.boolean_query([*clauses, *identifier_clauses]), computed)
