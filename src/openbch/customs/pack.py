"""The offline decision pack: every decision of one country, for a border post that loses its connection.

A border post downloads it while online and checks against it offline; it changes with what such a
post keeps, not with how one shipment is judged. Withdrawn and expired decisions are kept, marked,
so the officer sees them; ``data`` says how current the pack is. Reads only.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from django.utils import timezone, translation
from django.utils.translation import gettext

from openbch.customs.decisions import USES, covers, decision_evidence, jurisdiction
from openbch.customs.reading import country_name, data_version, lmos
from openbch.records.models import Record, RecordLink
from openbch.records.queries import PUBLIC_STATES, latest_revisions

__all__ = ["decision_pack"]


def decision_pack(country: str, language: str = "en") -> dict[str, Any]:
    """Every published decision of ``country`` with the LMOs it names: what a border post keeps
    for checking offline. Withdrawn and expired decisions are included, marked (they do not
    authorise); ``data`` says how current it is.

    Raises:
        NotFoundError: a country code that names no country (``/country``).
    """
    with translation.override(language):
        code = country.strip().upper()
        name = country_name(code, language)
        version = data_version()
        today = timezone.now().date()
        records = Record.objects.filter(type="DEC", owner=code, state__in=PUBLIC_STATES).order_by("number")
        published = latest_revisions(records)
        links = RecordLink.objects.filter(source__in=records, field="modifiedOrganisms")
        targets: dict[int, list[str]] = {}
        for link in links:
            targets.setdefault(link.source_id, []).append(link.target_identifier)
        named_lmos = lmos(
            Record.objects.filter(
                identifier__in=sorted({t for ts in targets.values() for t in ts}), state__in=PUBLIC_STATES
            )
        )
        decisions = []
        for item in published:
            evidence = decision_evidence(item, "", code, "food", language, today)
            named = [named_lmos[t] for t in targets.get(item.record.pk, []) if t in named_lmos]
            entry = asdict(evidence)
            for field in ("lmo", "covers_use"):
                entry.pop(field)
            entry["lmos"] = [
                {"unique_identifier": lmo.unique, "uid": lmo.published.uid, "name": lmo.name} for lmo in named
            ]
            entry["uses_decided"] = [u for u in USES if covers(item.body, evidence.decision_types, evidence.uses, u)]
            decisions.append(entry)
        rule = jurisdiction(code)
        return {
            "country": code,
            "country_name": name,
            "generated_at": timezone.now().isoformat(timespec="seconds"),
            "data": asdict(version),
            "stacks": rule.get("stacks", "own"),
            "note": gettext(str(rule["note"])) if rule.get("note") else "",
            "decisions": decisions,
        }
