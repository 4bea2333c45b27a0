"""Making an instance a national node (the one service that writes :class:`Node`)."""

from __future__ import annotations

import re

from django.db import transaction
from django.utils import timezone

from openbch.core.actors import Actor
from openbch.core.errors import BadRequestError, Issue, PermissionDeniedError
from openbch.federation.models import Node
from openbch.federation.numbers import start_numbering_in_block
from openbch.records.audit import AuditEvent, append_audit
from openbch.records.locking import acquire_write_lock
from openbch.vocabularies import get_vocabulary

__all__ = ["init_node"]

_URL = re.compile(r"^https?://[^\s/?#]+(/[^\s?#]*)?$")


def _country(code: str, path: str) -> tuple[str, list[Issue]]:
    value = code.strip().upper()
    if value.lower() not in get_vocabulary("countries").terms:
        return value, [Issue(path, "unknown_country", f"{code!r} is not an ISO 3166-1 alpha-2 code (or EU)")]
    return value, []


def init_node(actor: Actor, *, country: str, central_url: str, countries: list[str]) -> Node:
    """Make this instance the national node of ``country`` mirroring ``central_url`` (again: reconfigure)."""
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
                    details={"central": url, "countries": node.countries, "first_number": first},
                )
            ],
            at=timezone.now(),
        )
    return node
