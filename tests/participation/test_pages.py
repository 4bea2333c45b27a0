"""The participation pages: language marks, edit history, the debate report (HTML and PDF)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import lxml.html
import pytest
from django.test import Client

from openbch.participation import services
from openbch.participation.report import plain_text

from .conftest import World


def test_each_post_is_marked_with_its_language_and_arabic_reads_right_to_left(world: World, client: Client) -> None:
    admin = world.actor("administrator")
    thread = services.start_thread(admin, forum="access", title="Languages", body="English text")
    services.reply(admin, thread_id=thread.pk, body="نص عربي عن السلامة الأحيائية", language="ar")
    services.reply(admin, thread_id=thread.pk, body="Texte français", language="fr")
    page = lxml.html.fromstring(client.get(f"/fr/forums/access/threads/{thread.pk}/").content)
    bodies = [(b.get("lang"), b.get("dir")) for b in page.xpath("//div[contains(@class, 'post-body')]")]
    assert bodies == [("en", "ltr"), ("ar", "rtl"), ("fr", "ltr")]
    assert page.get("lang") == "fr"


def test_an_edited_post_says_so_and_links_its_history(world: World, client: Client) -> None:
    admin = world.actor("administrator")
    thread = services.start_thread(admin, forum="access", title="History", body="first version")
    post = thread.posts.get()
    services.edit_post(admin, post_id=post.pk, body="second version")
    page = client.get(f"/en/forums/access/threads/{thread.pk}/").content.decode()
    assert f'href="/en/forums/posts/{post.pk}/history/" class="edited">edited</a>' in page
    history = lxml.html.fromstring(client.get(f"/en/forums/posts/{post.pk}/history/").content)
    assert [li.get("id") for li in history.xpath("//ol[@id='revisions']/li")] == ["revision-2", "revision-1"]
    assert "first version" in history.text_content()


def test_a_new_thread_from_the_form_waits_and_its_author_is_told(world: World, client: Client) -> None:
    client.force_login(world.member)
    response = client.post("/en/forums/access/", {"title": "Mine", "body": "my first post", "language": "es"})
    assert response.status_code == 302 and "done=pending" in response["Location"]
    page = client.get(response["Location"]).content.decode()
    assert "waits for a moderator" in page and "waiting for approval" in page
    assert client.get("/en/forums/access/").content.decode().count("Mine") == 1
    assert "Mine" not in Client().get("/en/forums/access/").content.decode()


def test_the_debate_report_lists_every_post_with_name_and_time_in_html_and_pdf(
    world: World, client: Client, tmp_path: Path
) -> None:
    admin = world.actor("administrator")
    for n in range(3):
        services.post_in_debate(admin, debate="techniques", body=f"argument number {n}", position="for")
    services.close_debate(admin, debate="techniques")
    services.publish_synthesis(admin, debate="techniques", text="The synthesis text")
    report = lxml.html.fromstring(client.get("/en/debates/techniques/report/").content)
    articles = report.xpath("//article[contains(@class, 'report-post')]")
    assert len(articles) == 3
    assert all("participation-admin" in a.text_content() and "UTC" in a.text_content() for a in articles)
    assert "The synthesis text" in report.text_content()
    pdf = client.get("/en/debates/techniques/report.pdf")
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    text = _pdf_text(pdf.content, tmp_path)
    assert all(f"argument number {n}" in text for n in range(3)) and "The synthesis text" in text
    assert text.count("participation-admin") >= 3


def _pdf_text(data: bytes, folder: Path) -> str:
    """The PDF's text as Ghostscript reads it (a reader's view, not our own parsing)."""
    gs = shutil.which("gs")
    if gs is None:
        pytest.skip("Ghostscript (gs) is not installed: it reads the PDF's text back")
    path = folder / "report.pdf"
    path.write_bytes(data)
    result = subprocess.run([gs, "-q", "-sDEVICE=txtwrite", "-o", "-", str(path)], capture_output=True, timeout=60)
    assert result.returncode == 0, result.stderr
    return result.stdout.decode("utf-8", "replace")


def test_plain_text_of_a_post_keeps_paragraphs_and_drops_markup() -> None:
    assert plain_text("<p>a &amp; b</p>\n<ul>\n<li>one</li>\n<li>two</li>\n</ul>") == "a & b\n\none\n\ntwo"


def test_the_page_kept_for_anonymous_readers_changes_with_every_visible_change(world: World, client: Client) -> None:
    moderator = world.actor("moderator")
    thread = services.start_thread(moderator, forum="access", title="Kept", body="first words")
    url = f"/en/forums/access/threads/{thread.pk}/"
    assert "first words" in client.get(url).content.decode()
    queued = services.reply(world.actor("member"), thread_id=thread.pk, body="queued words")
    assert "queued words" not in client.get(url).content.decode()
    services.approve_post(moderator, post_id=queued.pk)
    assert "queued words" in client.get(url).content.decode()
    services.hide_post(moderator, post_id=queued.pk, reason="a reason shown")
    page = client.get(url).content.decode()
    assert "queued words" not in page and "a reason shown" in page
    services.edit_post(moderator, post_id=thread.posts.order_by("pk").first().pk, body="second words")
    page = client.get(url).content.decode()
    assert "second words" in page and "first words" not in page
    # a signed-in reader is never served the kept page: its controls are its own
    client.force_login(world.moderator)
    assert "Lock the thread" in client.get(url).content.decode()


def test_a_forum_address_cannot_be_used_to_post_in_a_debate(world: World, client: Client) -> None:
    client.force_login(world.member)
    debate_thread = world.debate.thread
    response = client.post(f"/en/forums/access/threads/{debate_thread.pk}/", {"body": "sideways"})
    assert response.status_code == 404
    assert not debate_thread.posts.exists()
