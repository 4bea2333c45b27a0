"""Rebuild ``src/openbch/interop/payloads/`` from ``../shared/data`` and the demo data (a dev tool).

    .venv/bin/python -m tests.interop.payload_builder [--shared ../shared]

* The file sources are copied byte for byte (BioTrack, ISAAA, CFIA, EUginius, EURL-GMFF).
* The central BCH's API is recorded in its real shapes (bch-platform.md §5): Solr
  ``index/select`` pages and ``documents/{identifier}`` bodies, for a subset of the BCH registry as
  the demo data holds it (MON810, every registered stack containing it and their components,
  FLO-11226-9), with their genetic elements and organisms. Their content is the 2019 BCH registry
  (lmo.csv, via the demo data); GUIDs and document numbers are synthetic (uuid5/hash of the
  record's key), because the scrape does not carry them.

Run it again after the demo data changes; the output is deterministic.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import uuid
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
DEMO = REPO / "src" / "openbch" / "demo" / "data"
OUT = REPO / "src" / "openbch" / "interop" / "payloads"
NAMESPACE = uuid.UUID("6f1c1d1e-8a57-4c52-9b1b-0b5c0c0ffee0")
ROWS = 10

COPIES = {
    "oecd-biotrack": [("ebi-agri-hackathon-2019/biotrack.csv", "biotrack.csv", "text/csv; charset=utf-8")],
    "isaaa": [("ebi-agri-hackathon-2019/isaaa.csv", "isaaa.csv", "text/csv; charset=utf-8")],
    "cfia-pnt": [
        ("cfia-pnt/cfia_pnt_unconfined_release.csv", "cfia_pnt_unconfined_release.csv", "text/csv; charset=utf-8")
    ],
    "euginius": [
        ("redgene-euginius/euginius_primers.tsv", "euginius_primers.tsv", "text/tab-separated-values; charset=utf-8")
    ],
    "eurl-gmff": [
        ("redgene-euginius/crl_amplicons_raw.tsv", "crl_amplicons_raw.tsv", "text/tab-separated-values; charset=utf-8")
    ],
    "us-fda-bnf": [("fda-bnf-consultations/fda_bnf.tsv", "fda_bnf.tsv", "text/tab-separated-values; charset=utf-8")],
    "us-aphis-fr": [
        (
            "aphis-federal-register-notices/aphis_fr_notices.tsv",
            "aphis_fr_notices.tsv",
            "text/tab-separated-values; charset=utf-8",
        )
    ],
    "eu-1829": [
        ("eu-1829-decisions/eu_1829_decisions.tsv", "eu_1829_decisions.tsv", "text/tab-separated-values; charset=utf-8")
    ],
}


def guid(key: str) -> str:
    return str(uuid.uuid5(NAMESPACE, key)).upper()


def document_number(key: str) -> int:
    return 100000 + int(hashlib.sha256(key.encode()).hexdigest()[:6], 16) % 900000


def read(name: str) -> dict[str, dict[str, Any]]:
    out = {}
    for line in (DEMO / name).read_text(encoding="utf-8").splitlines():
        if line.strip():
            record = json.loads(line)
            out[record["key"]] = record
    return out


def copy_files(shared: Path) -> None:
    for folder, files in COPIES.items():
        target = OUT / folder
        target.mkdir(parents=True, exist_ok=True)
        routes = []
        for source, name, content_type in files:
            shutil.copyfile(shared / "data" / source, target / name)
            routes.append({"path": name, "file": name, "content_type": content_type})
        (target / "manifest.json").write_text(json.dumps({"routes": routes}, indent=2) + "\n", encoding="utf-8")


def build_bch() -> None:
    lmos, genes, organisms = read("lmos.jsonl"), read("genetic-elements.jsonl"), read("organisms.jsonl")
    traits = {
        t["id"]: t for t in json.loads((REPO / "src/openbch/vocabularies/data/lmo-traits.json").read_text())["terms"]
    }
    wanted = {"lmo/MON-ØØ81Ø-6", "lmo/FLO-11226-9"}
    for key, record in lmos.items():
        parents = {
            r["key"] for r in record["body"].get("recipientOrganisms", []) if r.get("key", "").startswith("lmo/")
        }
        if "lmo/MON-ØØ81Ø-6" in parents:
            wanted.add(key)
            wanted |= parents
    selected = sorted(k for k in wanted if k in lmos and lmos[k].get("source", {}).get("file", "").endswith("lmo.csv"))
    gene_keys = sorted({g["key"] for k in selected for g in lmos[k]["body"].get("genes", [])})
    organism_keys = sorted(
        {
            r["key"]
            for k in selected
            for r in lmos[k]["body"].get("recipientOrganisms", [])
            if r["key"].startswith("organism/")
        }
    )
    target = OUT / "bch-api"
    if target.exists():
        shutil.rmtree(target)
    (target / "documents").mkdir(parents=True)
    routes: list[dict[str, Any]] = []

    def reference(key: str) -> dict[str, str]:
        return {"identifier": guid(key)}

    def trait_labels(body: dict[str, Any]) -> list[str]:
        labels = []
        for item in body.get("traits", []):
            term = traits.get(item.get("identifier", ""))
            while term is not None:
                if term["label"]["en"] not in labels:
                    labels.append(term["label"]["en"])
                term = traits.get(term.get("broader") or "")
        return labels

    def scientific_names(body: dict[str, Any]) -> list[str]:
        names = []
        for ref in body.get("recipientOrganisms", []):
            if ref["key"].startswith("organism/"):
                names.append(organisms[ref["key"]]["body"]["scientificName"])
            elif ref["key"] in lmos:
                names.extend(scientific_names(lmos[ref["key"]]["body"]))
        return sorted(set(names))

    index: dict[str, list[dict[str, Any]]] = {"modifiedOrganism": [], "dnaSequence": [], "organism": []}
    for key in selected:
        body = lmos[key]["body"]
        identifier, number = guid(key), document_number(key)
        document = {
            "header": {"identifier": identifier, "schema": "modifiedOrganism", "languages": ["en"]},
            "identity": body.get("identity", {}),
            "transformationEvent": body.get("transformationEvent", ""),
            "hasUniqueIdentification": bool(body.get("uniqueIdentification")),
            "uniqueIdentification": body.get("uniqueIdentification", ""),
            "recipientOrganisms": [reference(r["key"]) for r in body.get("recipientOrganisms", [])],
            "genes": [reference(g["key"]) for g in body.get("genes", [])],
        }
        (target / "documents" / f"{identifier}.json").write_text(
            json.dumps(document, ensure_ascii=False, indent=1), encoding="utf-8"
        )
        index["modifiedOrganism"].append(
            {
                "id": f"{number:024x}",
                "identifier_s": identifier,
                "uniqueIdentifier_s": f"bch-lmo-scbd-{number}-1",
                "schema_s": "modifiedOrganism",
                "title_s": f"{body.get('uniqueIdentification', '')} - {body.get('identity', {}).get('en', '')}",
                "uniqueIdentification_s": body.get("uniqueIdentification", ""),
                "transformationEvent_s": body.get("transformationEvent", ""),
                "lmoScientificNames_ss": scientific_names(body),
                "traitsHierarchy_EN_txt": trait_labels(body),
                "updatedDate_dt": "2019-03-06T00:00:00Z",
            }
        )
    for key in gene_keys:
        body = genes[key]["body"]
        identifier, number = guid(key), document_number(key)
        document = {
            "header": {"identifier": identifier, "schema": "dnaSequence", "languages": ["en"]},
            "name": body["name"],
            "abbreviation": {"en": body.get("abbreviation", "")},
            "synonymNames": [{"en": s} for s in body.get("synonymNames", [])],
            "family": {"identifier": body.get("family", {}).get("identifier", "")},
        }
        (target / "documents" / f"{identifier}.json").write_text(
            json.dumps(document, ensure_ascii=False, indent=1), encoding="utf-8"
        )
        index["dnaSequence"].append(
            {
                "id": f"{number:024x}",
                "identifier_s": identifier,
                "uniqueIdentifier_s": f"bch-gene-scbd-{number}-1",
                "schema_s": "dnaSequence",
                "title_s": body["name"]["en"],
                "updatedDate_dt": "2019-03-06T00:00:00Z",
            }
        )
    for key in organism_keys:
        body = organisms[key]["body"]
        identifier, number = guid(key), document_number(key)
        document = {
            "header": {"identifier": identifier, "schema": "organism", "languages": ["en"]},
            "scientificName": body["scientificName"],
            "commonNames": body.get("commonNames", []),
        }
        (target / "documents" / f"{identifier}.json").write_text(
            json.dumps(document, ensure_ascii=False, indent=1), encoding="utf-8"
        )
        index["organism"].append(
            {
                "id": f"{number:024x}",
                "identifier_s": identifier,
                "uniqueIdentifier_s": f"bch-orga-scbd-{number}-1",
                "schema_s": "organism",
                "title_s": body["scientificName"],
                "updatedDate_dt": "2019-03-06T00:00:00Z",
            }
        )
    for schema, docs in build_bch_national(target, lmos).items():
        index[schema] = docs
    for schema, docs in index.items():
        docs.sort(key=lambda d: d["identifier_s"])
        for start in range(0, max(len(docs), 1), ROWS):
            page = {
                "responseHeader": {
                    "status": 0,
                    "QTime": 2,
                    "params": {
                        "q": "*:*",
                        "fq": ["_state_s:public", "realm_ss:bch", f"schema_s:{schema}"],
                        "sort": "identifier_s asc",
                        "start": str(start),
                        "rows": str(ROWS),
                        "wt": "json",
                    },
                },
                "response": {"numFound": len(docs), "start": start, "docs": docs[start : start + ROWS]},
            }
            name = f"index-{schema}-{start}.json"
            (target / name).write_text(json.dumps(page, ensure_ascii=False, indent=1), encoding="utf-8")
            routes.append(
                {
                    "path": "api/v2013/index/select",
                    "params": {"fq": f"schema_s:{schema}", "start": str(start)},
                    "file": name,
                    "content_type": "application/json; charset=utf-8",
                }
            )
    for path in sorted((target / "documents").iterdir()):
        routes.append(
            {
                "path": f"api/v2013/documents/{path.stem}",
                "file": f"documents/{path.name}",
                "content_type": "application/json; charset=utf-8",
            }
        )
    (target / "manifest.json").write_text(json.dumps({"routes": routes}, indent=1) + "\n", encoding="utf-8")
    print(
        f"bch-api: {len(selected)} LMOs, {len(gene_keys)} genetic elements, {len(organism_keys)} organisms, "
        f"{len(DECISIONS)} decisions, {len(AUTHORITIES)} authorities"
    )


#: Country decisions and their authorities in the BCH's document shape (the field list of
#: ../shared/data/bch-schema-thesaurus-reference), with the facts of real BCH decision records
#: (../shared/data/eu-1829-decisions: BCH-DEC-EU-101792-2, BCH-DEC-EU-100922-2) and of Canada's
#: CFIA decision DD97-19 (the demo data). Only known facts are filled: no decision result, phone or
#: e-mail is invented. GUIDs are synthetic (uuid5 of the key); the EU document numbers are the
#: real records', Canada's is synthetic.
AUTHORITIES = {
    "cna/eu/dg-sante": {
        "government": {"identifier": "eu"},
        "name": {"en": "European Commission"},
        "city": {"en": "Brussels"},
        "country": {"identifier": "be"},
    },
    "cna/ca/cfia": {
        "government": {"identifier": "ca"},
        "name": {"en": "Canadian Food Inspection Agency", "fr": "Agence canadienne d'inspection des aliments"},
        "city": {"en": "Ottawa"},
        "country": {"identifier": "ca"},
    },
}
DECISIONS: dict[str, dict[str, Any]] = {
    "dec/eu/98-294-ec": {
        "number": 101792,
        "revision": 2,
        "authority": "cna/eu/dg-sante",
        "lmo": "lmo/MON-ØØ81Ø-6",
        "types": ["E8C5A15C-A736-4fb7-A1B6-192412BE7E45", "BE64016A-C3BD-4C61-9620-C3FEF96B2A24"],
        "title": "Commission Decision 98/294/EC of 22 April 1998 concerning the placing on the market of "
        "genetically modified maize (Zea mays L. line MON 810), pursuant to Council Directive 90/220/EEC",
        "date": "1998-04-22",
        "information": "Authorisation (food and feed uses, including cultivation).",
    },
    "dec/eu/2009-814-ec": {
        "number": 100922,
        "revision": 2,
        "authority": "cna/eu/dg-sante",
        "lmo": "lmo/MON-88Ø17-3",
        "types": ["BE64016A-C3BD-4C61-9620-C3FEF96B2A24"],
        "title": "Commission Decision 2009/814/EC of 30 October 2009 authorising the placing on the market of "
        "products containing, consisting of, or produced from genetically modified maize MON 88017 "
        "(MON-88Ø17-3) pursuant to Regulation (EC) No 1829/2003",
        "date": "2009-10-30",
        "information": "Authorisation.",
    },
    "dec/ca/mon810/env": {
        "number": 0,
        "revision": 1,
        "authority": "cna/ca/cfia",
        "lmo": "lmo/MON-ØØ81Ø-6",
        "types": ["E8C5A15C-A736-4fb7-A1B6-192412BE7E45"],
        "title": "Decision Document DD97-19: MON810 (corn), unconfined environmental release in Canada",
        "date": "1997-01-22",
        "information": "Applicant: Monsanto Canada Inc. Trait as published by the CFIA: European Corn Borer resistance.",
    },
}


def build_bch_national(target: Path, lmos: dict[str, dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    """Write the recorded ``authority`` and ``biosafetyDecision`` documents; their index entries."""
    index: dict[str, list[dict[str, Any]]] = {"authority": [], "biosafetyDecision": []}
    for key, fields in AUTHORITIES.items():
        identifier, number = guid(key), document_number(key)
        government = fields["government"]["identifier"]
        document = {"header": {"identifier": identifier, "schema": "authority", "languages": ["en"]}, **fields}
        (target / "documents" / f"{identifier}.json").write_text(
            json.dumps(document, ensure_ascii=False, indent=1), encoding="utf-8"
        )
        index["authority"].append(
            {
                "id": f"{number:024x}",
                "identifier_s": identifier,
                "uniqueIdentifier_s": f"bch-cna-{government}-{number}-1",
                "schema_s": "authority",
                "government_s": government,
                "title_s": fields["name"]["en"],
                "updatedDate_dt": "2026-06-17T00:00:00Z",
            }
        )
    for key, facts in DECISIONS.items():
        assert facts["lmo"] in lmos, facts["lmo"]
        identifier = guid(key)
        number = facts["number"] or document_number(key)
        government = key.split("/")[1]
        document = {
            "header": {"identifier": identifier, "schema": "biosafetyDecision", "languages": ["en"]},
            "government": {"identifier": government},
            "authorities": [{"identifier": guid(facts["authority"])}],
            "title": {"en": facts["title"]},
            "date": facts["date"],
            "isAmendment": False,
            "decisionTypes": [{"identifier": t} for t in facts["types"]],
            "modifiedOrganisms": [{"identifier": guid(facts["lmo"])}],
            "relevantInformation": {"en": facts["information"]},
            "expires": False,
        }
        (target / "documents" / f"{identifier}.json").write_text(
            json.dumps(document, ensure_ascii=False, indent=1), encoding="utf-8"
        )
        index["biosafetyDecision"].append(
            {
                "id": f"{number:024x}",
                "identifier_s": identifier,
                "uniqueIdentifier_s": f"bch-dec-{government}-{number}-{facts['revision']}",
                "schema_s": "biosafetyDecision",
                "government_s": government,
                "title_s": facts["title"],
                "updatedDate_dt": "2026-06-17T00:00:00Z",
            }
        )
    return index


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=REPO.parent / "shared")
    args = parser.parse_args()
    copy_files(args.shared)
    build_bch()


if __name__ == "__main__":
    main()
