"""The LMO page's "Information from other databases", from the harvested items.

Registered with the web pages' extension point (:mod:`openbch.web.extensions`) by the app's
``ready()`` when the web app is installed. It answers from the local tables only, as the extension
point requires; what it shows is :func:`openbch.interop.profile.other_databases`, flattened into
entries: one per item a source holds on the LMO (with its link, fields, fetch date, licence and
attribution), one per source that lists the LMO only inside stacks, one per detection method
(tagged with every database that holds it), and one listing where the databases disagree.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django.utils.translation import gettext

from openbch.interop.profile import other_databases
from openbch.records.queries import PublishedRecord

__all__ = ["external_information"]

#: item fields shown on the page, in this order, with their labels
SHOWN_FIELDS = (
    ("event_name", "Event"),
    ("unique_identifier", "Unique identifier as written"),
    ("trade_names", "Trade names"),
    ("crop", "Crop"),
    ("traits", "Traits"),
    ("genes", "Genes"),
    ("developer", "Developer"),
)
MAX_STACKS = 12


def _text(value: Any) -> str:
    if isinstance(value, list):
        return ", ".join(str(v) for v in value if v not in (None, ""))
    return "" if value is None else str(value)


def _decisions(decisions: Sequence[Mapping[str, Any]]) -> list[tuple[str, str]]:
    facts = []
    for decision in decisions:
        parts = [_text(decision.get(k)) for k in ("date", "text", "document")]
        shown = " · ".join(p for p in parts if p)
        if shown:
            facts.append((gettext("Decision (%(scope)s)") % {"scope": decision.get("scope", "")}, shown))
    return facts


def _primer(value: Any) -> str:
    if not isinstance(value, Mapping):
        return ""
    return f"{value.get('name') or ''} {value.get('sequence') or ''}".strip()


def external_information(lmo: PublishedRecord, language: str) -> list[Any]:
    """Entries (``openbch.web.extensions.ExternalInfo``) for the LMO page."""
    from openbch.web.extensions import ExternalInfo

    info = other_databases(lmo, language)
    entries: list[Any] = []
    for source in info["sources"]:
        provenance = [
            (gettext("Licence"), source["licence"]),
            (gettext("Attribution"), source["attribution"]),
        ]
        for item in source["items"]:
            fields = item["fields"]
            if fields.get("method_code"):
                continue  # detection methods are shown merged, below
            facts = [
                (gettext(label), _text(fields.get(name))) for name, label in SHOWN_FIELDS if _text(fields.get(name))
            ]
            facts += _decisions(fields.get("decisions") or [])
            match = item["verdict"].replace("_", " ")
            facts.append((gettext("Match"), "; ".join([match, *item["warnings"]])))
            facts.append((gettext("Fetched"), item["fetched_at"][:10]))
            entries.append(
                ExternalInfo(
                    source=source["label"], url=item["url"], label=item["name"], facts=tuple(facts + provenance)
                )
            )
        stacks = source["in_stacks"]
        if stacks:
            facts = [(s["name"], s["stack"] or gettext("stack not registered here")) for s in stacks[:MAX_STACKS]]
            if len(stacks) > MAX_STACKS:
                facts.append(("…", gettext("%(count)d more") % {"count": len(stacks) - MAX_STACKS}))
            entries.append(
                ExternalInfo(
                    source=source["label"],
                    url=source["homepage"],
                    label=gettext("Lists this LMO in %(count)d stacked products") % {"count": len(stacks)},
                    facts=tuple(facts + provenance),
                )
            )
    for method in info["detection_methods"]:
        facts = [
            (gettext("Scope"), _text(method.get("scope"))),
            (gettext("Targets"), _text(method.get("targets"))),
            (gettext("Forward primer"), _primer(method.get("forward_primer"))),
            (gettext("Reverse primer"), _primer(method.get("reverse_primer"))),
            (gettext("Probe"), _primer(method.get("probe"))),
            (gettext("Amplicon (bp)"), _text(method.get("amplicon_size"))),
            (gettext("Reference"), _text(method.get("reference"))),
            (gettext("Fetched"), _text(method.get("fetched_at"))[:10]),
        ]
        entries.append(
            ExternalInfo(
                source=gettext("Detection method · %(sources)s") % {"sources": ", ".join(method["sources"])},
                url=method["links"][0]["url"] if method["links"] else "",
                label=method["method_code"],
                facts=tuple((label, value) for label, value in facts if value),
            )
        )
    if info["discrepancies"]:
        entries.append(
            ExternalInfo(
                source=gettext("Where the databases disagree"),
                label=gettext("%(count)d difference(s) with the registry") % {"count": len(info["discrepancies"])},
                facts=tuple(
                    (
                        f"{d['source']} · {d['field']}",
                        f"{_text(d['source_value'])} ({gettext('registry')}: {_text(d['registry_value'])}) — {d['note']}",
                    )
                    for d in info["discrepancies"]
                ),
            )
        )
    return entries
