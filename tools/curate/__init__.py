"""Curate openbch's demo data from the public datasets in ``../shared/data``.

Run from the repository root::

    .venv/bin/python -m tools.curate [--shared ../shared] [--out DIR] [--exclude-lmos-without-genes]

(``tools/curate_demo_data.py`` does the same.) The product never reads ``shared/`` at run time:
this dev-time package reads the upstream files, cleans and links them, and writes the load files
of ``src/openbch/demo/data/`` (format: ``docs/record-format.md`` §4, record types §5) plus
``CURATION_REPORT.md``, which lists every upstream row that did not become a record and every
identifier spelling that was corrected. ``ATTRIBUTION.md`` beside the output is written by hand
and left alone.

The output is deterministic (records sorted by key, JSON keys sorted, ``ensure_ascii=False``,
``\\n`` line endings), so re-running over unchanged inputs gives identical bytes; a test re-runs
it and compares with the committed files.

Modules, in the order :func:`tools.curate.pipeline.curate` runs them:

* ``sources`` reads the upstream files, ``vocabularies`` the product's term lists;
* ``identifiers`` resolves LMO identifiers and event names (the BCH registry's spellings,
  corrections); ``lmo_sources`` gathers what lmo.csv (BCH), ISAAA, BioTrack and CFIA say about
  each LMO;
* ``organisms``, ``elements``, ``detection`` (EUginius/EURL methods, linked to LMOs, elements,
  organisms) and ``lmos`` write the shared records;
* jurisdiction steps (``steps`` is their interface; ``canada``: CFIA and Health Canada
  authorities and decisions) add what each country decided;
* ``without_genes`` (optional exclusion), ``report`` and ``output`` write the files.

``tables`` holds the hand-made tables, ``common`` the small helpers, the record envelope and the
report's collector. Identifiers, event names, method-code crops, event-name synonyms and table
reading come from the product (``openbch.identifiers.oecd``, ``openbch.interop``) so that the demo
data compares and links exactly as the product does.
"""

from __future__ import annotations

from .pipeline import STEPS, curate

__all__ = ["STEPS", "curate"]
