"""Posts from Markdown to safe HTML, with clearing-house records turned into links.

Two kept libraries do the work, in this order, and nothing here escapes by hand:

1. markdown-it-py (CommonMark, raw HTML **off**: ``<b>`` in a post is shown as text) parses the
   post; a core rule of ours (:func:`_record_links`) finds record UIDs (``BCH-DEC-CA-1042-2``,
   revision optional) and OECD unique identifiers (``MON-ØØ81Ø-6``, any dash, ``0`` for ``Ø``, any
   case) in plain text — never inside code or an existing link — and turns those that name a
   published record into links with the record's title;
2. nh3 (ammonia) cleans the HTML against an allow-list of tags, attributes, classes and URL
   schemes, whatever step 1 produced (defence in depth: a bug in either library or in our rule
   still cannot put a script on the page).

**Resolved when saved, not when shown**: a thread page of a thousand posts then costs one query
and no look-ups, and a post shows what its author saw when writing it. The price: a record's title
changed later shows in the post only after the post's next edit. Links are language-neutral
(``/records/<uid>/``); the site sends a reader to the page in their language.

Headings are shifted down two levels (``#`` becomes ``<h3>``), so a post cannot outrank the page's
own headings; images are not allowed (a remote image would tell a third party who reads what).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import nh3
from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml
from markdown_it.rules_core import StateCore
from markdown_it.token import Token

from openbch.core.errors import NotFoundError
from openbch.identifiers.oecd import check as check_oecd_uid
from openbch.identifiers.record_uid import parse_record_uid

__all__ = ["RecordLink", "external_links", "find_references", "render", "resolve_references"]

_DASHES = "-\u2010\u2011\u2012\u2013\u2014\u2015\u2212"
_ALNUM = "A-Za-z0-9Øø"
#: ``BCH-DEC-CA-1042`` or ``BCH-DEC-CA-1042-2`` (the owner may be ``SCBD``)
_UID = re.compile(
    r"(?<![A-Za-z0-9-])[Bb][Cc][Hh]-[A-Za-z]{2,5}-[A-Za-z]{2,4}-[1-9][0-9]{0,17}(?:-[1-9][0-9]{0,8})?(?![A-Za-z0-9-])"
)
#: dashed only (any kind of dash): loose spellings (``MON 00810 6``) are too easy to find in prose
_OECD = re.compile(
    rf"(?<![{_ALNUM}{_DASHES}])[A-Za-z]{{2,3}}[{_DASHES}][{_ALNUM}]{{5,6}}[{_DASHES}][0-9](?![{_ALNUM}])"
)
_REFERENCE = re.compile(f"{_UID.pattern}|{_OECD.pattern}")
#: an address written out (CommonMark without linkify leaves it as text; spammers write them so)
_BARE_URL = re.compile(r"(?<!\w)https?://[^\s<>()\[\]]*[^\s<>()\[\].,;:!?'\"]", re.IGNORECASE)

ALLOWED_TAGS = {
    "p", "br", "hr", "em", "strong", "del", "s", "code", "pre", "blockquote", "ul", "ol", "li", "a",
    "h3", "h4", "h5", "h6", "table", "thead", "tbody", "tr", "th", "td", "span",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}}
ALLOWED_CLASSES = {"a": {"record-link"}, "span": {"record-title"}}
URL_SCHEMES = {"http", "https", "mailto"}


@dataclass(frozen=True)
class RecordLink:
    href: str
    title: str


def find_references(text: str) -> list[str]:
    """Record UIDs and dashed OECD identifiers in ``text`` as written, each once, in order."""
    return list(dict.fromkeys(m.group(0) for m in _REFERENCE.finditer(text)))


def resolve_references(references: Iterable[str]) -> dict[str, RecordLink]:
    """The published record each reference names (references naming none are left out)."""
    from openbch.records.queries import find_lmos_by_oecd_uid, get_published

    found: dict[str, RecordLink] = {}
    for written in references:
        if _UID.fullmatch(written):
            try:
                uid = parse_record_uid(written)
                record = get_published(str(uid))
            except (ValueError, NotFoundError):
                continue
            found[written] = RecordLink(href=f"/records/{uid}/", title=record.record.title or str(uid))
        else:
            lmos = find_lmos_by_oecd_uid(written)
            if lmos:
                canonical = check_oecd_uid(written).canonical or written
                found[written] = RecordLink(href=f"/lmo/{canonical}/", title=lmos[0].title or canonical)
    return found


def _split_text(token: Token, links: Mapping[str, RecordLink]) -> list[Token]:
    out: list[Token] = []
    text = token.content
    at = 0
    for match in _REFERENCE.finditer(text):
        link = links.get(match.group(0))
        if link is None:
            continue
        if match.start() > at:
            out.append(_text(text[at : match.start()]))
        opening = Token("link_open", "a", 1, attrs={"href": link.href, "class": "record-link", "title": link.title})
        out += [opening, _text(match.group(0)), Token("link_close", "a", -1)]
        title = Token("html_inline", "", 0, content="")
        title.meta = {"record_title": link.title}
        out.append(title)
        at = match.end()
    if not out:
        return [token]
    if at < len(text):
        out.append(_text(text[at:]))
    return out


def _text(content: str) -> Token:
    return Token("text", "", 0, content=content)


def _record_links_rule(links: Mapping[str, RecordLink]) -> object:
    def rule(state: StateCore) -> None:
        for block in state.tokens:
            if block.type in ("heading_open", "heading_close"):
                block.tag = f"h{min(6, int(block.tag[1]) + 2)}"
            if block.type != "inline" or not block.children or not links:
                continue
            children: list[Token] = []
            inside_link = 0
            for child in block.children:
                if child.type == "link_open":
                    inside_link += 1
                elif child.type == "link_close":
                    inside_link -= 1
                if child.type == "text" and not inside_link:
                    children.extend(_split_text(child, links))
                else:
                    children.append(child)
            block.children = children

    return rule


def _parser(links: Mapping[str, RecordLink]) -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "breaks": True}).enable(["table", "strikethrough"])
    md.core.ruler.push("record_links", _record_links_rule(links))  # type: ignore[arg-type]

    def html_inline(renderer: object, tokens: list[Token], idx: int, options: object, env: object) -> str:
        # only our own title tokens reach here: raw HTML is off, so the parser makes none
        title = tokens[idx].meta.get("record_title")
        if title is None:
            return ""
        return f' <span class="record-title">({escapeHtml(title)})</span>'

    md.add_render_rule("html_inline", html_inline)
    return md


def external_links(text: str) -> list[str]:
    """The addresses of other sites a post links to (Markdown links and bare ``http(s)://``), each once."""
    tokens = MarkdownIt("commonmark", {"html": False}).parse(text)
    found: list[str] = []
    for block in tokens:
        for child in block.children or []:
            if child.type == "link_open":
                found.append(str(child.attrGet("href") or ""))
    found += _BARE_URL.findall(text)
    return list(dict.fromkeys(url for url in found if url.lower().startswith(("http://", "https://", "//"))))


def render(text: str, *, links: Mapping[str, RecordLink] | None = None) -> str:
    """Safe HTML of Markdown ``text``; ``links`` from :func:`resolve_references` (None: look them up)."""
    if links is None:
        links = resolve_references(find_references(text))
    html = _parser(links).render(text)
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        allowed_classes=ALLOWED_CLASSES,
        url_schemes=URL_SCHEMES,
        link_rel="nofollow ugc noopener noreferrer",
    )
