"""OECD BioTrack Product Database, as its product table is exported (one row per event × trait × gene).

The mapping in ``sources/oecd-biotrack.json`` does the reading; this adds what a mapping cannot
say: column 6 holds the trade name of a single event but the component event names of a stack
(``TC1507 x DAS-59122-7 x NK603 x MON810 x MIR604``), and column 1 names stacks as lists
(``59122, 1507, NK603``). Crops come as synonym lists (``Soyabean,Soybean``).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from openbch.identifiers.oecd import split_stack
from openbch.interop.connectors.base import NormalisedItem, Rejection, split_names
from openbch.interop.connectors.generic import GenericConnector, Row

__all__ = ["BioTrackConnector"]


class BioTrackConnector(GenericConnector):
    def adjust(self, item: NormalisedItem, rows: Sequence[Row]) -> Iterator[NormalisedItem | Rejection]:
        fields = item.fields
        is_stack = any(len(split_stack(uid)) > 1 for uid in item.identifiers)
        components: list[str] = []
        trade_names = []
        for text in fields.pop("column_6", []):
            names = split_names(text)
            if len(names) > 1:
                components = components or names
            else:
                trade_names.append(text)
        name = fields.get("event_name", "")
        if name and len(split_names(name)) > 1:
            components = components or split_names(name)
        if is_stack and components:
            fields["component_names"] = components
        fields["trade_names"] = trade_names
        crops = [c.strip() for c in str(fields.get("crop", "")).split(",") if c.strip()]
        if crops:
            fields["crop"] = crops[-1]  # "Soyabean,Soybean": the last is the common spelling
            fields["crop_names"] = crops
        yield item
