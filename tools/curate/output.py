"""The load files of the demo data (``docs/record-format.md`` §4), the manifest and the report.

Deterministic: records sorted by key, JSON keys sorted, ``ensure_ascii=False``, ``\\n`` endings.
"""

from __future__ import annotations

import json
from pathlib import Path

from .common import Record

#: the shared output files, in load order (docs/record-format.md §4: manifest.json lists them);
#: files a jurisdiction step adds load after the decisions (``pipeline.output_files``)
OUTPUT_FILES = (
    "organisms.jsonl",
    "genetic-elements.jsonl",
    "lmos.jsonl",
    "authorities.jsonl",
    "decisions.jsonl",
    "detection-methods.jsonl",
)
REPORT_FILE = "CURATION_REPORT.md"
ATTRIBUTION_FILE = "ATTRIBUTION.md"


def write_outputs(
    out: Path, records: dict[str, list[Record]], report_text: str, documents: dict[str, str] | None = None
) -> None:
    """``records``: by output file, in load order (the manifest lists them in that order);
    ``documents``: further files by name, written as they are."""
    out.mkdir(parents=True, exist_ok=True)
    for name in records:
        lines = [record.line() for record in sorted(records[name], key=lambda r: r.key)]
        (out / name).write_text("\n".join(lines) + "\n", encoding="utf-8", newline="\n")
    manifest = {"files": list(records), "attribution": ATTRIBUTION_FILE}
    (out / "manifest.json").write_text(
        json.dumps(manifest, ensure_ascii=False, indent=2) + "\n", encoding="utf-8", newline="\n"
    )
    (out / REPORT_FILE).write_text(report_text + "\n", encoding="utf-8", newline="\n")
    for name, text in (documents or {}).items():
        (out / name).write_text(text, encoding="utf-8", newline="\n")
