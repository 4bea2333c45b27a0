"""US decisions for the demo data: FDA biotechnology consultations and USDA APHIS determinations.

Reads the product's sources ``us-fda-bnf`` and ``us-aphis-fr`` (bundled copies of
``shared/data/fda-bnf-consultations`` and ``aphis-federal-register-notices``) through their
connector and makes DEC records owned by the US with :mod:`openbch.interop.decisions`, and the CNA
records of the FDA and APHIS. Run (writes the US and EU files together)::

    .venv/bin/python -m tools.curate.us [--out DIR]
"""

from __future__ import annotations

from typing import Any

from openbch.interop.decisions import LmoLookup

from .common import Record
from .decision_sources import Row, Source, curate_jurisdiction

SOURCES = (
    Source("us-fda-bnf", "fda-bnf-consultations/fda_bnf.tsv", "US FDA biotechnology consultations"),
    Source("us-aphis-fr", "aphis-federal-register-notices/aphis_fr_notices.tsv", "USDA APHIS Federal Register notices"),
)
#: the connector's authority name → CNA record key
AUTHORITY_KEYS = {"FDA": "cna/us/fda", "USDA APHIS": "cna/us/usda-aphis"}
AUTHORITIES: dict[str, dict[str, Any]] = {
    "cna/us/fda": {
        "name": {"en": "U.S. Food and Drug Administration"},
        "acronym": "FDA",
        "city": {"en": "Silver Spring, Maryland"},
        "websites": [{"url": "https://www.fda.gov", "name": "FDA"}],
        "responsibilities": {
            "en": "Safety of food and animal food, including food from genetically engineered plants "
            "(voluntary biotechnology consultations)."
        },
        "functions": [{"identifier": "food-feed-processing"}],
    },
    "cna/us/usda-aphis": {
        "name": {"en": "U.S. Department of Agriculture, Animal and Plant Health Inspection Service"},
        "acronym": "USDA APHIS",
        "city": {"en": "Riverdale, Maryland"},
        "websites": [{"url": "https://www.aphis.usda.gov", "name": "APHIS"}],
        "responsibilities": {
            "en": "Regulation of organisms developed using genetic engineering that may pose a plant pest "
            "risk (7 CFR part 340): permits, notifications and petitions for nonregulated status."
        },
        "functions": [{"identifier": "intentional-introduction"}],
        "cpbOrganismTypes": [{"identifier": "plants"}],
    },
}


def curate_us(lmos: LmoLookup) -> tuple[list[Record], list[Record], list[Row]]:
    """(authority records, decision records, report rows) of the US."""
    return curate_jurisdiction("US", SOURCES, AUTHORITIES, AUTHORITY_KEYS, lmos)


def main(argv: list[str] | None = None) -> int:
    from .decision_sources import main as run

    return run(argv)


if __name__ == "__main__":
    raise SystemExit(main())
