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

**Sections of record pages and country profiles**: a provider ``(record, language) -> PageSection |
None`` registered with :func:`register_record_section` (or ``(country code, language)`` with
:func:`register_country_section`) adds a section of its own, rendered from its template with its
context: participation shows a decision's (and an LMO's) public comment periods this way, without
the pages knowing about participation. Record pages keep their article in the cache while nothing
is published, but a section's facts may change without a publication (a comment period opens,
closes, gets its outcome): so providers run on every request, must answer with one cheap query, and
their context — plain data (strings, numbers, dates, lists, dicts) — is part of the cached
article's key, so that the article is made afresh as soon as a section says something new.

**Search results**: a provider ``(identifiers, language) -> {identifier: [SearchNote]}`` registered
with :func:`register_search_notes` adds short notes with a link under the hits it knows about
(participation: "open for public comment until …" under a decision or an LMO); a provider
``(query, language) -> PageSection | None`` registered with :func:`register_search_panel` adds a
section above the results (participation: the comment periods whose title or summary match the
words searched). Both run on every search page, after the (kept) search answer: one cheap query each.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, TypeVar

from openbch.records.queries import PublishedRecord
from openbch.web.display import safe_link

__all__ = [
    "CountrySectionProvider",
    "ExternalInfo",
    "OtherDatabaseProvider",
    "PageSection",
    "RecordSectionProvider",
    "SearchNote",
    "SearchNoteProvider",
    "SearchPanelProvider",
    "country_sections",
    "other_databases",
    "providers_generation",
    "record_sections",
    "register_country_section",
    "register_other_database",
    "register_record_section",
    "register_search_notes",
    "register_search_panel",
    "search_notes",
    "search_panels",
    "unregister_country_section",
    "unregister_other_database",
    "unregister_record_section",
    "unregister_search_notes",
    "unregister_search_panel",
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


@dataclass(frozen=True)
class PageSection:
    """A section another app adds to a record page or a country profile."""

    #: the section's id on the page (its heading is ``{key}-title``), e.g. "comment-periods"
    key: str
    #: the heading, in the page language
    heading: str
    #: the template that renders the section's body; it sees ``section`` (this object)
    template: str
    #: what the template shows: plain data only (on record pages it is part of the cache key)
    context: Mapping[str, Any] = field(default_factory=dict)


RecordSectionProvider = Callable[[PublishedRecord, str], PageSection | None]
CountrySectionProvider = Callable[[str, str], PageSection | None]

_record_sections: list[RecordSectionProvider] = []
_country_sections: list[CountrySectionProvider] = []
#: what a section is about: a record or a country code
S = TypeVar("S")


def register_record_section(provider: RecordSectionProvider) -> None:
    if provider not in _record_sections:
        _record_sections.append(provider)


def unregister_record_section(provider: RecordSectionProvider) -> None:
    if provider in _record_sections:
        _record_sections.remove(provider)


def register_country_section(provider: CountrySectionProvider) -> None:
    if provider not in _country_sections:
        _country_sections.append(provider)


def unregister_country_section(provider: CountrySectionProvider) -> None:
    if provider in _country_sections:
        _country_sections.remove(provider)


def _sections(providers: list[Callable[[S, str], PageSection | None]], subject: S, language: str) -> list[PageSection]:
    found = []
    for provider in list(providers):
        try:
            section = provider(subject, language)
        except Exception:  # one broken section must not take the page down
            log.exception("page-section provider %r failed for %s", provider, subject)
            continue
        if section is not None:
            found.append(section)
    return found


def record_sections(item: PublishedRecord, language: str) -> list[PageSection]:
    """The sections other apps add to this record's page, in the order they registered."""
    return _sections(_record_sections, item, language)


def country_sections(code: str, language: str) -> list[PageSection]:
    """The sections other apps add to a country's profile (``code``: ISO code, upper case)."""
    return _sections(_country_sections, code, language)


@dataclass(frozen=True)
class SearchNote:
    """A short note under a search hit, with a link (e.g. "Open for public comment until 12 May")."""

    label: str
    url: str
    #: a class for the note's badge (``open``, ``upcoming``)
    kind: str = ""


SearchNoteProvider = Callable[[Sequence[str], str], Mapping[str, list[SearchNote]]]
SearchPanelProvider = Callable[[str, str], PageSection | None]

_search_notes: list[SearchNoteProvider] = []
_search_panels: list[SearchPanelProvider] = []


def register_search_notes(provider: SearchNoteProvider) -> None:
    if provider not in _search_notes:
        _search_notes.append(provider)


def unregister_search_notes(provider: SearchNoteProvider) -> None:
    if provider in _search_notes:
        _search_notes.remove(provider)


def register_search_panel(provider: SearchPanelProvider) -> None:
    if provider not in _search_panels:
        _search_panels.append(provider)


def unregister_search_panel(provider: SearchPanelProvider) -> None:
    if provider in _search_panels:
        _search_panels.remove(provider)


def _note_link(url: str) -> str:
    """A path on this site, or an http(s) URL; anything else (``javascript:``) is no link."""
    if url.startswith("/") and not url.startswith(("//", "/\\")):
        return url
    return safe_link(url) or ""


def search_notes(identifiers: Sequence[str], language: str) -> dict[str, list[SearchNote]]:
    """The notes other apps add under the hits of these records (by record identifier)."""
    found: dict[str, list[SearchNote]] = {}
    if not identifiers:
        return found
    for provider in list(_search_notes):
        try:
            for identifier, notes in provider(identifiers, language).items():
                found.setdefault(identifier, []).extend(replace(n, url=_note_link(n.url)) for n in notes)
        except Exception:  # one broken provider must not take the search page down
            log.exception("search-note provider %r failed", provider)
    return found


def search_panels(query: str, language: str) -> list[PageSection]:
    """The sections other apps add above the results of a search for ``query``."""
    return _sections(_search_panels, query, language)
