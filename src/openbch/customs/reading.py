"""Reading the records a border check needs: LMOs, crops, decisions, detection methods, laboratories.

A check reads in a fixed number of queries whatever the number of identifiers: every function here
takes all the keys (or identifiers) of one check at once and returns a mapping. Only published
records (and withdrawn ones, where the officer must see them) are read, each in its latest
revision. Event-specific detection methods come from the clearing-house's own records and from the
detection databases matched by :mod:`openbch.interop`; laboratory records are reference records,
placed in a country by their organisation's.

What the records mean for a use is not decided here (:mod:`openbch.customs.decisions`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext

from openbch.core.errors import Issue, NotFoundError
from openbch.core.multilingual import localize
from openbch.identifiers.oecd import first_eight, split_stack
from openbch.interop.models import ExternalItem
from openbch.interop.models import Verdict as MatchVerdict
from openbch.interop.sources import definitions
from openbch.records.models import ChangeEvent, Record, RecordKey, RecordLink
from openbch.records.queries import PUBLIC_STATES, PublishedRecord, latest_revisions
from openbch.recordtypes.validate import parse_reference
from openbch.vocabularies import get_vocabulary

__all__ = [
    "DataVersion",
    "Lmo",
    "country_name",
    "crops",
    "data_version",
    "decision_records",
    "detection_methods",
    "event_names",
    "laboratories",
    "lmos",
    "records_by_key",
    "reference_ids",
    "same_first_eight",
    "term_ids",
    "text_in",
]

_MATCHED = (MatchVerdict.MATCHED, MatchVerdict.MATCHED_WITH_WARNING, MatchVerdict.CONFLICTING)


def text_in(value: Any, language: str) -> str:
    """A multilingual (or plain) text field shown in ``language``; ``""`` for anything else."""
    if isinstance(value, Mapping):
        shown = localize(value, language)
        return shown.text if shown else ""
    return value if isinstance(value, str) else ""


def term_ids(value: Any) -> list[str]:
    """The term identifiers of a term field (one term or a list)."""
    items = value if isinstance(value, list) else [value] if value else []
    return [str(i.get("identifier")) for i in items if isinstance(i, Mapping) and i.get("identifier")]


def reference_ids(value: Any) -> list[str]:
    """The record identifiers of a reference field (one reference or a list)."""
    items = value if isinstance(value, list) else [value] if value else []
    return [p[0] for ref in items if isinstance(ref, Mapping) and (p := parse_reference(ref.get("identifier", "")))]


def country_name(code: str, language: str) -> str:
    """The name of the country ``code`` in ``language``.

    Raises:
        NotFoundError: a code that names no country (``/country``).
    """
    if code.lower() not in get_vocabulary("countries"):
        # a well-formed code that names no country: nothing to check against, as for any unknown name
        message = gettext("no country with the code %(c)s") % {"c": code[:10]}
        raise NotFoundError(message, issues=[Issue("/country", "unknown_country", message)])
    return get_vocabulary("countries").terms[code.lower()].label_in(language)


@dataclass(frozen=True)
class DataVersion:
    """How current the data used is: the latest change-log event (sequence number and time)."""

    seq: int
    at: str | None


def data_version() -> DataVersion:
    """The latest change-log event: the data a check uses is at least this current."""
    row = ChangeEvent.objects.order_by("-seq").values_list("seq", "at").first()
    if row is None:
        return DataVersion(0, None)
    return DataVersion(int(row[0]), row[1].isoformat(timespec="seconds"))


_EVENT_NAMES: dict[int, dict[str, str]] = {}


def event_names(version: int) -> dict[str, str]:
    """Name key → registered identifier, for event names that name exactly one single-event LMO."""
    found = _EVENT_NAMES.get(version)
    if found is not None:
        return found
    by_name: dict[str, set[str]] = {}
    records = Record.objects.filter(type="LMO", state="published")
    for published in latest_revisions(records):
        body = published.body
        unique = str(body.get("uniqueIdentification") or "")
        if not unique or len(split_stack(unique)) != 1:
            continue
        for name in (body.get("transformationEvent"),):
            if isinstance(name, str) and name.strip():
                key = "".join(c for c in name.upper() if c.isascii() and c.isalnum())
                by_name.setdefault(key, set()).add(unique)
    found = {k: next(iter(v)) for k, v in by_name.items() if len(v) == 1}
    _EVENT_NAMES.clear()  # one version kept: the names change only with the data
    _EVENT_NAMES[version] = found
    return found


def records_by_key(keys: Iterable[str]) -> dict[str, Record]:
    """The LMO registered under each compact key (the oldest when several share one)."""
    rows = (
        RecordKey.objects.filter(
            kind="oecd", value__in=sorted(set(keys)), record__type="LMO", record__state__in=PUBLIC_STATES
        )
        .select_related("record")
        .order_by("record__number")
    )
    found: dict[str, Record] = {}
    for row in rows:
        found.setdefault(row.value, row.record)
    return found


def same_first_eight(text: str) -> list[str]:
    """Registered identifiers with the same first eight characters (a verifier-digit typo)."""
    prefix = first_eight(text)
    if len(prefix) != 8:
        return []
    keys = RecordKey.objects.filter(kind="oecd", value__startswith=prefix, record__type="LMO")
    records = Record.objects.filter(pk__in=keys.values("record_id"), state__in=PUBLIC_STATES).order_by("number")
    found = [str(p.body.get("uniqueIdentification")) for p in latest_revisions(records)]
    return [u for u in found if len(split_stack(u)) == 1][:5]


@dataclass
class Lmo:
    """An LMO record as a check needs it."""

    published: PublishedRecord
    unique: str
    name: str
    components: list[str]  # identifiers of component LMO records (stacks)
    organisms: list[str]


def lmos(records: Iterable[Record]) -> dict[str, Lmo]:
    """The latest revision of each LMO record, by record identifier."""
    found = {}
    for published in latest_revisions(list({r.pk: r for r in records}.values())):
        body = published.body
        refs = reference_ids(body.get("recipientOrganisms"))
        found[published.record.identifier] = Lmo(
            published=published,
            unique=str(body.get("uniqueIdentification") or ""),
            name=text_in(body.get("identity"), "en") or published.record.title,
            components=refs,
            organisms=refs,
        )
    return found


def crops(lmos: Mapping[str, Lmo], language: str) -> dict[str, str]:
    """The crop of each LMO (its recipient organism; a stack's own or its first component's)."""
    wanted = {ref for lmo in lmos.values() for ref in lmo.organisms}
    names: dict[str, str] = {}
    organisms = Record.objects.filter(identifier__in=sorted(wanted), type="ORGA", state__in=PUBLIC_STATES)
    for published in latest_revisions(organisms):
        body = published.body
        common = [text_in(n, language) for n in body.get("commonNames") or []]
        scientific = str(body.get("scientificName") or published.record.title)
        names[published.record.identifier] = f"{common[0]} ({scientific})" if common and common[0] else scientific
    out = {}
    for identifier, lmo in lmos.items():
        crop = next((names[r] for r in lmo.organisms if r in names), "")
        if not crop:
            crop = next((names[o] for c in lmo.organisms if c in lmos for o in lmos[c].organisms if o in names), "")
        out[identifier] = crop
    return out


def _naming(
    lmos: Iterable[str], field: str, source_type: str, **more: str
) -> tuple[dict[str, list[str]], dict[str, Record]]:
    """The public records of ``source_type`` that name some of ``lmos`` in ``field`` (and match
    ``more``): the LMOs each names, and the records, both by record identifier."""
    links = RecordLink.objects.filter(
        target_identifier__in=sorted(set(lmos)),
        field=field,
        source__type=source_type,
        source__state__in=PUBLIC_STATES,
        **more,
    ).select_related("source")
    targets: dict[str, list[str]] = {}
    sources: dict[str, Record] = {}
    for link in links:
        targets.setdefault(link.source.identifier, []).append(link.target_identifier)
        sources[link.source.identifier] = link.source
    return targets, sources


def decision_records(lmos: Iterable[str], country: str) -> dict[str, list[PublishedRecord]]:
    """The country's public decision records naming each LMO (by record identifier)."""
    targets, sources = _naming(lmos, "modifiedOrganisms", "DEC", source__owner=country)
    out: dict[str, list[PublishedRecord]] = {}
    for published in latest_revisions(sources.values()):
        for lmo in dict.fromkeys(targets[published.record.identifier]):
            out.setdefault(lmo, []).append(published)
    return out


def detection_methods(lmos: Iterable[str], language: str) -> dict[str, list[dict[str, Any]]]:
    """Event-specific detection methods per LMO: clearing-house records, then the detection databases."""
    wanted = sorted(set(lmos))
    out: dict[str, dict[str, dict[str, Any]]] = {}
    targets, records = _naming(wanted, "targetLmos", "DM")
    for published in latest_revisions(records.values()):
        body = published.body
        if "event-specific" not in term_ids(body.get("methodType")):
            continue
        code = str(body.get("methodCode") or published.uid)
        for lmo in targets[published.record.identifier]:
            entry = out.setdefault(lmo, {}).setdefault(
                code,
                {
                    "method_code": code,
                    "title": text_in(body.get("title"), language) or text_in(body.get("description"), language),
                    "record": published.uid,
                    "api_url": f"/api/v1/records/{published.uid}",
                    "sources": [],
                    "url": None,
                },
            )
            entry["sources"].append("clearing-house record")
    labels = {name: d.label for name, d in definitions().items()}
    rows = ExternalItem.objects.filter(
        subject="lmo", active=True, verdict__in=_MATCHED, record_identifier__in=wanted
    ).only("source", "fields", "record_identifier", "url")
    for item in rows:
        if item.fields.get("scope") != "event-specific" or not item.fields.get("method_code"):
            continue
        code = str(item.fields["method_code"])
        entry = out.setdefault(item.record_identifier, {}).setdefault(
            code, {"method_code": code, "title": "", "record": None, "api_url": None, "sources": [], "url": None}
        )
        label = labels.get(item.source, item.source)
        if label not in entry["sources"]:
            entry["sources"].append(label)
        if not entry["url"] and str(item.url or "").startswith(("http://", "https://")):
            entry["url"] = item.url
    return {lmo: sorted(methods.values(), key=lambda m: m["method_code"]) for lmo, methods in out.items()}


def laboratories(country: str, language: str) -> list[dict[str, Any]]:
    """The detection laboratories in the country (laboratory records are reference records: the
    country is their organisation's), with the LMOs each says it can detect."""
    labs = latest_revisions(Record.objects.filter(type="LAB", state="published").order_by("number"))
    organisations = {ref for lab in labs for ref in reference_ids(lab.body.get("organization"))}
    in_country = {
        org.record.identifier
        for org in latest_revisions(
            Record.objects.filter(identifier__in=sorted(organisations), type="ORG", state__in=PUBLIC_STATES)
        )
        if country.lower() in term_ids(org.body.get("country"))
    }
    out = []
    for published in labs:
        body = published.body
        if not in_country & set(reference_ids(body.get("organization"))):
            continue
        out.append(
            {
                "uid": published.uid,
                "name": text_in(body.get("name"), language) or published.record.title,
                "detectable_lmos": reference_ids(body.get("detectableLmos")),
                "api_url": f"/api/v1/records/{published.uid}",
            }
        )
    return out
