"""EU decisions for the demo data: Commission decisions under Regulation (EC) No 1829/2003.

Reads the product's source ``eu-1829`` (a bundled copy of ``shared/data/eu-1829-decisions``)
through its connector and makes DEC records owned by the EU with :mod:`openbch.interop.decisions`
(renewals and amendments linked to the earlier decision when it is held), and the European
Commission's CNA record. Run (writes the US and EU files together)::

    .venv/bin/python -m tools.curate.eu [--out DIR]
"""

from __future__ import annotations

from typing import Any

from openbch.interop.decisions import LmoLookup

from .common import Record
from .decision_sources import Row, Source, curate_jurisdiction

SOURCES = (Source("eu-1829", "eu-1829-decisions/eu_1829_decisions.tsv", "EU Commission decisions (Reg. 1829/2003)"),)
AUTHORITY_KEYS = {"European Commission": "cna/eu/european-commission"}
AUTHORITIES: dict[str, dict[str, Any]] = {
    "cna/eu/european-commission": {
        "name": {"en": "European Commission", "fr": "Commission européenne", "es": "Comisión Europea"},
        "city": {"en": "Brussels", "fr": "Bruxelles", "es": "Bruselas"},
        "websites": [{"url": "https://commission.europa.eu", "name": "European Commission"}],
        "responsibilities": {
            "en": "Authorisation of genetically modified food and feed under Regulation (EC) No 1829/2003, "
            "on the European Food Safety Authority's opinion, by Commission (implementing) decision."
        },
        "functions": [{"identifier": "food-feed-processing"}],
    },
}


def curate_eu(lmos: LmoLookup) -> tuple[list[Record], list[Record], list[Row]]:
    """(authority records, decision records, report rows) of the EU."""
    return curate_jurisdiction("EU", SOURCES, AUTHORITIES, AUTHORITY_KEYS, lmos)


def main(argv: list[str] | None = None) -> int:
    from .decision_sources import main as run

    return run(argv)


if __name__ == "__main__":
    raise SystemExit(main())
