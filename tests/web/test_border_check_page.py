"""The border check page without JavaScript: a GET form, the verdicts, the printable view, escaping, size."""

from __future__ import annotations

import re
from html import unescape
from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client

from openbch.customs.bordercheck import check_shipment
from tests.web.test_qrcode import QUIET_ZONE, decode, svg_modules
from tests.web.xss import PAYLOADS

pytestmark = pytest.mark.django_db

DOCUMENT = (
    "COMMERCIAL INVOICE 2024/118\nGoods: yellow maize grain, 12,000 t, for processing into feed.\n"
    "Article 18.2(a): may contain mon-00810-6 x MON-ØØ6Ø3-6, MON-88Ø17-3.\n"
)


def get(client: Client, params: dict[str, str], *, language: str = "en", status: int = 200) -> str:
    response = client.get(f"/{language}/border-check/", params)
    assert response.status_code == status, response.content[:1000]
    return response.content.decode()


def test_the_form_is_in_the_navigation_and_works_without_javascript(client: Client) -> None:
    home = client.get("/en/").content.decode()
    assert 'href="/en/border-check/"' in home
    empty = get(client, {})
    form = empty.split('<form method="get"', 1)[1].split("</form>", 1)[0]
    assert 'name="text"' in form and 'name="country"' in form and 'name="use"' in form
    assert "Data as of change" in empty
    html = get(client, {"text": DOCUMENT, "country": "CA", "use": ["food", "feed"]})
    assert 'value="food" checked' in html and 'value="feed" checked' in html and 'value="transit" checked' not in html
    assert "food: <strong>" in html  # the verdict for each use
    html = get(client, {"text": DOCUMENT, "country": "CA", "use": "feed"})
    answer = check_shipment(DOCUMENT, "CA", "feed")
    verdict = html.split('id="bc-verdict"', 1)[1].split("</h2>", 1)[0]
    assert "Authorised — feed, Canada" in unescape(verdict)
    assert html.count('<article class="bc-item') == len(answer.items) == 2
    # each decision links to its record page, and the page opens
    links = re.findall(r'href="(/en/records/BCH-DEC-CA-\d+/)"', html)
    assert links and client.get(links[0]).status_code == 200
    assert f"data as of change {answer.data.seq}" in html


def test_errors_are_listed_with_links_to_their_fields(client: Client) -> None:
    html = get(client, {"text": "", "country": "CA", "use": "eat"}, status=400)
    summary = html.split('id="error-summary"', 1)[1].split("</div>", 1)[0]
    assert 'href="#field-text"' in summary and 'href="#field-use"' in summary
    html = get(client, {"text": "MON-ØØ81Ø-6", "country": "QQ", "use": "food"}, status=400)
    assert 'href="#field-country"' in html


def test_hostile_text_is_shown_as_text(client: Client) -> None:
    hostile = " ".join(PAYLOADS[:8]) + " MON-ØØ81Ø-6 </textarea><script>alert(9)</script>"
    html = get(client, {"text": hostile, "country": "CA", "use": "food"})
    assert "<script>alert" not in html
    assert "</textarea><script>" not in html
    assert "&lt;/textarea&gt;&lt;script&gt;alert(9)&lt;/script&gt;" in html  # the textarea keeps it, escaped
    body = html.split("<body>", 1)[1]
    assert re.search(r"<(img|svg|iframe|object|embed|video|details|math|input)[^>]*on\w+=", body) is None
    assert "Authorised" in html


def test_the_page_is_small_and_readable_in_french(client: Client) -> None:
    html = get(client, {"text": DOCUMENT, "country": "CA", "use": "food"}, language="fr")
    assert len(html.encode()) < 50_000
    assert "Contrôle à la frontière" in html
    assert "Autorisé" in html


def test_the_printable_view_has_the_time_the_inputs_and_a_qr_code_of_the_same_check(client: Client) -> None:
    response = client.get("/en/border-check/print/", {"text": "mon-00810-6", "country": "CA", "use": "food"})
    assert response.status_code == 200
    html = response.content.decode()
    assert re.search(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}", html)
    assert "Canada (CA)" in html and "mon-00810-6" in html
    svg = html.split('<figure class="bc-qr">', 1)[1].split("</figure>", 1)[0]
    grid = svg_modules(svg)
    url = decode([row[QUIET_ZONE:-QUIET_ZONE] for row in grid[QUIET_ZONE:-QUIET_ZONE]]).decode()
    parts = urlsplit(url)
    assert parts.path == "/border-check/"
    query = parse_qs(parts.query)
    assert query == {"text": ["MON-00810-6"], "country": ["CA"], "use": ["food"]}
    # the address opens the same check (after the language redirect)
    again = client.get(parts.path + "?" + parts.query, follow=True)
    assert again.status_code == 200 and "Authorised — food, Canada" in unescape(again.content.decode())


def test_the_service_worker_is_served_for_the_page_folder(client: Client) -> None:
    response = client.get("/en/border-check/sw.js")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    assert "caches.open" in response.content.decode()
    page = get(client, {})
    assert 'data-sw="/en/border-check/sw.js"' in page
