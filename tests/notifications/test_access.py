"""Who may follow and unfollow, on the pages and in the API: only a signed-in account, only its own
subscriptions; and the participation change feed, open to anyone."""

from __future__ import annotations

import json

import pytest
from django.contrib.auth.models import User
from django.test import Client

from openbch.accounts.services import create_token
from openbch.core.actors import ANONYMOUS, SYSTEM
from openbch.core.errors import NotFoundError, UnauthenticatedError, ValidationFailedError
from openbch.notifications import services as subscriptions
from openbch.notifications.models import Subscription
from openbch.participation import services as participation
from tests.participation.conftest import World, actor_of

pytestmark = pytest.mark.django_db


def _token(username: str, scopes: tuple[str, ...] = ("read", "write")) -> dict[str, str]:
    issued = create_token(SYSTEM, name="notifications test", scopes=list(scopes), owner=username)
    return {"Authorization": f"Bearer {issued.plaintext}"}


def test_anonymous_cannot_follow_anything(world: World, client: Client) -> None:
    with pytest.raises(UnauthenticatedError):
        subscriptions.follow(ANONYMOUS, target="forum", key="access")
    page = client.post("/en/subscriptions/follow/", {"target": "forum", "key": "access"})
    assert page.status_code == 302 and "/accounts/login/" in page["Location"]
    assert client.get("/en/subscriptions/").status_code == 302
    api = client.post(
        "/api/v1/subscriptions", json.dumps({"target": "forum", "key": "access"}), content_type="application/json"
    )
    assert api.status_code == 401
    assert not Subscription.objects.exists()


def test_bad_targets_are_refused_naming_the_field(world: World, readers: dict[str, User]) -> None:
    ana = actor_of(readers["ana"])
    with pytest.raises(ValidationFailedError) as bad:
        subscriptions.follow(ana, target="planet", key="mars")
    assert bad.value.issues[0].path == "/target"
    with pytest.raises(ValidationFailedError) as bad_mode:
        subscriptions.follow(ana, target="forum", key="access", mode="hourly")
    assert bad_mode.value.issues[0].path == "/mode"
    for target, key in (("forum", "nowhere"), ("thread", "999999"), ("debate", "none"), ("lmo", "NOPE-1")):
        with pytest.raises(NotFoundError):
            subscriptions.follow(ana, target=target, key=key)


def test_the_web_follow_button_posts_with_csrf_and_shows_the_state(world: World, readers: dict[str, User]) -> None:
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(readers["ana"])
    page = browser.get("/en/forums/access/")
    assert b'data-follow="forum"' in page.content and b"Follow (e-mail)" in page.content
    assert b'type="application/atom+xml"' in page.content and b"/en/feeds/forums/access.atom" in page.content
    token = browser.cookies["openbch_csrf"].value
    # without the token: refused, nothing followed
    assert browser.post("/en/subscriptions/follow/", {"target": "forum", "key": "access"}).status_code == 403
    assert not Subscription.objects.exists()
    done = browser.post(
        "/en/subscriptions/follow/",
        {"target": "forum", "key": "access", "next": "/en/forums/access/", "csrfmiddlewaretoken": token},
    )
    assert done.status_code == 302 and done["Location"] == "/en/forums/access/"
    assert Subscription.objects.get().user == readers["ana"]
    again = browser.get("/en/forums/access/")
    assert b"Unfollow" in again.content
    mine = browser.get("/en/subscriptions/")
    assert mine.status_code == 200 and b"<code>access</code>" in mine.content
    # an off-site "next" is not followed
    off = browser.post(
        "/en/subscriptions/follow/",
        {
            "target": "forum",
            "key": "access",
            "action": "unfollow",
            "next": "https://evil.example/",
            "csrfmiddlewaretoken": token,
        },
    )
    assert off["Location"] == "/en/subscriptions/"
    assert not Subscription.objects.exists()


def test_the_follow_buttons_are_on_thread_debate_comment_period_country_and_lmo_pages(
    world: World, readers: dict[str, User]
) -> None:
    from openbch.records.models import Record, RecordState

    thread = participation.start_thread(world.actor("moderator"), forum="access", title="T", body="b")
    browser = Client()
    browser.force_login(readers["ana"])
    assert b'data-follow="thread"' in browser.get(f"/en/forums/access/threads/{thread.pk}/").content
    debate = browser.get("/en/debates/techniques/").content
    assert b'data-follow="debate"' in debate and b"/en/feeds/debates/techniques.atom" in debate
    country = browser.get("/en/countries/ca/").content
    assert b'data-follow="country"' in country and b"/en/feeds/decisions/CA.atom" in country
    lmo = Record.objects.filter(type="LMO", state=RecordState.PUBLISHED).first()
    assert lmo is not None
    page = browser.get(f"/en/records/{lmo.uid.rsplit('-', 1)[0]}/", follow=True)
    assert b'id="follow-lmo"' in page.content
    follow = browser.get(f"/en/subscriptions/follow/?target=lmo&key={lmo.identifier}")
    assert follow.status_code == 200 and lmo.identifier.encode() in follow.content


def test_the_api_manages_only_the_callers_own_subscriptions(
    world: World, readers: dict[str, User], client: Client
) -> None:
    ana, ben = _token("ana"), _token("ben")
    made = client.post(
        "/api/v1/subscriptions",
        json.dumps({"target": "debate", "key": "techniques", "mode": "daily"}),
        content_type="application/json",
        headers=ana,
    )
    assert made.status_code == 201, made.content
    body = made.json()
    assert (body["target"], body["key"], body["mode"]) == ("debate", "techniques", "daily")
    assert client.get("/api/v1/subscriptions", headers=ben).json() == []
    assert [s["id"] for s in client.get("/api/v1/subscriptions", headers=ana).json()] == [body["id"]]
    # ben cannot end ana's
    assert client.delete(f"/api/v1/subscriptions/{body['id']}", headers=ben).status_code == 404
    # a read-only token cannot change anything
    assert client.delete(f"/api/v1/subscriptions/{body['id']}", headers=_token("ana", ("read",))).status_code == 403
    assert Subscription.objects.filter(pk=body["id"]).exists()
    bad = client.post(
        "/api/v1/subscriptions", json.dumps({"target": "forum", "key": "x", "mode": "hourly"}),
        content_type="application/json", headers=ana,
    )  # fmt: skip
    assert bad.status_code == 422 and bad.json()["errors"][0]["path"] == "/mode"
    assert client.delete(f"/api/v1/subscriptions/{body['id']}", headers=ana).status_code == 204
    assert not Subscription.objects.exists()


def test_the_participation_change_feed_pages_in_order(world: World, client: Client) -> None:
    start = client.get("/api/v1/participation/changes?after=0&limit=1000").json()["last_seq"]
    thread = participation.start_thread(world.actor("moderator"), forum="access", title="Feed", body="a")
    waiting = participation.reply(world.actor("member"), thread_id=thread.pk, body="queued")
    participation.reply(world.actor("moderator"), thread_id=thread.pk, body="b")
    page = client.get(f"/api/v1/participation/changes?after={start}&limit=1")
    assert page.status_code == 200
    first = page.json()
    assert [c["kind"] for c in first["changes"]] == ["thread.started"]
    assert first["changes"][0]["forum"] == world.forum.pk and first["changes"][0]["thread"] == thread.pk
    rest = client.get(f"/api/v1/participation/changes?after={first['changes'][0]['seq']}").json()
    assert [c["kind"] for c in rest["changes"]] == ["post.published"]
    assert waiting.pk not in [c["post"] for c in rest["changes"]]  # queued: not public
    assert client.get("/api/v1/participation/changes?limit=0").status_code in (400, 422)
    spec = client.get("/api/openapi.json").json()["paths"]
    assert "get" in spec["/api/v1/participation/changes"] and "post" in spec["/api/v1/subscriptions"]


def test_my_subscriptions_changes_the_mode_and_unfollows_only_my_own(world: World, readers: dict[str, User]) -> None:
    mine = subscriptions.follow(actor_of(readers["ana"]), target="forum", key="access")
    theirs = subscriptions.follow(actor_of(readers["ben"]), target="forum", key="access")
    browser = Client()
    browser.force_login(readers["ana"])
    changed = browser.post("/en/subscriptions/", {"subscription": mine.pk, "action": "mode", "mode": "daily"})
    assert changed.status_code == 302
    assert Subscription.objects.get(pk=mine.pk).mode == "daily"
    bad = browser.post("/en/subscriptions/", {"subscription": mine.pk, "action": "mode", "mode": "hourly"})
    assert bad.status_code == 400 and b"/mode" in bad.content
    for action in ("mode", "unfollow"):
        other = browser.post("/en/subscriptions/", {"subscription": theirs.pk, "action": action, "mode": "daily"})
        assert other.status_code == 404
    assert Subscription.objects.get(pk=theirs.pk).mode == "immediate"
    assert browser.post("/en/subscriptions/", {"subscription": mine.pk, "action": "unfollow"}).status_code == 302
    assert list(Subscription.objects.values_list("pk", flat=True)) == [theirs.pk]
