"""The Atom feeds: well-formed XML with the right entries, only what anyone may read, and hostile
titles kept as text."""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET

import pytest
from django.test import Client
from django.utils import timezone

from openbch.participation import services as participation
from openbch.records.models import Record, RecordState
from tests.participation.conftest import World

pytestmark = pytest.mark.django_db

ATOM = "{http://www.w3.org/2005/Atom}"
HOSTILE = "<script>alert('x')</script> & \"quotes\" ]]>"


def atom(client: Client, url: str) -> ET.Element:
    answer = client.get(url)
    assert answer.status_code == 200, url
    assert answer["Content-Type"].startswith("application/atom+xml")
    root = ET.fromstring(answer.content)  # noqa: S314 - our own output, parsed to check it is well formed
    assert root.tag == f"{ATOM}feed"
    return root


def titles(root: ET.Element) -> list[str]:
    return [str(e.findtext(f"{ATOM}title")) for e in root.iter(f"{ATOM}entry")]


def test_a_forum_feed_lists_visible_posts_and_escapes_hostile_titles(world: World, client: Client) -> None:
    thread = participation.start_thread(world.actor("moderator"), forum="access", title=HOSTILE, body="**bold**")
    participation.reply(world.actor("moderator"), thread_id=thread.pk, body="visible reply")
    queued = participation.reply(world.actor("member"), thread_id=thread.pk, body="queued reply")
    hidden = participation.reply(world.actor("moderator"), thread_id=thread.pk, body="hidden reply")
    participation.hide_post(world.actor("moderator"), post_id=hidden.pk, reason="off topic")
    answer = client.get("/en/feeds/forums/access.atom")
    assert b"<script>" not in answer.content
    root = atom(client, "/en/feeds/forums/access.atom")
    assert titles(root) == [f"Re: {HOSTILE}", HOSTILE]  # newest first, parsed back to the same text
    text = answer.content.decode()
    assert "visible reply" in text and "queued reply" not in text and "hidden reply" not in text
    assert queued.status == "pending"
    links = [e.find(f"{ATOM}link").get("href") for e in root.iter(f"{ATOM}entry")]  # type: ignore[union-attr]
    assert all(link.startswith("http://testserver/en/forums/access/threads/") for link in links)
    assert client.get("/en/feeds/forums/nowhere.atom").status_code == 404


def test_a_debate_feed(world: World, client: Client) -> None:
    participation.post_in_debate(world.actor("moderator"), debate="techniques", body="Juries")
    root = atom(client, "/en/feeds/debates/techniques.atom")
    assert len(titles(root)) == 1 and "Techniques" in str(root.findtext(f"{ATOM}title"))
    assert client.get("/en/feeds/debates/nowhere.atom").status_code == 404


def test_comment_period_feeds_all_and_per_country(world: World, client: Client) -> None:
    from openbch.accounts.models import RoleAssignment
    from openbch.core.actors import SYSTEM, Role
    from openbch.records.workflow import create_draft
    from tests.participation.conftest import actor_of, make_user
    from tests.records.workflow_fixtures import decision_body

    authority = make_user("publisher-ca")
    RoleAssignment.objects.create(
        user=authority, role=Role.NATIONAL_PUBLISHING_AUTHORITY, country="CA", granted_by="t", granted_at=timezone.now()
    )
    draft = create_draft(SYSTEM, record_type="DEC", owner="CA", body=decision_body("Draft"))
    now = timezone.now()
    participation.open_comment_period(
        actor_of(authority),
        record=draft.record.identifier,
        title=HOSTILE,
        summary="Say what you think.",
        opens_at=now,
        closes_at=now + dt.timedelta(days=3),
    )
    assert titles(atom(client, "/en/feeds/consultations.atom")) == [f"CA: {HOSTILE}"]
    assert titles(atom(client, "/en/feeds/consultations/CA.atom")) == [f"CA: {HOSTILE}"]
    assert titles(atom(client, "/en/feeds/consultations/BR.atom")) == []
    listing = client.get("/en/consultations/").content
    assert b'rel="alternate" type="application/atom+xml"' in listing


def test_decision_feeds_all_and_per_country(db: None, client: Client) -> None:
    everything = titles(atom(client, "/en/feeds/decisions.atom"))
    canadian = titles(atom(client, "/en/feeds/decisions/CA.atom"))
    assert 0 < len(canadian) <= 50 and len(everything) == min(
        50, Record.objects.filter(type="DEC", state=RecordState.PUBLISHED).count()
    )
    assert all(t.startswith("CA: ") for t in canadian)
