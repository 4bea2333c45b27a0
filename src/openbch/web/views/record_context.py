"""What every record page shows (the LMO page adds its profile: :mod:`openbch.web.views.lmo_context`)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.http import HttpRequest
from django.urls import reverse

from openbch.records.history import revisions_of
from openbch.records.models import Record, WorkflowEvent
from openbch.records.queries import PublishedRecord, linking_records
from openbch.web.display import RecordView, backlinks, record_url, record_view
from openbch.web.views.common import page_language

__all__ = ["record_context", "record_history"]


def record_history(item: PublishedRecord) -> dict[str, Any]:
    """The revisions of a record and its workflow events (publication, withdrawal …) in order."""
    base = item.uid.rsplit("-", 1)[0]
    history = revisions_of(base)
    events = WorkflowEvent.objects.filter(record=item.record).order_by("at")
    return {
        "revisions": history["revisions"],
        "events": [{"at": e.at, "action": e.action, "revision": e.revision, "reason": e.reason} for e in events],
    }


def record_context(
    request: HttpRequest,
    item: PublishedRecord,
    *,
    printing: bool,
    view: RecordView | None = None,
    links: Mapping[str, list[Record]] | None = None,
) -> dict[str, Any]:
    """What every record page shows; ``links``: the referencing records to list (default: all)."""
    language = page_language()
    view = view or record_view(item, language)
    view.backlinks = backlinks(linking_records(item.record) if links is None else links, language)
    base = view.base_uid
    return {
        "view": view,
        "printing": printing,
        "history": record_history(item),
        "print_url": reverse("web:record_print", args=[item.uid if not view.is_latest else base]),
        "page_url": reverse("web:record", args=[item.uid if not view.is_latest else base]),
        "latest_url": record_url(item.record, item.body if view.is_latest else None),
        "api_url": f"/api/v1/records/{item.uid}",
    }
