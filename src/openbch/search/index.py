"""Build and update the tantivy index of published records.

The index is derived data: it can always be rebuilt from storage (``openbch index rebuild``), and it
records the last change-log event it applied (``meta-openbch.json``: sequence number and a
fingerprint of that event), so an update after a crash resumes from there, and an index that is
ahead of storage or disagrees with it (a database restored from a backup) is rebuilt instead of
trusted. Which fields are searched and faceted comes from the record-type definitions (``search``
and ``facet`` keys, see :mod:`openbch.search.query`).

Concurrency: tantivy allows one writer per index. Every writer use — updates, the swap at the end
of a rebuild — holds an exclusive ``fcntl`` lock on a file beside the index, so the workers of one
server (and the CLI) take turns. A rebuild writes a new generation folder and switches the
``index`` symlink to it atomically; readers notice the new generation in the meta file and reopen.

Denormalisation: a record that covers LMOs (a decision, a risk assessment…) is indexed with the
traits, crops and genes of those LMOs' latest revisions, so when an LMO is republished the records
that reference it are re-indexed too (reverse links, :class:`openbch.records.models.RecordLink`).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import hashlib
import json
import os
import shutil
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import tantivy
from django.conf import settings
from django.db import connection
from django.utils import timezone

from openbch.core.multilingual import UN_LANGUAGES, localize
from openbch.identifiers.oecd import compact_key, split_stack
from openbch.records.changelog import events_after, last_seq
from openbch.records.models import ChangeEvent, Record, RecordLink, RecordState
from openbch.records.queries import PUBLIC_STATES, SourceRow, published_rows_after, source_rows
from openbch.recordtypes import RecordType, get_record_type, record_types
from openbch.recordtypes.validate import parse_reference
from openbch.search.analysis import ANALYZERS, STEMMED, word_text
from openbch.search.query import (
    Catalogue,
    FacetSpec,
    date_key,
    facet_catalogue,
    title_key,
)
from openbch.vocabularies import get_vocabulary

__all__ = [
    "IndexMeta",
    "IndexStatus",
    "build_schema",
    "event_fingerprint",
    "index_dir",
    "latest_event_fingerprint",
    "open_searcher",
    "read_meta",
    "rebuild",
    "status",
    "update",
]

#: bump when the schema or the way documents are built changes: existing indexes are rebuilt
SCHEMA_VERSION = 5
META_FILE = "meta-openbch.json"
_BATCH = 1000
#: a rebuild reads this many records per query (one plain SQL read: no model instances), and
#: tantivy analyses them on two threads of 200 MB each, beside the thread that builds the documents
#: (tantivy's analysis costs more CPU than building them in Python, even with the simple tokenizer)
_REBUILD_BATCH = 5000
_REBUILD_HEAP = 400_000_000
_REBUILD_THREADS = 2
_LOCK_TIMEOUT = 60.0


def index_dir() -> Path:
    return Path(settings.INDEX_DIR)


def register_analyzers(index: tantivy.Index) -> tantivy.Index:
    """Tokenizers are not stored in the index: register them on every opened instance."""
    for name, analyzer in ANALYZERS.items():
        index.register_tokenizer(name, analyzer)
    return index


def build_schema() -> tantivy.Schema:
    builder = tantivy.SchemaBuilder()
    builder.add_text_field("identifier", stored=True, tokenizer_name="raw")
    builder.add_text_field("uid", stored=True, tokenizer_name="raw")
    builder.add_text_field("type", stored=True, tokenizer_name="raw")
    builder.add_text_field("owner", stored=True, tokenizer_name="raw")
    builder.add_integer_field("number", stored=True, indexed=True, fast=True)
    # the display title in each language it has (JSON), shown in results; never searched
    builder.add_bytes_field("titles", stored=True)
    # the record type's hit fields and OECD identifiers as in the body (JSON), shown in results
    builder.add_bytes_field("hit", stored=True)
    builder.add_text_field("title", stored=True, tokenizer_name="openbch_fold")
    # all searchable text, with tantivy's default tokenizer (field queries like text:maize)
    builder.add_text_field("text", stored=False)
    # the same text, accent-folded and CJK-aware; stored for highlights
    builder.add_text_field("fold", stored=True, tokenizer_name="openbch_fold")
    # the unstored text fields take the cheaper simple tokenizer on word_text() (search.analysis)
    for lang in STEMMED:
        builder.add_text_field(f"stem_{lang}", stored=False, tokenizer_name=f"openbch_{lang}")
    # text of the records this one covers (a decision: its LMOs' names), ranked low
    builder.add_text_field("related", stored=False, tokenizer_name="openbch_words")
    # exact keys: the record's own identifiers; components and keyword values; covered LMOs'
    builder.add_text_field("idkey", stored=False, tokenizer_name="raw")
    builder.add_text_field("keys", stored=False, tokenizer_name="raw")
    builder.add_text_field("related_keys", stored=False, tokenizer_name="raw")
    # facet name → values (terms with their broader terms), counted by terms aggregations
    builder.add_json_field("facets", stored=False, fast=True, tokenizer_name="raw")
    builder.add_date_field("published", stored=True, indexed=True, fast=True)
    # the record's own date (YYYY-MM-DD), absent when it has none; "day" falls back to its first publication
    builder.add_text_field("date", stored=True, tokenizer_name="raw")
    builder.add_integer_field("day", stored=False, indexed=True, fast=True)
    builder.add_integer_field("date_key", stored=False, indexed=True, fast=True)
    for lang in UN_LANGUAGES:
        builder.add_text_field(f"tsort_{lang}", stored=False, tokenizer_name="raw", fast=True)
    return builder.build()


# ---------------------------------------------------------------------------------------------
# documents
#
# A rebuild builds hundreds of thousands of documents on one core (the other indexes them), so what
# depends only on the record type, a vocabulary term or a referenced identifier is worked out once
# and kept (``_TypePlan``, the caches below), never per record.

#: bounds of the per-process caches of this section (each entry is small)
_CACHE_LIMIT = 200_000


def _as_list(value: Any) -> list[Any]:
    if value is None or value == "" or value == []:
        return []
    return value if isinstance(value, list) else [value]


_parsed: dict[str, str | None] = {}


def _reference_target(text: str) -> str | None:
    """The identifier a reference names (the same few thousand references recur in every batch)."""
    try:
        return _parsed[text]
    except KeyError:
        if len(_parsed) > _CACHE_LIMIT:
            _parsed.clear()
        parsed = parse_reference(text)
        target = _parsed[text] = parsed[0] if parsed else None
        return target


def _references(value: Any) -> list[str]:
    found = []
    for item in _as_list(value):
        if isinstance(item, dict) and (target := _reference_target(str(item.get("identifier", "")))):
            found.append(target)
    return found


def _term_ids(value: Any) -> list[str]:
    return [str(i["identifier"]) for i in _as_list(value) if isinstance(i, dict) and i.get("identifier")]


def _strings(value: Any) -> Iterator[tuple[str | None, str]]:
    """(language or None, text) of a text, multilingual text, or a list of them."""
    for item in _as_list(value):
        if isinstance(item, str):
            yield None, item
        elif isinstance(item, dict):
            for lang, text in item.items():
                if isinstance(text, str) and isinstance(lang, str):
                    yield lang.split("-")[0], text
        elif isinstance(item, int | float) and not isinstance(item, bool):
            yield None, str(item)


_keys: dict[str, tuple[str, tuple[str, ...]]] = {}


def _identifier_keys(text: str) -> tuple[str, tuple[str, ...]]:
    """(compact key, compact keys of its stack's parts) of an identifier: an LMO's is needed by its
    own document and by every record covering it."""
    found = _keys.get(text)
    if found is None:
        if len(_keys) > _CACHE_LIMIT:
            _keys.clear()
        found = _keys[text] = (compact_key(text), tuple(compact_key(p) for p in split_stack(text)))
    return found


def _zeros(text: str) -> str:
    """The spelling with digit zeros: ``MON-ØØ81Ø-6`` is also found as ``mon 00810 6``."""
    return text.replace("Ø", "0").replace("ø", "0")


_expanded: dict[tuple[str, str], frozenset[str]] = {}


def _expand(vocabulary_name: str | None, ids: Iterable[str]) -> set[str]:
    if vocabulary_name is None:
        return set(ids)
    expanded: set[str] = set()
    for term_id in ids:
        key = (vocabulary_name, term_id)
        found = _expanded.get(key)
        if found is None:
            if len(_expanded) > _CACHE_LIMIT:
                _expanded.clear()
            vocabulary = get_vocabulary(vocabulary_name)
            found = _expanded[key] = (
                vocabulary.with_ancestors(term_id) if term_id in vocabulary else frozenset({term_id})
            )
        expanded |= found
    return expanded


_labels: dict[tuple[str, str], tuple[str, ...]] = {}


def _term_labels(vocabulary_name: str | None, ids: Iterable[str]) -> list[str]:
    """The terms' labels in every language, as ``related`` text (:func:`word_text`)."""
    if vocabulary_name is None:
        return []
    found: list[str] = []
    for term_id in ids:
        key = (vocabulary_name, term_id)
        labels = _labels.get(key)
        if labels is None:
            if len(_labels) > _CACHE_LIMIT:
                _labels.clear()
            vocabulary = get_vocabulary(vocabulary_name)
            labels = _labels[key] = (
                tuple(word_text(t) for t in vocabulary.terms[term_id].label.values()) if term_id in vocabulary else ()
            )
        found.extend(labels)
    return found


@dataclass(frozen=True)
class LmoProfile:
    """What records covering an LMO are indexed with."""

    traits: frozenset[str]
    organisms: frozenset[str]
    genes: frozenset[str]
    #: its names and identifiers as ``related`` text (:func:`word_text`)
    names: tuple[str, ...]
    keys: tuple[str, ...]


class _Context:
    """Referenced records, loaded in batches and reduced to what documents need.

    Bodies are kept for one batch only; what documents take from them (an LMO's profile, the
    names of an organism or a gene, a record's type) is small and kept for the whole run, so each
    referenced record is read once however many records reference it.
    """

    def __init__(self) -> None:
        self._items: dict[str, SourceRow | None] = {}
        self._types: dict[str, str | None] = {}
        self._profiles: dict[str, LmoProfile | None] = {}
        self._names: dict[str, tuple[str, ...]] = {}

    def load(self, identifiers: Iterable[str]) -> None:
        missing = sorted({i for i in identifiers if i not in self._items})
        if not missing:
            return
        # a withdrawn record still names what references it
        found = {row.identifier: row for row in source_rows(missing, withdrawn=True)}
        for identifier in missing:
            item = found.get(identifier)
            self._items[identifier] = item
            self._types[identifier] = item.type if item else None

    def item(self, identifier: str) -> SourceRow | None:
        if identifier not in self._items:
            self.load([identifier])
        return self._items[identifier]

    def type_of(self, identifier: str) -> str | None:
        if identifier not in self._types:
            self.load([identifier])
        return self._types[identifier]

    def prefetch(self, items: list[SourceRow], catalogue: Catalogue) -> None:
        """Load, in a few queries, the LMOs, organisms and genes that ``items`` will ask for."""
        self._items.clear()
        if len(self._profiles) + len(self._names) + len(self._types) > 500_000:
            self._profiles.clear()
            self._names.clear()
            self._types.clear()
        wanted: set[str] = set()
        for item in items:
            for name in catalogue.lmo_reference_fields.get(item.type, ()):
                wanted.update(r for r in _references(item.body.get(name)) if r not in self._profiles)
        self.load(wanted)
        referenced = [p for i in wanted if (p := self._items.get(i)) is not None and p.type == "LMO"]
        own = [i for i in items if i.type == "LMO"]
        second = {r for lmo in (*referenced, *own) for r in _references(lmo.body.get("recipientOrganisms"))}
        second = {r for r in second if r not in self._types}
        second |= {r for lmo in own for r in _references(lmo.body.get("genes")) if r not in self._names}
        self.load(second)
        for identifier in wanted:
            self.profile(identifier)

    def names(self, identifier: str) -> tuple[str, ...]:
        """Names of an organism or a genetic element, in every language, as ``related`` text."""
        if identifier not in self._names:
            item = self.item(identifier)
            names: list[str] = []
            if item is not None:
                for name in ("scientificName", "commonNames", "name", "abbreviation", "synonymNames"):
                    names.extend(word_text(text) for _, text in _strings(item.body.get(name)))
            self._names[identifier] = tuple(names)
        return self._names[identifier]

    def profile(self, identifier: str, depth: int = 0) -> LmoProfile | None:
        if identifier not in self._profiles:
            self._profiles[identifier] = None  # a cycle of stack parents ends here
            if self.type_of(identifier) == "LMO":
                item = self.item(identifier)
                if item is not None:
                    self._profiles[identifier] = self.profile_of(item, depth)
        return self._profiles[identifier]

    def own_profile(self, item: SourceRow) -> LmoProfile:
        """An LMO's profile for its own document: often made already for a record that covers it."""
        profile = self._profiles.get(item.identifier)
        if profile is None:
            profile = self._profiles[item.identifier] = self.profile_of(item)
        return profile

    def profile_of(self, item: SourceRow, depth: int = 0) -> LmoProfile:
        body = item.body
        organisms: set[str] = set()
        for ref in _references(body.get("recipientOrganisms")):
            kind = self.type_of(ref)
            if kind is None:
                continue
            if kind == "LMO":
                # a stack's parents are LMOs: its crop is theirs
                parent = self.profile(ref, depth + 1) if depth < 4 else None
                if parent is not None:
                    organisms |= parent.organisms
            else:
                organisms.add(ref)
        names = [text for _, text in _strings(body.get("identity"))]
        keys: list[str] = []
        for name in ("transformationEvent", "uniqueIdentification", "tradeNames"):
            for _, text in _strings(body.get(name)):
                names.append(text)
                if name == "uniqueIdentification":
                    names.append(_zeros(text))
                    key, parts = _identifier_keys(text)
                    keys.append(key)
                    keys.extend(parts)
        return LmoProfile(
            traits=frozenset(_expand("lmo-traits", _term_ids(body.get("traits")))),
            organisms=frozenset(organisms),
            genes=frozenset(_references(body.get("genes"))),
            names=tuple(word_text(name) for name in names),
            keys=tuple(k for k in keys if k),
        )


def _titles(record_type: RecordType, body: dict[str, Any]) -> dict[str, str]:
    """The display title per language; ``{"": text}`` for a language-neutral title."""
    for name in record_type.title_fields:
        value = body.get(name)
        if isinstance(value, str) and value.strip():
            return {"": value[:2000]}
        if isinstance(value, dict):
            present = {k: v[:2000] for k, v in value.items() if isinstance(v, str) and v.strip()}
            if present:
                return present
    return {}


def display_title(titles: dict[str, str], language: str) -> tuple[str, str | None]:
    """(title, its language or None when language-neutral), with the fallback rule."""
    if "" in titles:
        return titles[""], None
    shown = localize(titles, language)
    return (shown.text, shown.language) if shown else ("", None)


_shown_keys: dict[tuple[str, ...], tuple[str | None, ...]] = {}


def _sort_titles(titles: dict[str, str]) -> list[str]:
    """The title each UN language shows (:func:`display_title`), in UN_LANGUAGES order.

    Which language a title shows in depends only on the languages it has, so the choice is made
    once per set of languages, not six times per record."""
    if "" in titles:
        return [titles[""]] * len(UN_LANGUAGES)
    present = tuple(titles)
    keys = _shown_keys.get(present)
    if keys is None:
        if len(_shown_keys) > _CACHE_LIMIT:
            _shown_keys.clear()
        shown: list[str | None] = []
        for language in UN_LANGUAGES:
            picked = localize(titles, language)
            # every title text is non-blank (_titles), so the choice depends on the keys alone
            shown.append(None if picked is None else picked.language)
        keys = _shown_keys[present] = tuple(shown)
    return [titles[k] if k is not None else "" for k in keys]


_EPOCH = dt.date(1970, 1, 1).toordinal()


def _own_date(item: SourceRow, catalogue: Catalogue) -> dt.date | None:
    """The record's own date (its type's date field), as its source gives it."""
    name = catalogue.date_fields.get(item.type)
    value = item.body.get(name) if name else None
    if isinstance(value, str):
        with contextlib.suppress(ValueError):
            return dt.date.fromisoformat(value)
    return None


def _hit_values(record_type: RecordType, body: dict[str, Any]) -> bytes:
    """What a hit shows beside the title, as the body has it (labels are looked up per language)."""
    names = (*record_type.hit_fields, *record_type.oecd_uid_field_names)
    return json.dumps({n: body[n] for n in names if body.get(n) not in (None, "", [])}, ensure_ascii=False).encode()


@dataclass(frozen=True)
class _TypePlan:
    """What building a document of one record type needs from its definition and the catalogue."""

    record_type: RecordType
    #: (field name, search mode) of the searched fields, in definition order
    search: tuple[tuple[str, str], ...]
    #: (field name, vocabulary) of the term facets, whose labels are indexed as related text
    term_facets: tuple[tuple[str, str | None], ...]
    facets: tuple[FacetSpec, ...]
    lmo_references: tuple[str, ...]


_plans: dict[tuple[int, int, str], _TypePlan] = {}


def _plan(catalogue: Catalogue, code: str) -> _TypePlan:
    record_type = get_record_type(code)
    key = (id(catalogue), id(record_type), code)
    plan = _plans.get(key)
    if plan is None:
        if len(_plans) > 1000:
            _plans.clear()
        plan = _plans[key] = _TypePlan(
            record_type=record_type,
            search=tuple((f.name, f.search) for f in record_type.fields.values() if f.search),
            term_facets=tuple((f.name, f.vocabulary) for f in record_type.facets if f.kind == "term"),
            facets=tuple(catalogue.of_type(code)),
            lmo_references=catalogue.lmo_reference_fields.get(code, ()),
        )
    return plan


def _facet_values(
    item: SourceRow, plan: _TypePlan, own: LmoProfile | None, covered: list[LmoProfile]
) -> dict[str, list[str]]:
    code = item.type
    body = item.body
    values: dict[str, list[str]] = {}
    for spec in plan.facets:
        name = spec.name
        source = spec.fields[code]
        found: set[str] | frozenset[str] = set()
        if spec.kind == "type":
            found = {code}
        elif spec.kind == "country":
            # the owner of a national record; the country field of a reference record (organizations)
            national = plan.record_type.is_national
            found = {item.owner} if national else {t.upper() for t in _term_ids(body.get(source))}
        elif spec.derived.get(code) or (own is not None and name in ("recipientOrganisms", "genes")):
            profiles = covered if spec.derived.get(code) else [own] if own else []
            merged: set[str] = set()
            for profile in profiles:
                if name == "traits":
                    merged |= profile.traits
                elif name == "recipientOrganisms":
                    merged |= profile.organisms
                elif name == "genes":
                    merged |= profile.genes
            found = merged
        elif spec.kind == "term":
            found = _expand(spec.vocabulary, _term_ids(body.get(source)))
        elif spec.kind == "boolean":
            value = body.get(source)
            if isinstance(value, bool):
                found = {"true" if value else "false"}
        else:
            found = set(_references(body.get(source)))
        if found:
            values[name] = sorted(found)
    return values


def document_fields(item: SourceRow, context: _Context, catalogue: Catalogue) -> dict[str, Any]:
    """The fields of one published record's index document (its latest revision), by name."""
    plan = _plan(catalogue, item.type)
    record_type = plan.record_type
    body = item.body
    number = item.number or 0
    uid = item.uid
    text: list[str] = []
    by_language: dict[str, list[str]] = {}
    related: list[str] = []
    idkey = {uid.lower(), uid.rsplit("-", 1)[0].lower(), item.identifier.lower()}
    keys: set[str] = set()
    related_keys: set[str] = set()
    for name, mode in plan.search:
        value = body.get(name)
        if value is None:
            continue
        for language, string in _strings(value):
            text.append(string)
            if language in STEMMED:
                by_language.setdefault(language, []).append(word_text(string))
            if mode == "identifier":
                text.append(_zeros(string))
                key, parts = _identifier_keys(string)
                idkey.add(key)
                keys.add(key)
                keys.update(parts)
            elif mode == "keyword":
                keys.add(string.strip().lower())
    for name, vocabulary in plan.term_facets:
        related.extend(_term_labels(vocabulary, _term_ids(body.get(name))))

    own = context.own_profile(item) if item.type == "LMO" else None
    if own is not None:
        for ref in (*own.organisms, *own.genes):
            related.extend(context.names(ref))
    covered: list[LmoProfile] = []
    for name in plan.lmo_references:
        for ref in _references(body.get(name)):
            profile = context.profile(ref)
            if profile is not None:
                covered.append(profile)
                related.extend(profile.names)
                related_keys.update(profile.keys)
    if covered:
        # sorted: a set's order changes from one process to the next, and so would the document
        related.extend(_term_labels("lmo-traits", sorted({t for p in covered for t in p.traits})))

    titles = _titles(record_type, body)
    own_date = _own_date(item, catalogue)
    # date order and filters: a record without a date of its own by its first publication here
    date = own_date or (item.first_published_at or item.published_at).date()
    day = date.toordinal() - _EPOCH
    fields: dict[str, Any] = {
        "identifier": [item.identifier],
        "uid": [uid],
        "type": [item.type],
        "owner": [item.owner],
        "number": [number],
        "titles": [json.dumps(titles, ensure_ascii=False).encode("utf-8")],
        "hit": [_hit_values(record_type, body)],
        "title": list(titles.values()),
        "text": text,
        "fold": [" \n".join(text)],
        "related": related,
        "idkey": sorted(k for k in idkey if k),
        "keys": sorted(k for k in keys if k),
        "related_keys": sorted(k for k in related_keys if k),
        "facets": [_facet_values(item, plan, own, covered)],
        "published": [item.published_at],
        "day": [day],
        "date_key": [date_key(day, number)],
    }
    if own_date is not None:
        fields["date"] = [own_date.isoformat()]
    for language, strings in by_language.items():
        fields[f"stem_{language}"] = strings
    sort_keys: dict[str, str] = {}  # most languages fall back to the same title: sort it once
    for language, shown in zip(UN_LANGUAGES, _sort_titles(titles), strict=True):
        if shown not in sort_keys:
            sort_keys[shown] = title_key(shown, number)
        fields[f"tsort_{language}"] = [sort_keys[shown]]
    return {name: values for name, values in fields.items() if values}


def build_document(item: SourceRow, context: _Context, catalogue: Catalogue) -> tantivy.Document:
    """The index document of one published record (its latest revision)."""
    return tantivy.Document.from_dict(document_fields(item, context, catalogue), _schema())


_schema_cache: tantivy.Schema | None = None


def _schema() -> tantivy.Schema:
    global _schema_cache
    if _schema_cache is None:
        _schema_cache = build_schema()
    return _schema_cache


# ---------------------------------------------------------------------------------------------
# meta, locks, generations


@dataclass(frozen=True)
class IndexMeta:
    generation: str
    last_seq: int
    #: fingerprint of the change-log event at ``last_seq`` ("" for none): tells a stale index apart
    last_event: str
    documents: int
    schema: int
    definitions: str

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


_definitions_cache: tuple[dict[str, RecordType], str] | None = None


def _definitions_hash() -> str:
    """Changes when a record type's fields change: the index must then be rebuilt."""
    global _definitions_cache
    types = record_types()
    if _definitions_cache is None or _definitions_cache[0] is not types:
        raw = [rt.raw for _, rt in sorted(types.items())]
        digest = hashlib.sha256(json.dumps(raw, sort_keys=True, default=str).encode()).hexdigest()[:16]
        _definitions_cache = (types, digest)
    return _definitions_cache[1]


def event_fingerprint(seq: int, at: dt.datetime, identifier: str, kind: str, revision: int) -> str:
    """Tells one change-log event from another that got the same sequence number (a restored database)."""
    if timezone.is_naive(at):
        at = timezone.make_aware(at, dt.UTC)
    return f"{seq}:{identifier}:{kind}:{revision}:{at.astimezone(dt.UTC).isoformat()}"


def latest_event_fingerprint() -> tuple[int, str]:
    """(seq, fingerprint) of the change log's last event: one indexed query (run before every search)."""
    events, records = ChangeEvent._meta.db_table, Record._meta.db_table
    with connection.cursor() as cursor:
        # plain SQL: on this hot path the ORM would cost more than the query itself
        cursor.execute(
            f"SELECT e.seq, e.at, r.identifier, e.kind, e.revision FROM {events} e "  # noqa: S608 - our table names
            f"JOIN {records} r ON r.id = e.record_id ORDER BY e.seq DESC LIMIT 1"
        )
        row = cursor.fetchone()
    if row is None:
        return 0, ""
    seq, at, identifier, kind, revision = row
    if isinstance(at, str):  # a backend that returns text
        at = dt.datetime.fromisoformat(at)
    return int(seq), event_fingerprint(int(seq), at, str(identifier), str(kind), int(revision))


def _event_fingerprint_at(seq: int) -> str | None:
    if seq == 0:
        return ""
    row = ChangeEvent.objects.filter(seq=seq).values_list("seq", "at", "record__identifier", "kind", "revision").first()
    return event_fingerprint(*row) if row else None


def read_meta(directory: Path | None = None) -> IndexMeta | None:
    path = (directory or index_dir()) / META_FILE
    try:
        data = json.loads(path.read_text())
        return IndexMeta(
            generation=str(data["generation"]),
            last_seq=int(data["last_seq"]),
            last_event=str(data["last_event"]),
            documents=int(data["documents"]),
            schema=int(data["schema"]),
            definitions=str(data["definitions"]),
        )
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _write_meta(directory: Path, meta: IndexMeta) -> None:
    # write then rename: a reader never sees half a file, a crash leaves the previous one
    temporary = directory / f".{META_FILE}.{os.getpid()}"
    temporary.write_text(json.dumps(meta.as_dict()))
    temporary.replace(directory / META_FILE)


def is_compatible(meta: IndexMeta | None) -> bool:
    return meta is not None and meta.schema == SCHEMA_VERSION and meta.definitions == _definitions_hash()


class LockTimeoutError(RuntimeError):
    """Another process held the index writer lock for longer than we were willing to wait."""


@contextlib.contextmanager
def writer_lock(timeout: float = _LOCK_TIMEOUT) -> Iterator[None]:
    """Exclusive across processes (fcntl) and threads (each call opens its own file description)."""
    path = index_dir().parent / f".{index_dir().name}.lock"  # beside the index: it survives rebuilds
    path.parent.mkdir(parents=True, exist_ok=True)
    deadline = time.monotonic() + timeout
    with path.open("a") as handle:
        while True:
            try:
                fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise LockTimeoutError(f"the search index is locked by another process ({path})") from None
                time.sleep(0.02)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def _open(directory: Path) -> tantivy.Index:
    return register_analyzers(tantivy.Index.open(str(directory)))


def _swap_in(directory: Path) -> None:
    """Point the ``index`` symlink at ``directory`` atomically; remove older generations."""
    target = index_dir()
    link = target.with_name(f".{target.name}.link.{os.getpid()}")
    link.unlink(missing_ok=True)
    os.symlink(directory.name, link)
    if target.exists() and not target.is_symlink():
        shutil.rmtree(target)  # an index from before generations existed
    os.replace(link, target)
    for old in target.parent.glob(f"{target.name}.*"):
        if old == directory or not old.is_dir():
            continue
        if old.name.startswith(f"{target.name}.building-") and time.time() - old.stat().st_mtime < 6 * 3600:
            continue  # another process may be building it right now
        shutil.rmtree(old, ignore_errors=True)


# ---------------------------------------------------------------------------------------------
# rebuild and update


def _apply_events(index: tantivy.Index, after: int, catalogue: Catalogue) -> tuple[int, int, str]:
    """Apply the change-log events after ``after``: (events applied, last seq, its fingerprint)."""
    writer = index.writer(heap_size=50_000_000, num_threads=1)
    applied = 0
    seq = after
    fingerprint = _event_fingerprint_at(after) or ""
    while events := events_after(seq, _BATCH):
        changed = {e.record.identifier: e.record for e in events}
        _reindex(writer, _with_dependents(changed), catalogue)
        last = events[-1]
        seq = last.seq
        fingerprint = event_fingerprint(last.seq, last.at, last.record.identifier, last.kind, last.revision)
        applied += len(events)
    writer.commit()
    writer.wait_merging_threads()
    return applied, seq, fingerprint


def _with_dependents(changed: dict[str, Record]) -> list[Record]:
    """The changed records plus the records indexed with their data (decisions of a changed LMO,
    LMOs of a changed organism or gene, stacks of a changed LMO and their decisions)."""
    catalogue = facet_catalogue()
    dependent_types = {"LMO", *catalogue.lmo_reference_fields}
    found = dict(changed)
    frontier = [r.identifier for r in changed.values() if r.type in ("LMO", "ORGA", "GENE")]
    for _ in range(3):
        if not frontier:
            break
        links = RecordLink.objects.filter(
            target_identifier__in=frontier, source__state__in=PUBLIC_STATES, source__type__in=dependent_types
        ).select_related("source")
        frontier = []
        for link in links:
            source = link.source
            if source.identifier not in found:
                found[source.identifier] = source
                if source.type == "LMO":
                    frontier.append(source.identifier)
    return list(found.values())


def _reindex(writer: tantivy.IndexWriter, records: list[Record], catalogue: Catalogue) -> None:
    context = _Context()
    for start in range(0, len(records), _BATCH):
        chunk = records[start : start + _BATCH]
        # re-read: the events carry the record as it was when they were read
        fresh = list(Record.objects.filter(pk__in=[r.pk for r in chunk]))
        for record in fresh:
            writer.delete_documents_by_term("identifier", record.identifier)
        items = source_rows([r.identifier for r in fresh if r.state == RecordState.PUBLISHED])
        context.prefetch(items, catalogue)
        for item in items:
            writer.add_document(build_document(item, context, catalogue))


def rebuild(progress: Callable[[int], None] | None = None) -> int:
    """Rebuild the whole index from storage into a new generation, then switch to it.

    Returns the number of records indexed. Events appended while building are applied before the
    switch, so nothing published meanwhile is missed.
    """
    target = index_dir()
    target.parent.mkdir(parents=True, exist_ok=True)
    generation = uuid.uuid4().hex
    building = target.with_name(f"{target.name}.building-{generation}")
    building.mkdir()
    try:
        seq, fingerprint = latest_event_fingerprint()  # events after it are applied below
        catalogue = facet_catalogue()
        index = register_analyzers(tantivy.Index(build_schema(), path=str(building)))
        writer = index.writer(heap_size=_REBUILD_HEAP, num_threads=_REBUILD_THREADS)
        context = _Context()
        count = 0
        last_number = 0
        while items := published_rows_after(last_number, _REBUILD_BATCH):
            context.prefetch(items, catalogue)
            for item in items:
                writer.add_document(build_document(item, context, catalogue))
            count += len(items)
            last_number = items[-1].number
            if progress:
                progress(count)
        writer.commit()
        writer.wait_merging_threads()
        del writer  # releases tantivy's own writer lock for the catch-up below
        with writer_lock():
            _, seq, fingerprint = _apply_events(index, seq, catalogue) if last_seq() > seq else (0, seq, fingerprint)
            index.reload()
            documents = index.searcher().num_docs
            final = target.with_name(f"{target.name}.{generation}")
            building.rename(final)
            meta = IndexMeta(generation, seq, fingerprint, documents, SCHEMA_VERSION, _definitions_hash())
            _write_meta(final, meta)
            _swap_in(final)
    except BaseException:
        shutil.rmtree(building, ignore_errors=True)
        raise
    if progress:
        progress(count)
    return count


def update(timeout: float = _LOCK_TIMEOUT) -> int:
    """Apply the change-log events since the last applied one; returns how many.

    An index that is missing, built by another version, or that disagrees with storage (its last
    event is not in the change log: the database was restored or rolled back) is rebuilt instead;
    the result is then the number of records indexed.
    """
    with writer_lock(timeout):
        meta = read_meta()
        if meta is not None and is_compatible(meta) and _event_fingerprint_at(meta.last_seq) == meta.last_event:
            if last_seq() == meta.last_seq:
                return 0
            directory = index_dir().resolve()
            index = _open(directory)
            applied, seq, fingerprint = _apply_events(index, meta.last_seq, facet_catalogue())
            index.reload()
            documents = index.searcher().num_docs
            _write_meta(
                directory, IndexMeta(meta.generation, seq, fingerprint, documents, meta.schema, meta.definitions)
            )
            return applied
    return rebuild()


class IndexStatus(dict[str, Any]):
    pass


def status() -> IndexStatus:
    meta = read_meta()
    data: dict[str, Any] = meta.as_dict() if meta else {"last_seq": 0, "documents": 0}
    return IndexStatus(**data, change_log_seq=last_seq())


# ---------------------------------------------------------------------------------------------
# reading


@dataclass
class _Reader:
    generation: str
    directory: Path
    index: tantivy.Index
    last_seq: int
    last_event: str


_reader: _Reader | None = None
_reader_lock = threading.Lock()


def open_searcher() -> tuple[tantivy.Index, tantivy.Searcher, IndexMeta]:
    """The current index and a searcher on its latest commit (reopened after a rebuild)."""
    global _reader
    directory = index_dir().resolve()
    meta = read_meta(directory)
    if meta is None:
        update()
        directory = index_dir().resolve()
        meta = read_meta(directory)
        if meta is None:  # pragma: no cover - update() always leaves a meta file
            raise RuntimeError("the search index could not be built")
    with _reader_lock:
        reader = _reader
        if reader is None or reader.generation != meta.generation:
            reader = _Reader(meta.generation, directory, _open(directory), meta.last_seq, meta.last_event)
            _reader = reader
        elif (reader.last_seq, reader.last_event) != (meta.last_seq, meta.last_event):
            reader.index.reload()
            reader.last_seq, reader.last_event = meta.last_seq, meta.last_event
        return reader.index, reader.index.searcher(), meta
