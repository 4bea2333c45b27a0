"""The "Follow this LMO" section of an LMO's page, through the web pages' extension point.

An LMO's page keeps its article in a cache shared by every reader, so the section holds no
per-account state and no CSRF token: it links to the follow page, which shows whether the reader
follows it and does the POST.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.urls import reverse
from django.utils.translation import gettext

from openbch.records.queries import PublishedRecord
from openbch.web.extensions import PageSection

__all__ = ["lmo_follow_section"]


def lmo_follow_section(item: PublishedRecord, language: str) -> PageSection | None:
    if item.record.type != "LMO":
        return None
    query = urlencode({"target": "lmo", "key": item.record.identifier})
    return PageSection(
        key="follow",
        heading=gettext("E-mail notifications"),
        template="notifications/_follow_section.html",
        context={"url": f"{reverse('web:follow')}?{query}"},
    )
