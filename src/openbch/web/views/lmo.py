"""The LMO page, found by any spelling of the LMO's unique identifier, and its QR code.

The page is a record page (:func:`openbch.web.views.record.render_record`) whose article shows the
LMO's profile (:mod:`openbch.web.views.lmo_context`); the QR code is for shipping documents.
"""

from __future__ import annotations

from urllib.parse import quote

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext

from openbch.core.errors import NotFoundError
from openbch.records.lmo_profile import lmo_profile
from openbch.records.queries import PublishedRecord, find_lmos_by_oecd_uid, latest_revisions
from openbch.web import qrcode
from openbch.web.display import record_url
from openbch.web.views.common import error_page, page_language
from openbch.web.views.record import render_record

__all__ = ["lmo_page", "lmo_qr"]


def _find_lmo(request: HttpRequest, text: str) -> PublishedRecord | HttpResponse:
    candidates = find_lmos_by_oecd_uid(text)
    if not candidates:
        try:
            lmo_profile(text, language=page_language())  # the service explains what is wrong, with hints
        except NotFoundError as exc:
            return error_page(request, 404, exc.message)
        return error_page(request, 404, gettext("No LMO is registered under this identifier."))
    return latest_revisions(candidates[:1])[0]


def lmo_page(request: HttpRequest, text: str) -> HttpResponse:
    found = _find_lmo(request, text)
    if isinstance(found, HttpResponse):
        return found
    canonical = record_url(found.record, found.body)
    if canonical != reverse("web:lmo", args=[text]):
        # any spelling finds the LMO; the page has one address, its registered identifier
        return HttpResponseRedirect(canonical)
    return render_record(request, found, printing=False)


def _qr_text(request: HttpRequest, unique: str) -> str:
    """What the QR code holds: the identifier and an address of the page without a language prefix
    (the reader's browser then gets its own language), in ASCII so that every reader opens it."""
    ascii_spelling = unique.replace("Ø", "0").replace("ø", "0").replace("×", "x")
    address = request.build_absolute_uri("/lmo/" + quote(ascii_spelling, safe="") + "/")
    text = f"{unique}\n{address}"
    return text if len(text.encode()) <= qrcode.MAX_BYTES else address


def lmo_qr(request: HttpRequest, text: str) -> HttpResponse:
    """The QR code (SVG) of an LMO's identifier and page address; ``?download=1`` to save it."""
    found = _find_lmo(request, text)
    if isinstance(found, HttpResponse):
        return found
    unique = str(found.body.get("uniqueIdentification") or text).strip()
    code = qrcode.encode(_qr_text(request, unique))
    svg = qrcode.to_svg(code, title=unique)
    response = HttpResponse(svg, content_type="image/svg+xml; charset=utf-8")
    if request.GET.get("download"):
        safe = "".join(c if c.isascii() and (c.isalnum() or c in "-_") else "_" for c in unique)[:60]
        response["Content-Disposition"] = f'attachment; filename="lmo-{safe}-qr.svg"'
    response["Cache-Control"] = "public, max-age=3600"
    return response
