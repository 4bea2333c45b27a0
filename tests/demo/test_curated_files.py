"""The curated demo data (src/openbch/demo/data) against the load format and the record types.

Pure pytest: reads the JSON Lines files, the vocabulary files and (when ``../shared`` is beside the
repository) re-runs the curation package ``tools/curate`` to check the committed files are exactly its
output.
Run: ``.venv/bin/pytest -p no:cacheprovider tests/demo -q``.
"""

from __future__ import annotations

import csv
import json
import re
from collections import Counter
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from tools.curate import curate, pipeline
from tools.curate.common import Record, Report
from tools.curate.steps import CuratedWorld, JurisdictionStep, Records, StepOutput
from tools.curate.vocabularies import read_vocabularies, trait_terms

from openbch.identifiers.oecd import compact_key

REPO = Path(__file__).resolve().parents[2]
DATA = REPO / "src" / "openbch" / "demo" / "data"
VOCABULARIES = REPO / "src" / "openbch" / "vocabularies" / "data"
DEFINITIONS = REPO / "src" / "openbch" / "recordtypes" / "definitions"
SHARED = Path(__file__).resolve().parents[3] / "shared"

EXPECTED_FILES = [
    "organisms.jsonl",
    "genetic-elements.jsonl",
    "lmos.jsonl",
    "authorities.jsonl",
    "decisions.jsonl",
    "authorities-us-eu.jsonl",  # the US and EU step (tools/curate/decision_sources.py)
    "decisions-us.jsonl",
    "decisions-eu.jsonl",
    "detection-methods.jsonl",
]
GENERATED = [*EXPECTED_FILES, "manifest.json", "CURATION_REPORT.md", "CURATION_REPORT-US-EU.md"]
#: owners of national records (the Canadian, US and EU decisions and authorities)
NATIONAL_OWNERS = {"CA", "US", "EU"}

# docs/record-format.md §5, the fields the demo data uses: name → (kind, many, vocabulary or
# reference targets).  "*" marks fields required at publish.
F = tuple[str, bool, Any]
SPEC: dict[str, dict[str, F]] = {
    "LMO": {
        "identity": ("mltext", False, None),
        "transformationEvent*": ("text", False, None),
        "hasUniqueIdentification*": ("boolean", False, None),
        "uniqueIdentification": ("oecd_uid", False, None),
        "tradeNames": ("text", True, None),
        "recipientOrganisms*": ("reference", True, ("ORGA", "LMO")),
        "linkedModifiedOrganisms": ("reference", True, ("LMO",)),
        "genes": ("reference", True, ("GENE",)),
        "techniqueUsed": ("term", True, "techniques"),
        "traits*": ("term", True, "lmo-traits"),
        "relevantInformation": ("mltext", False, None),
    },
    "GENE": {
        "name*": ("mltext", False, None),
        "abbreviation*": ("text", False, None),
        "synonymNames": ("text", True, None),
        "family*": ("term", False, "element-categories"),
        "genbankAccession": ("text", False, None),
        "relevantInformation": ("mltext", False, None),
    },
    "ORGA": {
        "scientificName*": ("text", False, None),
        "commonNames": ("mltext", True, None),
        "kingdom": ("text", False, None),
        "genus": ("text", False, None),
        "species": ("text", False, None),
        "organismType": ("term", False, "organism-types"),
        "relevantInformation": ("mltext", False, None),
    },
    "DEC": {
        "government*": ("term", False, "countries"),
        "authorities*": ("reference", True, ("CNA",)),
        "title*": ("mltext", False, None),
        "referenceNumber": ("text", False, None),
        "date*": ("date", False, None),
        "decisionTypes*": ("term", True, "decision-types"),
        "isAmendment*": ("boolean", False, None),
        "modifiedOrganisms": ("reference", True, ("LMO",)),
        "uses": ("term", True, "ffp-uses"),
        "decisionResult": ("term", False, "decision-results"),
        "expires*": ("boolean", False, None),
        "relevantInformation": ("mltext", False, None),
        "amendedRecords": ("reference", True, ("DEC",)),
        "amendmentsDetails": ("mltext", False, None),
        "isForFoodSafety": ("boolean", False, None),
        "documents": ("link", True, None),
    },
    "CNA": {
        "government*": ("term", False, "countries"),
        "name*": ("mltext", False, None),
        "acronym": ("text", False, None),
        "city*": ("mltext", False, None),
        "country*": ("term", False, "countries"),
        "websites": ("link", True, None),
        "responsibilities*": ("mltext", False, None),
        "functions": ("term", True, "subject-areas"),
        "cpbOrganismTypes": ("term", True, "organism-types"),
    },
    "DM": {
        "methodCode*": ("text", False, None),
        "title": ("mltext", False, None),
        "methodType*": ("term", False, "detection-method-types"),
        "methodFormat": ("term", False, "detection-method-formats"),
        "targetName": ("text", False, None),
        "targetLmos": ("reference", True, ("LMO",)),
        "targetElements": ("reference", True, ("GENE",)),
        "targetOrganisms": ("reference", True, ("ORGA",)),
        "forwardPrimerName": ("text", False, None),
        "forwardPrimer*": ("dna_sequence", False, None),
        "reversePrimerName": ("text", False, None),
        "reversePrimer*": ("dna_sequence", False, None),
        "probeName": ("text", False, None),
        "probe": ("dna_sequence", False, None),
        "ampliconSize": ("integer", False, None),
        "amplicon": ("dna_sequence", False, None),
        "description": ("mltext", False, None),
        "methodReference": ("text", False, None),
        "sourceDatabase": ("text", False, None),
        "sourceUrl": ("link", False, None),
    },
}
FIELDS = {code: {name.rstrip("*"): spec for name, spec in fields.items()} for code, fields in SPEC.items()}
REQUIRED = {code: {name.rstrip("*") for name in fields if name.endswith("*")} for code, fields in SPEC.items()}
NATIONAL = {"DEC", "CNA"}
LANGUAGE = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$")
DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
DNA = re.compile(r"^[ACGTURYSWKMBDHVN]+$")
TERM_ID = re.compile(r"^[a-z0-9][a-z0-9.-]*$")
OWN_VOCABULARIES = ("lmo-traits", "element-categories", "detection-method-types")
TRAIT_ROOTS = {
    "resistance-to-diseases-and-pests",
    "resistance-to-herbicides",
    "resistance-to-antibiotics",
    "tolerance-to-abiotic-stress",
    "changes-in-physiology-and-or-production",
    "changes-in-quality-and-or-metabolite-content",
    "production-of-medical-or-pharmaceutical-compounds",
    "use-in-industrial-applications",
    "engineered-gene-drive",
}


# --- loading -------------------------------------------------------------------------------------


@cache
def manifest() -> dict[str, Any]:
    data: dict[str, Any] = json.loads((DATA / "manifest.json").read_text(encoding="utf-8"))
    return data


@cache
def load() -> tuple[tuple[str, int, dict[str, Any]], ...]:
    """Every line of every manifest file: (file, line number, parsed object)."""
    out = []
    for name in manifest()["files"]:
        text = (DATA / name).read_text(encoding="utf-8")
        for number, line in enumerate(text.split("\n")[:-1], start=1):
            out.append((name, number, json.loads(line)))
    return tuple(out)


@cache
def by_key() -> dict[str, dict[str, Any]]:
    return {record["key"]: record for _, _, record in load()}


@cache
def vocabulary(name: str) -> dict[str, Any] | None:
    path = VOCABULARIES / f"{name}.json"
    if not path.exists():
        return None
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def term_ids(name: str) -> set[str] | None:
    data = vocabulary(name)
    return None if data is None else {t["id"] for t in data["terms"]}


def records(record_type: str) -> list[dict[str, Any]]:
    return [r for _, _, r in load() if r["type"] == record_type]


def needs_shared() -> Path:
    if not (SHARED / "data").exists():
        pytest.skip("../shared/data is not beside the repository")
    return SHARED


# --- files and envelopes ---------------------------------------------------------------------------


def test_manifest_lists_the_load_files_in_load_order() -> None:
    data = manifest()
    assert data["files"] == EXPECTED_FILES
    assert data["attribution"] == "ATTRIBUTION.md"
    for name in [*data["files"], data["attribution"], "CURATION_REPORT.md"]:
        assert (DATA / name).is_file(), name


def test_files_are_json_lines_with_unix_endings() -> None:
    for name in EXPECTED_FILES:
        raw = (DATA / name).read_bytes()
        assert raw.endswith(b"\n") and b"\r" not in raw, name
        for number, line in enumerate(raw.decode("utf-8").split("\n")[:-1], start=1):
            assert line.strip() == line and line, f"{name}:{number} blank or padded line"


def test_every_line_has_an_envelope() -> None:
    for name, number, record in load():
        where = f"{name}:{number}"
        assert set(record) <= {"key", "type", "owner", "body", "source"}, where
        assert isinstance(record["key"], str) and record["key"], where
        assert record["type"] in SPEC, where
        assert isinstance(record["body"], dict) and record["body"], where
        if record["type"] in NATIONAL:
            assert record["owner"] in NATIONAL_OWNERS, where
        else:
            assert record["owner"] == "SCBD", where
        if "source" in record:
            assert isinstance(record["source"]["file"], str) and record["source"]["row"] >= 1, where


def test_keys_are_unique() -> None:
    counts = Counter(record["key"] for _, _, record in load())
    assert [key for key, n in counts.items() if n > 1] == []


def test_each_file_holds_one_record_type() -> None:
    types = {name: {r["type"] for n, _, r in load() if n == name} for name in EXPECTED_FILES}
    assert types == {
        "organisms.jsonl": {"ORGA"},
        "genetic-elements.jsonl": {"GENE"},
        "lmos.jsonl": {"LMO"},
        "authorities.jsonl": {"CNA"},
        "decisions.jsonl": {"DEC"},
        "authorities-us-eu.jsonl": {"CNA"},
        "decisions-us.jsonl": {"DEC"},
        "decisions-eu.jsonl": {"DEC"},
        "detection-methods.jsonl": {"DM"},
    }


# --- bodies against §5 -----------------------------------------------------------------------------


def check_value(kind: str, extra: Any, value: Any, where: str) -> None:
    if kind in ("text", "oecd_uid"):
        assert isinstance(value, str) and value.strip() == value and value, where
    elif kind == "mltext":
        assert isinstance(value, dict) and value, where
        for language, text in value.items():
            assert LANGUAGE.match(language) and isinstance(text, str) and text.strip(), where
    elif kind == "term":
        assert isinstance(value, dict) and set(value) == {"identifier"}, where
        ids = term_ids(extra)
        if ids is not None:
            assert value["identifier"] in ids, f"{where}: {value['identifier']!r} not in {extra}"
    elif kind == "reference":
        assert isinstance(value, dict) and set(value) == {"key"}, where
        target = by_key().get(value["key"])
        assert target is not None, f"{where}: no record {value['key']!r}"
        assert target["type"] in extra, f"{where}: {value['key']} is a {target['type']}, not one of {extra}"
    elif kind == "link":
        assert isinstance(value, dict) and re.match(r"^https?://\S+$", value["url"]), where
        assert set(value) <= {"url", "name", "language"}, where
    elif kind == "date":
        assert isinstance(value, str) and DATE.match(value), where
    elif kind == "boolean":
        assert isinstance(value, bool), where
    elif kind == "integer":
        assert isinstance(value, int) and not isinstance(value, bool) and value > 0, where
    elif kind == "dna_sequence":
        assert isinstance(value, str) and DNA.match(value), where
    else:  # pragma: no cover - a kind missing from this test
        raise AssertionError(f"{where}: unknown kind {kind}")


def test_bodies_match_the_record_types() -> None:
    for name, number, record in load():
        code, body = record["type"], record["body"]
        for field, value in body.items():
            where = f"{name}:{number} {record['key']} /{field}"
            assert field in FIELDS[code], f"{where}: not a field of {code} used by the demo data"
            kind, many, extra = FIELDS[code][field]
            if many:
                assert isinstance(value, list) and value, where
                assert len({json.dumps(v, sort_keys=True) for v in value}) == len(value), f"{where}: repeats"
                for index, item in enumerate(value):
                    check_value(kind, extra, item, f"{where}/{index}")
            else:
                check_value(kind, extra, value, where)
        missing = REQUIRED[code] - set(body)
        assert not missing, f"{name}:{number} {record['key']}: missing {sorted(missing)}"


def test_bodies_use_only_fields_of_the_shipped_definitions() -> None:
    if not DEFINITIONS.exists():
        pytest.skip("no record-type definitions in this tree")
    names: dict[str, set[str]] = {}
    for path in DEFINITIONS.glob("*.json"):
        definition = json.loads(path.read_text(encoding="utf-8"))
        names[definition["code"]] = {f["name"] for f in definition["fields"]}
    for code, fields in FIELDS.items():
        if code in names:
            assert set(fields) <= names[code], f"{code}: {sorted(set(fields) - names[code])}"


def test_conditional_rules() -> None:
    for record in records("LMO"):
        body = record["body"]
        assert ("uniqueIdentification" in body) == body["hasUniqueIdentification"], record["key"]
        if body["hasUniqueIdentification"]:
            assert record["key"] == f"lmo/{body['uniqueIdentification']}"
        stack = "techniqueUsed" in body
        assert body.get("techniqueUsed", [{"identifier": "cross-breeding"}]) == [{"identifier": "cross-breeding"}]
        parents = [r["key"] for r in body["recipientOrganisms"] if r["key"].startswith("lmo/")]
        assert bool(parents) == stack, record["key"]
        assert any(r["key"].startswith("organism/") for r in body["recipientOrganisms"]), record["key"]
    for record in records("DEC") + records("CNA"):
        assert record["body"]["government"] == {"identifier": record["owner"].lower()}
    for record in records("DEC"):
        if record["owner"] != "CA":
            continue  # US and EU: tests/demo/test_us_eu_decisions.py
        body = record["body"]
        types = {t["identifier"] for t in body["decisionTypes"]}
        assert types in ({"8.1", "8.1-domestic"}, {"8.2", "8.2-domestic-use"}), record["key"]
        assert body["modifiedOrganisms"], record["key"]
        assert ("uses" in body) == ("8.2" in types), record["key"]
        assert body["decisionResult"] == {"identifier": "approval"}
        assert body["isAmendment"] is False and body["expires"] is False


def test_stack_parents_are_components_of_the_stack() -> None:
    for record in records("LMO"):
        body = record["body"]
        if "techniqueUsed" not in body or not body.get("uniqueIdentification"):
            continue
        components = set(compact_key(body["uniqueIdentification"]).split("+"))
        covered: set[str] = set()
        for parent in body["recipientOrganisms"]:
            if parent["key"].startswith("lmo/"):
                uid = by_key()[parent["key"]]["body"]["uniqueIdentification"]
                covered |= set(compact_key(uid).split("+"))
        # one component is registered with a typo (SYN-IR6Ø4-4 for SYN-IR6Ø4-5): compare the first 8
        assert {c[:8] for c in covered} == {c[:8] for c in components}, record["key"]


# --- counts and anchors ----------------------------------------------------------------------------


def test_counts() -> None:
    lmos = [r for r in records("LMO") if r["body"].get("uniqueIdentification")]
    assert len(lmos) >= 300
    assert len(records("DM")) >= 250
    canada = [r for r in records("DEC") if r["owner"] == "CA"]
    types = Counter(t["identifier"] for r in canada for t in r["body"]["decisionTypes"])
    uses = Counter(u["identifier"] for r in canada for u in r["body"].get("uses", []))
    assert types["8.1"] >= 50
    assert uses["feed"] >= 50 and uses["food"] >= 50
    assert len([r for r in records("CNA") if r["owner"] == "CA"]) == 2


def test_mon810_is_complete_and_linked() -> None:
    mon810 = by_key()["lmo/MON-ØØ81Ø-6"]
    body = mon810["body"]
    assert body["uniqueIdentification"] == "MON-ØØ81Ø-6"
    assert body["transformationEvent"] == "MON810"
    assert body["identity"] == {"en": "YieldGard™ maize"}
    genes = {g["key"] for g in body["genes"]}
    assert "gene/cry1ab" in genes
    assert {"identifier": "lepidoptera"} in body["traits"]
    assert {"key": "organism/zea-mays"} in body["recipientOrganisms"]
    decisions = [
        r for r in records("DEC") if r["owner"] == "CA" and {"key": "lmo/MON-ØØ81Ø-6"} in r["body"]["modifiedOrganisms"]
    ]
    assert {r["key"].rsplit("/", 1)[1] for r in decisions} == {"env", "feed", "food"}
    method = by_key()["dm/QT-EVE-ZM-020"]["body"]
    assert {"key": "lmo/MON-ØØ81Ø-6"} in method["targetLmos"]
    assert method["forwardPrimer"] == "TCGAAGGACGAAGGACTCTAACGT"
    assert method["ampliconSize"] == 92


def test_every_canadian_decision_names_lmos_of_its_row() -> None:
    for record in records("DEC"):
        if record["owner"] != "CA":
            continue
        assert record["source"]["file"] == "cfia-pnt/cfia_pnt_unconfined_release.csv"
        for organism in record["body"]["modifiedOrganisms"]:
            assert by_key()[organism["key"]]["type"] == "LMO"


def test_event_specific_methods_mostly_link_to_lmos() -> None:
    event = [r for r in records("DM") if r["body"]["methodType"]["identifier"] == "event-specific"]
    linked = [r for r in event if r["body"].get("targetLmos")]
    assert len(linked) >= 90, len(linked)
    elements = [r for r in records("DM") if r["body"]["methodType"]["identifier"] == "element-specific"]
    assert all(r["body"].get("targetElements") for r in elements)


# --- vocabularies written for the demo data ---------------------------------------------------------


@pytest.mark.parametrize("name", OWN_VOCABULARIES)
def test_own_vocabulary_files(name: str) -> None:
    data = vocabulary(name)
    assert data is not None
    assert data["name"] == name and data["label"]["en"]
    ids = [t["id"] for t in data["terms"]]
    assert len(ids) == len(set(ids)) and "other" not in ids
    seen: dict[str, str] = {}
    for term in data["terms"]:
        assert TERM_ID.match(term["id"]), term["id"]
        assert {"en", "fr", "es"} <= set(term["label"]), term["id"]
        if "broader" in term:
            assert data["hierarchical"] and term["broader"] in ids, term["id"]
        for alias in [*term.get("aliases", []), *(label.lower() for label in term["label"].values())]:
            assert alias == alias.lower() == alias.strip()
            assert seen.setdefault(alias, term["id"]) == term["id"], f"{alias!r} names two terms"


def test_lmo_traits_has_the_nine_roots() -> None:
    data = vocabulary("lmo-traits")
    assert data is not None
    roots = {t["id"] for t in data["terms"] if "broader" not in t}
    assert roots == TRAIT_ROOTS
    children = {t["id"]: t["broader"] for t in data["terms"] if "broader" in t}
    assert children["insects"] == "resistance-to-diseases-and-pests"
    assert children["lepidoptera"] == children["coleoptera"] == "insects"
    assert children["glyphosate-tolerance"] == "resistance-to-herbicides"
    assert children["male-sterility"] == "reproduction"


def test_detection_method_types() -> None:
    assert term_ids("detection-method-types") == {
        "event-specific",
        "construct-specific",
        "element-specific",
        "taxon-specific",
    }


def test_every_source_trait_label_maps_to_terms() -> None:
    data = needs_shared() / "data"
    vocabularies = read_vocabularies(VOCABULARIES)
    labels: set[str] = set()
    for name in ("lmo.csv", "isaaa.csv", "biotrack.csv"):
        with (data / "ebi-agri-hackathon-2019" / name).open(encoding="utf-8", newline="") as handle:
            labels |= {row[2] for row in csv.reader(handle)}
    with (data / "cfia-pnt" / "cfia_pnt_unconfined_release.csv").open(encoding="utf-8", newline="") as handle:
        labels |= {row["traits"] for row in csv.DictReader(handle)}
    ids = term_ids("lmo-traits")
    unmapped = sorted(label for label in labels if not trait_terms(label, vocabularies))
    assert unmapped == []
    for label in labels:
        assert set(trait_terms(label, vocabularies) or ()) <= (ids or set())


# --- oracle: the committed files are exactly what the curation makes --------------------------------


def test_committed_files_are_the_curation_output(tmp_path: Path) -> None:
    shared = needs_shared()
    curate(shared, tmp_path)
    for name in GENERATED:
        assert (tmp_path / name).read_bytes() == (DATA / name).read_bytes(), (
            f"{name} differs: re-run python -m tools.curate"
        )


@pytest.mark.slow  # three curation runs
def test_a_jurisdiction_step_adds_its_records_and_report_lines(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The extension point of tools/curate/pipeline.py: a registered step's records are written with
    the others (in the shared files or its own), linked to the shared LMO records, and its summary
    line and report section are in the report."""
    shared = needs_shared()

    def curate_test(world: CuratedWorld, report: Report) -> StepOutput:
        lmo = world.lmo_for_identifier("MON-00810-6", report, "test.csv row 2")  # digit 0 for Ø
        assert lmo is not None and lmo.key == "lmo/MON-ØØ81Ø-6"
        assert [r.key for r in world.lmos_for_event_name("MON810", "Zea mays")] == [lmo.key]
        assert world.lmo_for_identifier("XXX-99999-9", report, "test.csv row 3") is None
        report.skip("test.csv", 3, "no LMO record for XXX-99999-9")
        body = {
            "government": {"identifier": "us"},
            "modifiedOrganisms": [{"key": lmo.key}],
            "relevantInformation": {"en": "A test decision."},
        }
        decision = Record("dec/us/test", "DEC", "US", body, {"file": "test.csv", "row": 2})
        authority = Record("cna/us/test", "CNA", "US", {"name": {"en": "Test authority"}})
        return StepOutput(
            {"decisions-test.jsonl": [decision], "authorities.jsonl": [authority]},
            sections=["## Test decisions", "", "Row 3: no LMO.", ""],
            documents={"TEST_REPORT.md": "# Test\n"},
        )

    def summarise_test(produced: Records) -> list[str]:
        return [
            f"Test decisions: {len(produced['decisions-test.jsonl'])}, authorities {len(produced['authorities.jsonl'])}."
        ]

    step = JurisdictionStep("Test", curate_test, summarise_test, files=("decisions-test.jsonl",))
    monkeypatch.setattr(pipeline, "STEPS", [*pipeline.STEPS, step])
    written = curate(shared, tmp_path)
    assert [r.key for r in written["decisions-test.jsonl"]] == ["dec/us/test"]
    manifest = json.loads((tmp_path / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["files"] == [*EXPECTED_FILES[:-1], "decisions-test.jsonl", EXPECTED_FILES[-1]]
    lines = (tmp_path / "decisions-test.jsonl").read_text(encoding="utf-8").splitlines()
    assert [json.loads(line)["key"] for line in lines] == ["dec/us/test"]
    authorities = (tmp_path / "authorities.jsonl").read_text(encoding="utf-8")
    assert '"key": "cna/us/test"' in authorities and '"key": "cna/ca/cfia"' in authorities
    report = (tmp_path / "CURATION_REPORT.md").read_text(encoding="utf-8")
    assert "\nCanadian decisions: " in report and "\nTest decisions: 1, authorities 1.\n" in report
    assert "| `test.csv` | 3 | no LMO record for XXX-99999-9 |" in report
    assert "| `decisions-test.jsonl` | 1 |" in report
    assert report.endswith("\n## Test decisions\n\nRow 3: no LMO.\n\n")
    assert (tmp_path / "TEST_REPORT.md").read_text(encoding="utf-8") == "# Test\n"
    assert "TEST_REPORT.md" not in manifest["files"]

    def clashing(world: CuratedWorld, report: Report) -> StepOutput:
        return StepOutput({"authorities.jsonl": [Record("cna/ca/cfia", "CNA", "CA", {})]})

    monkeypatch.setattr(pipeline, "STEPS", [*pipeline.STEPS, JurisdictionStep("Clash", clashing)])
    with pytest.raises(ValueError, match="duplicate keys"):
        curate(shared, tmp_path / "clash")

    def undeclared(world: CuratedWorld, report: Report) -> StepOutput:
        return StepOutput({"decisions-other.jsonl": []})

    monkeypatch.setattr(pipeline, "STEPS", [JurisdictionStep("Undeclared", undeclared)])
    with pytest.raises(ValueError, match=r"decisions-other\.jsonl"):
        curate(shared, tmp_path / "undeclared")
