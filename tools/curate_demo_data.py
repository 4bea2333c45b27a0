"""Kept for the references to it: the curation is the package ``tools/curate`` (``python -m tools.curate``)."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tools.curate.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
