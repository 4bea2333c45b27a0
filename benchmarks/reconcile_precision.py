"""Reconciliation of ISAAA and BioTrack against the BCH registry: verdict counts, precision, recall.

Usage: python benchmarks/reconcile_precision.py [--truth benchmarks/data/reconcile_truth.csv]

Harvests the bundled ISAAA and OECD BioTrack tables into a fresh database loaded with the demo
registry, reconciles, and prints the items per verdict for each source. Then it compares the
resolver with ``benchmarks/data/reconcile_truth.csv``: external items and the LMO each one is
(registered identifier) or ``none``, decided by reading the data, not by running the resolver.

* a *prediction* is an item the resolver names a record for (matched, matched with warning,
  conflicting); ambiguous items name no record (the candidates go to a curator);
* precision = correct predictions / predictions; recall = correct predictions / truth items
  whose expected answer is an LMO; "none" items predicted as something count against precision.
"""

from __future__ import annotations

import argparse
import csv
import os
import sys
import tempfile
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SOURCES = ("isaaa", "oecd-biotrack")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--truth", type=Path, default=ROOT / "benchmarks" / "data" / "reconcile_truth.csv")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    os.environ["OPENBCH_DATA_DIR"] = tempfile.mkdtemp(prefix="openbch-bench-reconcile-")
    os.environ.pop("OPENBCH_DATABASE_URL", None)
    import openbch.settings as product

    settings_module = (
        "openbch.settings" if "openbch.interop" in product.INSTALLED_APPS else "tests.interop.settings_interop"
    )
    os.environ["DJANGO_SETTINGS_MODULE"] = settings_module
    import django

    django.setup()
    from django.core.management import call_command

    from openbch.cli import demo_data_files
    from openbch.core.actors import SYSTEM
    from openbch.identifiers.oecd import compact_key
    from openbch.interop.models import ExternalItem
    from openbch.interop.services import harvest, reconcile
    from openbch.records.load import load_files
    from openbch.records.models import Record

    call_command("migrate", verbosity=0)
    load_files(SYSTEM, demo_data_files())
    for source in SOURCES:
        run = harvest(SYSTEM, source)
        assert run.status == "succeeded", run.errors
    reconcile(SYSTEM, sources=list(SOURCES))

    print("items per verdict (subject lmo):")
    for source in SOURCES:
        counts = Counter(ExternalItem.objects.filter(source=source, subject="lmo").values_list("verdict", flat=True))
        total = sum(counts.values())
        print(f"  {source:<14} {total:>4}: " + ", ".join(f"{v} {n}" for v, n in sorted(counts.items())))

    with args.truth.open(encoding="utf-8", newline="") as handle:
        truth = list(csv.DictReader(handle))
    predictions = correct = expected_lmos = 0
    confusion: Counter[tuple[str, str]] = Counter()
    mistakes = []
    for row in truth:
        item = ExternalItem.objects.filter(source=row["source"], external_id=row["external_id"]).first()
        if item is None:
            raise SystemExit(f"truth row not harvested: {row['source']} {row['external_id']!r}")
        expected = row["expected"]
        got = next((c["unique_identifier"] for c in item.candidates if c["identifier"] == item.record_identifier), "")
        predicted = bool(item.record_identifier)
        if expected.startswith("key:"):  # an LMO registered without unique identifier: its load key
            record = Record.objects.filter(identifier=item.record_identifier).first()
            got = f"key:{record.source_key}" if record else got
            right = predicted and got == expected
        else:
            right = compact_key(got) == compact_key(expected) if predicted and expected != "none" else False
        if expected != "none":
            expected_lmos += 1
        if predicted:
            predictions += 1
            correct += right
        outcome = "correct" if right else ("none, correctly" if not predicted and expected == "none" else "wrong")
        confusion[(str(item.verdict), outcome)] += 1
        if outcome == "wrong":
            mistakes.append((row["source"], row["external_id"], expected, got or f"({item.verdict})"))
    precision = correct / predictions if predictions else 0.0
    recall = correct / expected_lmos if expected_lmos else 0.0
    print(f"\ntruth: {len(truth)} items ({expected_lmos} with an LMO, {len(truth) - expected_lmos} none)")
    print("verdict × outcome: " + ", ".join(f"{v}/{o} {n}" for (v, o), n in sorted(confusion.items())))
    print(f"precision {precision:.3f} ({correct}/{predictions}), recall {recall:.3f} ({correct}/{expected_lmos})")
    for source, external_id, expected, got in mistakes:
        print(f"  miss: {source} {external_id!r}: expected {expected}, got {got}")


if __name__ == "__main__":
    main()
