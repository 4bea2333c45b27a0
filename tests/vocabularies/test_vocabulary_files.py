"""Checks of the vocabulary data files (src/openbch/vocabularies/data/*.json).

Pure pytest: reads the JSON files directly; no Django, no openbch import. The format is
docs/record-format.md section 3.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

DATA_DIR = Path(__file__).resolve().parents[2] / "src" / "openbch" / "vocabularies" / "data"
VOCABULARY_FILES = sorted(DATA_DIR.glob("*.json"))

TERM_ID = re.compile(r"^[a-z0-9][a-z0-9.-]*$")
LANGUAGE_KEY = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$")
BCH_GUID = re.compile(r"^[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}$")
TOP_LEVEL_KEYS = {"name", "label", "hierarchical", "source", "terms"}
# every vocabulary that definitions and importers rely on (docs/record-format.md section 3)
EXPECTED_VOCABULARIES = {
    "countries", "languages", "techniques", "decision-types", "decision-results", "ffp-uses",
    "ra-scopes", "organism-types", "detection-method-formats", "common-uses", "law-types",
    "subject-areas", "organization-types", "lab-services", "focal-point-categories",
    "transboundary-movement-types",
}  # fmt: skip


def _load(path: Path) -> dict[str, Any]:
    with path.open(encoding="utf-8") as f:
        data = json.load(f)
    assert isinstance(data, dict), f"{path.name}: top level must be an object"
    return data


def _vocabulary(name: str) -> dict[str, Any]:
    path = DATA_DIR / f"{name}.json"
    assert path.exists(), f"missing vocabulary file {path.name}"
    return _load(path)


def _terms_by_id(vocabulary: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {term["id"]: term for term in vocabulary["terms"]}


def _check_label(label: Any, where: str) -> None:
    assert isinstance(label, dict), f"{where}: label must be an object"
    assert isinstance(label.get("en"), str), f"{where}: label has no en"
    for lang, text in label.items():
        assert LANGUAGE_KEY.match(lang), f"{where}: bad language key {lang!r}"
        assert isinstance(text, str), f"{where}: {lang} label is not a string"
        assert text.strip(), f"{where}: empty {lang} label"
        assert text == text.strip(), f"{where}: {lang} label has surrounding spaces"


def test_data_directory_has_the_expected_vocabularies() -> None:
    names = {path.stem for path in VOCABULARY_FILES}
    missing = EXPECTED_VOCABULARIES - names
    assert not missing, f"vocabulary files missing: {sorted(missing)}"


@pytest.mark.parametrize("path", VOCABULARY_FILES, ids=lambda p: p.stem)
def test_vocabulary_file_is_well_formed(path: Path) -> None:
    data = _load(path)
    missing = TOP_LEVEL_KEYS - data.keys()
    assert not missing, f"{path.name}: missing keys {sorted(missing)}"
    assert data["name"] == path.stem, f"{path.name}: name {data['name']!r} is not the file stem"
    _check_label(data["label"], f"{path.name} label")
    assert isinstance(data["hierarchical"], bool)
    assert isinstance(data["source"], str)
    assert data["source"].strip(), f"{path.name}: empty source"
    terms = data["terms"]
    assert isinstance(terms, list), f"{path.name}: terms must be a list"
    assert terms, f"{path.name}: no terms"

    seen: set[str] = set()
    for term in terms:
        assert isinstance(term, dict), f"{path.name}: a term is not an object"
        term_id = term.get("id")
        assert isinstance(term_id, str), f"{path.name}: a term has no id"
        assert TERM_ID.match(term_id), f"{path.name}: bad id {term_id!r}"
        assert term_id != "other", f"{path.name}: 'other' is reserved and never a term id"
        assert term_id not in seen, f"{path.name}: duplicate id {term_id!r}"
        seen.add(term_id)
        _check_label(term.get("label"), f"{path.name} term {term_id}")
        if "aliases" in term:
            aliases = term["aliases"]
            assert isinstance(aliases, list), f"{path.name} {term_id}: aliases must be a list"
            assert aliases, f"{path.name} {term_id}: empty aliases list"
            for alias in aliases:
                assert isinstance(alias, str), f"{path.name} {term_id}: alias is not a string"
                assert alias.strip(), f"{path.name} {term_id}: empty alias"
                assert alias == alias.lower(), f"{path.name} {term_id}: alias {alias!r} not lower case"
            assert len(set(aliases)) == len(aliases), f"{path.name} {term_id}: duplicate aliases"
        if "bch_id" in term:
            assert BCH_GUID.match(term["bch_id"]), f"{path.name} {term_id}: bad bch_id"

    for term in terms:
        if "broader" in term:
            assert data["hierarchical"], f"{path.name}: broader used in a flat vocabulary"
            assert term["broader"] in seen, f"{path.name}: {term['id']} broader {term['broader']!r} unknown"


@pytest.mark.parametrize("path", VOCABULARY_FILES, ids=lambda p: p.stem)
def test_broader_terms_have_no_cycles(path: Path) -> None:
    data = _load(path)
    parent = {t["id"]: t.get("broader") for t in data["terms"] if isinstance(t, dict) and "id" in t}
    for start in parent:
        visited = {start}
        node = parent.get(start)
        while node is not None:
            assert node not in visited, f"{path.name}: cycle through {start!r}"
            visited.add(node)
            node = parent.get(node)


@pytest.mark.parametrize("path", VOCABULARY_FILES, ids=lambda p: p.stem)
def test_aliases_are_unambiguous(path: Path) -> None:
    """An importer maps text to one term: an alias names a single term, never another's label."""
    data = _load(path)
    owner: dict[str, str] = {}
    for term in data["terms"]:
        for text in {term["label"]["en"].lower(), *term.get("aliases", [])}:
            other = owner.setdefault(text, term["id"])
            assert other == term["id"], f"{path.name}: {text!r} names both {other!r} and {term['id']!r}"


UN_LANGUAGES = ("ar", "zh", "en", "fr", "ru", "es")
# (vocabulary, term id) -> languages it may lack; each gap is explained in data/SOURCES.md
DOCUMENTED_GAPS: dict[tuple[str, str], frozenset[str]] = {
    ("countries", "tr"): frozenset({"ar"}),  # iso-codes has no Arabic name for Türkiye
}


def _missing_un_labels(vocabulary: dict[str, Any]) -> list[str]:
    """Every UN-language label the vocabulary or one of its terms lacks, beyond the documented gaps."""
    name = vocabulary["name"]
    found = [f"{name} label: no {lang}" for lang in UN_LANGUAGES if lang not in vocabulary["label"]]
    for term in vocabulary["terms"]:
        allowed = DOCUMENTED_GAPS.get((name, term["id"]), frozenset())
        found += [
            f"{name} term {term['id']}: no {lang}"
            for lang in UN_LANGUAGES
            if lang not in term["label"] and lang not in allowed
        ]
    return found


@pytest.mark.parametrize("path", VOCABULARY_FILES, ids=lambda p: p.stem)
def test_every_term_has_a_label_in_the_six_un_languages(path: Path) -> None:
    """An Arabic, Chinese or Russian page must not fall back to English for a vocabulary term."""
    assert _missing_un_labels(_load(path)) == []


def test_the_documented_label_gaps_are_still_gaps() -> None:
    # once a regenerated file fills a gap, the exception (and its note in SOURCES.md) must go
    for (name, term_id), languages in DOCUMENTED_GAPS.items():
        label = _terms_by_id(_vocabulary(name))[term_id]["label"]
        assert not languages & label.keys(), f"{name} {term_id} now has {sorted(languages & label.keys())}"


def test_a_term_that_loses_a_un_label_is_named() -> None:
    traits = _vocabulary("lmo-traits")
    del traits["terms"][1]["label"]["ru"]
    del traits["label"]["zh"]
    assert _missing_un_labels(traits) == [
        "lmo-traits label: no zh",
        f"lmo-traits term {traits['terms'][1]['id']}: no ru",
    ]


def test_countries() -> None:
    countries = _vocabulary("countries")
    terms = _terms_by_id(countries)
    assert len(terms) >= 250
    for code in ("ca", "fr", "eu", "de", "us", "br", "cn", "za"):
        assert code in terms
    iso = [code for code in terms if code != "eu"]
    assert len(iso) == 249
    assert all(re.fullmatch(r"[a-z]{2}", code) for code in terms)
    assert terms["de"]["label"]["fr"] == "Allemagne"
    assert terms["de"]["label"]["es"] == "Alemania"
    assert terms["eu"]["label"] == {
        "en": "European Union",
        "fr": "Union européenne",
        "es": "Unión Europea",
        "ar": "الاتحاد الأوروبي",
        "zh": "欧洲联盟",
        "ru": "Европейский союз",
    }
    assert not countries["hierarchical"]


def test_decision_types_ids() -> None:
    terms = _terms_by_id(_vocabulary("decision-types"))
    assert set(terms) == {
        "8.1", "8.1-aia", "8.1-domestic",
        "8.2", "8.2-import", "8.2-domestic-use",
        "8.3", "8.4", "8.5", "8.6", "8.7", "8.8", "8.9",
    }  # fmt: skip
    assert terms["8.1-aia"]["broader"] == "8.1"
    assert terms["8.1-domestic"]["broader"] == "8.1"
    assert terms["8.2-import"]["broader"] == "8.2"
    assert terms["8.2-domestic-use"]["broader"] == "8.2"
    assert terms["8.1"]["bch_id"].upper() == "E8C5A15C-A736-4FB7-A1B6-192412BE7E45"
    assert "note" in terms["8.8"]


def test_languages() -> None:
    terms = _terms_by_id(_vocabulary("languages"))
    assert set(terms) == {"ar", "zh", "en", "fr", "ru", "es"}
    assert terms["ar"].get("rtl") is True
    for code, term in terms.items():
        assert set(term["label"]) == set(terms), f"{code}: labels in all six languages"
        assert term.get("native") == term["label"][code]
        if code != "ar":
            assert not term.get("rtl")


@pytest.mark.parametrize(
    ("name", "ids"),
    [
        ("decision-results", {"approval", "approval-without-conditions", "approval-with-conditions",
                              "prohibition", "request-additional-information", "extension-of-period"}),
        ("ffp-uses", {"food", "feed", "processing"}),
        ("ra-scopes", {"environmental-release", "field-trial", "commercial-cultivation",
                       "food-feed-processing", "food", "feed", "processing", "contained-use",
                       "import", "transit"}),
        ("organism-types", {"plants", "animals", "fungi", "bacteria", "viruses", "protists"}),
        ("detection-method-formats", {"qualitative-pcr", "quantitative-pcr"}),
        ("techniques", {"agrobacterium-mediated", "biolistic", "cross-breeding", "electroporation",
                        "genome-editing"}),
        ("focal-point-categories", {"cpb-fp1", "bch-fp", "cpb-a17-fp"}),
        ("transboundary-movement-types", {"unintentional", "illegal"}),
    ],
)  # fmt: skip
def test_ids_that_code_relies_on(name: str, ids: set[str]) -> None:
    terms = _terms_by_id(_vocabulary(name))
    missing = ids - terms.keys()
    assert not missing, f"{name}: missing {sorted(missing)}"


def test_approval_children() -> None:
    terms = _terms_by_id(_vocabulary("decision-results"))
    assert terms["approval-without-conditions"]["broader"] == "approval"
    assert terms["approval-with-conditions"]["broader"] == "approval"
