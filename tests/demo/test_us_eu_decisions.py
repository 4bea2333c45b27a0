"""The US and EU decisions of the demo data against their upstream tables (``../shared/data``).

The upstream TSVs are the oracle: every row is a record or is listed in the report with a reason;
each record's date and instrument number are the row's; the EU renewal/amendment links point to
the right records; FDA consultations are not approvals. The DB tests load the demo and read
MON810 through the API and its page.
"""

from __future__ import annotations

import csv
import json
import shutil
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

REPO = Path(__file__).resolve().parents[2]
DATA = REPO / "src" / "openbch" / "demo" / "data"
SHARED = REPO.parent / "shared" / "data"
REPORT = DATA / "CURATION_REPORT-US-EU.md"

#: upstream file → (record file, date column, instrument column, fallback instrument column)
TABLES = {
    "fda-bnf-consultations/fda_bnf.tsv": ("decisions-us.jsonl", "fda_letter_date", "bnf_no", None),
    "aphis-federal-register-notices/aphis_fr_notices.tsv": (
        "decisions-us.jsonl",
        "publication_date",
        "fr_document_number",
        "docket",
    ),
    "eu-1829-decisions/eu_1829_decisions.tsv": ("decisions-eu.jsonl", "decision_date", "decision_number", None),
}


def records(name: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in (DATA / name).read_text(encoding="utf-8").splitlines() if line.strip()]


@cache
def by_key() -> dict[str, dict[str, Any]]:
    return {r["key"]: r for name in ("decisions-us.jsonl", "decisions-eu.jsonl") for r in records(name)}


def upstream(path: str) -> list[tuple[int, dict[str, str]]]:
    if not SHARED.exists():
        pytest.skip("../shared/data is not beside the repository")
    with (SHARED / path).open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle, delimiter="\t")
        return [(number, row) for number, row in enumerate(reader, start=2)]


def report_line(path: str, row: int) -> str:
    """The report's table line of an upstream row (the section of ``path``)."""
    text = REPORT.read_text(encoding="utf-8")
    section = text.split(f"`{path}`)", 1)[1].split("\n### ", 1)[0].split("\n## ", 1)[0]
    found = [line for line in section.splitlines() if line.startswith(f"| {row} |")]
    assert len(found) == 1, f"{path} row {row}: {len(found)} report lines"
    return found[0]


@pytest.mark.parametrize("path", list(TABLES))
def test_every_row_is_a_record_or_reported_with_a_reason(path: str) -> None:
    file, date_column, number_column, fallback = TABLES[path]
    made = {r["source"]["row"]: r for r in records(file) if r["source"]["file"] == path}
    rows = upstream(path)
    assert rows
    for number, row in rows:
        line = report_line(path, number)
        if number in made:
            record = made[number]
            assert f"record `{record['key']}`" in line
            # the source's dates and numbers, never the load date
            assert record["body"]["date"] == row[date_column][:10], (path, number)
            instrument = row[number_column] or (row[fallback] if fallback else "")
            assert instrument and instrument in record["body"]["referenceNumber"], (path, number)
            assert record["body"]["documents"][0]["url"] == row["source_url"]
        else:
            reason = line.split("not made: ", 1)[1]
            code = reason.split(" — ", 1)[0]
            assert code in {"not_a_decision", "no_lmo", "unknown_uid", "no_date", "ambiguous_name"}, line
            assert reason.split(" — ", 1)[1].strip(" |"), line


def test_counts_per_source() -> None:
    sources = [r["source"]["file"] for name in ("decisions-us.jsonl", "decisions-eu.jsonl") for r in records(name)]
    assert sources.count("fda-bnf-consultations/fda_bnf.tsv") == 17
    assert sources.count("aphis-federal-register-notices/aphis_fr_notices.tsv") == 4
    assert sources.count("eu-1829-decisions/eu_1829_decisions.tsv") == 11


def test_fda_consultations_are_not_approvals() -> None:
    fda = [r for r in by_key().values() if r["key"].startswith("dec/us/fda/")]
    assert fda
    for record in fda:
        body = record["body"]
        assert body["decisionResult"] == {"identifier": "consultation-concluded"}
        assert body["authorities"] == [{"key": "cna/us/fda"}]
        assert "not an approval" in body["relevantInformation"]["en"]
    vocabulary = json.loads((REPO / "src/openbch/vocabularies/data/decision-results.json").read_text("utf-8"))
    term = next(t for t in vocabulary["terms"] if t["id"] == "consultation-concluded")
    assert "broader" not in term  # not a kind of approval


def test_aphis_determinations_are_environmental_release_decisions() -> None:
    aphis = [r for r in by_key().values() if r["key"].startswith("dec/us/aphis/")]
    assert {t["identifier"] for r in aphis for t in r["body"]["decisionTypes"]} == {"8.1", "8.1-domestic"}
    assert all(r["body"]["decisionResult"] == {"identifier": "nonregulated-status"} for r in aphis)
    w8 = by_key()["dec/us/aphis/aphis-2014-0076-2015-09-02-determination"]
    assert w8["body"]["date"] == "2015-09-02"
    assert "effective date of determination" in w8["body"]["relevantInformation"]["en"]


def test_eu_renewal_and_amendment_links() -> None:
    amendment = by_key()["dec/eu/2019-1195"]["body"]
    assert amendment["isAmendment"] is True
    assert amendment["amendedRecords"] == [{"key": "dec/eu/2015-697"}]
    assert "2008/730/EC" in amendment["amendmentsDetails"]["en"]  # an amended decision not held here
    assert amendment["modifiedOrganisms"] == by_key()["dec/eu/2015-697"]["body"]["modifiedOrganisms"]
    renewal = by_key()["dec/eu/2023-1213"]["body"]
    # the renewed 2012/82/EU is not held: named, not linked (amendedRecords needs a record)
    assert renewal["isAmendment"] is False and "amendedRecords" not in renewal
    assert "2012/82/EU" in renewal["relevantInformation"]["en"]
    mon810 = by_key()["dec/eu/98-294-ec"]["body"]
    assert {t["identifier"] for t in mon810["decisionTypes"]} >= {"8.1", "8.2"}  # "including cultivation"
    assert mon810["referenceNumber"] == "98/294/EC" and mon810["date"] == "1998-04-22"
    soy = by_key()["dec/eu/2012-84-eu"]["body"]
    assert {t["identifier"] for t in soy["decisionTypes"]} == {"8.2", "8.2-domestic-use"}
    assert soy["uses"] == [{"identifier": "food"}, {"identifier": "feed"}]


def test_name_matches_are_reported() -> None:
    text = REPORT.read_text(encoding="utf-8")
    matched = text.split("## LMOs matched by event name", 1)[1].split("\n## ", 1)[0]
    assert "'event 4114' (read as '4114') → `lmo/DP-ØØ4114-3`" in matched
    assert "'Russet Burbank W8' (read as 'W8') → `lmo/SPS-000W8-4`" in matched
    assert "ogtr-australia" in text.split("## Not shipped", 1)[1]


def test_manifest_loads_authorities_before_decisions() -> None:
    files = json.loads((DATA / "manifest.json").read_text(encoding="utf-8"))["files"]
    for name in ("authorities-us-eu.jsonl", "decisions-us.jsonl", "decisions-eu.jsonl"):
        assert name in files
    assert files.index("authorities-us-eu.jsonl") < files.index("decisions-us.jsonl")
    assert files.index("lmos.jsonl") < files.index("decisions-eu.jsonl")


def test_committed_files_are_the_curation_output(tmp_path: Path) -> None:
    from tools.curate.decision_sources import OUTPUT, write
    from tools.curate.decision_sources import REPORT as REPORT_NAME

    shutil.copyfile(DATA / "lmos.jsonl", tmp_path / "lmos.jsonl")
    write(tmp_path, SHARED if SHARED.exists() else None)
    for name in [*OUTPUT.values(), REPORT_NAME]:
        assert (tmp_path / name).read_text(encoding="utf-8") == (DATA / name).read_text(encoding="utf-8"), name


@pytest.mark.django_db
def test_mon810_lists_canadian_and_eu_decisions(client: Client) -> None:
    lmo = client.get("/api/v1/lmos/mon-00810-6").json()
    countries = {d["country"] for d in lmo["decisions"]}
    assert {"CA", "EU"} <= countries
    eu = [d for d in lmo["decisions"] if d["country"] == "EU"]
    assert [(d["decision_date"], d["reference_number"]) for d in eu] == [("1998-04-22", "98/294/EC")]
    canadian = [d for d in lmo["decisions"] if d["country"] == "CA"]
    assert all(d["decision_date"] for d in canadian)


@pytest.mark.django_db
def test_the_lmo_page_shows_the_eu_decision_with_date_and_number(client: Client) -> None:
    page = client.get("/en/lmo/mon-00810-6/", follow=True)
    assert page.status_code == 200
    html = page.content.decode("utf-8")
    assert "98/294/EC" in html and "1998-04-22" in html
    assert 'id="decisions-eu"' in html
