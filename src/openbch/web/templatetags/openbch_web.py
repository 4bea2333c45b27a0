"""Template helpers of the web pages: language links and direction, fallback-marked text, icons.

Every helper escapes what it is given (``format_html``); none marks data as safe.
"""

from __future__ import annotations

from typing import Any

from django import template
from django.conf import settings
from django.http import HttpRequest
from django.templatetags.static import static
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext

from openbch.web.display import RTL_LANGUAGES, Text, language_name, page_language
from openbch.web.display import localized as localize_value

register = template.Library()

HTMX_VERSION = "2.0.11"
#: SRI of static/web/vendor/htmx-2.0.11.min.js (npm htmx.org@2.0.11, dist/htmx.min.js)
HTMX_INTEGRITY = "sha384-2OatzQy1H+Zd/IIrjr1TcuDGqLXeHhbooAyJY1KdQMKnr4LZ22k31GBLdYKHmVjg"


@register.simple_tag
def page_dir() -> str:
    return "rtl" if page_language().split("-")[0] in RTL_LANGUAGES else "ltr"


def _switched(path: str, current: str, code: str) -> str:
    prefix = f"/{current}/"
    if path.startswith(prefix):
        return f"/{code}/{path[len(prefix) :]}"
    return f"/{code}/"


@register.simple_tag(takes_context=True)
def language_links(context: dict[str, Any]) -> list[dict[str, Any]]:
    """The page in each interface language: the same address under another language prefix."""
    request: HttpRequest | None = context.get("request")
    current = page_language()
    path = request.path if request is not None else "/"
    query = request.META.get("QUERY_STRING", "") if request is not None else ""
    links = []
    for code, name in settings.LANGUAGES:
        url = _switched(path, current, code)
        links.append(
            {
                "code": code,
                "name": name,
                "url": f"{url}?{query}" if query else url,
                "current": code == current,
                "dir": "rtl" if code in RTL_LANGUAGES else "ltr",
            }
        )
    return links


@register.filter(name="localized")
def localized_filter(value: Any) -> SafeString | str:
    """Record text in the page language; text shown in another language (the fallback) carries its
    ``lang`` and is marked: ``<span lang="en" class="fallback">…</span> (English)``."""
    language = page_language()
    shown = value if isinstance(value, Text) else localize_value(value, language)
    if shown is None:
        return ""
    if not shown.lang or shown.lang.split("-")[0] == language.split("-")[0]:
        return shown.text
    direction = "rtl" if shown.rtl else "ltr"
    if shown.fallback:
        return format_html(
            '<span lang="{}" dir="{}" class="fallback">{}</span> <small class="fallback-note">({})</small>',
            shown.lang,
            direction,
            shown.text,
            language_name(shown.lang, language),
        )
    return format_html('<span lang="{}" dir="{}">{}</span>', shown.lang, direction, shown.text)


def _facet_items(values: list[dict[str, Any]], selected_note: str, check: SafeString) -> SafeString:
    items = []
    for value in values:
        children = value.get("children") if value.get("open") else None
        items.append(
            format_html(
                '<li><a href="{}" class="facet-link{}" rel="nofollow">{}<span class="facet-label">{}</span> '
                '<span class="count">{}</span></a>{}</li>',
                value["url"],
                " selected" if value["selected"] else "",
                format_html('{}<span class="visually-hidden">{} </span>', check, selected_note)
                if value["selected"]
                else "",
                value["label"],
                value["count"],
                format_html("<ul>{}</ul>", _facet_items(children, selected_note, check)) if children else "",
            )
        )
    return mark_safe("".join(items))  # noqa: S308 - every part above was escaped by format_html


@register.simple_tag
def facet_values(values: list[dict[str, Any]]) -> SafeString:
    """A facet's values as nested list items (narrower terms under an open term), built in one pass:
    a template include per value costs more than the rest of the search page."""
    return _facet_items(values, gettext("Selected; select to remove:"), icon("check"))


@register.simple_tag
def result_item(r: dict[str, Any]) -> SafeString:
    """One search hit as a list item (a template include per hit costs more than the search)."""
    meta = [format_html('<span class="badge type-{}">{}</span>', r["type"].lower(), r["type_label"])]
    fields = r.get("fields") or []
    names = {f["name"] for f in fields}
    # a national record whose type's hit fields leave out its country, or a hit without fields
    if r["owner"] != "SCBD" and "government" not in names:
        meta.append(format_html("<span>{}</span>", r["owner_name"]))
    for hit_field in fields:
        value = (
            format_html('<time datetime="{}">{}</time>', hit_field["value"], hit_field["value"])
            if hit_field["is_date"]
            else hit_field["value"]
        )
        label_class = "visually-hidden" if hit_field["label_hidden"] else "hit-label"
        meta.append(
            format_html(
                '<span class="hit-field" data-field="{}"><span class="{}">{}:</span> {}</span>',
                hit_field["name"],
                label_class,
                hit_field["label"],
                value,
            )
        )
    meta.append(format_html('<span class="uid">{}</span>', r["uid"]))
    highlights = [
        format_html(
            '<p class="highlight">{}</p>',
            format_html_join(
                "", "{}", ((format_html("<mark>{}</mark>", f.text) if f.match else f.text,) for f in fragments)
            ),
        )
        for fragments in r.get("highlights", [])
    ]
    notes = [
        format_html('<a class="badge note-{}" href="{}">{}</a>', n.kind, n.url, n.label)
        if n.url
        else format_html('<span class="badge note-{}">{}</span>', n.kind, n.label)
        for n in r.get("notes", [])
    ]
    return format_html(
        '<li class="result"><h3 class="result-title"><a href="{}">{}</a></h3><p class="result-meta">{}</p>{}{}</li>',
        r["url"],
        localized_filter(r["title"]),
        mark_safe(" ".join(meta)),  # noqa: S308 - each part escaped by format_html above
        mark_safe("".join(highlights)),  # noqa: S308 - idem
        format_html('<p class="result-notes">{}</p>', mark_safe(" ".join(notes))) if notes else "",  # noqa: S308 - idem
    )


def _uid_check(check: Any) -> SafeString | str:
    if check is None or check.ok is None:
        return ""
    if check.ok:
        return format_html('<span class="check ok">{}</span>', gettext("verifier digit correct"))
    if check.written:
        text = gettext("verifier digit is %(written)s, computed %(computed)s: check the identifier") % {
            "written": check.written,
            "computed": check.computed,
        }
    else:
        text = gettext("verifier digit does not match: check the identifier")
    return format_html('<span class="check warn">{}</span>', text)


@register.simple_tag
def uid_check(check: Any) -> SafeString | str:
    """The verifier-digit verdict of an OECD unique identifier (a warning, never an error)."""
    return _uid_check(check)


@register.simple_tag
def field_value(v: Any) -> SafeString | str:
    """One value of a record field (``openbch.web.display.Value``), by its kind."""
    kind = v.kind
    if kind in ("ref", "construct"):
        detail = format_html(' <span class="detail">({})</span>', v.detail) if v.detail else ""
        return format_html("{}{}", ref_link(v.ref), detail)
    if kind == "link":
        if v.url:
            return format_html(
                '<a href="{}" rel="noopener noreferrer nofollow ugc" class="external">{}</a>',
                v.url,
                localized_filter(v.text),
            )
        return format_html('<span class="not-a-link">{}</span>', localized_filter(v.text))
    if kind == "email":
        return format_html('<a href="mailto:{}">{}</a>', v.text.text, v.text.text)
    if kind == "uid":
        shown = (
            format_html('<a href="{}" class="uid">{}</a>', v.url, v.text.text)
            if v.url
            else format_html('<span class="uid">{}</span>', v.text.text)
        )
        return format_html("{} {}", shown, _uid_check(v.check))
    if kind == "dna":
        return format_html('<code class="dna">{}</code>', v.text.text)
    if kind == "date":
        return format_html('<time datetime="{}">{}</time>', v.text.text, v.text.text)
    return localized_filter(v.text)


@register.simple_tag
def ref_link(ref: Any) -> SafeString:
    """A referenced record: its title (linked when published), type, pinned revision, withdrawn mark."""
    title = localized_filter(ref.title)
    link = format_html('<a href="{}">{}</a>', ref.url, title) if ref.url else format_html("<span>{}</span>", title)
    kind = ref.type_label
    if ref.pinned:
        kind = f"{kind}, {gettext('revision %(n)s') % {'n': ref.pinned}}"
    withdrawn = format_html(' <span class="badge withdrawn">{}</span>', gettext("Withdrawn")) if ref.withdrawn else ""
    return format_html('{} <span class="ref-type">{}</span>{}', link, kind, withdrawn)


@register.simple_tag
def icon(name: str, css: str = "icon") -> SafeString:
    """An icon from the sprite (decorative: the text beside it says the same)."""
    return format_html(
        '<svg class="{}" aria-hidden="true" focusable="false"><use href="{}#{}"></use></svg>',
        css,
        static("web/icons.svg"),
        name,
    )


@register.simple_tag
def htmx_script() -> SafeString:
    """The vendored htmx, pinned, with its SRI hash (pages that enhance with htmx include it)."""
    return format_html(
        '<script src="{}" integrity="{}" defer></script>',
        static(f"web/vendor/htmx-{HTMX_VERSION}.min.js"),
        HTMX_INTEGRITY,
    )
