"""Stage 1: the upstream files of ``shared/data``, read as rows numbered by their line in the file.

Tables with a header row and one line per row are read by the product's connector reader
(:func:`openbch.interop.connectors.generic.read_table`). Two kinds are read here instead: the three
hackathon CSVs, which have no header and are addressed by column position, and the EUginius primer
table, whose descriptions span several lines: ``read_table`` numbers rows by record, and the
``source.row`` of each record must be the physical line a reader opens the file at.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from openbch.interop.connectors.generic import read_table

# Upstream files, relative to shared/data.
LMO_CSV = "ebi-agri-hackathon-2019/lmo.csv"
ISAAA_CSV = "ebi-agri-hackathon-2019/isaaa.csv"
BIOTRACK_CSV = "ebi-agri-hackathon-2019/biotrack.csv"
CFIA_CSV = "cfia-pnt/cfia_pnt_unconfined_release.csv"
PRIMERS_TSV = "redgene-euginius/euginius_primers.tsv"
ELEMENTS_TSV = "redgene-euginius/element_summary.tsv"
CRL_TSV = "redgene-euginius/crl_amplicons_raw.tsv"


def read_delimited(path: Path, delimiter: str, header: bool) -> Iterator[tuple[int, list[str]]]:
    """Rows of a CSV/TSV with the physical line number on which each row starts (1-based)."""
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle, delimiter=delimiter)
        start = 1
        first = True
        for row in reader:
            line = start
            start = reader.line_num + 1
            if first and header:
                first = False
                continue
            first = False
            yield line, row


def read_multiline_dicts(path: Path, delimiter: str) -> list[tuple[int, dict[str, str]]]:
    """Rows of a table with a header row whose cells may span lines, by physical line number."""
    rows = list(read_delimited(path, delimiter, header=False))
    names = rows[0][1]
    return [(line, dict(zip(names, values, strict=True))) for line, values in rows[1:]]


def read_dicts(path: Path, delimiter: str) -> list[tuple[int, dict[str, str]]]:
    """Rows of a one-line-per-row table with a header row, as the product's connectors read it."""
    return [(line, dict(row)) for line, row in read_table(path.read_bytes(), {"delimiter": delimiter})]


@dataclass
class Sources:
    lmo: list[tuple[int, list[str]]]
    isaaa: list[tuple[int, list[str]]]
    biotrack: list[tuple[int, list[str]]]
    cfia: list[tuple[int, dict[str, str]]]
    primers: list[tuple[int, dict[str, str]]]
    elements: list[tuple[int, dict[str, str]]]
    crl: list[tuple[int, dict[str, str]]]


def read_sources(data: Path) -> Sources:
    """Every upstream file under ``shared/data`` (the three hackathon CSVs have no header row)."""
    return Sources(
        lmo=list(read_delimited(data / LMO_CSV, ",", header=False)),
        isaaa=list(read_delimited(data / ISAAA_CSV, ",", header=False)),
        biotrack=list(read_delimited(data / BIOTRACK_CSV, ",", header=False)),
        cfia=read_dicts(data / CFIA_CSV, ","),
        primers=read_multiline_dicts(data / PRIMERS_TSV, "\t"),
        elements=read_dicts(data / ELEMENTS_TSV, "\t"),
        crl=read_dicts(data / CRL_TSV, "\t"),
    )
