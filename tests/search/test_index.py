"""The search index is derived from storage and follows the change log."""

from __future__ import annotations

import pytest
import tantivy

from openbch.core.actors import SYSTEM
from openbch.records.changelog import last_seq
from openbch.records.models import Record, RecordState
from openbch.records.services import RecordInput, publish_records
from openbch.records.workflow import withdraw
from openbch.search.index import build_schema, index_dir, rebuild, status, update

pytestmark = pytest.mark.django_db


def search(query: str, field: str = "text") -> list[str]:
    index = tantivy.Index(build_schema(), path=str(index_dir()))
    index.reload()
    searcher = index.searcher()
    hits = searcher.search(index.parse_query(query, [field]), 50).hits
    return [searcher.doc(address)["uid"][0] for _, address in hits]


def test_rebuild_indexes_every_published_record_and_records_the_log_position() -> None:
    count = rebuild()
    assert count == Record.objects.filter(state=RecordState.PUBLISHED).count()
    assert status()["last_seq"] == last_seq()


def test_update_applies_publications_and_withdrawals_from_the_change_log() -> None:
    rebuild()
    record = publish_records(SYSTEM, [RecordInput("ORGA", "SCBD", {"scientificName": "Zzyzx indexica"})]).records[0]
    assert update() == 1
    assert search("indexica") == [record.uid]
    withdraw(SYSTEM, identifier=record.identifier, reason="test")
    assert update() == 1
    assert search("indexica") == []
    assert status()["last_seq"] == last_seq()
    assert update() == 0


def test_an_lmo_is_found_by_the_compact_key_of_its_identifier() -> None:
    rebuild()
    hits = search("MON008106", field="keys")
    lmo = Record.objects.get(keys__kind="oecd", keys__value="MON008106")
    assert lmo.uid.rsplit("-", 1)[0] in {h.rsplit("-", 1)[0] for h in hits}
