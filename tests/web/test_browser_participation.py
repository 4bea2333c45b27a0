"""Public participation in a real browser (Debian's chromium through Playwright).

A member of the public posts in an open debate (the post waits: a new account), a moderator approves
it from the queue and closes the debate, and the member can then no longer post (the form they still
have open is refused with the debate's closing time). Hostile text in post bodies, thread titles and
display names never runs a script. Runs against the session's ``openbch serve`` (tests/web/conftest.py),
whose demo already holds the Aarhus joint forum; the accounts are made with ``openbch user``.
A member of the public also registers through the page, confirms by email (a local aiosmtpd server;
``openbch notify work --once`` sends), and posts; a moderator approves the post.
"""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.web.conftest import MANAGE_PASSWORD, OPENBCH, Served, _environment, _run

pytestmark = pytest.mark.browser

DEBATE = "browser-debate"
_SETUP = """
import datetime as dt, json
from django.utils import timezone
from openbch.core.actors import SYSTEM
from openbch.participation import services
from tests.participation.hostile import seed_hostile
now = timezone.now()
services.create_debate(SYSTEM, slug="{debate}", question="Should hearings be streamed online?",
    opens_at=now - dt.timedelta(hours=1), closes_at=now + dt.timedelta(days=3), positions=True)
services.appoint_moderator(SYSTEM, username="moderator-aarhus", debate="{debate}")
from openbch.records.workflow import create_draft
from tests.records.workflow_fixtures import decision_body
draft = create_draft(SYSTEM, record_type="DEC", owner="CA", body=decision_body("Draft: import of a drought-tolerant maize"))
print(json.dumps({{**seed_hostile(), "draft": draft.record.identifier}}))
"""


@pytest.fixture(scope="session")
def participation(served: Served) -> dict[str, Any]:
    """A member of the public and a moderator of a fresh open debate; the hostile content's ids."""
    env = _environment(served.data_dir)
    for name in ("citizen", "moderator-aarhus"):
        created = subprocess.run(
            [str(OPENBCH), "user", "create", name, "--data-dir", str(served.data_dir)],
            input=MANAGE_PASSWORD + "\n",
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert created.returncode == 0, created.stderr
    _run(["user", "grant", "moderator-aarhus", "forum-moderator", "--data-dir", str(served.data_dir)], env)
    result = subprocess.run(
        [str(OPENBCH), "manage", "--data-dir", str(served.data_dir), "shell", "-c", _SETUP.format(debate=DEBATE)],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    ids = json.loads(result.stdout.strip().splitlines()[-1])
    return {"hostile": ids, "draft": ids["draft"], "env": env}


def log_in(page: Any, served: Served, username: str, back: str) -> None:
    page.goto(f"{served.url}/accounts/login/?next={back}")
    page.get_by_label("User name").fill(username)
    page.get_by_label("Password").fill(MANAGE_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(re.compile(re.escape(back) + "$"))


def _tab(browser: Any) -> Any:
    """A tab of its own (own cookies: one account each) that records every dialog a script opens."""
    tab = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US").new_page()
    tab.dialogs = []

    def on_dialog(dialog: Any) -> None:
        tab.dialogs.append(dialog.message)
        dialog.dismiss()

    tab.on("dialog", on_dialog)
    tab.set_default_timeout(15_000)
    return tab


def shoot(page: Any, artifacts: Path, name: str) -> None:
    page.screenshot(path=str(artifacts / f"{name}.png"), full_page=True)


def test_a_member_posts_while_the_debate_is_open_and_not_after_it_closes(
    browser: Any, served: Served, participation: dict[str, Any], artifacts: Path
) -> None:
    debate = f"/en/debates/{DEBATE}/"
    member = _tab(browser)
    log_in(member, served, "citizen", debate)
    member.get_by_label("Against").check()
    member.locator("#post-body").fill("Streaming helps those who cannot travel; see MON-00810-6.")
    member.get_by_role("button", name="Post", exact=True).click()
    member.wait_for_url(re.compile(r"done=pending"))
    assert "waits for a moderator" in member.locator("#done").inner_text()
    mine = member.locator(".post").filter(has_text="Streaming helps")
    assert mine.locator(".badge-pending").count() == 1
    shoot(member, artifacts, "participation-pending")

    # the moderator approves it from the queue, then closes the debate
    moderator = _tab(browser)
    log_in(moderator, served, "moderator-aarhus", "/en/forums/moderation/")
    queued = moderator.locator("#queue .post").filter(has_text="Streaming helps")
    queued.get_by_role("button", name="Approve").click()
    moderator.wait_for_url(re.compile(r"/en/forums/moderation/$"))
    assert moderator.locator("#queue .post").filter(has_text="Streaming helps").count() == 0
    anonymous = _tab(browser)
    anonymous.goto(served.url + debate)
    assert anonymous.locator(".post").filter(has_text="Streaming helps").count() == 1
    assert anonymous.locator(".post .record-link").first.get_attribute("href") == "/lmo/MON-ØØ81Ø-6/"

    member.goto(served.url + debate)  # a form open before the debate closes ...
    moderator.goto(served.url + debate)
    moderator.get_by_role("button", name="Close the debate now").click()
    moderator.wait_for_url(re.compile(r"done=closed"))
    member.locator("#post-body").fill("One more thought")
    member.get_by_role("button", name="Post", exact=True).click()  # ... is refused when sent
    assert "it is read-only" in member.locator("#participation-error").inner_text()
    member.goto(served.url + debate)
    assert member.locator("#post-form").count() == 0
    assert "closed" in member.locator("#closed-note").inner_text()

    moderator.locator("#synthesis-text").fill("Most participants favour **streaming** as well as hearings.")
    moderator.get_by_role("button", name="Publish the synthesis").click()
    moderator.wait_for_url(re.compile(r"done=synthesis"))
    anonymous.goto(served.url + debate)
    assert "streaming" in anonymous.locator("#synthesis").inner_text()
    shoot(anonymous, artifacts, "participation-closed-with-synthesis")
    for tab in (member, moderator, anonymous):
        assert tab.dialogs == []
        tab.context.close()


def test_the_demo_has_the_aarhus_forums_and_debate(page: Any, served: Served) -> None:
    page.goto(served.url + "/en/forums/")
    forums = page.locator("#forum-list").inner_text()
    assert "The meaning and importance of public access to biosafety information" in forums
    assert "Facilitating public access to biosafety information" in forums
    page.get_by_role("link", name="Techniques to elicit public participation").click()
    assert page.locator("#debate-state").get_attribute("data-state") == "open"
    assert page.locator(".post").count() >= 3
    french = page.locator(".post-body[lang=fr]")
    assert french.count() >= 1
    page.goto(served.url + "/ar/forums/")
    assert page.locator("html").get_attribute("dir") == "rtl"


def test_hostile_posts_titles_and_names_never_run_a_script(
    page: Any, served: Served, participation: dict[str, Any], artifacts: Path
) -> None:
    from tests.participation.hostile import hostile_pages

    violations: list[str] = []
    page.on("console", lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None)
    for path in hostile_pages(participation["hostile"]):
        response = page.goto(served.url + path)
        assert response is not None and response.status == 200, path
        page.mouse.move(200, 300)
        page.keyboard.press("Tab")
    assert page.dialogs == []
    assert violations == []
    assert page.locator("text=xssprobe").count() > 10  # the payloads are on the page, as text
    shoot(page, artifacts, "participation-xss")


def test_a_publishing_authority_runs_a_comment_period_on_a_canadian_draft_decision(
    browser: Any, served: Served, participation: dict[str, Any], manage_accounts: dict[str, str], artifacts: Path
) -> None:
    """Opened through the form, a comment arrives (moderated), the period closes, the summary is published."""
    import datetime as dt

    authority = _tab(browser)
    log_in(authority, served, "publisher-ca", f"/en/consultations/open/?record={participation['draft']}")
    assert authority.locator("#period-record").input_value() == participation["draft"]
    authority.locator("#period-summary").fill("Comments on the **environmental** risk assessment are welcome.")
    authority.locator("#period-documents").fill("Risk assessment | https://example.org/ra.pdf")
    today = dt.datetime.now(dt.UTC).date()
    authority.locator("#period-opens").fill(today.isoformat())
    authority.locator("#period-closes").fill((today + dt.timedelta(days=14)).isoformat())
    authority.get_by_role("button", name="Open the comment period").click()
    authority.wait_for_url(re.compile(r"/en/consultations/[0-9]+/$"))
    period_url = authority.url
    assert authority.locator("#period-state").get_attribute("data-state") == "open"

    member = _tab(browser)
    log_in(member, served, "citizen", period_url.removeprefix(served.url))
    member.locator("#post-body").fill("Please add a monitoring plan for the drought trials.")
    member.get_by_label("Show me as an anonymous member of the public (moderators still see my name)").check()
    member.get_by_role("button", name="Post", exact=True).click()
    member.wait_for_url(re.compile(r"done="))

    authority.goto(served.url + "/en/forums/moderation/")
    authority.locator("#queue .post").filter(has_text="monitoring plan").get_by_role("button", name="Approve").click()
    authority.wait_for_url(re.compile(r"/en/forums/moderation/$"))
    period_id = period_url.rstrip("/").rsplit("/", 1)[1]
    close = (
        "from django.utils import timezone; from openbch.participation.models import CommentPeriod; "
        f"CommentPeriod.objects.filter(pk={period_id}).update(closes_at=timezone.now())"
    )
    _run(["manage", "--data-dir", str(served.data_dir), "shell", "-c", close], participation["env"])
    authority.goto(period_url)
    authority.locator("#outcome-text").fill("One comment: a **monitoring plan** was added to the conditions.")
    authority.get_by_role("button", name="Publish the summary").click()
    authority.wait_for_url(re.compile(r"done=outcome"))

    reader = _tab(browser)
    reader.goto(period_url)
    assert "monitoring plan was added" in reader.locator("#outcome").inner_text()
    comment = reader.locator(".post").filter(has_text="Please add a monitoring plan")
    assert "Anonymous member of the public" in comment.inner_text()
    assert reader.locator("#post-form").count() == 0
    shoot(reader, artifacts, "participation-comment-period")
    for tab in (authority, member, reader):
        assert tab.dialogs == []
        tab.context.close()


REGISTRATION_DEBATE = "browser-registration-debate"
_REGISTRATION_SETUP = """
import datetime as dt
from django.utils import timezone
from openbch.core.actors import SYSTEM
from openbch.participation import services
now = timezone.now()
services.create_debate(SYSTEM, slug="{debate}", question="Should consultations be announced by email?",
    opens_at=now - dt.timedelta(hours=1), closes_at=now + dt.timedelta(days=3))
services.appoint_moderator(SYSTEM, username="moderator-aarhus", debate="{debate}")
"""


def test_a_member_of_the_public_registers_confirms_by_email_and_posts_after_approval(
    browser: Any, served: Served, participation: dict[str, Any], artifacts: Path
) -> None:
    """Registration through the page; the served instance queues the confirmation, ``openbch notify
    work --once`` sends it to a local SMTP server (aiosmtpd), the browser follows the link, logs in
    and posts in an open debate; the post waits (a new account) until a moderator approves it."""
    from tests.smtp import running_smtp

    env = participation["env"]
    setup = subprocess.run(
        [
            str(OPENBCH),
            "manage",
            "--data-dir",
            str(served.data_dir),
            "shell",
            "-c",
            _REGISTRATION_SETUP.format(debate=REGISTRATION_DEBATE),
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert setup.returncode == 0, setup.stderr
    password = "a passphrase for the public consultation"
    visitor = _tab(browser)
    visitor.goto(f"{served.url}/en/accounts/register/")
    visitor.get_by_label("User name").fill("rosa-public")
    visitor.get_by_label("Display name").fill("Rosa, member of the public")
    visitor.get_by_label("Email address").fill("rosa@example.org")
    visitor.locator("#id_password").fill(password)
    visitor.locator("#id_password_again").fill(password)
    visitor.get_by_role("button", name="Create the account").click()
    assert "rosa@example.org" in visitor.locator("#register-sent").inner_text()
    shoot(visitor, artifacts, "participation-registered")

    with running_smtp() as mailbox:
        worker = subprocess.run(
            [str(OPENBCH), "notify", "work", "--once", "--data-dir", str(served.data_dir)],
            env={**env, "OPENBCH_EMAIL_HOST": mailbox.host, "OPENBCH_EMAIL_PORT": str(mailbox.port)},
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert worker.returncode == 0, worker.stdout + worker.stderr
        received = mailbox.wait_for_address("rosa@example.org")
    assert len(received) == 1 and received[0].message["Subject"] == "Confirm your openbch account"
    link = received[0].link(r"https?://\S+/accounts/confirm/\S+/")
    assert link.startswith(f"{served.url}/en/accounts/confirm/")

    visitor.goto(link)
    visitor.get_by_role("button", name="Confirm my account").click()
    assert "is confirmed" in visitor.locator("#confirmed").inner_text()
    debate = f"/en/debates/{REGISTRATION_DEBATE}/"
    visitor.goto(f"{served.url}/accounts/login/?next={debate}")
    visitor.get_by_label("User name").fill("rosa-public")
    visitor.get_by_label("Password").fill(password)
    visitor.get_by_role("button", name="Log in").click()
    visitor.wait_for_url(re.compile(re.escape(debate) + "$"))
    visitor.locator("#post-body").fill("Yes: an email when a consultation opens would reach far more people.")
    visitor.get_by_role("button", name="Post", exact=True).click()
    visitor.wait_for_url(re.compile(r"done=pending"))
    assert "waits for a moderator" in visitor.locator("#done").inner_text()

    anonymous = _tab(browser)
    anonymous.goto(served.url + debate)
    assert anonymous.locator(".post").filter(has_text="would reach far more people").count() == 0

    moderator = _tab(browser)
    log_in(moderator, served, "moderator-aarhus", "/en/forums/moderation/")
    queued = moderator.locator("#queue .post").filter(has_text="would reach far more people")
    assert "Rosa, member of the public" in queued.inner_text()
    queued.get_by_role("button", name="Approve").click()
    moderator.wait_for_url(re.compile(r"/en/forums/moderation/$"))

    anonymous.goto(served.url + debate)
    shown = anonymous.locator(".post").filter(has_text="would reach far more people")
    assert shown.count() == 1 and "Rosa, member of the public" in shown.inner_text()
    shoot(anonymous, artifacts, "participation-registered-post-approved")
    for tab in (visitor, moderator, anonymous):
        assert tab.dialogs == []
