"""Where the public looks for comment periods: a decision's page, its LMO's page, the country profile.

Registered with the web pages' extension points (:mod:`openbch.web.extensions`) by the app's
``ready()`` when the web app is installed, so the record and country pages know nothing of
participation. Each provider answers with one query; what it returns is plain data, because a
record page's cached article is keyed on it: a period that opens, closes or gets its outcome shows
at once, without a publication. The outcome is shown as the HTML the participation Markdown
renderer made when it was published (markdown-it with raw HTML off, then nh3): never the raw text.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext

from openbch.participation import reading, services
from openbch.participation.models import CommentPeriod
from openbch.records.models import RecordState
from openbch.records.queries import PublishedRecord
from openbch.web.extensions import PageSection, SearchNote

__all__ = ["comment_periods_found", "comment_periods_noted", "country_comment_periods", "record_comment_periods"]

SECTION_KEY = "comment-periods"
TEMPLATE = "web/participation/_periods_section.html"


def _period(period: CommentPeriod, now: Any, *, full_outcome: bool, with_record: bool) -> dict[str, Any]:
    url = reverse("web:comment_period", args=[period.pk])
    record = period.record
    published = record.state in (RecordState.PUBLISHED, RecordState.WITHDRAWN) and bool(record.uid)
    return {
        "id": period.pk,
        "title": period.title,
        "url": url,
        "state": services.period_state(period, now),
        "country": period.country,
        "opens_at": period.opens_at,
        "closes_at": period.closes_at,
        # the record consulted on: a link once it is published (a draft has no public page)
        "record_label": (record.uid or record.title) if with_record else "",
        "record_url": reverse("web:record", args=[record.uid.rsplit("-", 1)[0]]) if with_record and published else "",
        "outcome_url": f"{url}#outcome" if period.outcome_html else "",
        "outcome_html": period.outcome_html if full_outcome else "",
        "outcome_by": period.outcome_by,
        "outcome_at": period.outcome_at,
    }


def record_comment_periods(item: PublishedRecord, language: str) -> PageSection | None:
    """A record's comment periods with their outcome in full; on an LMO's page, those on its
    decisions, compact (the outcome is a link to the period's page)."""
    periods = services.comment_periods_about(item.record)
    if not periods:
        return None
    now = timezone.now()
    lmo = item.record.type == "LMO"
    shown = [_period(p, now, full_outcome=not lmo, with_record=lmo) for p in periods]
    return PageSection(
        key=SECTION_KEY,
        heading=gettext("Public comment on pending decisions"),
        template=TEMPLATE,
        context={"periods": shown, "compact": lmo},
    )


def country_comment_periods(code: str, language: str) -> PageSection:
    """A country's open and coming comment periods and its latest closed ones, with a link to all."""
    now = timezone.now()
    periods = services.country_comment_periods(code)
    return PageSection(
        key=SECTION_KEY,
        heading=gettext("Public comment on pending decisions"),
        template=TEMPLATE,
        context={
            "periods": [_period(p, now, full_outcome=False, with_record=True) for p in periods],
            "compact": True,
            "all_url": f"{reverse('web:comment_periods')}?country={code.upper()}",
        },
    )


def comment_periods_noted(identifiers: Sequence[str], language: str) -> dict[str, list[SearchNote]]:
    """Under a search hit: the comment periods open or coming on that decision, or on a decision
    about that LMO (the public looks for a product, not for the decision's number)."""
    notes: dict[str, list[SearchNote]] = {}
    for identifier, periods in reading.current_comment_periods_about(identifiers).items():
        for period in periods:
            url = reverse("web:comment_period", args=[period.pk])
            closes = period.closes_at.strftime("%Y-%m-%d")
            if services.period_state(period) == "open":
                note = SearchNote(gettext("Open for public comment until %(date)s") % {"date": closes}, url, "open")
            else:
                opens = period.opens_at.strftime("%Y-%m-%d")
                note = SearchNote(gettext("Public comment from %(date)s") % {"date": opens}, url, "upcoming")
            notes.setdefault(identifier, []).append(note)
    return notes


def comment_periods_found(query: str, language: str) -> PageSection | None:
    """Above the search results: the current comment periods whose title or summary match."""
    periods = reading.comment_periods_matching(query)
    if not periods:
        return None
    now = timezone.now()
    return PageSection(
        key="search-comment-periods",
        heading=gettext("Open for public comment"),
        template=TEMPLATE,
        context={"periods": [_period(p, now, full_outcome=False, with_record=True) for p in periods], "compact": True},
    )
