"""The curation, stage by stage (:func:`curate`), and the list of jurisdiction steps (:data:`STEPS`).

How to add a source of national decisions (e.g. ``us.py`` for FDA and APHIS), see :mod:`.steps`:

1. in ``tools/curate/<name>.py`` write ``curate_<name>(world: CuratedWorld, report: Report) ->
   StepOutput``: read your files under ``world.data`` (``shared/data``), link each decision to
   LMO records with ``world.lmo_for_identifier(…)`` / ``world.lmos_for_event_name(…)`` or your own
   lookup over ``world.lmos`` (only those keys exist), and return your records by output file
   (``StepOutput({"authorities.jsonl": [...], "decisions.jsonl": [...]}, sections=[...])``);
   every upstream row that makes no record goes in your report section or ``report.skip(…)``;
2. optionally ``summarise_<name>(records: Records) -> list[str]``: your line(s) for the report's
   Records section ("US decisions: 12 — …"), computed from the records you are given;
3. add ``JurisdictionStep("<Name>", curate_<name>, summarise_<name>)`` to :data:`STEPS` below
   (with ``files=("decisions-us.jsonl",)`` if you write files of your own rather than the shared
   ``authorities.jsonl`` / ``decisions.jsonl``; a report of your own goes in ``StepOutput.documents``).

Keys must be unique across all steps (``dec/us/…``, ``cna/us/…``): a duplicate stops the run. A
DEC record must carry ``modifiedOrganisms`` (references) and ``relevantInformation.en``:
``--exclude-lmos-without-genes`` edits both. Steps cannot add LMOs: the shared stages decide which
LMOs exist (the BCH registry, stacks, CFIA rows, detection-method targets).
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from .canada import curate_canada, summarise_canada
from .common import Report
from .decision_sources import FILES as US_EU_FILES
from .decision_sources import curate_us_eu, summarise_us_eu
from .detection import curate_detection_methods, link_methods, report_crl
from .elements import curate_elements, element_index
from .lmo_sources import gather_lmos
from .lmos import curate_lmos, report_unused_cross_references
from .organisms import collect_organisms, curate_organisms
from .output import ATTRIBUTION_FILE, OUTPUT_FILES, REPORT_FILE, write_outputs
from .report import render_report
from .sources import read_sources
from .steps import CuratedWorld, JurisdictionStep, Records
from .vocabularies import VOCABULARY_DIR, read_vocabularies
from .without_genes import drop_lmos_without_genes

#: the jurisdictions' curation steps, run in this order after the shared records
STEPS: list[JurisdictionStep] = [
    JurisdictionStep("Canada", curate_canada, summarise_canada),
    # tools/curate/us.py and eu.py, one step: they share the authorities file and their report
    JurisdictionStep("US and EU", curate_us_eu, summarise_us_eu, files=US_EU_FILES),
]


def output_files(steps: list[JurisdictionStep]) -> list[str]:
    """The output files in load order: the shared ones, the steps' own before the detection methods."""
    own = [name for step in steps for name in step.files]
    shared = [name for name in OUTPUT_FILES if name != "detection-methods.jsonl"]
    return [*shared, *own, "detection-methods.jsonl"]


def curate(
    shared: Path,
    out: Path,
    vocabulary_dir: Path = VOCABULARY_DIR,
    *,
    include_lmos_without_genes: bool = True,
) -> Records:
    """Run every stage, write the files into ``out``; returns the records by output file, in load order."""
    report = Report()
    sources = read_sources(shared / "data")
    vocabularies = read_vocabularies(vocabulary_dir)
    elements = element_index()
    world = gather_lmos(sources, vocabularies, elements, report)
    organisms = collect_organisms(sources)
    links = link_methods(sources, world, elements, organisms)

    needed = set(world.bch)
    for identity in world.bch:
        needed.update(world.data[identity].components)
    for identities in world.cfia_rows.values():
        needed.update(identities)
    for found in links.values():
        needed.update(found.lmos)
    for identity in list(needed):
        needed.update(world.data[identity].components)

    lmos = curate_lmos(world, needed, elements, vocabularies, report)
    methods = curate_detection_methods(sources, links, world, elements, report)
    # last of the shared records: every stage above marks the elements it uses
    genes = curate_elements(sources, elements, vocabularies, report)
    orgas = curate_organisms(organisms)
    records: Records = {name: [] for name in output_files(STEPS)}
    records["organisms.jsonl"] = orgas
    records["genetic-elements.jsonl"] = genes
    records["lmos.jsonl"] = lmos
    records["detection-methods.jsonl"] = methods

    curated = CuratedWorld(
        data=shared / "data",
        lmos={r.key: r for r in lmos},
        organisms={r.key: r for r in orgas},
        sources=sources,
        lmo_world=world,
    )
    produced: list[tuple[JurisdictionStep, set[str]]] = []
    sections: list[str] = []
    documents: dict[str, str] = {}
    for step in STEPS:
        output = step.curate(curated, report)
        unknown = sorted(set(output.records) - set(OUTPUT_FILES) - set(step.files))
        if unknown:
            raise ValueError(f"step {step.name}: {unknown} is neither a shared output file nor in its files")
        for name, items in output.records.items():
            records[name].extend(items)
        produced.append((step, {r.key for items in output.records.values() for r in items}))
        sections.extend(output.sections)
        taken = sorted(set(output.documents) & {*records, *documents, REPORT_FILE, ATTRIBUTION_FILE, "manifest.json"})
        if taken:
            raise ValueError(f"step {step.name}: documents {taken} would overwrite another file")
        documents.update(output.documents)

    if not include_lmos_without_genes:
        drop_lmos_without_genes(records, report)
    report_crl(sources, methods, report)
    report_unused_cross_references(world, needed, report)
    keys = Counter(r.key for rs in records.values() for r in rs)
    duplicates = [k for k, n in keys.items() if n > 1]
    if duplicates:
        raise ValueError(f"duplicate keys: {duplicates[:5]}")
    summaries = [
        line
        for step, step_keys in produced
        for line in step.summarise({name: [r for r in rs if r.key in step_keys] for name, rs in records.items()})
    ]
    write_outputs(out, records, render_report(records, links, summaries, sections, report), documents)
    return records
