"""Security of the pages: headers on every HTML route, no inline script or style, CSRF, output encoding."""

from __future__ import annotations

import base64
import hashlib
import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import quote

import pytest
from django.test import Client

from openbch.records.models import Record, RecordState
from openbch.web.templatetags.openbch_web import HTMX_INTEGRITY, HTMX_VERSION
from tests.web.xss import PAYLOADS, XSS_MARKER, write_load_files

pytestmark = pytest.mark.django_db

STATIC = Path(__file__).resolve().parents[2] / "src" / "openbch" / "web" / "static" / "web"


def _first(code: str) -> str:
    record = Record.objects.filter(type=code, state=RecordState.PUBLISHED).order_by("number").first()
    assert record is not None
    return f"BCH-{code}-{record.owner}-{record.number}"


def html_routes() -> list[str]:
    """One address of every web page (each name in openbch/web/urls.py), in two languages, and the errors."""
    decision = _first("DEC")
    mon810 = quote("MON-ØØ81Ø-6")
    paths = [
        "/en/",
        "/en/search/",
        "/en/search/?q=maize&type=LMO",
        "/en/search/?type=NOPE",
        f"/en/lmo/{mon810}/",
        f"/en/records/{decision}/",
        f"/en/records/{decision}/print/",
        f"/en/records/{decision}/history/",
        f"/en/records/{decision}/diff/?from=1&to=1",
        "/en/countries/",
        "/en/countries/ca/",
        "/en/no-such-page/",
        "/en/records/BCH-DEC-CA-999999/",
        "/accounts/login/",
        "/api/docs",
    ]
    return paths + [p.replace("/en/", "/ar/", 1) for p in paths if p.startswith("/en/")]


def test_every_html_route_sends_the_security_headers(client: Client) -> None:
    checked = 0
    for path in html_routes():
        response = client.get(path)
        if not response["Content-Type"].startswith("text/html"):
            continue
        checked += 1
        policy = response["Content-Security-Policy"]
        assert "unsafe-inline" not in policy and "unsafe-eval" not in policy, path
        for directive in ("frame-ancestors 'none'", "object-src 'none'", "script-src 'self'", "base-uri 'none'"):
            assert directive in policy, (path, directive)
        assert response["X-Content-Type-Options"] == "nosniff", path
        assert response["Referrer-Policy"] == "same-origin", path
        assert response["X-Frame-Options"] == "DENY", path
    assert checked >= 25


def test_hsts_is_sent_over_https(client: Client) -> None:
    response = client.get("/en/", secure=True)
    assert response["Strict-Transport-Security"].startswith("max-age=31536000")
    assert "Strict-Transport-Security" not in client.get("/en/")


class _Markup(HTMLParser):
    """Everything a page could run or style inline."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self.scripts: list[dict[str, str | None]] = []
        self.in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        names = dict(attrs)
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"<{tag} {name}=…>")
            if name == "style":
                self.problems.append(f"<{tag} style=…>")
            if name in ("href", "src", "action", "formaction", "data") and (value or "").strip().lower().startswith(
                ("javascript:", "data:", "vbscript:")
            ):
                self.problems.append(f"<{tag} {name}={value!r}>")
        if tag == "script":
            self.scripts.append(names)
            if not names.get("src"):
                self.problems.append("inline <script>")
        if tag in ("style", "iframe", "object", "embed", "base", "math", "video"):
            self.problems.append(f"<{tag}>")
        if tag == "meta" and (names.get("http-equiv") or "").lower() == "refresh":
            self.problems.append("<meta refresh>")


def markup_problems(page: str) -> tuple[list[str], list[dict[str, str | None]]]:
    parser = _Markup()
    parser.feed(page)
    return parser.problems, parser.scripts


def test_pages_have_no_inline_script_style_or_handler(client: Client) -> None:
    for path in html_routes():
        if path.startswith(("/api/", "/accounts/")):
            continue  # not the web app's templates
        problems, scripts = markup_problems(client.get(path).content.decode())
        assert problems == [], (path, problems)
        for script in scripts:
            assert str(script.get("src", "")).startswith("/static/"), (path, script)


def test_htmx_is_vendored_with_a_matching_sri_hash(client: Client) -> None:
    vendored = STATIC / "vendor" / f"htmx-{HTMX_VERSION}.min.js"
    digest = base64.b64encode(hashlib.sha384(vendored.read_bytes()).digest()).decode()
    assert f"sha384-{digest}" == HTMX_INTEGRITY
    page = client.get("/en/search/").content.decode()
    assert f'src="/static/web/vendor/htmx-{HTMX_VERSION}.min.js" integrity="{HTMX_INTEGRITY}"' in page
    served = client.get(f"/static/web/vendor/htmx-{HTMX_VERSION}.min.js")
    assert served.status_code == 200
    served.close()
    # htmx must not add its own <style> (the CSP would block it) nor evaluate code
    assert '"includeIndicatorStyles": false' in page and '"allowEval": false' in page


def test_every_page_carries_the_csrf_token_for_htmx_and_forms_need_it(client: Client) -> None:
    page = client.get("/en/").content.decode()
    token = re.search(r'<meta name="csrf-token" content="([^"]+)">', page)
    assert token is not None and len(token.group(1)) >= 32
    script = (STATIC / "js" / "openbch.js").read_text()
    assert "htmx:configRequest" in script and "X-CSRFToken" in script
    strict = Client(enforce_csrf_checks=True)
    assert strict.post("/en/search/", {"q": "maize"}).status_code == 403
    assert strict.post("/accounts/logout/").status_code == 403
    # with the token from the page (the meta tag) and the cookie, the same request passes the check
    strict.get("/en/")
    meta = re.search(r'<meta name="csrf-token" content="([^"]+)">', strict.get("/en/").content.decode())
    assert meta is not None
    allowed = strict.post("/accounts/logout/", headers={"X-CSRFToken": meta.group(1)})
    assert allowed.status_code != 403


def test_hostile_text_in_every_field_of_every_type_is_shown_as_text(client: Client, tmp_path: Path) -> None:
    from openbch.core.actors import SYSTEM
    from openbch.records.load import load_files
    from openbch.records.workflow import withdraw

    first, second = write_load_files(tmp_path)
    load_files(SYSTEM, [first])
    load_files(SYSTEM, [second])
    hostile = list(Record.objects.filter(source_key__startswith="xss/"))
    assert len(hostile) == 13
    withdraw(SYSTEM, identifier=hostile[0].identifier, reason=PAYLOADS[0])
    paths = ["/en/search/?q=" + XSS_MARKER, "/fr/search/?q=" + XSS_MARKER + "&type=DEC", "/en/"]
    for record in hostile:
        base = f"/en/records/BCH-{record.type}-{record.owner}-{record.number}/"
        paths += [base, base + "history/", base + "diff/?from=1&to=2", base + "print/"]
    shown = 0
    for path in paths:
        response = client.get(path, follow=True)
        assert response.status_code == 200, path
        page = response.content.decode()
        problems, _ = markup_problems(page)
        assert problems == [], (path, problems[:5])
        shown += page.count(XSS_MARKER)
    assert shown > 500  # the payloads are there, as text


def test_a_link_field_never_becomes_a_javascript_link(client: Client) -> None:
    from openbch.web.display import safe_link

    assert safe_link("javascript:alert(1)") is None
    assert safe_link(" JaVaScRiPt:alert(1)") is None
    assert safe_link("data:text/html,<script>") is None
    assert safe_link("https://example.org/a") == "https://example.org/a"
