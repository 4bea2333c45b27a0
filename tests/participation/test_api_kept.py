"""A thread's API answer for anonymous readers is kept until the thread changes, and is then exactly
what it would be made afresh; readers with a token get their own (their queued posts)."""

from __future__ import annotations

from django.test import Client, override_settings

from openbch.participation import services

from .conftest import World, actor_of, make_user
from .test_api import _token


def _kept_and_fresh(client: Client, url: str, **headers: str) -> tuple[object, object]:
    kept = client.get(url, headers=headers).json()
    with override_settings(OPENBCH_WEB_CACHE_SECONDS=0):
        fresh = client.get(url, headers=headers).json()
    return kept, fresh


def test_the_kept_thread_follows_every_visible_change(world: World, client: Client) -> None:
    moderator = world.actor("moderator")
    thread = services.start_thread(moderator, forum="access", title="Kept API", body="first words")
    url = f"/api/v1/threads/{thread.pk}"
    assert client.get(url).json()["posts"][0]["html"].count("first words") == 1
    newcomer = make_user("newcomer-api")
    queued = services.reply(actor_of(newcomer), thread_id=thread.pk, body="queued words")
    kept, fresh = _kept_and_fresh(client, url)
    assert kept == fresh and len(kept["posts"]) == 1  # type: ignore[index]
    # the author, with a token, sees their queued post; the kept answer is not theirs
    own = client.get(url, headers=_token("newcomer-api")).json()
    assert [p["status"] for p in own["posts"]] == ["published", "pending"]
    services.approve_post(moderator, post_id=queued.pk)
    kept, fresh = _kept_and_fresh(client, url)
    assert kept == fresh and len(kept["posts"]) == 2  # type: ignore[index]
    services.hide_post(moderator, post_id=queued.pk, reason="off topic")
    kept, fresh = _kept_and_fresh(client, url)
    assert kept == fresh and kept["posts"][1]["html"] is None  # type: ignore[index]
    services.edit_post(moderator, post_id=thread.posts.order_by("pk").first().pk, body="second words")
    kept, fresh = _kept_and_fresh(client, url)
    assert kept == fresh and "second words" in kept["posts"][0]["html"]  # type: ignore[index]
    services.lock_thread(moderator, thread_id=thread.pk, reason="done")
    kept, fresh = _kept_and_fresh(client, url)
    assert kept == fresh and kept["locked"] is True  # type: ignore[index]
