"""The command line of the curation: ``python -m tools.curate --help``."""

from __future__ import annotations

import argparse
from pathlib import Path

from . import __doc__ as PACKAGE_DOC
from .pipeline import curate

REPO = Path(__file__).resolve().parents[2]
DEFAULT_SHARED = REPO.parent / "shared"
DEFAULT_OUT = REPO / "src" / "openbch" / "demo" / "data"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(PACKAGE_DOC or "").split("\n")[0])
    parser.add_argument(
        "--shared",
        type=Path,
        default=DEFAULT_SHARED,
        help="the shared folder holding data/ (default: ../shared beside the repository)",
    )
    parser.add_argument(
        "--out", type=Path, default=DEFAULT_OUT, help="output folder (default: the package's demo data)"
    )
    parser.add_argument(
        "--exclude-lmos-without-genes",
        action="store_true",
        help="leave out the LMOs that no source gives genetic elements for (and the decisions naming only them)",
    )
    args = parser.parse_args(argv)
    records = curate(args.shared.resolve(), args.out, include_lmos_without_genes=not args.exclude_lmos_without_genes)
    for name in records:
        print(f"{name}: {len(records[name])}")
    return 0
