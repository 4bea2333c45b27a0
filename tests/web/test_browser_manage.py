"""The management centre in a real browser: a decision drafted through the generated form, submitted,
then approved (or rejected with a reason) by the country's publishing authority.

Runs against the session's ``openbch serve`` (tests/web/conftest.py) with two Canadian accounts made
by ``openbch user``. Screenshots go to the artifacts folder. No test asserts on time.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from tests.web.conftest import Served

pytestmark = pytest.mark.browser

#: an LMO no other browser test counts decisions of (they count MON810's Canadian ones)
LMO_EVENT = "LLRICE62"
LMO_UID = "ACS-OSØØ2-5"
LMO_TITLE = "Liberty Link"


def shoot(page: Any, artifacts: Path, name: str) -> None:
    page.screenshot(path=str(artifacts / f"{name}.png"), full_page=True)


def log_in(page: Any, served: Served, username: str, password: str) -> None:
    page.goto(f"{served.url}/accounts/login/?next=/en/manage/")
    page.get_by_label("User name").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(re.compile(r"/en/manage/$"))


def log_out(page: Any) -> None:
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(re.compile(r"/accounts/login/"))


def pick(page: Any, field: str, query: str, choice: str) -> None:
    """Choose a record with a reference field's picker (the search runs as one types)."""
    page.locator(f"#f-{field}-0-q").fill(query)
    button = page.locator(f"#f-{field}-0-results .pick").filter(has_text=choice).first
    button.click()
    assert re.fullmatch(r"[0-9A-F-]{36}", page.locator(f"#f-{field}-0").input_value())


def draft_a_decision(page: Any, served: Served, title: str, artifacts: Path | None = None) -> None:
    """Fill a Canadian 8.1 decision about LLRICE62 through the form; the date and authority come later."""
    page.goto(f"{served.url}/en/manage/new/decision/")
    page.locator("#f-title-en").fill(title)
    # fields that apply only to 8.1 decisions are hidden until the type is chosen, then shown
    transboundary = page.locator("#field-addressesTransboundaryMovement")
    release = page.locator("#field-releaseInformation")
    assert transboundary.is_hidden() and release.is_hidden()
    page.get_by_role("checkbox", name=re.compile("^Decision on LMOs for intentional introduction")).check()
    transboundary.wait_for(state="visible")
    assert release.is_hidden()
    # the same region again for an 8.6 notification: other fields
    page.get_by_role("checkbox", name=re.compile(r"^Notification of unintentional")).check()
    release.wait_for(state="visible")
    page.get_by_role("checkbox", name=re.compile(r"^Notification of unintentional")).uncheck()
    release.wait_for(state="hidden")
    if artifacts is not None:
        shoot(page, artifacts, "manage-new-decision")
    pick(page, "modifiedOrganisms", LMO_EVENT, LMO_TITLE)
    page.locator("#f-isAmendment").select_option("false")
    page.locator("#f-expires").select_option("false")
    page.get_by_role("button", name="Save draft").click()
    page.wait_for_url(re.compile(r"/en/manage/drafts/[0-9A-F-]+/\?done=created"))


def finish_and_submit(page: Any, message: str) -> None:
    page.locator("#f-date").fill("2025-03-01")
    pick(page, "authorities", "Canadian Food Inspection", "Canadian Food Inspection Agency")
    page.get_by_role("button", name="Save draft").click()
    page.wait_for_url(re.compile(r"\?done=saved"))
    assert page.locator("#field-date .field-messages").count() == 0
    page.get_by_label(re.compile("Message to the publishing authority")).fill(message)
    page.get_by_role("button", name="Submit for publication").click()
    page.wait_for_url(re.compile(r"/en/manage/\?done=submitted"))


def test_a_decision_drafted_through_the_forms_is_approved_and_published(
    page: Any, served: Served, manage_accounts: dict[str, str], artifacts: Path
) -> None:
    title = "Browser decision on LLRICE62 <script>alert(1)</script>"
    log_in(page, served, "author-ca", manage_accounts["author-ca"])
    assert page.get_by_role("link", name="Management").count() == 1
    draft_a_decision(page, served, title, artifacts)
    # saved with warnings: the mandatory date and authority are named next to their fields
    summary = page.locator(".warning-summary")
    assert summary.get_by_role("link", name=re.compile("Date of the decision")).count() == 1
    date_message = page.locator("#field-date .field-messages li.warning")
    assert "mandatory" in date_message.inner_text()
    assert page.locator("#f-date").get_attribute("aria-describedby") == date_message.get_attribute("id")
    summary.get_by_role("link", name=re.compile("Date of the decision")).click()
    assert page.evaluate("document.activeElement.id") == "f-date"
    shoot(page, artifacts, "manage-draft-warnings")
    finish_and_submit(page, "Ready for publication")
    assert page.locator(".notice-ok").inner_text().strip() == "The draft was submitted for publication."
    log_out(page)

    log_in(page, served, "publisher-ca", manage_accounts["publisher-ca"])
    page.get_by_role("link", name="Inbox").click()
    page.get_by_role("link", name=title).click()
    assert page.get_by_text("Ready for publication").count() == 1
    assert page.locator(".draft-preview").get_by_text(title).count() == 1
    shoot(page, artifacts, "manage-request")
    page.get_by_role("button", name="Approve and publish").click()
    page.wait_for_url(re.compile(r"/en/manage/inbox/\?done=approved"))
    page.get_by_role("link", name=re.compile(r"See the published record BCH-DEC-CA-\d+-1")).click()
    page.wait_for_url(re.compile(r"/en/records/BCH-DEC-CA-\d+/$"))
    assert page.get_by_role("heading", level=1).inner_text().strip() == title
    shoot(page, artifacts, "manage-published-decision")
    page.goto(f"{served.url}/en/lmo/{LMO_UID}/")
    assert page.get_by_text(title).count() >= 1
    assert page.dialogs == []


def test_a_rejection_needs_a_reason_that_the_submitter_then_reads(
    page: Any, served: Served, manage_accounts: dict[str, str], artifacts: Path
) -> None:
    title = "Browser decision to reject"
    log_in(page, served, "author-ca", manage_accounts["author-ca"])
    draft_a_decision(page, served, title)
    finish_and_submit(page, "Please check")
    log_out(page)

    log_in(page, served, "publisher-ca", manage_accounts["publisher-ca"])
    page.goto(f"{served.url}/en/manage/inbox/")
    page.get_by_role("link", name=title).click()
    page.get_by_role("button", name="Reject").click()  # no reason: refused, and the field says why
    reason = page.get_by_label(re.compile("Reason"))
    assert reason.get_attribute("aria-invalid") == "true"
    assert "Give the reason for the rejection." in page.locator(".field-messages").inner_text()
    reason.fill("The date is not the decision's date")
    page.get_by_role("button", name="Reject").click()
    page.wait_for_url(re.compile(r"/en/manage/inbox/\?done=rejected"))
    log_out(page)

    log_in(page, served, "author-ca", manage_accounts["author-ca"])
    assert page.get_by_text("The date is not the decision's date").count() == 1
    shoot(page, artifacts, "manage-rejected")
    assert page.dialogs == []
