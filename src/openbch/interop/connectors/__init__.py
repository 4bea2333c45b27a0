"""Connectors by name: the ``connector`` of a source definition picks one of these."""

from __future__ import annotations

from collections.abc import Callable

from openbch.interop.connectors.base import Connector
from openbch.interop.connectors.bch_api import BchApiConnector
from openbch.interop.connectors.biotrack import BioTrackConnector
from openbch.interop.connectors.cfia import CfiaConnector
from openbch.interop.connectors.decisions import DecisionTableConnector
from openbch.interop.connectors.euginius import EuginiusConnector, EurlConnector
from openbch.interop.connectors.generic import GenericConnector
from openbch.interop.connectors.isaaa import IsaaaConnector
from openbch.interop.sources import SourceDefinition

__all__ = ["CONNECTORS", "connector_for"]

CONNECTORS: dict[str, Callable[[SourceDefinition], Connector]] = {
    "generic": GenericConnector,
    "bch_api": BchApiConnector,
    "biotrack": BioTrackConnector,
    "isaaa": IsaaaConnector,
    "cfia": CfiaConnector,
    "decision_table": DecisionTableConnector,
    "euginius": EuginiusConnector,
    "eurl": EurlConnector,
}


def connector_for(definition: SourceDefinition) -> Connector:
    try:
        factory = CONNECTORS[definition.connector]
    except KeyError:
        raise ValueError(f"source {definition.name!r}: no connector {definition.connector!r}") from None
    return factory(definition)
