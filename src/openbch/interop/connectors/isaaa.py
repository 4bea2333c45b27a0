"""ISAAA GM Approval Database, as its event pages' gene tables were scraped (one row per trait × gene).

The mapping in ``sources/isaaa.json`` does the reading; this adds the component names of stacks
(ISAAA names them ``MON863 x MON810``) for matching stacks by their components.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from openbch.interop.connectors.base import NormalisedItem, Rejection, split_names
from openbch.interop.connectors.generic import GenericConnector, Row

__all__ = ["IsaaaConnector"]


class IsaaaConnector(GenericConnector):
    def adjust(self, item: NormalisedItem, rows: Sequence[Row]) -> Iterator[NormalisedItem | Rejection]:
        name = item.fields.get("event_name", "")
        components = split_names(name) if name else []
        if len(components) > 1:
            item.fields["component_names"] = components
        yield item
