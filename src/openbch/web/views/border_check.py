"""The border check page: a customs officer pastes a document, picks the country and the use.

A GET form with the API's own parameters (``text``, ``country``, ``use``), so a check is a URL: it
can be bookmarked, printed with a QR code that opens it again, opened as JSON at
``/api/v1/border-check`` and kept by the page's service worker for a border post that loses its
connection. The page works without JavaScript (the service worker is an addition). The answer comes
from :func:`openbch.customs.bordercheck.check_shipment`, as the API's does.
"""

from __future__ import annotations

from typing import Any

import segno
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext

from openbch.core.errors import BadRequestError, Issue, NotFoundError
from openbch.customs.advice import use_label
from openbch.customs.bordercheck import MAX_TEXT, ItemCheck, ShipmentCheck, check_shipment
from openbch.customs.decisions import USES, DecisionEvidence
from openbch.customs.reading import data_version
from openbch.identifiers.record_uid import parse_record_uid
from openbch.vocabularies import get_vocabulary
from openbch.web import qrcode
from openbch.web.display import page_url, safe_link
from openbch.web.views.common import page, page_language

__all__ = ["border_check_page", "border_check_print", "service_worker"]

#: the largest QR symbol printed (version 25 at level L holds 1,273 bytes): a check of many
#: identifiers still fits, with modules large enough at the print size
_QR_MAX_VERSION = 25


def verdict_label(verdict: str) -> str:
    """A verdict in the page language."""
    labels = {
        "authorised": gettext("Authorised"),
        "authorised-with-conditions": gettext("Authorised with conditions"),
        "not-authorised": gettext("Not authorised"),
        "no-decision": gettext("No decision found"),
        "identifier-unknown": gettext("Identifier unknown"),
        "check-digit-wrong": gettext("Verifier digit wrong"),
    }
    return labels.get(str(verdict), str(verdict))


def _record_url(uid: str) -> str | None:
    try:
        parsed = parse_record_uid(uid)
    except ValueError:
        return None
    return page_url("web:record", f"BCH-{parsed.type}-{parsed.owner}-{parsed.number}")


def effect_label(effect: str) -> str:
    """What a decision does for the use, in the page language."""
    labels = {
        "authorises": gettext("authorises"),
        "authorises-with-conditions": gettext("authorises with conditions"),
        "regulates": gettext("sets the terms: read the decision"),
        "prohibits": gettext("prohibits"),
        "not-an-authorisation": gettext("not an authorisation"),
        "withdrawn": gettext("withdrawn: does not authorise"),
        "expired": gettext("expired: does not authorise"),
    }
    return labels.get(effect, effect)


def _decision(decision: DecisionEvidence) -> dict[str, Any]:
    return {
        **decision.__dict__,
        "effect_label": effect_label(decision.effect),
        "url": _record_url(decision.uid),
        "documents": [u for u in (safe_link(d) for d in decision.documents) if u],
    }


def _lmo_url(unique: str | None, uid: str | None) -> str | None:
    if unique and "/" not in unique:
        return page_url("web:lmo", unique)
    return _record_url(uid) if uid else None


def _item(item: ItemCheck) -> dict[str, Any]:
    return {
        **item.__dict__,
        "verdict_label": verdict_label(item.verdict),
        "per_use": [{"use": use_label(u), "verdict": v, "label": verdict_label(v)} for u, v in item.per_use.items()],
        "url": _lmo_url(item.unique_identifier, item.lmo_uid),
        "evidence": [_decision(d) for d in item.evidence],
        # on the page, the other decisions on the same use (withdrawn, expired, not authorisations):
        # those on other uses are on the LMO's page, linked
        "related": [_decision(d) for d in item.related if d.covers_use],
        "other_uses": sum(1 for d in item.related if not d.covers_use),
        "components": [
            {
                **c.__dict__,
                "verdict_label": verdict_label(c.verdict),
                "url": _lmo_url(c.unique_identifier, c.lmo_uid),
                "evidence": [_decision(d) for d in c.evidence],
            }
            for c in item.components
        ],
        "detection_methods": [
            {**m, "record_url": _record_url(m["record"]) if m.get("record") else None, "url": safe_link(m.get("url"))}
            for m in item.detection_methods
        ],
        "laboratories": [{**lab, "url": _record_url(lab["uid"])} for lab in item.laboratories],
    }


def _same_check_query(result: ShipmentCheck) -> str:
    """The query of this check with the identifiers in plain ASCII, one a line: short enough for a
    QR code, and it gives the same verdicts (the registered spelling of each one found)."""
    lines = []
    for item in result.items:
        spelling = item.unique_identifier or item.input
        lines.append(spelling.replace("Ø", "0").replace("ø", "0").replace("×", "x"))
    return urlencode({"text": "\n".join(dict.fromkeys(lines)), "country": result.country, "use": result.use})


def _qr_svg(text: str, title: str) -> str:
    """The QR code of ``text`` as inline SVG: the LMO page's symbol when it fits, else a larger one."""
    try:
        code = qrcode.encode(text)
    except ValueError:
        payload = text.encode("utf-8")
        code = segno.make_qr(payload, error="l", mode="byte", boost_error=False)
        if code.version is None or int(code.version) > _QR_MAX_VERSION:
            return ""
    svg = qrcode.to_svg(code, title=title)
    return svg


def _issues(exc: BadRequestError | NotFoundError) -> list[dict[str, str]]:
    issues = list(exc.issues) or [Issue("/text", exc.code, exc.message)]
    return [{"field": i.path.strip("/").split("/")[0], "message": i.message} for i in issues]


def _context(request: HttpRequest) -> tuple[dict[str, Any], int]:
    language = page_language()
    text = request.GET.get("text", "")[: MAX_TEXT + 1]
    country = request.GET.get("country", "").strip().upper()[:2]
    # several uses: checkboxes send use=food&use=feed; a shared link says use=food,feed
    use = ",".join(part for value in request.GET.getlist("use") for part in value.split(",") if part)[:200]
    asked = any(k in request.GET for k in ("text", "country", "use"))
    result: ShipmentCheck | None = None
    issues: list[dict[str, str]] = []
    if asked:
        try:
            result = check_shipment(text, country, use, language)
        except (BadRequestError, NotFoundError) as exc:
            issues = _issues(exc)
    countries = sorted(
        ({"code": t.id.upper(), "name": t.label_in(language)} for t in get_vocabulary("countries")),
        key=lambda c: c["name"].casefold(),
    )
    context: dict[str, Any] = {
        "nav": "border_check",
        "language": language,
        "text": text,
        "country": country,
        "use": use,
        "uses": [{"code": u, "label": use_label(u), "checked": u in use.split(",")} for u in USES],
        "countries": countries,
        "issues": issues,
        "asked": asked,
        "result": result,
        "items": [_item(i) for i in result.items] if result else [],
        "overall_label": verdict_label(result.overall) if result else "",
        "laboratories": [{**lab, "url": _record_url(lab["uid"])} for lab in result.laboratories] if result else [],
        "data": result.data if result else data_version(),
        "max_text": MAX_TEXT,
    }
    if result:
        query = _same_check_query(result)
        context["api_url"] = "/api/v1/border-check?" + query
        context["pack_url"] = "/api/v1/border-check/pack?" + urlencode({"country": result.country})
        # the printed view shows the inputs as given; its QR code opens the same check (short query)
        context["print_url"] = reverse("web:border_check_print") + "?" + request.GET.urlencode()
        context["same_check_url"] = request.build_absolute_uri("/border-check/?" + query)
    return context, 400 if issues else 200


def border_check_page(request: HttpRequest) -> HttpResponse:
    context, status = _context(request)
    context["sw_url"] = reverse("web:border_check_sw")
    response = page(request, "web/border_check.html", context, status=status)
    response["Cache-Control"] = "no-cache"  # the service worker keeps the last checks, not the HTTP cache
    return response


def border_check_print(request: HttpRequest) -> HttpResponse:
    """The check for the officer's file: date and time, inputs, verdicts, and a QR code to open it again."""
    context, status = _context(request)
    result = context["result"]
    if result is not None:
        context["qr_svg"] = _qr_svg(context["same_check_url"], gettext("QR code of this check"))
    context["page_url"] = reverse("web:border_check") + ("?" + request.GET.urlencode() if request.GET else "")
    context["absolute_url"] = context.get("same_check_url") or request.build_absolute_uri(context["page_url"])
    context["printed_at"] = timezone.now()
    response = page(request, "web/border_check_print.html", context, status=status)
    response["Cache-Control"] = "no-cache"
    return response


def service_worker(request: HttpRequest) -> HttpResponse:
    """The service worker of the border check pages (its scope is the page's folder)."""
    script = render_to_string(
        "web/border_check_sw.js",
        {
            "offline_title": gettext("Border check: offline"),
            "offline_text": gettext(
                "There is no connection. These checks were kept on this device; each shows when it was "
                "made and how current its data was."
            ),
            "offline_none": gettext("No check was kept on this device yet."),
        },
    )
    response = HttpResponse(script, content_type="text/javascript; charset=utf-8")
    response["Cache-Control"] = "no-cache"
    return response
