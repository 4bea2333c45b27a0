"""``openbch load``: all or nothing, errors located by file and line, idempotent; demo data complete."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from openbch.cli import demo_data_files
from openbch.core.actors import SYSTEM
from openbch.core.errors import LoadFailedError
from openbch.records.load import format_issue, load_files
from openbch.records.models import AuditEntry, ChangeEvent, Record, RecordState, Revision

pytestmark = pytest.mark.django_db


def state() -> tuple[int, int, int, int]:
    return Record.objects.count(), Revision.objects.count(), ChangeEvent.objects.count(), AuditEntry.objects.count()


def write(path: Path, *lines: object) -> Path:
    path.write_text("\n".join(x if isinstance(x, str) else json.dumps(x, ensure_ascii=False) for x in lines) + "\n")
    return path


def test_demo_data_loaded_completely() -> None:
    lines = sum(1 for p in demo_data_files() for line in p.read_text(encoding="utf-8").splitlines() if line.strip())
    loaded = Record.objects.filter(source_key__isnull=False, state=RecordState.PUBLISHED).count()
    assert loaded == lines
    assert Record.objects.filter(type="LMO").count() >= 300
    assert Record.objects.filter(type="DM").count() >= 250
    assert Record.objects.filter(type="DEC", owner="CA").count() > 100


def test_loading_the_demo_data_again_changes_nothing() -> None:
    before = state()
    result = load_files(SYSTEM, demo_data_files())
    assert result.report.created == result.report.revised == 0
    assert result.report.unchanged == result.lines
    assert state() == before


def test_a_changed_line_becomes_a_new_revision(tmp_path: Path) -> None:
    line = {"key": "test/orga-1", "type": "ORGA", "owner": "SCBD", "body": {"scientificName": "Loadus primus"}}
    load_files(SYSTEM, [write(tmp_path / "a.jsonl", line)])
    line["body"] = {"scientificName": "Loadus secundus"}
    result = load_files(SYSTEM, [write(tmp_path / "a.jsonl", line)])
    assert result.report.revised == 1
    assert Record.objects.get(source_key="test/orga-1").revision == 2


def test_a_reference_by_key_finds_a_record_an_earlier_load_stored(tmp_path: Path) -> None:
    # a detection method of the demo data, as a new record whose target gene is loaded (demo data), not here
    line = next(
        json.loads(text)
        for path in demo_data_files()
        for text in path.read_text(encoding="utf-8").splitlines()
        if text.strip() and '"targetElements"' in text and '"type": "DM"' in text
    )
    gene_key = line["body"]["targetElements"][0]["key"]
    assert gene_key.startswith("gene/")
    line["key"] = "test/dm-on-a-stored-gene"
    result = load_files(SYSTEM, [write(tmp_path / "later.jsonl", line)])
    assert result.report.created == 1
    gene = Record.objects.get(source_key=gene_key)
    method = Record.objects.get(source_key="test/dm-on-a-stored-gene")
    stored = Revision.objects.get(record=method, revision=1).body
    assert stored["targetElements"][0] == {"identifier": gene.identifier}
    # a key neither in the load nor in the database is still refused by name
    line["body"]["targetElements"] = [{"key": "gene/never-loaded"}]
    with pytest.raises(LoadFailedError) as refused:
        load_files(SYSTEM, [write(tmp_path / "later.jsonl", line)])
    assert [(i.path, i.code) for i in refused.value.issues] == [("/targetElements/0", "unknown_key")]


def test_malformed_file_reports_file_line_field_and_reason_and_writes_nothing(tmp_path: Path) -> None:
    before = state()
    good = {"key": "test/ok", "type": "ORGA", "owner": "SCBD", "body": {"scientificName": "Okus okus"}}
    bad_term = {
        "key": "test/bad-term",
        "type": "ORGA",
        "owner": "SCBD",
        "body": {"scientificName": "Badus", "organismType": {"identifier": "dragons"}},
    }
    bad_ref = {
        "key": "test/bad-ref",
        "type": "LMO",
        "owner": "SCBD",
        "body": {
            "transformationEvent": "E1",
            "hasUniqueIdentification": False,
            "genes": [{"key": "gene/nowhere"}],
            "recipientOrganisms": [{"key": "test/ok"}],
            "traits": [{"identifier": "insects"}],
        },
    }
    path = write(tmp_path / "broken.jsonl", good, "{not json", bad_term, bad_ref, {"key": "test/ok", "type": "ORGA"})
    with pytest.raises(LoadFailedError) as caught:
        load_files(SYSTEM, [path])
    reported = [format_issue(i) for i in caught.value.issues]
    assert any(r.startswith("broken.jsonl:2 / invalid_json") for r in reported)
    assert any(r.startswith("broken.jsonl:5 /owner required") for r in reported)
    assert state() == before
    # the envelope is fine now; the bodies still have errors, each located
    path = write(tmp_path / "broken.jsonl", good, bad_term, bad_ref)
    with pytest.raises(LoadFailedError) as caught:
        load_files(SYSTEM, [path])
    reported = [format_issue(i) for i in caught.value.issues]
    assert (
        "broken.jsonl:3 /genes/0 unknown_key no record with key 'gene/nowhere' in this load or the database" in reported
    )
    path = write(tmp_path / "broken.jsonl", good, bad_term)
    with pytest.raises(LoadFailedError) as caught:
        load_files(SYSTEM, [path])
    reported = [format_issue(i) for i in caught.value.issues]
    assert reported == [
        "broken.jsonl:2 /organismType/identifier unknown_term 'dragons' is not a term of vocabulary organism-types"
    ]
    assert state() == before


def test_duplicate_keys_are_refused(tmp_path: Path) -> None:
    line = {"key": "test/dup", "type": "ORGA", "owner": "SCBD", "body": {"scientificName": "Dup dup"}}
    with pytest.raises(LoadFailedError, match="problem"):
        load_files(SYSTEM, [write(tmp_path / "d.jsonl", line, line)])
