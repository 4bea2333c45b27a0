"""Format checks for the record-type definition files (docs/record-format.md §2, §5).

Pure pytest: reads the JSON files, imports nothing from the project.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DEFINITIONS_DIR = ROOT / "src" / "openbch" / "recordtypes" / "definitions"
VOCABULARIES_DIR = ROOT / "src" / "openbch" / "vocabularies" / "data"

TOP_LEVEL_KEYS = {
    "code",
    "slug",
    "family",
    "version",
    "label",
    "label_plural",
    "title_fields",
    "fields",
    "export",
    "form",
}
OPTIONAL_TOP_LEVEL_KEYS = {"rules", "hit_fields", "date_field"}
FIELD_KEYS = {
    "name",
    "kind",
    "many",
    "label",
    "help",
    "required",
    "required_when",
    "recommended",
    "recommended_when",
    "allowed_when",
    "vocabulary",
    "allow_other",
    "targets",
    "max_length",
    "min",
    "max",
    "search",
    "facet",
}
KINDS = {
    "text",
    "mltext",
    "term",
    "reference",
    "link",
    "date",
    "integer",
    "number",
    "boolean",
    "email",
    "oecd_uid",
    "dna_sequence",
    "construct",
}
SEARCH_MODES = {"text", "keyword", "identifier"}
CONDITION_KEYS = ("required_when", "recommended_when", "allowed_when")
NAME_RE = re.compile(r"^[a-zA-Z][a-zA-Z0-9]*$")
CODE_RE = re.compile(r"^[A-Z]{2,5}$")
SLUG_RE = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
LANG_RE = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$")

# The 13 types of record-format.md §5 and the fields other code relies on:
# name -> (kind, many, required). `required` is True for `*` fields, None when §5 says nothing.
CONTRACT: dict[str, tuple[str, str, dict[str, tuple[str, bool, bool | None]]]] = {
    "lmo": (
        "LMO",
        "reference",
        {
            "identity": ("mltext", False, None),
            "transformationEvent": ("text", False, True),
            "hasUniqueIdentification": ("boolean", False, True),
            "uniqueIdentification": ("oecd_uid", False, None),
            "tradeNames": ("text", True, None),
            "developers": ("reference", True, None),
            "description": ("mltext", False, None),
            "recipientOrganisms": ("reference", True, True),
            "genes": ("reference", True, False),  # recommended: CFIA-only LMOs have no known elements
            "geneConstructs": ("construct", False, None),
            "affectedGenes": ("reference", True, None),
            "techniqueUsed": ("term", True, None),
            "traits": ("term", True, True),
            "commonUses": ("term", True, None),
            "isGeneEdited": ("boolean", False, None),
            "detectionMethod": ("mltext", False, None),
            "detectionMethodLinks": ("link", True, None),
            "relevantInformation": ("mltext", False, None),
            "relevantDocuments": ("link", True, None),
        },
    ),
    "genetic-element": (
        "GENE",
        "reference",
        {
            "name": ("mltext", False, True),
            "abbreviation": ("text", False, True),
            "synonymNames": ("text", True, None),
            "family": ("term", False, True),
            "isSynthetic": ("boolean", False, None),
            "donorOrganisms": ("reference", True, None),
            "proteinName": ("mltext", False, None),
            "biologicalFunction": ("mltext", False, None),
            "traits": ("term", True, None),
            "genbankAccession": ("text", False, None),
            "relevantInformation": ("mltext", False, None),
            "relevantDocuments": ("link", True, None),
        },
    ),
    "organism": (
        "ORGA",
        "reference",
        {
            "scientificName": ("text", False, True),
            "commonNames": ("mltext", True, None),
            "kingdom": ("text", False, None),
            "family": ("text", False, None),
            "genus": ("text", False, None),
            "species": ("text", False, None),
            "organismType": ("term", False, None),
            "commonUses": ("term", True, None),
            "relevantInformation": ("mltext", False, None),
        },
    ),
    "decision": (
        "DEC",
        "national",
        {
            "government": ("term", False, True),
            "authorities": ("reference", True, True),
            "title": ("mltext", False, True),
            "referenceNumber": ("text", False, None),
            "date": ("date", False, True),
            "decisionTypes": ("term", True, True),
            "isAmendment": ("boolean", False, True),
            "amendedRecords": ("reference", True, None),
            "modifiedOrganisms": ("reference", True, None),
            "riskAssessments": ("reference", True, None),
            "uses": ("term", True, None),
            "decisionResult": ("term", False, None),
            "conditions": ("mltext", False, None),
            "reasons": ("mltext", False, None),
            "extensionPeriod": ("integer", False, None),
            "documents": ("link", True, None),
            "expires": ("boolean", False, True),
            "relevantInformation": ("mltext", False, None),
        },
    ),
    "national-risk-assessment": (
        "RA",
        "national",
        {
            "government": ("term", False, True),
            "authorities": ("reference", True, None),
            "title": ("mltext", False, None),
            "date": ("date", False, None),
            "modifiedOrganisms": ("reference", True, None),
            "scopes": ("term", True, None),
            "documents": ("link", True, None),
        },
    ),
    "independent-risk-assessment": (
        "IRA",
        "reference",
        {
            "organizations": ("reference", True, None),
            "title": ("mltext", False, None),
            "date": ("date", False, None),
            "modifiedOrganisms": ("reference", True, None),
            "scopes": ("term", True, None),
            "documents": ("link", True, None),
        },
    ),
    "detection-method": (
        "DM",
        "reference",
        {
            "methodCode": ("text", False, True),
            "title": ("mltext", False, None),
            "methodType": ("term", False, True),
            "methodFormat": ("term", False, None),
            "targetName": ("text", False, None),
            "targetLmos": ("reference", True, None),
            "targetElements": ("reference", True, None),
            "targetOrganisms": ("reference", True, None),
            "forwardPrimerName": ("text", False, None),
            "forwardPrimer": ("dna_sequence", False, True),
            "reversePrimerName": ("text", False, None),
            "reversePrimer": ("dna_sequence", False, True),
            "probeName": ("text", False, None),
            "probe": ("dna_sequence", False, None),
            "ampliconSize": ("integer", False, None),
            "amplicon": ("dna_sequence", False, None),
            "description": ("mltext", False, None),
            "methodReference": ("text", False, None),
            "sourceDatabase": ("text", False, None),
            "sourceUrl": ("link", False, None),
        },
    ),
    "detection-laboratory": (
        "LAB",
        "reference",
        {
            "organization": ("reference", True, True),
            "services": ("term", True, True),
            "detectionMethodTypes": ("term", True, True),
            "detectableLmos": ("reference", True, None),
            "detectableGenes": ("reference", True, None),
            "certifications": ("mltext", False, None),
            "relevantInformation": ("mltext", False, None),
        },
    ),
    "competent-authority": (
        "CNA",
        "national",
        {
            "government": ("term", False, True),
            "name": ("mltext", False, True),
            "acronym": ("text", False, None),
            "address": ("mltext", False, None),
            "city": ("mltext", False, True),
            "country": ("term", False, True),
            "websites": ("link", True, None),
            "phones": ("text", True, None),
            "emails": ("email", True, None),
            "responsibilities": ("mltext", False, True),
            "responsibleForAll": ("boolean", False, None),
            "functions": ("term", True, None),
            "cpbOrganismTypes": ("term", True, None),
            "contacts": ("reference", True, None),
            "relevantInformation": ("mltext", False, None),
        },
    ),
    "focal-point": (
        "NFP",
        "national",
        {
            "government": ("term", False, True),
            "categories": ("term", True, True),
            "firstName": ("text", False, None),
            "lastName": ("text", False, None),
            "designation": ("mltext", False, None),
            "organization": ("mltext", False, True),
        },
    ),
    "contact": (
        "CON",
        "national",
        {
            "government": ("term", False, True),
            "firstName": ("text", False, True),
            "lastName": ("text", False, True),
            "organization": ("mltext", False, True),
            "country": ("term", False, True),
            "emails": ("email", True, True),
        },
    ),
    "organization": (
        "ORG",
        "reference",
        {
            "name": ("mltext", False, True),
            "acronym": ("text", False, None),
            "organizationType": ("term", False, True),
            "city": ("mltext", False, None),
            "country": ("term", False, True),
            "websites": ("link", True, None),
            "emails": ("email", True, None),
            "phones": ("text", True, None),
        },
    ),
    "law": (
        "LAW",
        "national",
        {
            "government": ("term", False, True),
            "title": ("mltext", False, True),
            "type": ("term", False, True),
            "entryIntoForce": ("date", False, None),
            "documents": ("link", True, None),
            "isAmendment": ("boolean", False, True),
            "amendedRecords": ("reference", True, None),
            "authorities": ("reference", True, None),
            "cpbSubjectAreas": ("term", True, None),
            "cpbOrganismTypes": ("term", True, None),
            "expires": ("boolean", False, True),
        },
    ),
}

# Vocabulary / target names given in §5 for contract fields.
CONTRACT_VOCABULARIES = {
    ("lmo", "techniqueUsed"): "techniques",
    ("lmo", "traits"): "lmo-traits",
    ("lmo", "commonUses"): "common-uses",
    ("genetic-element", "family"): "element-categories",
    ("genetic-element", "traits"): "lmo-traits",
    ("organism", "organismType"): "organism-types",
    ("organism", "commonUses"): "common-uses",
    ("decision", "decisionTypes"): "decision-types",
    ("decision", "uses"): "ffp-uses",
    ("decision", "decisionResult"): "decision-results",
    ("national-risk-assessment", "scopes"): "ra-scopes",
    ("independent-risk-assessment", "scopes"): "ra-scopes",
    ("detection-method", "methodType"): "detection-method-types",
    ("detection-method", "methodFormat"): "detection-method-formats",
    ("detection-laboratory", "services"): "lab-services",
    ("detection-laboratory", "detectionMethodTypes"): "detection-method-types",
    ("competent-authority", "country"): "countries",
    ("competent-authority", "functions"): "subject-areas",
    ("competent-authority", "cpbOrganismTypes"): "organism-types",
    ("focal-point", "categories"): "focal-point-categories",
    ("contact", "country"): "countries",
    ("organization", "organizationType"): "organization-types",
    ("organization", "country"): "countries",
    ("law", "type"): "law-types",
    ("law", "cpbSubjectAreas"): "subject-areas",
    ("law", "cpbOrganismTypes"): "organism-types",
}
CONTRACT_TARGETS = {
    ("lmo", "developers"): {"ORG", "CON"},
    ("lmo", "recipientOrganisms"): {"ORGA", "LMO"},
    ("lmo", "genes"): {"GENE"},
    ("lmo", "affectedGenes"): {"GENE"},
    ("genetic-element", "donorOrganisms"): {"ORGA"},
    ("decision", "authorities"): {"CNA"},
    ("decision", "amendedRecords"): {"DEC"},
    ("decision", "modifiedOrganisms"): {"LMO"},
    ("decision", "riskAssessments"): {"RA"},
    ("independent-risk-assessment", "organizations"): {"ORG"},
    ("detection-method", "targetLmos"): {"LMO"},
    ("detection-method", "targetElements"): {"GENE"},
    ("detection-method", "targetOrganisms"): {"ORGA"},
    ("detection-laboratory", "organization"): {"ORG"},
    ("detection-laboratory", "detectableLmos"): {"LMO"},
    ("detection-laboratory", "detectableGenes"): {"GENE"},
    ("competent-authority", "contacts"): {"CON"},
    ("law", "amendedRecords"): {"LAW"},
    ("law", "authorities"): {"CNA"},
}


# --------------------------------------------------------------------------- helpers


def _load_definitions() -> dict[str, dict]:
    return {path.stem: json.loads(path.read_text(encoding="utf-8")) for path in sorted(DEFINITIONS_DIR.glob("*.json"))}


DEFINITIONS = _load_definitions() if DEFINITIONS_DIR.is_dir() else {}
SLUGS = sorted(DEFINITIONS)
CODES = {d.get("code") for d in DEFINITIONS.values()}


def _fields(defn: dict) -> dict[str, dict]:
    return {f["name"]: f for f in defn["fields"]}


def _vocabulary_ids(name: str) -> set[str] | None:
    """Term ids of a vocabulary file, or None when the file does not exist (yet)."""
    path = VOCABULARIES_DIR / f"{name}.json"
    if not path.is_file():
        return None
    data = json.loads(path.read_text(encoding="utf-8"))
    return {term["id"] for term in data["terms"]}


def _check_multilingual(value, where: str, errors: list[str]) -> None:
    if not isinstance(value, dict) or not isinstance(value.get("en"), str) or not value["en"].strip():
        errors.append(f"{where}: needs a multilingual value with a non-empty 'en'")
        return
    for lang, text in value.items():
        if not LANG_RE.match(lang) or not isinstance(text, str) or not text.strip():
            errors.append(f"{where}: bad language entry {lang!r}")


def _walk_conditions(cond, where: str):
    """Yield (where, leaf condition) for every leaf of a condition."""
    if not isinstance(cond, dict):
        yield where, cond
        return
    if "all" in cond or "any" in cond:
        key = "all" if "all" in cond else "any"
        assert isinstance(cond[key], list) and cond[key], f"{where}: '{key}' needs a non-empty list"
        for i, sub in enumerate(cond[key]):
            yield from _walk_conditions(sub, f"{where}.{key}[{i}]")
    elif "not" in cond:
        yield from _walk_conditions(cond["not"], f"{where}.not")
    else:
        yield where, cond


def _all_conditions(defn: dict):
    for f in defn["fields"]:
        for key in CONDITION_KEYS:
            if key in f:
                yield from _walk_conditions(f[key], f"{f['name']}.{key}")
    for i, rule in enumerate(defn.get("rules", [])):
        yield from _walk_conditions(rule["when"], f"rules[{i}].when")


# --------------------------------------------------------------------------- tests


def test_definitions_folder_holds_the_section5_types():
    assert DEFINITIONS_DIR.is_dir(), f"missing {DEFINITIONS_DIR}"
    missing = set(CONTRACT) - set(DEFINITIONS)
    assert not missing, f"missing definition files: {sorted(missing)}"


def test_codes_are_unique():
    codes = [d.get("code") for d in DEFINITIONS.values()]
    assert len(codes) == len(set(codes)), f"duplicate codes: {codes}"


@pytest.mark.parametrize("slug", SLUGS)
def test_top_level(slug):
    defn = DEFINITIONS[slug]
    missing = TOP_LEVEL_KEYS - defn.keys()
    assert not missing, f"missing top-level keys {sorted(missing)}"
    unknown = defn.keys() - TOP_LEVEL_KEYS - OPTIONAL_TOP_LEVEL_KEYS
    assert not unknown, f"unknown top-level keys {sorted(unknown)}"
    assert isinstance(defn["code"], str) and CODE_RE.match(defn["code"]), defn["code"]
    assert defn["slug"] == slug, "slug must equal the file stem"
    assert SLUG_RE.match(slug)
    assert defn["family"] in {"national", "reference"}
    assert defn["version"] == 1
    errors: list[str] = []
    _check_multilingual(defn["label"], "label", errors)
    _check_multilingual(defn["label_plural"], "label_plural", errors)
    assert not errors, errors
    assert isinstance(defn["fields"], list) and defn["fields"]
    names = [f.get("name") for f in defn["fields"]]
    assert len(names) == len(set(names)), "duplicate field names"
    assert defn["title_fields"] and set(defn["title_fields"]) <= set(names), "title_fields must be fields"


@pytest.mark.parametrize("slug", SLUGS)
def test_fields(slug):
    defn = DEFINITIONS[slug]
    errors: list[str] = []
    for i, f in enumerate(defn["fields"]):
        where = f"fields[{i}] {f.get('name')!r}"
        unknown = f.keys() - FIELD_KEYS
        if unknown:
            errors.append(f"{where}: unknown keys {sorted(unknown)}")
        if not isinstance(f.get("name"), str) or not NAME_RE.match(f["name"]):
            errors.append(f"{where}: bad name")
        kind = f.get("kind")
        if kind not in KINDS:
            errors.append(f"{where}: unknown kind {kind!r}")
        _check_multilingual(f.get("label"), f"{where}.label", errors)
        if "help" in f:
            _check_multilingual(f["help"], f"{where}.help", errors)
        for flag in ("many", "required", "recommended", "allow_other", "facet"):
            if flag in f and not isinstance(f[flag], bool):
                errors.append(f"{where}: {flag} must be a boolean")
        if kind == "term":
            if not isinstance(f.get("vocabulary"), str) or not f["vocabulary"]:
                errors.append(f"{where}: a term field names its vocabulary")
        elif "vocabulary" in f or "allow_other" in f:
            errors.append(f"{where}: vocabulary/allow_other only for term fields")
        if kind in {"reference", "construct"}:
            targets = f.get("targets")
            if not isinstance(targets, list) or not targets:
                errors.append(f"{where}: needs a non-empty targets list")
            elif set(targets) - CODES:
                errors.append(f"{where}: targets {sorted(set(targets) - CODES)} are not defined types")
        elif "targets" in f:
            errors.append(f"{where}: targets only for reference/construct fields")
        if kind == "construct" and f.get("many"):
            errors.append(f"{where}: a construct is already a list; no 'many'")
        if "max_length" in f and (
            kind not in {"text", "mltext"} or not isinstance(f["max_length"], int) or f["max_length"] < 1
        ):
            errors.append(f"{where}: max_length only for text/mltext, a positive integer")
        for bound in ("min", "max"):
            if bound in f and (
                kind not in {"integer", "number"}
                or isinstance(f[bound], bool)
                or not isinstance(f[bound], (int, float))
            ):
                errors.append(f"{where}: {bound} only for integer/number fields, a number")
        if "search" in f and f["search"] not in SEARCH_MODES:
            errors.append(f"{where}: search must be one of {sorted(SEARCH_MODES)}")
        if f.get("required") and "required_when" in f:
            errors.append(f"{where}: required and required_when together")
    assert not errors, "\n".join(errors)


@pytest.mark.parametrize("slug", SLUGS)
def test_term_vocabularies_exist(slug):
    if not VOCABULARIES_DIR.is_dir():
        pytest.skip("src/openbch/vocabularies/data does not exist yet")
    missing = sorted(
        {
            f"{f['name']} -> {f['vocabulary']}"
            for f in DEFINITIONS[slug]["fields"]
            if f.get("kind") == "term" and not (VOCABULARIES_DIR / f"{f['vocabulary']}.json").is_file()
        }
    )
    assert not missing, f"vocabulary files missing: {missing}"


@pytest.mark.parametrize("slug", SLUGS)
def test_conditions_and_rules(slug):
    defn = DEFINITIONS[slug]
    fields = _fields(defn)
    errors: list[str] = []
    for where, leaf in _all_conditions(defn):
        if not isinstance(leaf, dict) or not isinstance(leaf.get("field"), str):
            errors.append(f"{where}: a condition names a field")
            continue
        name = leaf["field"]
        if name not in fields:
            errors.append(f"{where}: unknown field {name!r}")
            continue
        ops = [k for k in ("equals", "in", "present") if k in leaf]
        if len(ops) != 1 or set(leaf) != {"field", ops[0]}:
            errors.append(f"{where}: exactly one of equals/in/present")
            continue
        target = fields[name]
        if ops[0] == "present" and not isinstance(leaf["present"], bool):
            errors.append(f"{where}: present takes a boolean")
        if ops[0] == "equals" and target["kind"] == "boolean" and not isinstance(leaf["equals"], bool):
            errors.append(f"{where}: {name} is a boolean")
        if ops[0] == "in":
            ids = leaf["in"]
            if not isinstance(ids, list) or not ids or not all(isinstance(x, str) for x in ids):
                errors.append(f"{where}: 'in' takes a non-empty list of term ids")
                continue
            if target["kind"] != "term":
                errors.append(f"{where}: 'in' on a non-term field {name!r}")
                continue
            known = _vocabulary_ids(target["vocabulary"])
            if known is not None:  # file not written yet: test_term_vocabularies_exist reports it
                unknown = sorted(set(ids) - known)
                if unknown:
                    errors.append(f"{where}: {unknown} not in vocabulary {target['vocabulary']}")
    for i, rule in enumerate(defn.get("rules", [])):
        where = f"rules[{i}]"
        if "when" not in rule:
            errors.append(f"{where}: needs 'when'")
        kinds = [k for k in ("require_one_of", "forbid_all_of") if k in rule]
        if len(kinds) != 1:
            errors.append(f"{where}: exactly one of require_one_of/forbid_all_of")
            continue
        names = rule[kinds[0]]
        if not isinstance(names, list) or len(names) < 2:
            errors.append(f"{where}: {kinds[0]} lists at least two fields")
        elif set(names) - fields.keys():
            errors.append(f"{where}: unknown fields {sorted(set(names) - fields.keys())}")
        _check_multilingual(rule.get("message"), f"{where}.message", errors)
    assert not errors, "\n".join(errors)


@pytest.mark.parametrize("slug", SLUGS)
def test_export_and_form(slug):
    defn = DEFINITIONS[slug]
    names = [f["name"] for f in defn["fields"]]
    export = defn["export"]
    assert isinstance(export, list) and export
    assert not set(export) - set(names), f"export names unknown fields {sorted(set(export) - set(names))}"
    assert len(export) == len(set(export)), "duplicate export columns"
    errors: list[str] = []
    in_form: list[str] = []
    for i, section in enumerate(defn["form"]):
        _check_multilingual(section.get("label"), f"form[{i}].label", errors)
        if not section.get("fields"):
            errors.append(f"form[{i}]: empty section")
        in_form.extend(section.get("fields", []))
    assert not errors, errors
    unknown = sorted(set(in_form) - set(names))
    twice = sorted({n for n in in_form if in_form.count(n) > 1})
    absent = sorted(set(names) - set(in_form))
    assert not (unknown or twice or absent), f"form: unknown {unknown}, twice {twice}, missing {absent}"


@pytest.mark.parametrize("slug", SLUGS)
def test_family_and_government(slug):
    defn = DEFINITIONS[slug]
    government = _fields(defn).get("government")
    if defn["family"] == "national":
        assert government is not None, "a national type has a government field"
        assert government["kind"] == "term" and government.get("vocabulary") == "countries"
        assert government.get("required") is True and not government.get("many")
    else:
        assert government is None, "a reference type has no government field"


@pytest.mark.parametrize("slug", sorted(CONTRACT))
def test_section5_contract(slug):
    if slug not in DEFINITIONS:
        pytest.fail(f"{slug}.json missing")
    code, family, contract = CONTRACT[slug]
    defn = DEFINITIONS[slug]
    assert defn["code"] == code and defn["family"] == family
    fields = _fields(defn)
    errors: list[str] = []
    for name, (kind, is_many, required) in contract.items():
        f = fields.get(name)
        if f is None:
            errors.append(f"{name}: missing")
            continue
        if f["kind"] != kind:
            errors.append(f"{name}: kind {f['kind']} != {kind}")
        if bool(f.get("many")) != is_many and kind != "construct":
            errors.append(f"{name}: many {bool(f.get('many'))} != {is_many}")
        if required is True and f.get("required") is not True:
            errors.append(f"{name}: must be required")
        vocabulary = CONTRACT_VOCABULARIES.get((slug, name))
        if vocabulary and f.get("vocabulary") != vocabulary:
            errors.append(f"{name}: vocabulary {f.get('vocabulary')} != {vocabulary}")
        targets = CONTRACT_TARGETS.get((slug, name))
        if targets and set(f.get("targets", [])) != targets:
            errors.append(f"{name}: targets {f.get('targets')} != {sorted(targets)}")
    assert not errors, "\n".join(errors)


def test_decision_conditional_rules():
    """The §2.5 decision rules that other code relies on are encoded as data."""
    fields = _fields(DEFINITIONS["decision"])
    assert fields["modifiedOrganisms"]["required_when"] == {
        "field": "decisionTypes",
        "in": ["8.1", "8.2", "8.3", "8.4", "8.5"],
    }
    assert set(fields["modifiedOrganisms"]["allowed_when"]["in"]) == {"8.1", "8.2", "8.3", "8.4", "8.5", "8.7", "8.9"}
    assert "required" not in fields["riskAssessments"] and "required_when" not in fields["riskAssessments"]
    assert set(fields["riskAssessments"]["recommended_when"]["in"]) == {"8.1", "8.2-domestic-use", "8.3"}
    assert fields["extensionPeriod"]["kind"] == "integer" and fields["extensionPeriod"]["min"] == 1
    assert fields["extensionPeriod"]["required_when"] == {"field": "decisionResult", "in": ["extension-of-period"]}
    assert fields["amendedRecords"]["required_when"] == {"field": "isAmendment", "equals": True}
    rules = DEFINITIONS["decision"]["rules"]
    assert any(
        r["when"] == {"field": "decisionTypes", "in": ["8.7"]}
        and set(r.get("require_one_of", [])) == {"modifiedOrganisms", "otherTransboundryInformation"}
        for r in rules
    )


def test_lmo_unique_identifier_condition():
    uid = _fields(DEFINITIONS["lmo"])["uniqueIdentification"]
    cond = {"field": "hasUniqueIdentification", "equals": True}
    assert uid["required_when"] == cond and uid["allowed_when"] == cond
    assert uid["search"] == "identifier"
