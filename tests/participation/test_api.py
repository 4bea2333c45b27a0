"""The participation API: shapes, the OpenAPI documentation, posting with a token, named errors."""

from __future__ import annotations

import json

from django.test import Client

from openbch.accounts.services import create_token
from openbch.core.actors import SYSTEM
from openbch.participation import services

from .conftest import World


def _token(username: str) -> dict[str, str]:
    issued = create_token(SYSTEM, name="api test", scopes=["read", "write"], owner=username)
    return {"Authorization": f"Bearer {issued.plaintext}"}


def _post(client: Client, url: str, body: dict[str, object], headers: dict[str, str]) -> object:
    return client.post(url, json.dumps(body), content_type="application/json", headers=headers)


def test_the_routes_are_documented_in_the_openapi_spec(client: Client) -> None:
    spec = client.get("/api/openapi.json").json()
    paths = spec["paths"]
    for path, method in [
        ("/api/v1/forums", "get"),
        ("/api/v1/forums/{slug}", "get"),
        ("/api/v1/forums/{slug}/threads", "post"),
        ("/api/v1/threads/{thread_id}", "get"),
        ("/api/v1/threads/{thread_id}/posts", "post"),
        ("/api/v1/posts/{post_id}", "get"),
        ("/api/v1/posts/{post_id}", "put"),
        ("/api/v1/debates", "get"),
        ("/api/v1/debates/{slug}", "get"),
        ("/api/v1/debates/{slug}/posts", "post"),
    ]:
        operation = paths[path][method]
        assert operation["tags"] == ["participation"] and operation["summary"], (method, path)
    assert client.get("/api/v1/").json()["api_feature_level"] >= 7
    assert "## Feature level 7" in client.get("/api/v1/changelog").json()["changelog"]


def test_a_member_posts_with_a_token_and_sees_the_post_wait_for_a_moderator(world: World, client: Client) -> None:
    headers = _token("member")
    created = _post(
        client, "/api/v1/forums/access/threads", {"title": "Via API", "body": "**hello**", "language": "ru"}, headers
    )
    assert created.status_code == 201  # type: ignore[attr-defined]
    thread = created.json()  # type: ignore[attr-defined]
    assert thread["posts"][0]["status"] == "pending" and thread["posts"][0]["html"] == "<p><strong>hello</strong></p>\n"
    # its author sees it (with the token); the public does not, until a moderator approves it
    assert client.get(f"/api/v1/threads/{thread['id']}", headers=headers).json()["posts"] != []
    assert client.get(f"/api/v1/threads/{thread['id']}").json()["posts"] == []
    post_id = thread["posts"][0]["id"]
    services.approve_post(world.actor("moderator"), post_id=post_id)
    shown = client.get(f"/api/v1/threads/{thread['id']}").json()
    assert [p["language"] for p in shown["posts"]] == ["ru"] and shown["post_count"] == 1
    edited = client.put(
        f"/api/v1/posts/{post_id}",
        json.dumps({"body": "hello again"}),
        content_type="application/json",
        headers=headers,
    )
    assert edited.status_code == 200 and edited.json()["revision"] == 2
    history = client.get(f"/api/v1/posts/{post_id}").json()
    assert [r["body"] for r in history["revisions"]] == ["**hello**", "hello again"]


def test_posting_in_a_closed_debate_is_409_debate_closed(world: World, client: Client) -> None:
    response = _post(client, "/api/v1/debates/closed/posts", {"body": "late"}, _token("member"))
    assert response.status_code == 409  # type: ignore[attr-defined]
    problem = response.json()  # type: ignore[attr-defined]
    assert problem["code"] == "debate_closed" and "read-only" in problem["detail"]


def test_bad_input_is_422_naming_each_field(world: World, client: Client) -> None:
    response = _post(
        client,
        "/api/v1/debates/techniques/posts",
        {"body": " ", "language": "xx-", "position": "maybe"},
        _token("member"),
    )
    assert response.status_code == 422  # type: ignore[attr-defined]
    paths = {e["path"] for e in response.json()["errors"]}  # type: ignore[attr-defined]
    assert paths == {"/body", "/language", "/position"}
    unknown = _post(client, "/api/v1/debates/techniques/posts", {"body": "x", "state": "published"}, _token("member"))
    assert unknown.status_code in (400, 422)  # type: ignore[attr-defined]


def test_a_hidden_post_has_no_html_for_readers(world: World, client: Client) -> None:
    moderator = world.actor("moderator")
    thread = services.start_thread(moderator, forum="access", title="T", body="visible then hidden")
    post = thread.posts.get()
    services.hide_post(moderator, post_id=post.pk, reason="off topic")
    shown = client.get(f"/api/v1/threads/{thread.pk}").json()["posts"][0]
    assert shown["html"] is None and shown["hidden"]["reason"] == "off topic"
    debate = client.get("/api/v1/debates/techniques").json()
    assert debate["state"] == "open" and debate["positions"] is True
    assert client.get("/api/v1/debates/nowhere").status_code == 404
