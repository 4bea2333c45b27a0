"""Keeping the index current: after commit, before a query, across a lock held by another writer,
and after an index that disagrees with storage (crash, restored database)."""

from __future__ import annotations

import json
from typing import Any

import pytest
import tantivy
from django.db import transaction
from django.test import Client

from openbch.core.actors import SYSTEM
from openbch.records.changelog import last_seq
from openbch.records.models import ChangeEvent, Record, RecordState
from openbch.records.services import RecordInput, publish_records
from openbch.search import live
from openbch.search.index import (
    META_FILE,
    LockTimeoutError,
    event_fingerprint,
    index_dir,
    open_searcher,
    read_meta,
    rebuild,
    update,
    writer_lock,
)
from openbch.search.live import ensure_current

pytestmark = pytest.mark.django_db


def indexed_uids(word: str) -> list[str]:
    """Straight from the index on disk, without the query-time catch-up of the search service."""
    index = tantivy.Index.open(str(index_dir()))
    searcher = index.searcher()
    hits = searcher.search(tantivy.Query.term_query(index.schema, "text", word), 10).hits
    return [searcher.doc(address)["uid"][0] for _, address in hits]


def published_count() -> int:
    return Record.objects.filter(state=RecordState.PUBLISHED).count()


def organism(name: str) -> RecordInput:
    return RecordInput("ORGA", "SCBD", {"scientificName": name})


def test_the_commit_hook_indexes_a_publication_once_the_transaction_commits(
    django_capture_on_commit_callbacks: Any,
) -> None:
    rebuild()
    with django_capture_on_commit_callbacks(execute=True) as callbacks, transaction.atomic():
        # the search app is a consumer of the change log (search/apps.py): no call needed here
        record = publish_records(SYSTEM, [organism("Hookia committed")]).records[0]
        assert indexed_uids("hookia") == []  # not before the commit
    # one nudge per registered consumer (search, and the features that follow the change log too)
    assert [c.args[0].name for c in callbacks].count("search") == 1
    assert indexed_uids("hookia") == [record.uid]
    meta = read_meta()
    assert meta is not None and meta.last_seq == last_seq()


def test_the_search_app_registers_itself_as_a_change_log_consumer() -> None:
    from openbch.records.consumers import consumers

    assert [c.after_commit for c in consumers() if c.name == "search"] == [live.apply_new_events]


def test_a_rolled_back_publication_schedules_nothing(django_capture_on_commit_callbacks: Any) -> None:
    def publish_then_fail() -> None:
        with transaction.atomic():
            publish_records(SYSTEM, [organism("Rollbackia never")])
            raise RuntimeError("roll back")

    with django_capture_on_commit_callbacks(execute=True) as callbacks, pytest.raises(RuntimeError):
        publish_then_fail()
    assert callbacks == []


def test_a_query_applies_the_events_the_index_has_not_seen(client: Client) -> None:
    rebuild()
    record = publish_records(SYSTEM, [organism("Catchupia later")]).records[0]
    assert indexed_uids("catchupia") == []  # nobody told the index
    page = client.get("/api/v1/search", {"q": "catchupia"}).json()
    assert [r["uid"] for r in page["results"]] == [record.uid]
    meta = read_meta()
    assert meta is not None and meta.last_seq == last_seq()


def test_a_query_on_a_current_index_changes_nothing(client: Client) -> None:
    rebuild()
    before = read_meta()
    for params in ({"q": "maize"}, {"type": "DEC", "facet": "traits"}):
        assert client.get("/api/v1/search", params).status_code == 200
    assert read_meta() == before  # no update, no rebuild: the freshness check agreed with the index
    assert update() == 0


def test_an_update_waits_for_the_writer_lock_and_a_query_answers_meanwhile(
    client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    rebuild()
    monkeypatch.setattr(live, "QUERY_WAIT_SECONDS", 0.05)
    publish_records(SYSTEM, [organism("Lockia busy")])
    with writer_lock():  # as if another worker were writing
        with pytest.raises(LockTimeoutError):
            update(timeout=0.05)
        ensure_current()  # logs and returns: the index is busy
        response = client.get("/api/v1/search", {"type": "ORGA", "limit": 1})
        assert response.status_code == 200
        assert indexed_uids("lockia") == []
    ensure_current()
    assert indexed_uids("lockia")


def _rewind_meta(seq: int) -> None:
    """Make the index believe it stopped at ``seq``: a crash after applying, before recording."""
    event = ChangeEvent.objects.select_related("record").get(seq=seq)
    path = index_dir() / META_FILE
    meta = json.loads(path.read_text())
    meta["last_seq"] = seq
    meta["last_event"] = event_fingerprint(seq, event.at, event.record.identifier, event.kind, event.revision)
    path.write_text(json.dumps(meta))


def test_reapplying_events_after_a_crash_duplicates_nothing() -> None:
    rebuild()
    publish_records(SYSTEM, [organism("Crashia first"), organism("Crashia second")])
    update()
    # sequence numbers may have gaps (PostgreSQL does not reuse those of rolled-back transactions)
    _rewind_meta(ChangeEvent.objects.order_by("-seq").values_list("seq", flat=True)[5])
    assert update() == 5
    _, searcher, _ = open_searcher()
    assert searcher.num_docs == published_count()
    assert len(indexed_uids("crashia")) == 2


@pytest.mark.parametrize("damage", ["unknown event", "garbage", "missing", "old schema"])
def test_an_index_that_disagrees_with_storage_is_rebuilt(damage: str) -> None:
    rebuild()
    path = index_dir() / META_FILE
    meta = json.loads(path.read_text())
    if damage == "unknown event":  # e.g. the database was restored from an older backup
        meta["last_event"] = "999999:00000000-0000-0000-0000-000000000000:published:1:2000-01-01"
        path.write_text(json.dumps(meta))
    elif damage == "garbage":
        path.write_text("{not json")
    elif damage == "missing":
        path.unlink()
    else:
        meta["schema"] = 0
        path.write_text(json.dumps(meta))
    assert update() == published_count()
    rebuilt = read_meta()
    assert rebuilt is not None and rebuilt.last_seq == last_seq() and rebuilt.documents == published_count()


def test_a_rebuild_switches_generations_and_readers_follow(client: Client) -> None:
    rebuild()
    first = read_meta()
    _, before, _ = open_searcher()
    progress: list[int] = []
    count = rebuild(progress.append)
    second = read_meta()
    assert first is not None and second is not None and first.generation != second.generation
    assert progress[-1] == count == published_count()
    assert index_dir().is_symlink()
    generations = [p for p in index_dir().parent.glob(f"{index_dir().name}.*") if p.is_dir()]
    assert generations == [index_dir().resolve()]
    _, after, meta = open_searcher()
    assert meta.generation == second.generation
    assert after.num_docs == before.num_docs == published_count()
    assert client.get("/api/v1/search", {"limit": 1}).json()["total"] == published_count()


def test_a_bulk_load_is_indexed_once_at_its_end_not_per_batch(django_capture_on_commit_callbacks: Any) -> None:
    from openbch.records.publishing import LIVE_INDEX_LIMIT

    with django_capture_on_commit_callbacks() as callbacks:
        publish_records(SYSTEM, [organism(f"Bulkia n{i}") for i in range(LIVE_INDEX_LIMIT + 1)])
    assert callbacks == []
    with django_capture_on_commit_callbacks() as callbacks:
        publish_records(SYSTEM, [organism("Singula one")])
    # one nudge per registered consumer (search, and the features that follow the change log too)
    assert [c.args[0].name for c in callbacks].count("search") == 1
