"""Build and update the tantivy index of published records.

The index is derived data: it can always be rebuilt from storage (``openbch index rebuild``), and
it records the last change-log sequence it applied (``meta.json``) so an update after a crash
resumes from there. Which fields are searched comes from the record-type definitions
(``search`` and ``facet`` keys).
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import tantivy
from django.conf import settings

from openbch.identifiers.oecd import compact_key, split_stack
from openbch.records.changelog import events_after, last_seq
from openbch.records.models import RecordState
from openbch.records.queries import PublishedRecord, iter_published, latest_revisions
from openbch.recordtypes import get_record_type

__all__ = ["IndexStatus", "build_schema", "document_for", "index_dir", "rebuild", "status", "update"]


def index_dir() -> Path:
    return Path(settings.INDEX_DIR)


def build_schema() -> tantivy.Schema:
    builder = tantivy.SchemaBuilder()
    builder.add_text_field("identifier", stored=True, tokenizer_name="raw")
    builder.add_text_field("uid", stored=True, tokenizer_name="raw")
    builder.add_text_field("type", stored=True, tokenizer_name="raw")
    builder.add_text_field("owner", stored=True, tokenizer_name="raw")
    builder.add_text_field("title", stored=True)
    builder.add_text_field("text", stored=False)
    builder.add_text_field("keys", stored=False, tokenizer_name="raw")
    builder.add_text_field("terms", stored=False, tokenizer_name="raw")
    builder.add_date_field("published", stored=True, indexed=True, fast=True)
    return builder.build()


def _texts(value: Any) -> Iterable[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            if isinstance(item, str):
                yield item
    elif isinstance(value, list):
        for item in value:
            yield from _texts(item)


def document_for(item: PublishedRecord) -> tantivy.Document:
    record_type = get_record_type(item.record.type)
    body = item.body
    text: list[str] = []
    keys: list[str] = [item.uid.lower(), item.record.identifier.lower()]
    terms: list[str] = []
    for f in record_type.fields.values():
        value = body.get(f.name)
        if value is None:
            continue
        if f.search == "identifier":
            for spelling in _texts(value):
                keys.append(compact_key(spelling))
                keys.extend(compact_key(part) for part in split_stack(spelling))
                text.append(spelling)
        elif f.search in ("text", "keyword"):
            text.extend(_texts(value))
            if f.search == "keyword":
                keys.extend(s.lower() for s in _texts(value))
        if f.facet and f.kind == "term":
            items = value if isinstance(value, list) else [value]
            terms.extend(f"{f.name}:{i['identifier']}" for i in items if isinstance(i, dict) and "identifier" in i)
    return tantivy.Document(
        identifier=item.record.identifier,
        uid=item.uid,
        type=item.record.type,
        owner=item.record.owner,
        title=item.record.title,
        text=" \n".join(text),
        keys=[k for k in keys if k],
        terms=terms,
        published=item.revision.published_at,
    )


class IndexStatus(dict[str, Any]):
    pass


def _meta_path() -> Path:
    return index_dir() / "meta-openbch.json"


def status() -> IndexStatus:
    path = _meta_path()
    meta = json.loads(path.read_text()) if path.exists() else {"last_seq": 0, "documents": 0}
    return IndexStatus(**meta, change_log_seq=last_seq())


def _write_meta(last: int, documents: int) -> None:
    _meta_path().write_text(json.dumps({"last_seq": last, "documents": documents}))


def rebuild(progress: Callable[[int], None] | None = None) -> int:
    """Rebuild the whole index from storage into a fresh folder, then swap it in."""
    target = index_dir()
    building = target.with_name(target.name + ".building")
    shutil.rmtree(building, ignore_errors=True)
    building.mkdir(parents=True)
    seq = last_seq()  # events after this are applied by the next update(); applying twice is harmless
    index = tantivy.Index(build_schema(), path=str(building))
    writer = index.writer(heap_size=128_000_000, num_threads=1)
    count = 0
    for item in iter_published():
        writer.add_document(document_for(item))
        count += 1
        if progress and count % 1000 == 0:
            progress(count)
    writer.commit()
    writer.wait_merging_threads()
    (building / "meta-openbch.json").write_text(json.dumps({"last_seq": seq, "documents": count}))
    old = target.with_name(target.name + ".old")
    shutil.rmtree(old, ignore_errors=True)
    if target.exists():
        target.rename(old)
    building.rename(target)
    shutil.rmtree(old, ignore_errors=True)
    if progress:
        progress(count)
    return count


def update() -> int:
    """Apply the change-log events since the last applied sequence; returns how many."""
    target = index_dir()
    if not (target / "meta-openbch.json").exists():
        return rebuild()
    meta = json.loads(_meta_path().read_text())
    index = tantivy.Index(build_schema(), path=str(target))
    writer = index.writer(heap_size=50_000_000, num_threads=1)
    applied = 0
    seq = int(meta["last_seq"])
    while events := events_after(seq, 1000):
        for event in events:
            writer.delete_documents_by_term("identifier", event.record.identifier)
            if event.record.state == RecordState.PUBLISHED:
                for item in latest_revisions([event.record]):
                    writer.add_document(document_for(item))
            seq = event.seq
            applied += 1
    writer.commit()
    writer.wait_merging_threads()
    index.reload()
    _write_meta(seq, index.searcher().num_docs)
    return applied
