"""CFIA open data: plants with novel traits approved for unconfined release in Canada, with the
feed (CFIA) and food (Health Canada) decisions.

One CFIA row may approve several events (``Events J101 and J163``, ``J101: MON-00101-8;
J163:MON-00163-7``): each identifier becomes its own item, named from the ``name: UID`` pairs of
the published text when there are any. Rows CFIA classifies as ``non-LMO`` (mutagenesis, gene
editing: Canada regulates novelty of trait) become ``product`` items, which are not matched to LMOs.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from openbch.identifiers.oecd import compact_key, is_probably_oecd_uid
from openbch.interop.connectors.base import FetchTask, NormalisedItem, Rejection, clean
from openbch.interop.connectors.generic import GenericConnector, read_table
from openbch.interop.http import Fetched

__all__ = ["CfiaConnector"]

_PAIR = re.compile(r"([^:;,]+?)\s*:\s*([A-Za-z0-9Øø][A-Za-z0-9Øø\- –]{6,14}[0-9])")
_LINES_PREFIX = re.compile(r"^.*\blines?\s*:\s*", re.IGNORECASE)


_CROP_PREFIX = re.compile(r"^\([^)]*\)\s*")
_LIST = re.compile(r"\s*,\s*|\s+and\s+|\s*;\s*")


def _events(designation: str) -> list[str]:
    """The event names of a designation: ``(B. rapa) ZSR500, ZSR502, ZSR503`` → three names.

    A parenthesised tail (``MS1, RF1, RF2 (MS1xRF1, MS1xRF2)``: the hybrids) is not an event list.
    """
    text = _LINES_PREFIX.sub("", _CROP_PREFIX.sub("", designation))
    text = re.sub(r"\s*\([^)]*\)\s*$", "", text)
    return [clean(p) for p in _LIST.split(text) if clean(p)]


def _names_by_uid(published: str) -> dict[str, str]:
    """``J101: MON-00101-8; J163:MON-00163-7`` → {compact key: event name}."""
    return {compact_key(uid): clean(name) for name, uid in _PAIR.findall(published)}


class CfiaConnector(GenericConnector):
    def parse(self, task: FetchTask, fetched: Fetched) -> Iterator[NormalisedItem | Rejection]:
        layout = dict(self.definition.options.get("table", {"header": True}))
        layout.setdefault("delimiter", ",")
        for line, row in read_table(fetched.body, layout):
            designation = clean(row.get("event_designation"))
            if not designation:
                yield Rejection("no event designation", where=f"row {line}")
                continue
            published = clean(row.get("oecd_unique_identifiers_as_published"))
            uids = [clean(u) for u in str(row.get("oecd_unique_identifiers") or "").split(";") if clean(u)]
            if not uids and is_probably_oecd_uid(published):
                uids = [published]  # e.g. "DP2Ø2216-6": published, but missed by the parsed column
            names = _names_by_uid(published)
            document = clean(row.get("decision_document"))
            common: dict[str, Any] = {
                "crop": clean(row.get("crop")),
                "traits": [clean(t) for t in re.split(r"\s*/\s*", str(row.get("traits") or "")) if clean(t)],
                "developer": clean(row.get("applicant")),
                "designation": designation,
                "country": "CA",
                "lmo_status": clean(row.get("lmo_status")),
                "decisions": [
                    {
                        "scope": "environment",
                        "date": clean(row.get("unconfined_release_date")),
                        "document": document,
                        "text": "unconfined environmental release",
                    },
                    {"scope": "feed", "text": clean(row.get("livestock_feed"))},
                    {"scope": "food", "text": clean(row.get("food"))},
                ],
            }
            subject = "lmo" if common["lmo_status"].upper() == "LMO" else "product"
            key = document or designation
            events = _events(designation)
            if not uids:
                # one approval of several events without identifiers: one item per event
                for event in events if subject == "lmo" and len(events) > 1 else [_LINES_PREFIX.sub("", designation)]:
                    yield NormalisedItem(
                        external_id=(key if event == designation or len(events) == 1 else f"{key} | {event}")[:500],
                        subject=subject,
                        name=event if len(events) > 1 else designation,
                        fields={**common, "event_name": event},
                        url=self.definition.homepage,
                    )
                continue
            if not names and len(events) == len(uids) > 1:
                # "73496 and 61061" / "DP-073496-4 and DP-061067-7": named in the same order
                names = {compact_key(uid): event for uid, event in zip(uids, events, strict=True)}
            for uid in uids:
                event = names.get(compact_key(uid), "")
                if not event and len(uids) == 1:
                    event = _LINES_PREFIX.sub("", designation)
                yield NormalisedItem(
                    external_id=f"{key} | {uid}"[:500],
                    subject=subject,
                    name=event or designation,
                    fields={**common, "event_name": event, "unique_identifier": uid},
                    identifiers=[uid],
                    url=self.definition.homepage,
                )
