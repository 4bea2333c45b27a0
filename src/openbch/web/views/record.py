"""Record pages for every record type, generated from the type definitions; the printable view,
the revision history and the differences between two revisions."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext

from openbch.core.errors import NotFoundError
from openbch.records.history import revision_diff
from openbch.records.queries import PublishedRecord, get_published
from openbch.recordtypes import get_record_type
from openbch.web.cache import cached
from openbch.web.display import RecordView, diff_rows, is_guid, record_url, record_view
from openbch.web.extensions import providers_generation, record_sections
from openbch.web.views.common import error_page, page, page_language
from openbch.web.views.lmo_context import lmo_context
from openbch.web.views.record_context import record_context, record_history

__all__ = ["diff_page", "history_page", "record_page", "record_print"]

PRINT_BASE = "web/print_base.html"
SCREEN_BASE = "web/base.html"


def _explicit_revision(uid: str) -> bool:
    return not is_guid(uid) and len(uid.strip().split("-")) == 5


def _find(request: HttpRequest, uid: str) -> PublishedRecord | HttpResponse:
    try:
        return get_published(uid)
    except NotFoundError as exc:
        return error_page(request, 404, exc.message)


def render_record(request: HttpRequest, item: PublishedRecord, *, printing: bool) -> HttpResponse:
    """A record's page (an LMO's with its profile), the article rendered once per state of the data.

    The article is what every visitor sees alike, so it is cached (:mod:`openbch.web.cache`); the
    frame around it (header, the visitor's name, the CSRF token) is rendered for each request. The
    sections other apps add (:func:`openbch.web.extensions.record_sections`) are asked on every
    request, and what they say is part of the key: they change without a publication.
    """
    language = page_language()
    is_lmo = item.record.type == "LMO"
    sections = record_sections(item, language)

    def build() -> tuple[str, str, str]:
        if is_lmo:
            context = lmo_context(request, item, printing=printing)
        else:
            context = record_context(request, item, printing=printing)
        context["record_sections"] = sections
        view: RecordView = context["view"]
        title = f"{view.title.text} — {view.type_label}"
        unique = context.get("lmo", {}).get("unique") if is_lmo else ""
        if unique:
            title = f"{unique} — {title}"
        fragment = "web/fragments/lmo.html" if is_lmo else "web/fragments/record.html"
        return title, render_to_string(fragment, context, request), context["page_url"]

    shown = [[s.key, s.heading, s.template, s.context] for s in sections]
    parts = [item.uid, item.record.state, printing, language, request.get_host(), providers_generation(), shown]
    title, article, page_url = cached("record", parts, build)
    return page(
        request,
        "web/record.html",
        {
            "base_template": PRINT_BASE if printing else SCREEN_BASE,
            "page_title": title,
            "article": article,
            "page_url": page_url,
            "absolute_url": request.build_absolute_uri(page_url),
            # the way into the management centre (which decides what the visitor may do there)
            "manage_url": reverse("web:manage_record", args=[item.record.identifier])
            if request.user.is_authenticated and not printing
            else "",
        },
    )


def record_page(request: HttpRequest, uid: str) -> HttpResponse:
    found = _find(request, uid)
    if isinstance(found, HttpResponse):
        return found
    base = found.uid.rsplit("-", 1)[0]
    if not _explicit_revision(uid):
        canonical = record_url(found.record, found.body)
        if found.record.type == "LMO" and canonical != reverse("web:record", args=[base]):
            return HttpResponseRedirect(canonical)  # an LMO's page is found by its unique identifier
        if uid != base:  # a GUID or another spelling: one address per record
            return HttpResponseRedirect(reverse("web:record", args=[base]))
    return render_record(request, found, printing=False)


def record_print(request: HttpRequest, uid: str) -> HttpResponse:
    """The record for printing (or saving as PDF from the browser): no navigation, every section."""
    found = _find(request, uid)
    if isinstance(found, HttpResponse):
        return found
    return render_record(request, found, printing=True)


def history_page(request: HttpRequest, uid: str) -> HttpResponse:
    found = _find(request, uid)
    if isinstance(found, HttpResponse):
        return found
    language = page_language()
    view = record_view(found, language)
    return page(
        request,
        "web/history.html",
        {"view": view, "history": record_history(found), "latest_url": record_url(found.record, found.body)},
    )


def diff_page(request: HttpRequest, uid: str) -> HttpResponse:
    """What changed between two revisions (``?from=1&to=2``; default: the latest and the one before)."""
    found = _find(request, uid)
    if isinstance(found, HttpResponse):
        return found
    latest = found.record.revision
    raw_from, raw_to = request.GET.get("from", ""), request.GET.get("to", "")
    if (raw_from and not raw_from.isdigit()) or (raw_to and not raw_to.isdigit()):
        return error_page(request, 400, gettext("from and to are revision numbers"))
    new = int(raw_to) if raw_to else latest
    old = int(raw_from) if raw_from else max(1, new - 1)
    base = found.uid.rsplit("-", 1)[0]
    try:
        result = revision_diff(base, old, new)
    except NotFoundError as exc:
        return error_page(request, 404, exc.message)
    language = page_language()
    record_type = get_record_type(found.record.type)
    view = record_view(found, language)
    return page(
        request,
        "web/diff.html",
        {
            "view": view,
            "old": old,
            "new": new,
            "rows": diff_rows(record_type, result["changes"], language),
            "history_url": reverse("web:history", args=[base]),
            "latest_url": record_url(found.record, found.body),
            "revisions": range(1, latest + 1),
        },
    )
