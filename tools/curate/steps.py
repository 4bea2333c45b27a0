"""The interface between the shared curation and the jurisdictions' curation steps.

The shared stages curate what every jurisdiction links to: organisms, genetic elements, LMOs and
detection methods. A jurisdiction step (Canada: :mod:`tools.curate.canada`) then reads its own
sources and returns its records (authorities, decisions…) by output file and its report sections;
:mod:`.pipeline` lists the steps (``STEPS``) and merges what they return.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from .common import Record, Report
from .lmo_sources import LmoWorld
from .sources import Sources

#: records by output file name, in load order
Records = dict[str, list[Record]]


@dataclass(frozen=True)
class CuratedWorld:
    """What the shared stages produced, handed to every jurisdiction step. Do not modify it."""

    #: ``shared/data``: a step reads its own upstream files from here
    data: Path
    #: LMO records by key (``lmo/MON-ØØ81Ø-6``): a decision's ``modifiedOrganisms`` must name these
    lmos: Mapping[str, Record]
    #: ORGA records by key (``organism/zea-mays``)
    organisms: Mapping[str, Record]
    #: the upstream files the shared stages read (Canada's decisions use its CFIA rows)
    sources: Sources
    #: the identities, spellings and event names behind the LMO records
    lmo_world: LmoWorld

    def lmo_for_identifier(self, spelling: str, report: Report, where: str) -> Record | None:
        """The LMO record of an OECD unique identifier (or stack) however it is spelt, or None.

        Resolution is the BCH registry's (compact key; a check digit that differs from the one
        registered identifier with the same first eight characters is corrected). Corrections
        go to ``report`` with ``where`` (``"<file> row <n>"`` lets the report group rows), and so
        does the canonical spelling of an identifier the registry does not hold.
        """
        resolved = self.lmo_world.registry.resolve(spelling, report, where)
        item = self.lmo_world.data.get(resolved[0]) if resolved else None
        return self.lmos.get(item.key) if item else None

    def lmos_for_event_name(self, name: str, crop: str | None = None) -> list[Record]:
        """The LMO records an event name (``MON810``, ``Bt11 maize``) stands for, sorted by key.

        ``crop`` (a scientific name, ``Zea mays``) chooses among LMOs of several crops sharing a
        name. More than one record means the name is ambiguous: link none, report it.
        """
        identities, _how = self.lmo_world.events.lookup(name, crop, self.lmo_world.single_codes())
        keys = sorted(self.lmo_world.data[i].key for i in identities)
        return [self.lmos[key] for key in keys if key in self.lmos]


@dataclass
class StepOutput:
    """What a jurisdiction step returns."""

    #: records by output file: the shared files (``authorities.jsonl``, ``decisions.jsonl``…) or
    #: the step's own ``JurisdictionStep.files``
    records: Records
    #: its own sections of CURATION_REPORT.md, appended at the end in step order: Markdown lines,
    #: starting with a ``## …`` heading and ending with an empty line ("" after the last line)
    sections: list[str] = field(default_factory=list)
    #: other files it writes beside the records, not listed in the manifest (a report of its own:
    #: ``{"CURATION_REPORT-US-EU.md": text}``); the text is written as given (end it with "\\n")
    documents: dict[str, str] = field(default_factory=dict)


def no_summary(records: Records) -> list[str]:
    return []


@dataclass(frozen=True)
class JurisdictionStep:
    """One jurisdiction's curation, run after the shared stages, in the order of ``pipeline.STEPS``."""

    #: names the step in errors
    name: str
    #: ``(world, report) → StepOutput``; skipped rows, corrections and notes may also go to the
    #: shared ``report`` (``report.skip(file, rows, reason)``, ``report.correct(…)``, ``report.notes``)
    curate: Callable[[CuratedWorld, Report], StepOutput]
    #: its lines for the "Records" section of CURATION_REPORT.md, computed from its records as they
    #: are finally written (``--exclude-lmos-without-genes`` may have removed some); given only the
    #: step's own records, by output file
    summarise: Callable[[Records], list[str]] = no_summary
    #: output files of its own (``decisions-us.jsonl``), in load order; they load after the shared
    #: decisions and before the detection methods
    files: tuple[str, ...] = ()
