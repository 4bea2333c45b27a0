"""Detection methods: EUginius (BVL/WUR) and the EURL-GMFF (JRC) GMOMETHODS compendium.

One item per (method, target): an event-specific method targets one event, a construct-specific
method every event carrying its construct (EUginius lists them: a row of a screening matrix), an
element-specific method one or more elements. The method code is kept as a key, so the two
databases' entries for one method (``QL-EVE-ZM-001``) merge on an LMO page.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from openbch.identifiers.oecd import is_probably_oecd_uid
from openbch.interop.connectors.base import FetchTask, NormalisedItem, Rejection, clean
from openbch.interop.connectors.generic import GenericConnector, read_table
from openbch.interop.http import Fetched

__all__ = ["EuginiusConnector", "EurlConnector", "method_crop"]

#: subject of the items a method's scope produces
SUBJECTS = {
    "event-specific": "lmo",
    "construct-specific": "lmo",
    "element-specific": "element",
    "taxon-specific": "organism",
}

#: the organism segment of EURL/EUginius method codes (``QT-EVE-ZM-020``: ZM = Zea mays). Not every
#: two-letter segment is one: ``QT-EVE-HF-1F/HF-2R`` names the event (Huafan No 1 tomato), ``-00-`` none
CODE_CROPS = {
    "AT": "Agrobacterium tumefaciens",
    "BN": "Brassica napus",
    "BV": "Beta vulgaris",
    "CP": "Carica papaya",
    "DC": "Dianthus caryophyllus",
    "EC": "Escherichia coli",
    "GH": "Gossypium hirsutum",
    "GM": "Glycine max",
    "KP": "Komagataella phaffii",
    "LU": "Linum usitatissimum",
    "MS": "Medicago sativa",
    "OS": "Oryza sativa",
    "PS": "Pisum sativum",
    "SL": "Solanum lycopersicum",
    "SS": "Salmo salar",
    "ST": "Solanum tuberosum",
    "TA": "Triticum aestivum",
    "ZM": "Zea mays",
}

#: crop words EUginius appends to event names in target lists (``Bt10 maize``, ``BT10 potato``)
NAME_CROP_SUFFIXES = {"maize": "Zea mays", "potato": "Solanum tuberosum", "tomato": "Solanum lycopersicum"}

#: the segment is followed by a number (``-020``) or by primer names (``QL-EVE-MS-J101-F/J101-R``)
_CODE = re.compile(r"^Q[LT]-[A-Z]{3}-([A-Z]{2})-")
_REFERENCE = re.compile(
    r"\(([^()]*(?:ISO|et al|Official|GMOMETHODS|BVL|GenTG|LFGB|\b(?:19|20)\d{2}\b)[^()]*)\)\s*\.?\s*$"
)


def method_crop(code: str) -> str:
    """The crop a method code names (``QT-EVE-ZM-020`` → Zea mays), or ``""``."""
    match = _CODE.match(code)
    return CODE_CROPS.get(match.group(1), "") if match else ""


def _target_name(text: str) -> tuple[str, str]:
    """``Bt10 maize`` → (``Bt10``, Zea mays); other names are returned as they are."""
    words = text.rsplit(" ", 1)
    if len(words) == 2 and words[1].lower() in NAME_CROP_SUFFIXES:
        return words[0], NAME_CROP_SUFFIXES[words[1].lower()]
    return text, ""


def _primer(row: Mapping[str, Any], name: str, sequence: str) -> dict[str, str] | None:
    seq = clean(row.get(sequence))
    return {"name": clean(row.get(name)), "sequence": seq} if seq else None


class EuginiusConnector(GenericConnector):
    """``euginius_primers.tsv``: the EUginius method table (header row, tab-separated)."""

    def parse(self, task: FetchTask, fetched: Fetched) -> Iterator[NormalisedItem | Rejection]:
        layout = {"delimiter": "\t", **self.definition.options.get("table", {})}
        for line, row in read_table(fetched.body, layout):
            code = clean(row.get("method_code"))
            scope = clean(row.get("target_scope") or row.get("method_type")).lower()
            if not code:
                yield Rejection("no method code", where=f"row {line}")
                continue
            if scope not in SUBJECTS:
                yield Rejection(f"unknown method scope {scope!r}", external_id=code, where=f"row {line}")
                continue
            description = clean(row.get("description"))
            reference = _REFERENCE.search(description)
            size = clean(row.get("amplicon_size"))
            base = {
                "method_code": code,
                "scope": scope,
                "description": description,
                "reference": reference.group(1) if reference else "",
                "forward_primer": _primer(row, "forward_primer_name", "forward_primer_seq"),
                "reverse_primer": _primer(row, "reverse_primer_name", "reverse_primer_seq"),
                "probe": _primer(row, "probe_name", "probe_seq"),
                "amplicon_size": int(size) if size.isdigit() else None,
                "format": "quantitative" if code.startswith("QT-") else "qualitative",
            }
            raw_targets = clean(row.get("target_name"))
            targets = [clean(t) for t in raw_targets.split(",")] if scope != "event-specific" else [raw_targets]
            targets = [t for t in targets if t]
            if not targets:
                yield Rejection("no target", external_id=code, where=f"row {line}")
                continue
            url = clean(row.get("source_url")) or self.definition.homepage
            for target in targets:
                name, crop = _target_name(target) if scope in ("event-specific", "construct-specific") else (target, "")
                fields = {**base, "target": target, "target_list": raw_targets}
                if SUBJECTS[scope] == "lmo":
                    fields["event_name"] = name
                    fields["crop"] = crop or method_crop(code)
                yield NormalisedItem(
                    external_id=(code if len(targets) == 1 else f"{code} @ {target}")[:500],
                    subject=SUBJECTS[scope],
                    name=f"{code}: {target}",
                    fields=fields,
                    url=url,
                    keys=[("method", code)],
                )


_EURL_TARGET = re.compile(r"^(?P<name>.+?)(?:\s+insert)?(?:\s*\((?P<inside>[^()]*)\))?$")


class EurlConnector(GenericConnector):
    """``crl_amplicons_raw.tsv``: EURL-GMFF GMOMETHODS amplicons (method, type, target, accession)."""

    def parse(self, task: FetchTask, fetched: Fetched) -> Iterator[NormalisedItem | Rejection]:
        layout = {"delimiter": "\t", **self.definition.options.get("table", {})}
        for line, row in read_table(fetched.body, layout):
            code = clean(row.get("method_id"))
            scope = clean(row.get("type")).lower()
            target = clean(row.get("target"))
            if not code or not target:
                yield Rejection("no method id or target", external_id=code, where=f"row {line}")
                continue
            if scope not in SUBJECTS:
                yield Rejection(f"unknown method type {scope!r}", external_id=code, where=f"row {line}")
                continue
            accession = clean(row.get("accession"))
            length = clean(row.get("length"))
            fields: dict[str, Any] = {
                "method_code": code,
                "scope": scope,
                "target": target,
                "accession": "" if accession.lower() == "none" else accession,
                "amplicon_size": int(length) if length.isdigit() else None,
                "format": "quantitative" if code.startswith("QT-") else "qualitative",
            }
            identifiers: list[str] = []
            subject = SUBJECTS[scope]
            if scope == "construct-specific":
                subject = "construct"  # EURL names the junction, not the events carrying it
            if scope == "event-specific":
                match = _EURL_TARGET.match(target)
                name = clean(match.group("name")) if match else target
                inside = [clean(p) for p in (match.group("inside") or "").split(",")] if match else []
                crop = ""
                aliases = []
                for part in inside:
                    if is_probably_oecd_uid(part):
                        identifiers.append(part)
                    elif part.lower().endswith(("maize", "soybean", "carnation", "rape", "rice")) or " " in part:
                        crop = part
                    elif part:
                        aliases.append(part)
                if is_probably_oecd_uid(name):
                    identifiers.insert(0, name)
                if "-" in fields["accession"] and is_probably_oecd_uid(fields["accession"]):
                    identifiers.append(fields["accession"])  # "Topas 19/2 insert", accession ACS-BN007-1
                fields.update(event_name=name, aliases=aliases, crop=crop or method_crop(code))
            elif scope == "taxon-specific":
                fields["scientific_name"] = method_crop(code)  # the target is the taxon's reference gene
            yield NormalisedItem(
                external_id=code,
                subject=subject,
                name=f"{code}: {target}",
                fields=fields,
                identifiers=identifiers,
                url=self.definition.homepage,
                keys=[("method", code)],
            )
