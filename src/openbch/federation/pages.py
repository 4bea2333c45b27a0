"""Where a copy comes from: a section of the record pages of records published on another instance.

A national node shows central's reference records and other countries' decisions; central shows
what nodes pushed. A reader must be able to tell a copy from a record published here, which
instance published it, and how fresh the copy is (the node's last successful pull). Registered with
the record pages' extension point (:mod:`openbch.web.extensions`) by the app's ``ready()``; the
section's context is plain data and part of the cached article's key, so a new pull shows at once.
"""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import gettext

from openbch.federation.models import Node, Peer
from openbch.records.queries import PublishedRecord
from openbch.web.extensions import PageSection

__all__ = ["record_origin"]


def record_origin(item: PublishedRecord, language: str) -> PageSection | None:
    """For a copy: the instance that published it, its revision there and the last pull; else None."""
    record = item.record
    if record.instance in ("", "local", settings.INSTANCE_ID):
        return None
    node = Node.objects.first()
    peer = Peer.objects.filter(url=node.central_url).first() if node is not None else None
    from_central = node is not None
    base = item.uid.rsplit("-", 1)[0]
    return PageSection(
        key="record-origin",
        heading=gettext("Where this record comes from"),
        template="web/federation/_origin.html",
        context={
            "instance": record.instance,
            "revision": record.revision,
            "origin_seq": record.origin_seq or 0,
            "from_central": from_central,
            "origin_url": f"{node.central_url.rstrip('/')}/{language}/records/{base}/" if node is not None else "",
            "synced_at": peer.last_success_at.strftime("%Y-%m-%d %H:%M") if peer and peer.last_success_at else "",
        },
    )
