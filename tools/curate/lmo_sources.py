"""What the sources say about each LMO: lmo.csv (the BCH registry) defines the registered
spellings; ISAAA, BioTrack and CFIA rows are matched to them by compact key (``gather_lmos``)."""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from openbch.identifiers.oecd import check as check_uid
from openbch.identifiers.oecd import compact_key, split_stack
from openbch.interop.names import event_name_variants, name_key

from .common import Report, compress_rows, is_stack, norm_space, slugify, uid_code, unique
from .elements import ElementIndex
from .identifiers import EventIndex, UidRegistry
from .organisms import cfia_organism, normalise_scientific_name
from .sources import BIOTRACK_CSV, CFIA_CSV, ISAAA_CSV, LMO_CSV, Sources
from .tables import CFIA_UID_CORRECTIONS, CFIA_UNPARSED_UIDS, EVENT_SYNONYMS
from .vocabularies import Vocabularies, trait_terms


@dataclass
class LmoData:
    """Everything the sources say about one LMO, gathered before its record is written."""

    identity: str  # compact key, or "cfia:<slug>" for an LMO without identifier
    uid: str | None
    origin: str  # file that defines it: lmo.csv, isaaa.csv, CFIA
    source_row: int
    components: list[str] = field(default_factory=list)  # compact keys of a stack's components
    component_spellings: list[str] = field(default_factory=list)
    organisms: list[str] = field(default_factory=list)  # lmo.csv col 5 (single events)
    isaaa_organisms: list[str] = field(default_factory=list)  # isaaa.csv col 5
    cfia_organisms: list[str] = field(default_factory=list)  # CFIA crop
    related_spellings: list[str] = field(default_factory=list)  # lmo.csv col 5 when it is an LMO
    bch_names: Counter[str] = field(default_factory=Counter)
    parent_spellings: list[str] = field(default_factory=list)  # lmo.csv col 5 of stack rows
    event_names: Counter[str] = field(default_factory=Counter)  # ISAAA col 1
    biotrack_names: Counter[str] = field(default_factory=Counter)
    cfia_names: list[str] = field(default_factory=list)
    trade_names: list[str] = field(default_factory=list)  # ISAAA col 6
    biotrack_trade_names: list[str] = field(default_factory=list)
    genes: list[str] = field(default_factory=list)  # element slugs, registry order
    isaaa_genes: list[str] = field(default_factory=list)
    bch_traits: set[str] = field(default_factory=set)  # lmo.csv col 3
    xref_traits: set[str] = field(default_factory=set)  # ISAAA and BioTrack col 3
    cfia_traits: set[str] = field(default_factory=set)
    isaaa_rows: list[int] = field(default_factory=list)
    biotrack_rows: list[int] = field(default_factory=list)

    @property
    def key(self) -> str:
        if self.uid:
            return f"lmo/{self.uid}"
        return "lmo/" + self.identity.replace(":", "/")


@dataclass
class LmoWorld:
    """The LMO identities known to the sources and the indexes that resolve names to them."""

    registry: UidRegistry
    data: dict[str, LmoData]  # every identity any source describes (not all become records)
    bch: list[str]  # identities of the BCH registry (lmo.csv), in file order
    events: EventIndex
    cfia_rows: dict[int, list[str]]  # CFIA row → identities of its LMOs

    def single_codes(self) -> list[str]:
        """The compact keys of single events with an identifier, for names read as identifiers."""
        return sorted(k for k in self.data if not k.startswith("cfia:") and "+" not in k)


PENDING = "pending"  # origin of a stack component until a file describing it is read
_NOT_A_TRADE_NAME = {"not available", "n/a", ""}


def split_trade_names(text: str) -> list[str]:
    """ISAAA col 6: ``YieldGard™, MaizeGard™ `` → two names; ``BARI Bt Begun-1, -2, -3 and -4`` stays one."""
    text = norm_space(text)
    if text.lower() in _NOT_A_TRADE_NAME:
        return []
    parts = [part.strip() for part in text.split(",")]
    if any(part.startswith("-") or not part for part in parts):
        return [text]
    return parts


def is_event_list(text: str, event: str) -> bool:
    """BioTrack col 6 holds component event names for stacks (``TC1507 x DAS-59122-7 x …``)."""
    return bool(re.search(r"\sx\s|[0-9]x[A-Z]", text) or name_key(text) == name_key(event) or uid_code(text))


@dataclass
class _Gathering:
    """The state ``gather_lmos`` builds, file by file."""

    vocabularies: Vocabularies
    elements: ElementIndex
    report: Report
    registry: UidRegistry = field(default_factory=UidRegistry)
    data: dict[str, LmoData] = field(default_factory=dict)
    bch: list[str] = field(default_factory=list)
    events: EventIndex = field(default_factory=EventIndex)
    cfia_rows: dict[int, list[str]] = field(default_factory=dict)

    def entry(self, identity: str, uid: str | None, origin: str, row: int) -> LmoData:
        """The data of one identity; the first file that describes it (after lmo.csv) is its origin."""
        if identity not in self.data:
            self.data[identity] = LmoData(identity, uid, origin, row)
        item = self.data[identity]
        if item.origin == PENDING and origin != PENDING:
            item.origin, item.source_row = origin, row
        return item

    def read_bch(self, rows: list[tuple[int, list[str]]]) -> None:
        """lmo.csv: the registered spellings, traits, elements, organisms, stacks and their names."""
        spellings: dict[str, set[str]] = defaultdict(set)
        skipped_vaccine = []
        for row, cols in rows:
            spelling = norm_space(cols[1])
            if spelling == "Proteqflu-Te":
                skipped_vaccine.append(row)
                self.elements.find(cols[6])  # its genetic element is still curated (every lmo.csv element is)
                continue
            key = self.registry.add(spelling, row)
            spellings[key].add(spelling)
            item = self.entry(key, self.registry.registered[key], LMO_CSV, row)
            if key not in self.bch:
                self.bch.append(key)
            label = cols[2]
            terms = trait_terms(label, self.vocabularies)
            if terms is None:
                self.report.notes.append(f"{LMO_CSV} row {row}: trait {label!r} has no term")
            else:
                item.bch_traits.update(terms)
            element = self.elements.find(cols[6])
            if element is None:
                self.report.notes.append(f"{LMO_CSV} row {row}: genetic element {cols[6]!r} is not in the alias table")
            elif element.slug not in item.genes:
                item.genes.append(element.slug)
            if is_stack(spelling):
                if cols[4] and cols[4] not in item.parent_spellings:
                    item.parent_spellings.append(cols[4])
            elif uid_code(cols[4]):
                # The scraper wrote a related LMO (BCH "Related LMO(s)") into col 4/5 of this single event,
                # not its recipient organism: the organism comes from ISAAA/CFIA instead.
                if cols[4] not in item.related_spellings:
                    item.related_spellings.append(cols[4])
            else:
                sci = normalise_scientific_name(cols[4])
                if sci not in item.organisms:
                    item.organisms.append(sci)
        if skipped_vaccine:
            self.report.skip(
                LMO_CSV,
                compress_rows(skipped_vaccine),
                "Proteqflu-Te (equine influenza vaccine): its identifier is not an OECD unique identifier and "
                "its recipient organism is given only as the product name 'Proteqflu', so no organism record "
                "can be linked without inventing one",
            )
        for key, written in spellings.items():
            if len(written) > 1:
                self.report.notes.append(
                    "The BCH registry has several records for the same stack "
                    + " and ".join(f"`{n}`" for n in sorted(written))
                    + f"; they are one LMO here (`{self.registry.registered[key]}`, the first in lmo.csv)."
                )

        # Stack components: their spelling in the BCH's stack identifiers is registered too (after the
        # single events, so that a single event's own record wins).
        for key in list(self.bch):
            for part in split_stack(self.data[key].uid or "") if is_stack(self.data[key].uid or "") else []:
                if (
                    uid_code(part)
                    and check_uid(part).check_digit_ok
                    and compact_key(part) not in self.registry.registered
                ):
                    self.registry.add(norm_space(part), self.data[key].source_row)
        # Stack components and the BCH names of parental LMOs (lmo.csv col 4/5 of stack rows).
        for key in list(self.bch):
            item = self.data[key]
            if not is_stack(item.uid or ""):
                continue
            for part in split_stack(item.uid or ""):
                resolved = self.registry.resolve(part, self.report, f"{LMO_CSV} stack {item.uid}")
                if resolved is None:
                    self.report.notes.append(f"{LMO_CSV}: stack component {part!r} of {item.uid} is not an identifier")
                    continue
                part_key, part_spelling = resolved
                item.components.append(part_key)
                item.component_spellings.append(part_spelling)
                self.entry(part_key, part_spelling, PENDING, item.source_row)
        for row, cols in rows:
            if not cols[3] or not (is_stack(norm_space(cols[1])) or uid_code(cols[4])):
                continue
            parent = self.registry.resolve(cols[4], self.report, f"{LMO_CSV} row {row} (col 5)")
            if parent is None:
                continue
            parent_item = self.data.get(parent[0])
            if parent_item is not None:
                parent_item.bch_names[norm_space(cols[3])] += 1

    def read_cross_references(self, isaaa: list[tuple[int, list[str]]], biotrack: list[tuple[int, list[str]]]) -> None:
        """ISAAA and BioTrack rows, matched to the registry by compact key: event and trade names."""
        unresolved: dict[str, dict[str, list[int]]] = {ISAAA_CSV: defaultdict(list), BIOTRACK_CSV: defaultdict(list)}
        for file, rows in ((ISAAA_CSV, isaaa), (BIOTRACK_CSV, biotrack)):
            for row, cols in rows:
                resolved = self.registry.resolve(cols[1], self.report, f"{file} row {row}")
                if resolved is None:
                    unresolved[file][norm_space(cols[1]) or "(empty)"].append(row)
                    continue
                key, spelling = resolved
                item = self.entry(key, spelling, file, row)
                if file == ISAAA_CSV:
                    item.isaaa_rows.append(row)
                    if cols[0].strip():
                        item.event_names[norm_space(cols[0])] += 1
                    for name in split_trade_names(cols[5]):
                        if name not in item.trade_names:
                            item.trade_names.append(name)
                    if not is_stack(spelling):
                        sci = normalise_scientific_name(cols[4])
                        if sci not in item.isaaa_organisms:
                            item.isaaa_organisms.append(sci)
                        if cols[6].strip() and cols[6].strip() not in item.isaaa_genes:
                            item.isaaa_genes.append(cols[6].strip())
                        for variant in event_name_variants(cols[0]):
                            self.events.add(variant, key, sci)
                else:
                    item.biotrack_rows.append(row)
                    event = norm_space(cols[0])
                    if event and "," not in event and not is_stack(spelling):
                        item.biotrack_names[event] += 1
                        self.events.add(event, key, "")
                    trade = norm_space(cols[5])
                    if trade and not is_event_list(trade, event) and trade not in item.biotrack_trade_names:
                        item.biotrack_trade_names.append(trade)
                terms = trait_terms(cols[2], self.vocabularies)
                if terms is None:
                    self.report.notes.append(f"{file} row {row}: trait {cols[2]!r} has no term")
                else:
                    item.xref_traits.update(terms)
        for file, groups in unresolved.items():
            for text, lines in sorted(groups.items()):
                self.report.skip(
                    file,
                    compress_rows(lines),
                    f"identifier {text!r} is not an OECD unique identifier: no LMO record can be keyed on it",
                )

    def read_cfia(self, rows: list[tuple[int, dict[str, str]]]) -> None:
        """CFIA's LMO rows: identifiers (corrected), event names, crops, traits; LMOs without one."""
        for row, record in rows:
            if record["lmo_status"] != "LMO":
                continue
            where = f"{CFIA_CSV} row {row}"
            identities = []
            organism = cfia_organism(record)
            uids = [u.strip() for u in record["oecd_unique_identifiers"].split(";") if u.strip()]
            if not uids and record["oecd_unique_identifiers_as_published"] in CFIA_UNPARSED_UIDS:
                published = record["oecd_unique_identifiers_as_published"]
                uids = [CFIA_UNPARSED_UIDS[published]]
                self.report.correct(
                    published,
                    uids[0],
                    "CFIA's published identifier lacks the first dash (the parsed "
                    "column of the CSV is empty); the check digit verifies",
                    where,
                )
            for uid in uids:
                if uid in CFIA_UID_CORRECTIONS:
                    corrected, why = CFIA_UID_CORRECTIONS[uid]
                    self.report.correct(uid, corrected, why, where)
                    uid = corrected
                resolved = self.registry.resolve(uid, self.report, where)
                if resolved is None:
                    self.report.notes.append(f"{where}: {uid!r} is not an identifier")
                    continue
                key, spelling = resolved
                if key in self.registry.registered and spelling != uid:
                    self.report.correct(
                        uid,
                        spelling,
                        "same identifier as the BCH registry's (equal compact key); the registered spelling is recorded",
                        where,
                    )
                self.entry(key, spelling, CFIA_CSV, row)
                identities.append(key)
            names = cfia_event_names(record["event_designation"])
            if not identities:
                for name in names:
                    identity = f"cfia:{slugify(name)}"
                    item = self.entry(identity, None, CFIA_CSV, row)
                    item.cfia_names.append(name)
                    identities.append(identity)
                self.report.notes.append(
                    f"{where} ({record['event_designation']}): CFIA publishes no unique identifier "
                    f"({record['oecd_unique_identifiers_as_published']!r}); one LMO record without identifier "
                    f"is created per event ({', '.join(names)})"
                )
            for identity, name in cfia_name_pairs(record, identities, names):
                self.data[identity].cfia_names.append(name)
                self.events.add(name, identity, organism)
                for variant in event_name_variants(name):
                    self.events.add(variant, identity, organism)
            terms = trait_terms(record["traits"], self.vocabularies)
            if terms is None:
                self.report.notes.append(f"{where}: trait {record['traits']!r} has no term")
            for identity in identities:
                item = self.data[identity]
                if organism not in item.cfia_organisms:
                    item.cfia_organisms.append(organism)
                item.cfia_traits.update(terms or ())
            self.cfia_rows[row] = unique(identities)

    def finish(self) -> LmoWorld:
        for item in self.data.values():
            if item.origin == PENDING:  # a stack component that no other file describes
                item.origin = LMO_CSV
        for name, uid in EVENT_SYNONYMS.items():
            resolved = self.registry.resolve(uid, self.report, "EVENT_SYNONYMS")
            if resolved:
                self.events.add(name, resolved[0], "")
        return LmoWorld(self.registry, self.data, self.bch, self.events, self.cfia_rows)


def gather_lmos(sources: Sources, vocabularies: Vocabularies, elements: ElementIndex, report: Report) -> LmoWorld:
    """Stage 2: read what lmo.csv (BCH), ISAAA, BioTrack and CFIA say about each identifier.

    lmo.csv defines the registered spellings; the other files are matched to them by compact key.
    """
    gathering = _Gathering(vocabularies, elements, report)
    gathering.read_bch(sources.lmo)
    gathering.read_cross_references(sources.isaaa, sources.biotrack)
    gathering.read_cfia(sources.cfia)
    return gathering.finish()


def cfia_event_names(designation: str) -> list[str]:
    """Event names in a CFIA designation: ``Events J101 and J163`` → J101, J163;
    ``Innate™ lines: GEN1-F10, GEN1-E12`` → GEN1-F10, GEN1-E12; ``(B. rapa) HCR-1`` → HCR-1."""
    text = norm_space(designation)
    text = re.sub(r"^\(B\. rapa\)\s*", "", text)
    text = re.sub(r"\(derived from[^)]*\)", "", text)
    segments = re.split(r";", text)
    names: list[str] = []
    for segment in segments:
        if ":" in segment:
            segment = segment.split(":", 1)[1]
        segment = re.sub(r"\([^)]*x[^)]*\)", "", segment)  # "(MS1xRF1, MS1xRF2)": stacks, not events
        for part in re.split(r",|\band\b", segment):
            part = re.sub(r"^(Events?|Lines?|Cornline)\s+", "", part.strip(), flags=re.IGNORECASE).strip()
            if part:
                names.append(part)
    return unique(names)


def cfia_name_pairs(record: dict[str, str], identities: list[str], names: list[str]) -> list[tuple[str, str]]:
    """(identity, event name) pairs a CFIA row states: ``J101: MON-00101-8; J163:MON-00163-7``, or
    one name for one identifier, or equally long lists in the same order."""
    published = record["oecd_unique_identifiers_as_published"]
    if ":" in published and len(identities) > 1:
        pairs = []
        for chunk in published.split(";"):
            if ":" in chunk:
                name, uid = chunk.split(":", 1)
                code = uid_code(uid.strip())
                for identity in identities:
                    if code and identity == code:
                        pairs.append((identity, name.strip()))
        return pairs
    if len(identities) == len(names):
        return list(zip(identities, names, strict=True))
    return []
