"""The floor for search latency: the API's queries straight against tantivy, in process.

Usage: python benchmarks/search_floor.py [--data-dir DIR] [--iterations 300] [--rebuild] [--json]
       [--common WORD] [--rare WORD] [--uid UID]

On whatever the database holds (``OPENBCH_DATA_DIR`` / ``OPENBCH_DATABASE_URL`` as for the server),
for three queries — a common word, a rare word and an OECD unique identifier (picked from the data
unless given) — it times one search page's work as tantivy does it: the relevance-ranked top 20, the
exact count and two facets (``type`` and ``country``, terms aggregations). It also times the same
page through the search service in process (index freshness check, rendering, labels), without
HTTP. Prints p50/p99 in milliseconds; a later benchmark compares the HTTP API against these.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


def _setup(data_dir: str | None) -> None:
    if data_dir:
        os.environ["OPENBCH_DATA_DIR"] = str(Path(data_dir).resolve())
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "openbch.settings")
    sys.path.insert(0, str(ROOT / "src"))
    import django

    django.setup()


def _pick_words() -> tuple[str, str]:
    """The most frequent title word, and the least frequent one (both 4+ letters)."""
    from openbch.records.models import Record, RecordState

    counts: Counter[str] = Counter()
    for title in Record.objects.filter(state=RecordState.PUBLISHED).values_list("title", flat=True).iterator():
        counts.update({w for w in re.findall(r"[^\W\d_]{4,}", title.lower())})
    if not counts:
        raise SystemExit("the database holds no published records: load some first (openbch load --demo)")
    common = counts.most_common(1)[0][0]
    rare = min(counts.items(), key=lambda item: (item[1], item[0]))[0]  # the least frequent
    return common, rare


def _pick_uid() -> str:
    from openbch.records.models import Record, RecordState
    from openbch.records.queries import latest_revisions

    lmo = Record.objects.filter(type="LMO", state=RecordState.PUBLISHED, keys__kind="oecd").order_by("number").first()
    if lmo is None:
        return "MON-ØØ81Ø-6"
    body = latest_revisions([lmo])[0].body
    return str(body.get("uniqueIdentification") or "MON-ØØ81Ø-6")


def _time(work: Callable[[], Any], iterations: int) -> dict[str, float]:
    for _ in range(min(20, iterations)):  # warm caches (page cache, tantivy readers, Django)
        work()
    samples = []
    for _ in range(iterations):
        start = time.perf_counter()
        work()
        samples.append((time.perf_counter() - start) * 1000)
    samples.sort()
    return {
        "p50": statistics.median(samples),
        "p99": samples[min(len(samples) - 1, int(len(samples) * 0.99))],
        "mean": statistics.fmean(samples),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", help="data folder (default: OPENBCH_DATA_DIR or ./openbch-data)")
    parser.add_argument("--iterations", type=int, default=300)
    parser.add_argument("--rebuild", action="store_true", help="rebuild the index first")
    parser.add_argument("--common", help="a common word (default: the most frequent title word)")
    parser.add_argument("--rare", help="a rare word (default: the least frequent title word)")
    parser.add_argument("--uid", help="an OECD unique identifier (default: the first LMO's)")
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    args = parser.parse_args()
    _setup(args.data_dir)

    import tantivy

    from openbch.search.index import open_searcher, rebuild
    from openbch.search.live import ensure_current
    from openbch.search.query import SearchQuery, text_query
    from openbch.search.service import _combine, count, run_search

    if args.rebuild:
        started = time.perf_counter()
        records = rebuild()
        print(f"rebuilt: {records} records in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    ensure_current()
    index, searcher, _ = open_searcher()
    schema = index.schema
    common, rare = _pick_words()
    queries = {"common word": args.common or common, "rare word": args.rare or rare, "uid": args.uid or _pick_uid()}
    facets = {
        "type": {"terms": {"field": "facets.type", "size": 64}},
        "country": {"terms": {"field": "facets.country", "size": 300}},
    }

    results: list[dict[str, Any]] = []
    for label, text in queries.items():
        hits = 0

        def tantivy_page(text: str = text) -> None:
            nonlocal hits
            query = _combine(text_query(schema, searcher, text).query, [])
            searcher.search(query, 20, count=False)
            hits = count(searcher, query)
            searcher.aggregate(query, facets)

        def service_page(text: str = text) -> None:
            run_search(SearchQuery(text=text, sort="relevance", limit=20, facets=("type", "country")), "en")

        for layer, work in (("tantivy", tantivy_page), ("service", service_page)):
            figures = _time(work, args.iterations)
            results.append({"query": label, "text": text, "layer": layer, "hits": hits, **figures})

    meta = {"documents": searcher.num_docs, "iterations": args.iterations, "tantivy": tantivy.__version__}
    if args.json:
        print(json.dumps({**meta, "results": results}, ensure_ascii=False, indent=2))
        return
    print(f"{meta['documents']} documents, {args.iterations} iterations; top 20 + exact count + 2 facets")
    print(f"{'query':<12} {'text':<24} {'layer':<8} {'hits':>7} {'p50 ms':>8} {'p99 ms':>8}")
    for row in results:
        print(
            f"{row['query']:<12} {row['text'][:24]:<24} {row['layer']:<8} {row['hits']:>7} "
            f"{row['p50']:>8.3f} {row['p99']:>8.3f}"
        )


if __name__ == "__main__":
    main()
