"""Hostile text in every participation field comes out as text: no element, attribute or URL of it.

The browser test (tests/web/test_browser_participation.py) renders the same pages in chromium and
counts script executions; this one reads the HTML the server sends, so it also runs on PostgreSQL.
"""

from __future__ import annotations

import lxml.html
import pytest
from django.conf import settings
from django.test import Client

from openbch.participation.markdown import render
from tests.web.xss import PAYLOADS, XSS_MARKER

from .hostile import hostile_pages, seed_hostile

#: the sprite of the icons our record pages show
STATIC_ICONS = f"{settings.STATIC_URL}web/icons.svg#"
#: what our own pages put in <main>: anything else executable came from a payload
_SCRIPTABLE = ("script", "iframe", "object", "embed", "base", "meta", "style", "svg", "math", "img", "video")


def _our_icon(element: lxml.html.HtmlElement) -> bool:
    """An icon of the record pages' sprite (``{% icon %}``): an <svg> holding one <use> of it."""
    children = list(element)
    return (
        element.tag == "svg"
        and "icon" in (element.get("class") or "").split()
        and len(children) == 1
        and children[0].tag == "use"
        and set(children[0].attrib) == {"href"}
        and children[0].get("href", "").startswith(STATIC_ICONS)
    )


def _problems(html: str) -> list[str]:
    tree = lxml.html.fromstring(html)
    found = []
    for main in tree.xpath("//main"):
        for element in main.iter():
            if not isinstance(element.tag, str):
                continue
            if element.tag in _SCRIPTABLE and not _our_icon(element):
                found.append(f"<{element.tag}>")
            for name, value in element.attrib.items():
                if name.startswith("on") or name == "style":
                    found.append(f"{element.tag}[{name}]")
                if name in ("href", "src", "action", "formaction") and value.strip().lower().startswith(
                    ("javascript:", "data:", "vbscript:")
                ):
                    found.append(f"{element.tag}[{name}={value[:40]}]")
    return found


@pytest.mark.parametrize("payload", PAYLOADS, ids=[str(n) for n in range(len(PAYLOADS))])
def test_a_payload_in_a_post_renders_without_markup_of_its_own(payload: str) -> None:
    html = render(f"{payload}\n\n[x]({payload}) **{payload}**", links={})
    assert _problems(f"<main>{html}</main>") == []


def test_every_participation_page_shows_the_payloads_as_text(db: None) -> None:
    ids = seed_hostile()
    client = Client()
    for path in [*hostile_pages(ids), "/en/debates/hostile-debate/report.pdf"]:
        response = client.get(path)
        assert response.status_code == 200, path
        if path.endswith(".pdf"):
            assert response.content.startswith(b"%PDF")
            continue
        text = response.content.decode()
        assert XSS_MARKER in text, path
        assert _problems(text) == [], path
    # the display names (one per payload) are on the thread page, escaped
    thread = client.get(hostile_pages(ids)[2]).content.decode()
    names = lxml.html.fromstring(thread).xpath("//strong[@class='post-author']/text()")
    assert {p[:150] for p in PAYLOADS} <= set(names)
    # and every payload is a thread title on the forum page
    forum = lxml.html.fromstring(client.get(hostile_pages(ids)[1]).content.decode())
    assert set(PAYLOADS) <= {a.text_content() for a in forum.xpath("//table//a")}
    # the API serves the same text as JSON (html sanitised, names as plain strings)
    api = client.get(f"/api/v1/threads/{ids['thread']}").json()
    assert {p["author"] for p in api["posts"]} >= {p[:150] for p in PAYLOADS}
    for post in api["posts"]:
        assert _problems(f"<main>{post['html']}</main>") == []
