"""A signed-in member's thread page, put together from the posts kept for all members, is exactly
the page rendered for that member alone (the kept posts with their own posts rendered again)."""

from __future__ import annotations

import re

import lxml.html
import pytest
from django.test import Client, override_settings

from openbch.core.actors import SYSTEM, Role
from openbch.participation import services
from openbch.participation.models import Post

from .conftest import World, actor_of, make_user


def _posts_of(client: Client, url: str) -> str:
    page = lxml.html.fromstring(client.get(url).content)
    (posts,) = page.xpath("//ol[@id='posts']")
    # each rendering masks the CSRF token anew (moderators' forms)
    return re.sub(r'name="csrfmiddlewaretoken" value="\w+"', "csrf", lxml.html.tostring(posts, encoding="unicode"))


def _kept_and_rendered(client: Client, url: str) -> tuple[str, str]:
    kept = _posts_of(client, url)
    with override_settings(OPENBCH_WEB_CACHE_SECONDS=0):
        rendered = _posts_of(client, url)
    return kept, rendered


def _thread(world: World) -> tuple[int, str, list[Post]]:
    moderator = world.actor("moderator")
    thread = services.start_thread(moderator, forum="access", title="Composed", body="opening post")
    veteran = make_user("veteran", Role.FORUM_MODERATOR)
    posts = [services.reply(moderator, thread_id=thread.pk, body="a moderator's reply", language="fr")]
    services.appoint_moderator(SYSTEM, username="veteran", forum="other")
    for n in range(3):
        posts.append(services.reply(world.actor("member"), thread_id=thread.pk, body=f"member post {n}"))
        services.approve_post(moderator, post_id=posts[-1].pk)
    posts.append(services.reply(actor_of(veteran), thread_id=thread.pk, body="nested *reply*", parent_id=posts[1].pk))
    return thread.pk, f"/en/forums/access/threads/{thread.pk}/", posts


@pytest.mark.parametrize("reader", ["member", "other_moderator", "administrator"])
def test_a_members_page_from_the_kept_posts_is_the_page_rendered_for_them(
    world: World, client: Client, reader: str
) -> None:
    _, url, _ = _thread(world)
    client.force_login(getattr(world, reader))
    client.get(url)  # the kept posts are made by a first reader
    kept, rendered = _kept_and_rendered(client, url)
    assert kept == rendered
    if reader == "member":
        page = lxml.html.fromstring(kept)
        own = page.xpath("//li[.//div[contains(., 'member post')]]")
        assert len(own) == 3
        assert all(li.xpath(".//a[contains(@href, '/edit/')]") for li in own)
        assert not any(li.xpath(".//a[contains(@class, 'report-link')]") for li in own)
        others = page.xpath("//li[.//div[contains(., 'opening post')]]")
        assert others[0].xpath(".//a[contains(@class, 'report-link')]")


def test_the_kept_posts_follow_every_change_and_each_readers_own_posts(world: World, client: Client) -> None:
    thread_id, url, posts = _thread(world)
    moderator = world.actor("moderator")
    client.force_login(world.member)
    client.get(url)
    services.hide_post(moderator, post_id=posts[2].pk, reason="hidden for the test")
    kept, rendered = _kept_and_rendered(client, url)
    assert kept == rendered and "hidden for the test" in kept
    # a new member's first post waits for approval: only they (and moderators) see it
    newcomer = make_user("newcomer")
    queued = services.reply(actor_of(newcomer), thread_id=thread_id, body="still queued")
    kept, rendered = _kept_and_rendered(client, url)
    assert kept == rendered and "still queued" not in kept
    client.force_login(newcomer)
    kept, rendered = _kept_and_rendered(client, url)
    assert kept == rendered and "still queued" in kept
    services.approve_post(moderator, post_id=queued.pk)
    client.force_login(world.member)
    kept, rendered = _kept_and_rendered(client, url)
    assert kept == rendered and "still queued" in kept
    # the thread locked: nobody may reply or edit, the kept posts for members say so
    services.lock_thread(moderator, thread_id=thread_id, reason="enough said")
    kept, rendered = _kept_and_rendered(client, url)
    assert kept == rendered and "/edit/" not in kept and "?reply=" not in kept
    # another member sees the same kept posts with their own controls, not the first member's
    client.force_login(newcomer)
    kept, rendered = _kept_and_rendered(client, url)
    assert kept == rendered
