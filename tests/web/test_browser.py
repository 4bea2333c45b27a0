"""The pages in a real browser (Debian's chromium through Playwright) against ``openbch serve``.

Screenshots of the main pages are saved in ``tests/web/artifacts/`` (``OPENBCH_TEST_ARTIFACTS``)
for CI to keep. No test asserts on time.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import pytest

from tests.web.conftest import Served
from tests.web.xss import XSS_MARKER

pytestmark = pytest.mark.browser

MON810 = "MON-ØØ81Ø-6"


def shoot(page: Any, artifacts: Path, name: str, *, full_page: bool = True) -> None:
    page.screenshot(path=str(artifacts / f"{name}.png"), full_page=full_page)


def test_a_uid_spelled_any_way_lands_on_the_mon810_page_with_the_canadian_decisions(
    page: Any, served: Served, artifacts: Path
) -> None:
    page.goto(f"{served.url}/en/")
    page.get_by_label(re.compile("Search for an LMO")).fill("mon-00810-6")
    page.get_by_role("button", name="Search").click()
    page.wait_for_url(re.compile(r"/en/lmo/"))
    assert unquote(page.url).endswith(f"/en/lmo/{MON810}/")
    assert page.get_by_role("heading", level=1).inner_text().strip() != ""
    assert page.locator(".uid.big").inner_text() == MON810
    canada = page.locator("table.matrix tbody tr").filter(has_text="Canada")
    assert canada.count() == 1
    assert canada.locator("td").last.inner_text().strip() == "3"
    assert page.locator("[aria-labelledby=decisions-ca] table tbody tr").count() == 3
    # the European Union's decision, with the instrument's number and date as the Commission published them
    eu = page.locator("[aria-labelledby=decisions-eu] table tbody tr")
    assert eu.count() == 1
    assert "98/294/EC" in eu.inner_text() and "1998-04-22" in eu.inner_text()
    assert page.locator("img[alt^='QR code']").evaluate("img => img.complete && img.naturalWidth > 0")
    shoot(page, artifacts, "lmo-mon810-en")
    page.set_viewport_size({"width": 390, "height": 844})
    shoot(page, artifacts, "lmo-mon810-small-screen")


def test_what_canada_decided_about_mon810_in_french_in_three_clicks(page: Any, served: Served, artifacts: Path) -> None:
    page.goto(f"{served.url}/")
    page.get_by_role("link", name="Français").click()  # 1
    page.wait_for_url(re.compile(r"/fr/$"))
    page.get_by_label(re.compile("Rechercher un OVM")).fill("MON810")
    page.get_by_role("button", name="Recherche").click()  # 2
    page.wait_for_url(re.compile(r"/fr/search/"))
    page.locator(".best-match a").click()  # 3
    page.wait_for_url(re.compile(r"/fr/lmo/"))
    assert page.locator("html").get_attribute("lang") == "fr"
    assert page.get_by_role("heading", name="Décisions par pays").is_visible()
    canada = page.locator("[aria-labelledby=decisions-ca] table tbody tr")
    assert canada.count() == 3
    assert "Alimentation humaine" in page.locator("[aria-labelledby=decisions-ca]").inner_text()
    shoot(page, artifacts, "lmo-mon810-fr")


def test_facet_clicks_swap_the_results_and_keep_the_filters_in_the_url(
    page: Any, served: Served, artifacts: Path
) -> None:
    page.goto(f"{served.url}/en/search/?q=maize")
    total_before = page.locator("#results-title").inner_text()
    page.evaluate("window.__notReloaded = true")
    facet = page.locator(".facet").filter(has=page.get_by_role("heading", name="Record type"))
    facet.get_by_role("link", name=re.compile("Living modified organisms")).click()
    page.wait_for_url(re.compile(r"type=LMO"))
    page.wait_for_function("document.querySelector('#results-title').textContent.includes('results')")
    assert page.evaluate("window.__notReloaded === true")  # htmx swapped the region; no page load
    assert page.locator("#results-title").inner_text() != total_before
    assert page.locator(".active-filters").get_by_text("Living modified organisms").count() == 1
    # a hierarchical facet: choosing a trait shows its narrower traits
    traits = page.locator(".facet").filter(has=page.get_by_role("heading", name="Modified traits"))
    traits.get_by_role("link", name=re.compile("Resistance to herbicides")).click()
    page.wait_for_url(re.compile(r"traits=resistance-to-herbicides"))
    page.wait_for_selector("text=Glyphosate tolerance")
    assert page.evaluate("window.__notReloaded === true")
    # the address is the state: reloading it gives the same page
    url = page.url
    page.reload()
    assert page.url == url and page.locator(".facet-link.selected").count() >= 2
    shoot(page, artifacts, "search-facets")
    # the language links follow the swapped address
    assert "traits=resistance-to-herbicides" in (page.locator("#languages a[lang='fr']").get_attribute("href") or "")


def test_the_search_works_without_javascript(browser: Any, served: Served) -> None:
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    try:
        page.goto(f"{served.url}/en/search/?q=maize")
        page.locator(".facet").first.get_by_role("link").first.click()
        page.wait_for_url(re.compile(r"type="))
        assert page.locator(".active-filters li").count() >= 1
        page.get_by_role("link", name="Next page").click()
        page.wait_for_url(re.compile(r"cursor="))
        assert page.locator(".result").count() > 0
    finally:
        context.close()


def test_switching_to_french_and_arabic(page: Any, served: Served, artifacts: Path) -> None:
    page.goto(f"{served.url}/en/search/?q=maize&type=LMO")
    page.get_by_role("link", name="Français").click()
    page.wait_for_url(re.compile(r"/fr/search/\?q=maize&type=LMO"))
    assert page.locator("html").get_attribute("lang") == "fr"
    assert page.get_by_role("heading", name="Recherche", exact=True).is_visible()
    page.get_by_role("link", name="العربية").click()
    page.wait_for_url(re.compile(r"/ar/search/"))
    assert page.locator("html").get_attribute("dir") == "rtl"
    assert page.locator("html").get_attribute("lang") == "ar"
    # right to left: the results column is left of the filters
    facets = page.locator(".facets").bounding_box()
    results = page.locator(".results").bounding_box()
    assert facets is not None and results is not None and results["x"] < facets["x"]
    shoot(page, artifacts, "search-ar")
    page.goto(f"{served.url}/ar/lmo/{MON810}/")
    shoot(page, artifacts, "lmo-mon810-ar")


def test_keyboard_users_can_skip_to_the_content_and_see_the_focus(page: Any, served: Served) -> None:
    page.goto(f"{served.url}/en/")
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.textContent.trim()")
    assert focused == "Skip to main content"
    assert page.evaluate("getComputedStyle(document.activeElement).outlineStyle") != "none"
    page.keyboard.press("Enter")
    assert page.evaluate("location.hash") == "#main"
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.closest('main') !== null")


def test_the_printable_view_prints_cleanly(page: Any, served: Served, artifacts: Path) -> None:
    page.goto(f"{served.url}/en/lmo/{MON810}/")
    page.emulate_media(media="print")
    assert page.locator(".site-header").evaluate("e => getComputedStyle(e).display") == "none"
    assert page.locator("#decisions-title").is_visible()
    page.emulate_media(media="screen")
    page.get_by_role("link", name="Printable view").click()
    page.wait_for_url(re.compile(r"/print/$"))
    assert page.locator(".main-nav").count() == 0
    page.pdf(path=str(artifacts / "lmo-mon810-print.pdf"), format="A4")
    assert (artifacts / "lmo-mon810-print.pdf").stat().st_size > 10_000


def _hostile_pages(page: Any, served: Served) -> list[str]:
    page.goto(f"{served.url}/en/search/?q={XSS_MARKER}")
    records = sorted(set(re.findall(r'href="(/en/records/BCH-[A-Z]+-[A-Z]+-\d+/)"', page.content())))
    lmo = (
        page.locator(".result-title a")
        .filter(has_text=XSS_MARKER)
        .evaluate_all("links => links.map(a => a.getAttribute('href'))")
    )
    assert len(records) + len(lmo) >= 13
    paths = [f"/en/search/?q={XSS_MARKER}", f"/fr/search/?q={XSS_MARKER}&type=LMO", f"/ar/search/?q={XSS_MARKER}"]
    for record in records:
        paths += [record, f"{record}history/", f"{record}diff/?from=1&to=2", f"{record}print/"]
        paths.append(record.replace("/en/", "/ar/"))
    return paths + [p for p in lmo if p not in records]


def test_hostile_records_never_run_a_script(page: Any, served: Served, artifacts: Path) -> None:
    violations: list[str] = []
    page.on("console", lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None)
    paths = _hostile_pages(page, served)
    for path in paths:
        response = page.goto(served.url + path)
        assert response is not None and response.status == 200, path
        page.mouse.move(200, 300)  # hover handlers, if any had survived
        page.keyboard.press("Tab")
    assert page.dialogs == []
    assert violations == []  # nothing inline was even attempted
    page.goto(f"{served.url}/en/search/?q={XSS_MARKER}")
    assert page.locator("text=xssprobe").count() > 10  # the payloads are on the page, as text
    shoot(page, artifacts, "xss-search")


AXE_PAGES = [
    "/en/",
    "/en/search/?q=maize",
    f"/en/lmo/{MON810}/",
    "/en/countries/ca/",
    "/ar/",
    f"/ar/lmo/{MON810}/",
    "/fr/search/?type=DEC&country=CA",
]


def test_axe_finds_no_serious_or_critical_violation(browser: Any, served: Served, axe_script: Path) -> None:
    # axe is injected as an inline script, which the pages' CSP rightly refuses: this tab ignores the CSP
    context = browser.new_context(bypass_csp=True)
    page = context.new_page()
    found: dict[str, list[str]] = {}
    for path in [*AXE_PAGES, _a_decision(page, served)]:
        page.goto(served.url + path)
        page.add_script_tag(path=str(axe_script))
        result = page.evaluate(
            "async () => { const r = await axe.run(document, {resultTypes: ['violations']});"
            " return r.violations.map(v => ({id: v.id, impact: v.impact, nodes: v.nodes.length,"
            " target: v.nodes[0].target.join(' ')})); }"
        )
        serious = [v for v in result if v["impact"] in ("serious", "critical")]
        if serious:
            found[path] = [json.dumps(v) for v in serious]
    context.close()
    assert found == {}


def _a_decision(page: Any, served: Served) -> str:
    page.goto(f"{served.url}/en/search/?type=DEC")
    href = page.locator(".result-title a").first.get_attribute("href")
    assert href
    return str(href)


def test_screenshots_of_the_main_pages(page: Any, served: Served, artifacts: Path) -> None:
    shots = {
        "home-en": "/en/",
        "home-ar": "/ar/",
        "search-en": "/en/search/?q=maize",
        "country-ca-fr": "/fr/countries/ca/",
        "decision-en": _a_decision(page, served),
    }
    for name, path in shots.items():
        page.goto(served.url + path)
        shoot(page, artifacts, name)
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(served.url + "/en/")
    shoot(page, artifacts, "home-small-screen")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # no sideways scrolling
    assert page.dialogs == []
