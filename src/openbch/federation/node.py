"""Making an instance a national node (the one service that writes :class:`Node`).

A node set up again from scratch must not mint the numbers its earlier installation used: the
command asks central for the highest number of the country's block it holds
(:func:`highest_at_central`) and :func:`init_node` starts after it.
"""

from __future__ import annotations

import re

from django.db import transaction
from django.utils import timezone

from openbch.core.actors import Actor
from openbch.core.errors import BadRequestError, Issue, PermissionDeniedError
from openbch.federation.models import Node
from openbch.federation.numbers import keep_ahead_of, start_numbering_in_block
from openbch.records.audit import AuditEvent, append_audit
from openbch.records.locking import acquire_write_lock
from openbch.vocabularies import get_vocabulary

__all__ = ["highest_at_central", "init_node"]

_URL = re.compile(r"^https?://[^\s/?#]+(/[^\s?#]*)?$")


def _country(code: str, path: str) -> tuple[str, list[Issue]]:
    value = code.strip().upper()
    if value.lower() not in get_vocabulary("countries").terms:
        return value, [Issue(path, "unknown_country", f"{code!r} is not an ISO 3166-1 alpha-2 code (or EU)")]
    return value, []


def highest_at_central(central_url: str, country: str, *, timeout: float = 15.0) -> int | None:
    """The highest number of ``country``'s block central holds (None: none); raises when central
    cannot be asked (the network, or a central without ``/api/v1/federation/numbers``)."""
    from openbch.client import OpenBCHClient

    with OpenBCHClient(central_url, timeout=timeout) as client:
        highest = client.numbers(country.strip().upper()).get("highest")
    return highest if isinstance(highest, int) and not isinstance(highest, bool) else None


def init_node(
    actor: Actor, *, country: str, central_url: str, countries: list[str], central_highest: int | None = None
) -> Node:
    """Make this instance the national node of ``country`` mirroring ``central_url`` (again: reconfigure).

    ``central_highest``: the highest number of the country's block central holds (its earlier
    installation's records): numbering starts after it."""
    if not actor.is_administrator:
        raise PermissionDeniedError(f"{actor.name} may not configure the node: it needs the administrator role")
    code, issues = _country(country, "/country")
    chosen: list[str] = []
    for index, other in enumerate(countries):
        value, more = _country(other, f"/countries/{index}")
        issues += more
        chosen.append(value)
    url = central_url.strip().rstrip("/")
    if not _URL.match(url):
        issues.append(Issue("/central", "invalid_url", f"{central_url!r} is not an http(s) URL"))
    if issues:
        raise BadRequestError("the node's settings are not valid", issues=issues)
    with transaction.atomic():
        acquire_write_lock()
        try:
            first = start_numbering_in_block(code)
        except ValueError as exc:
            raise BadRequestError(str(exc), issues=[Issue("/country", "numbers_used", str(exc))]) from None
        if central_highest is not None and central_highest >= first:
            keep_ahead_of([central_highest])
            first = start_numbering_in_block(code)
        Node.objects.all().delete()
        node = Node.objects.create(
            country=code, central_url=url, countries=sorted(set(chosen)), created_at=timezone.now()
        )
        append_audit(
            actor,
            [
                AuditEvent(
                    "node.configured",
                    country=code,
                    details={
                        "central": url,
                        "countries": node.countries,
                        "first_number": first,
                        "central_highest": central_highest,
                    },
                )
            ],
            at=timezone.now(),
        )
    return node
