"""Extension points of the web pages that other parts of openbch fill.

**Information from other databases** (the LMO page's section of that name): a provider is a
function ``(lmo, language) -> list[ExternalInfo]`` registered with
:func:`register_other_database`, e.g. from an app's ``ready()``::

    from openbch.web.extensions import ExternalInfo, register_other_database

    def biotrade_status(lmo, language):
        return [ExternalInfo(source="BioTradeStatus", url=f"https://…?event={…}", label="…")]

    register_other_database(biotrade_status)

Providers run while the page is rendered, so they must answer from local data (a harvested
table), never by calling a remote service. The rendered LMO page is cached while nothing is
published (``openbch.web.cache``, at most ``OPENBCH_WEB_CACHE_SECONDS``): a provider whose data
changes should publish through the change log or accept that delay. A provider that fails is logged and left out; the page
still renders. Alternatively, the whole section is the template ``web/partials/other_databases.html``
(``{% block other_databases %}`` in ``web/lmo.html``), which another app may override.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from openbch.records.queries import PublishedRecord
from openbch.web.display import safe_link

__all__ = [
    "ExternalInfo",
    "OtherDatabaseProvider",
    "other_databases",
    "providers_generation",
    "register_other_database",
    "unregister_other_database",
]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ExternalInfo:
    """One piece of information about an LMO from another database, shown with its source."""

    #: the database's name, e.g. "OECD BioTrack", "EUginius"
    source: str
    #: a link to the information at the source (http or https)
    url: str = ""
    #: what the link or entry says, in the page language where the source has it
    label: str = ""
    #: further facts as (label, value) pairs, shown as a list
    facts: tuple[tuple[str, str], ...] = field(default_factory=tuple)


OtherDatabaseProvider = Callable[[PublishedRecord, str], list[ExternalInfo]]

_providers: list[OtherDatabaseProvider] = []
_generation = [0]


def register_other_database(provider: OtherDatabaseProvider) -> None:
    if provider not in _providers:
        _providers.append(provider)
        _generation[0] += 1


def unregister_other_database(provider: OtherDatabaseProvider) -> None:
    if provider in _providers:
        _providers.remove(provider)
        _generation[0] += 1


def providers_generation() -> int:
    """Changes when a provider is added or removed (cached LMO pages are then made afresh)."""
    return _generation[0]


def other_databases(lmo: PublishedRecord, language: str) -> list[ExternalInfo]:
    found: list[ExternalInfo] = []
    for provider in list(_providers):
        try:
            # a link that is not http(s) is shown as text, never as a link (no javascript: URLs)
            found.extend(replace(info, url=safe_link(info.url) or "") for info in provider(lmo, language))
        except Exception:  # one broken source must not take the LMO page down
            log.exception("other-database provider %r failed for %s", provider, lmo.uid)
    return found
