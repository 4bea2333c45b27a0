"""Every participation route (web pages and API) × every role: who may, who is refused, and how.

Roles: ``anonymous``; ``member`` (an account without roles; it wrote the posts used below);
``other_moderator`` (moderates another forum and debate); ``moderator`` (moderates the forum and
the debates used here); ``administrator`` (participation administrator). Each case runs on a
fresh world and checks the status, and for the allowed writes that the change happened.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client

from openbch.accounts.services import create_token
from openbch.core.actors import SYSTEM
from openbch.participation import services
from openbch.participation.models import Debate, Post, PostingBan, PostReport, PostStatus, Thread

from .conftest import World, actor_of, make_user

ROLES = ("anonymous", "member", "other_moderator", "moderator", "administrator")
ALL = dict.fromkeys(ROLES, 200)
LOGIN = 302  # the web pages send an anonymous visitor to the login page
DONE = 302  # a successful POST redirects back to the thread or debate


@dataclass
class Place:
    world: World
    thread: Thread
    published: Post
    pending: Post


@dataclass(frozen=True)
class Route:
    name: str
    method: str
    url: Callable[[Place], str]
    expected: dict[str, int]
    data: Callable[[Place], dict[str, Any]] | None = None
    #: for the writes allowed: what must be true afterwards
    check: Callable[[Place], bool] | None = None


def _members_only(ok: int, anonymous: int) -> dict[str, int]:
    return {"anonymous": anonymous, **dict.fromkeys(ROLES[1:], ok)}


def _author_only(ok: int, anonymous: int) -> dict[str, int]:
    return {"anonymous": anonymous, "member": ok, "other_moderator": 403, "moderator": 403, "administrator": 403}


def _moderators_only(ok: int, anonymous: int) -> dict[str, int]:
    return {"anonymous": anonymous, "member": 403, "other_moderator": 403, "moderator": ok, "administrator": ok}


def _status(place: Place, post: Post) -> str:
    post.refresh_from_db()
    return post.status


ROUTES = [
    # -- web pages: reading
    Route("forums", "GET", lambda p: "/en/forums/", ALL),
    Route("forum", "GET", lambda p: "/en/forums/access/", ALL),
    Route("thread", "GET", lambda p: f"/en/forums/access/threads/{p.thread.pk}/", ALL),
    Route("post history", "GET", lambda p: f"/en/forums/posts/{p.published.pk}/history/", ALL),
    Route("debates", "GET", lambda p: "/en/debates/", ALL),
    Route("debate", "GET", lambda p: "/en/debates/techniques/", ALL),
    Route("debate report", "GET", lambda p: "/en/debates/techniques/report/", ALL),
    Route("debate report pdf", "GET", lambda p: "/en/debates/techniques/report.pdf", ALL),
    Route(
        "moderation queue",
        "GET",
        lambda p: "/en/forums/moderation/",
        {"anonymous": LOGIN, "member": 403, "other_moderator": 200, "moderator": 200, "administrator": 200},
    ),
    Route("edit form", "GET", lambda p: f"/en/forums/posts/{p.published.pk}/edit/", _author_only(200, LOGIN)),
    # -- web pages: writing
    Route(
        "start thread",
        "POST",
        lambda p: "/en/forums/access/",
        _members_only(DONE, LOGIN),
        data=lambda p: {"title": "New", "body": "text", "language": "en"},
        check=lambda p: Thread.objects.filter(title="New").exists(),
    ),
    Route(
        "reply",
        "POST",
        lambda p: f"/en/forums/access/threads/{p.thread.pk}/",
        _members_only(DONE, LOGIN),
        data=lambda p: {"body": "a reply", "parent": p.published.pk},
        check=lambda p: Post.objects.filter(parent=p.published).exists(),
    ),
    Route(
        "post in debate",
        "POST",
        lambda p: "/en/debates/techniques/",
        _members_only(DONE, LOGIN),
        data=lambda p: {"body": "my view", "position": "against"},
        check=lambda p: Post.objects.filter(position="against").exists(),
    ),
    Route(
        "post in closed debate",
        "POST",
        lambda p: "/en/debates/closed/",
        _members_only(409, LOGIN),
        data=lambda p: {"body": "too late"},
    ),
    Route(
        "edit",
        "POST",
        lambda p: f"/en/forums/posts/{p.published.pk}/edit/",
        _author_only(DONE, LOGIN),
        data=lambda p: {"body": "changed"},
        check=lambda p: p.published.revisions.count() == 2,
    ),
    Route(
        "approve",
        "POST",
        lambda p: f"/en/forums/posts/{p.pending.pk}/moderate/",
        _moderators_only(DONE, LOGIN),
        data=lambda p: {"action": "approve"},
        check=lambda p: _status(p, p.pending) == PostStatus.PUBLISHED,
    ),
    Route(
        "reject",
        "POST",
        lambda p: f"/en/forums/posts/{p.pending.pk}/moderate/",
        _moderators_only(DONE, LOGIN),
        data=lambda p: {"action": "reject", "reason": "spam"},
        check=lambda p: _status(p, p.pending) == PostStatus.REJECTED,
    ),
    Route(
        "hide",
        "POST",
        lambda p: f"/en/forums/posts/{p.published.pk}/moderate/",
        _moderators_only(DONE, LOGIN),
        data=lambda p: {"action": "hide", "reason": "off topic"},
        check=lambda p: Post.objects.get(pk=p.published.pk).hidden_at is not None,
    ),
    Route(
        "lock",
        "POST",
        lambda p: f"/en/forums/threads/{p.thread.pk}/lock/",
        _moderators_only(DONE, LOGIN),
        data=lambda p: {"action": "lock", "reason": "enough"},
        check=lambda p: Thread.objects.get(pk=p.thread.pk).locked_at is not None,
    ),
    Route(
        "close debate",
        "POST",
        lambda p: "/en/debates/techniques/close/",
        _moderators_only(DONE, LOGIN),
        check=lambda p: services.debate_state(Debate.objects.get(slug="techniques")) == "closed",
    ),
    Route(
        "synthesis",
        "POST",
        lambda p: "/en/debates/closed/synthesis/",
        _moderators_only(DONE, LOGIN),
        data=lambda p: {"synthesis": "In short"},
        check=lambda p: Debate.objects.get(slug="closed").synthesis == "In short",
    ),
    Route("report form", "GET", lambda p: f"/en/forums/posts/{p.published.pk}/report/", _members_only(200, LOGIN)),
    Route(
        "report",
        "POST",
        lambda p: f"/en/forums/posts/{p.published.pk}/report/",
        _members_only(DONE, LOGIN),
        data=lambda p: {"reason": "spam"},
        check=lambda p: PostReport.objects.filter(post=p.published, reason="spam").exists(),
    ),
    Route(
        "dismiss reports",
        "POST",
        lambda p: f"/en/forums/posts/{p.published.pk}/moderate/",
        _moderators_only(DONE, LOGIN),
        data=lambda p: {"action": "dismiss", "reason": "it is fine"},
        check=lambda p: PostReport.objects.filter(post=p.published, resolution="dismissed").exists(),
    ),
    Route(
        "ban from the forum",
        "POST",
        lambda p: "/en/forums/bans/",
        _moderators_only(DONE, LOGIN),
        data=lambda p: {"username": "member", "forum": "access", "reason": "spam"},
        check=lambda p: PostingBan.objects.filter(user=p.world.member, forum__slug="access").exists(),
    ),
    Route(
        "ban everywhere",
        "POST",
        lambda p: "/en/forums/bans/",
        {"anonymous": LOGIN, "member": 403, "other_moderator": 403, "moderator": 403, "administrator": DONE},
        data=lambda p: {"username": "member", "reason": "spam"},
        check=lambda p: PostingBan.objects.filter(user=p.world.member, forum=None).exists(),
    ),
    Route(
        "move thread",
        "POST",
        lambda p: f"/en/forums/threads/{p.thread.pk}/move/",
        {"anonymous": LOGIN, "member": 403, "other_moderator": 403, "moderator": 403, "administrator": DONE},
        data=lambda p: {"forum": "other", "reason": "belongs there"},
        check=lambda p: Thread.objects.get(pk=p.thread.pk).forum == p.world.other_forum,
    ),
    # -- API: reading
    Route("api forums", "GET", lambda p: "/api/v1/forums", ALL),
    Route("api forum", "GET", lambda p: "/api/v1/forums/access", ALL),
    Route("api thread", "GET", lambda p: f"/api/v1/threads/{p.thread.pk}", ALL),
    Route("api post", "GET", lambda p: f"/api/v1/posts/{p.published.pk}", ALL),
    Route("api debates", "GET", lambda p: "/api/v1/debates", ALL),
    Route("api debate", "GET", lambda p: "/api/v1/debates/techniques", ALL),
    # -- API: writing (a token with the write scope)
    Route(
        "api start thread",
        "POST",
        lambda p: "/api/v1/forums/access/threads",
        _members_only(201, 401),
        data=lambda p: {"title": "By API", "body": "text", "language": "ar"},
        check=lambda p: Thread.objects.filter(title="By API", language="ar").exists(),
    ),
    Route(
        "api reply",
        "POST",
        lambda p: f"/api/v1/threads/{p.thread.pk}/posts",
        _members_only(201, 401),
        data=lambda p: {"body": "api reply", "parent": p.published.pk},
        check=lambda p: Post.objects.filter(parent=p.published).exists(),
    ),
    Route(
        "api post in debate",
        "POST",
        lambda p: "/api/v1/debates/techniques/posts",
        _members_only(201, 401),
        data=lambda p: {"body": "api view", "position": "other"},
        check=lambda p: Post.objects.filter(position="other").exists(),
    ),
    Route(
        "api post in closed debate",
        "POST",
        lambda p: "/api/v1/debates/closed/posts",
        _members_only(409, 401),
        data=lambda p: {"body": "too late"},
    ),
    Route(
        "api report",
        "POST",
        lambda p: f"/api/v1/posts/{p.published.pk}/reports",
        _members_only(201, 401),
        data=lambda p: {"reason": "off topic"},
        check=lambda p: PostReport.objects.filter(post=p.published, reason="off topic").exists(),
    ),
    Route(
        "api ban",
        "POST",
        lambda p: "/api/v1/bans",
        _moderators_only(201, 401),
        data=lambda p: {"username": "member", "forum": "access", "reason": "spam"},
        check=lambda p: PostingBan.objects.filter(user=p.world.member, forum__slug="access").exists(),
    ),
    Route(
        "api move thread",
        "POST",
        lambda p: f"/api/v1/threads/{p.thread.pk}/move",
        {"anonymous": 401, "member": 403, "other_moderator": 403, "moderator": 403, "administrator": 200},
        data=lambda p: {"forum": "other", "reason": "belongs there"},
        check=lambda p: Thread.objects.get(pk=p.thread.pk).forum == p.world.other_forum,
    ),
    Route(
        "api edit",
        "PUT",
        lambda p: f"/api/v1/posts/{p.published.pk}",
        _author_only(200, 401),
        data=lambda p: {"body": "changed by API"},
        check=lambda p: p.published.revisions.count() == 2,
    ),
]


@pytest.fixture
def place(world: World) -> Place:
    # the member's first post, approved by its moderator; then one waiting in the queue
    thread = services.start_thread(world.actor("member"), forum="access", title="Matrix", body="first")
    published = services.approve_post(world.actor("moderator"), post_id=thread.posts.get().pk)
    pending = services.reply(world.actor("member"), thread_id=thread.pk, body="queued")
    assert pending.status == PostStatus.PENDING
    # a reader (no role in the matrix) has reported the published post already
    services.report_post(actor_of(make_user("reader")), post_id=published.pk, reason="rude")
    return Place(world, thread, published, pending)


def _request(route: Route, place: Place, role: str) -> int:
    url = route.url(place)
    data = route.data(place) if route.data else {}
    client = Client()
    headers: dict[str, str] = {}
    if role != "anonymous":
        user = getattr(place.world, role)
        if url.startswith("/api/"):
            if route.method != "GET":
                token = create_token(SYSTEM, name="matrix", scopes=["read", "write"], owner=user.username)
                headers["Authorization"] = f"Bearer {token.plaintext}"
        else:
            client.force_login(user)
    if route.method == "GET":
        response = client.get(url, headers=headers)
    elif url.startswith("/api/"):
        response = client.generic(route.method, url, json.dumps(data), content_type="application/json", headers=headers)
    else:
        response = client.post(url, data, headers=headers)
    return int(response.status_code)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("route", ROUTES, ids=[r.name for r in ROUTES])
def test_route_answers_each_role_as_the_matrix_says(route: Route, role: str, place: Place) -> None:
    status = _request(route, place, role)
    assert status == route.expected[role], f"{route.method} {route.name} as {role}"
    if route.check is not None:
        allowed = role != "anonymous" and route.expected[role] in (DONE, 200, 201)
        assert route.check(place) is allowed, f"{route.name} as {role}: change {'missing' if allowed else 'made'}"


def test_a_read_only_token_cannot_post(place: Place) -> None:
    token = create_token(SYSTEM, name="ro", scopes=["read"], owner="member")
    response = Client().post(
        "/api/v1/debates/techniques/posts",
        json.dumps({"body": "x"}),
        content_type="application/json",
        headers={"Authorization": f"Bearer {token.plaintext}"},
    )
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
