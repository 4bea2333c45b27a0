"""The border check in a real browser at a phone's width, with and without JavaScript, and offline.

Reuses the session's served demo folder and chromium (tests/web/conftest.py). No test asserts on time.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from tests.web.conftest import Served

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
DOCUMENT = """BILL OF LADING No. SSZ-2024-0117
Shipper: Agro Export S.A.   Consignee: Prairie Feed Mills Ltd.
Description of goods: yellow maize (Zea mays) grain, bulk, 24,000 t
Article 18.2(a) Cartagena Protocol: this shipment may contain living modified organisms
intended for direct use as food or feed, or for processing, and is not intended for
intentional introduction into the environment: mon-00810-6 x MON-ØØ6Ø3-6, MON-88Ø17-3
Contact: logistics@example.org
"""


def _fits_the_screen(page: Any) -> bool:
    # against the phone's width: a mobile browser widens its layout viewport to the content
    return bool(page.evaluate(f"document.documentElement.scrollWidth <= {PHONE['width']}"))


def test_a_customs_officer_at_390px_pastes_a_document_and_reads_the_verdict(
    browser: Any, served: Served, artifacts: Path
) -> None:
    context = browser.new_context(viewport=PHONE, locale="en-US", is_mobile=True, has_touch=True)
    page = context.new_page()
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    try:
        page.goto(f"{served.url}/en/border-check/")
        page.get_by_label("Identifiers or document text").fill(DOCUMENT + "<script>alert(1)</script>")
        page.get_by_label("Importing country").select_option("CA")
        page.get_by_label("food", exact=True).check()
        page.get_by_role("button", name="Check").click()
        page.wait_for_url(re.compile(r"/en/border-check/\?text="))
        verdict = page.locator("#bc-verdict")
        assert verdict.inner_text().strip() == "Authorised — food, Canada"
        items = page.locator("article.bc-item")
        assert items.count() == 2
        stack = items.first
        assert "MON-ØØ6Ø3-6 x MON-ØØ81Ø-6" in stack.inner_text()
        assert stack.locator(".bc-components > li").count() == 2
        assert stack.get_by_role("heading", name="Event-specific detection methods").is_visible()
        assert _fits_the_screen(page)
        assert dialogs == []
        page.screenshot(path=str(artifacts / "border-check-390.png"), full_page=True)
        # the printable view: inputs, time and a QR code
        page.get_by_role("link", name="Printable result with QR code").click()
        page.wait_for_url(re.compile(r"/en/border-check/print/"))
        assert page.locator(".bc-qr svg").count() == 1
        assert _fits_the_screen(page)
        page.screenshot(path=str(artifacts / "border-check-print-390.png"), full_page=True)
    finally:
        context.close()


def test_the_last_checks_are_shown_offline(browser: Any, served: Served) -> None:
    context = browser.new_context(viewport=PHONE, locale="en-US")
    page = context.new_page()
    try:
        url = f"{served.url}/en/border-check/?text=MON-00810-6&country=CA&use=feed"
        page.goto(url)
        assert page.evaluate("navigator.serviceWorker.ready.then(() => true)")
        page.wait_for_function("navigator.serviceWorker.controller !== null")  # clients.claim()
        page.goto(url)  # answered through the service worker, which keeps a copy
        assert page.locator("#bc-verdict").inner_text().strip() == "Authorised — feed, Canada"
        context.set_offline(True)
        page.goto(url)
        assert page.locator("#bc-verdict").inner_text().strip() == "Authorised — feed, Canada"
        assert "data as of change" in page.locator(".bc-result").inner_text()
        page.goto(f"{served.url}/en/border-check/?text=MON-00603-6&country=CA&use=food")
        assert "offline" in page.locator("h1").inner_text().lower()
        assert page.locator("a[href*='MON-00810-6']").count() == 1
    finally:
        context.close()


def test_the_border_check_works_without_javascript(browser: Any, served: Served) -> None:
    context = browser.new_context(java_script_enabled=False, viewport=PHONE)
    page = context.new_page()
    try:
        page.goto(f"{served.url}/fr/border-check/")
        page.get_by_label("Identifiants ou texte du document").fill("MON-ØØ81Ø-7\nmon-00810-6")
        page.get_by_label("Pays d'importation").select_option("CA")
        page.get_by_label("culture ou dissémination dans l'environnement").check()
        page.get_by_role("button", name="Contrôler").click()
        page.wait_for_url(re.compile(r"/fr/border-check/\?"))
        assert page.locator("#bc-verdict").inner_text().startswith("Chiffre de contrôle erroné")
        badges = page.locator("article.bc-item .bc-badge").all_inner_texts()
        assert badges == ["Chiffre de contrôle erroné", "Autorisé"]
        assert _fits_the_screen(page)
    finally:
        context.close()


def test_axe_finds_no_serious_violation_on_the_check_and_its_print_view(
    browser: Any, served: Served, axe_script: Path
) -> None:
    # axe is injected as an inline script, which the pages' CSP rightly refuses: this tab ignores the CSP
    context = browser.new_context(bypass_csp=True, viewport=PHONE)
    page = context.new_page()
    query = "?text=mon-00810-6+x+MON-00603-6%0AMON-00810-7&country=CA&use=food"
    found = {}
    try:
        for path in (f"/en/border-check/{query}", f"/ar/border-check/{query}", f"/en/border-check/print/{query}"):
            page.goto(served.url + path)
            page.add_script_tag(path=str(axe_script))
            result = page.evaluate(
                "async () => { const r = await axe.run(document, {resultTypes: ['violations']});"
                " return r.violations.map(v => ({id: v.id, impact: v.impact, target: v.nodes[0].target.join(' ')})); }"
            )
            serious = [v for v in result if v["impact"] in ("serious", "critical")]
            if serious:
                found[path] = serious
    finally:
        context.close()
    assert found == {}
