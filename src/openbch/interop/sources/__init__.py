"""Source definitions: one JSON file per external database, read as data.

A definition says what a source is (name, label, kind, homepage, licence and attribution), where
and how to fetch it (base URL, transport, requests, accepted content types, limits) and how to read
it (connector, format, table layout, field mapping). ``transport: bundled`` reads the recorded
payloads in ``payloads/<bundled>/`` instead of the network.

Kinds: ``product-database`` (what is known about a product: BioTrack, ISAAA, CFIA decisions),
``detection-methods`` (EUginius, EURL-GMFF), ``registry`` (the central BCH).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

from openbch.core.errors import NotFoundError
from openbch.interop.http import FetchLimits, Request

__all__ = ["KINDS", "SourceDefinition", "definitions", "get_definition", "load_definition"]

KINDS = ("product-database", "detection-methods", "registry")
_REQUIRED = ("name", "label", "kind", "connector", "homepage", "base_url", "format", "licence", "attribution")


@dataclass(frozen=True)
class SourceDefinition:
    name: str
    label: str
    kind: str
    connector: str
    homepage: str
    base_url: str
    format: str
    licence: str
    attribution: str
    #: ``bundled`` or ``http``: the transport used unless a run says otherwise
    transport: str = "bundled"
    #: folder of ``payloads/`` holding the recorded payloads
    bundled: str | None = None
    accept: tuple[str, ...] = ()
    requests: tuple[Request, ...] = ()
    limits: FetchLimits = field(default_factory=FetchLimits)
    #: the connector's own settings (table layout, field mapping, queries)
    options: Mapping[str, Any] = field(default_factory=dict)
    #: harvest order in ``--all`` (product databases first: detection sources reuse their names)
    order: int = 100
    description: str = ""
    raw: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @property
    def hash(self) -> str:
        """Changes when the definition changes, so unchanged payloads are read again with a new mapping."""
        text = json.dumps(self.raw, sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(text.encode("utf-8")).hexdigest()

    def summary(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "label": self.label,
            "kind": self.kind,
            "homepage": self.homepage,
            "licence": self.licence,
            "attribution": self.attribution,
        }


def load_definition(raw: Mapping[str, Any]) -> SourceDefinition:
    """Build a definition from its JSON; raises ValueError naming what is wrong."""
    missing = [key for key in _REQUIRED if not raw.get(key)]
    if missing:
        raise ValueError(f"source definition {raw.get('name', '?')!r} lacks {', '.join(missing)}")
    if raw["kind"] not in KINDS:
        raise ValueError(f"source {raw['name']!r}: kind {raw['kind']!r} is not one of {', '.join(KINDS)}")
    transport = raw.get("transport", "bundled")
    if transport not in ("bundled", "http"):
        raise ValueError(f"source {raw['name']!r}: transport must be bundled or http")
    if transport == "bundled" and not raw.get("bundled"):
        raise ValueError(f"source {raw['name']!r}: a bundled source names its payload folder")
    limits = FetchLimits(**raw.get("limits", {}))
    requests = tuple(Request.of(r["path"], r.get("params")) for r in raw.get("requests", ()))
    return SourceDefinition(
        name=raw["name"],
        label=raw["label"],
        kind=raw["kind"],
        connector=raw["connector"],
        homepage=raw["homepage"],
        base_url=raw["base_url"],
        format=raw["format"],
        licence=raw["licence"],
        attribution=raw["attribution"],
        transport=transport,
        bundled=raw.get("bundled"),
        accept=tuple(raw.get("accept", ())),
        requests=requests,
        limits=limits,
        options=raw.get("options", {}),
        order=int(raw.get("order", 100)),
        description=raw.get("description", ""),
        raw=raw,
    )


@cache
def definitions() -> dict[str, SourceDefinition]:
    """Every source shipped with openbch, by name, in harvest order."""
    found = []
    folder = resources.files("openbch.interop") / "sources"
    for entry in folder.iterdir():
        if entry.name.endswith(".json") and not entry.name.startswith("_"):
            found.append(load_definition(json.loads(entry.read_text(encoding="utf-8"))))
    found.sort(key=lambda d: (d.order, d.name))
    return {d.name: d for d in found}


def get_definition(name: str) -> SourceDefinition:
    try:
        return definitions()[name]
    except KeyError:
        raise NotFoundError(f"no source {name[:64]!r}; known: {', '.join(definitions())}") from None
