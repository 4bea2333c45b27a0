"""Banning accounts from posting and moving threads: who may, what it does, the audit, the API and pages."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from openbch.accounts.services import create_token
from openbch.core.actors import ANONYMOUS, SYSTEM
from openbch.core.errors import (
    ConflictError,
    PermissionDeniedError,
    UnauthenticatedError,
    ValidationFailedError,
)
from openbch.participation import services
from openbch.participation.models import PostingBan, Thread
from openbch.records.audit import verify_chain
from openbch.records.models import AuditEntry
from tests.participation.conftest import World, make_user


def _thread(world: World, forum: str = "access") -> Thread:
    return services.start_thread(world.actor("moderator"), forum=forum, title="On access", body="First post")


def _token(username: str) -> dict[str, str]:
    issued = create_token(SYSTEM, name="ban test", scopes=["read", "write"], owner=username)
    return {"Authorization": f"Bearer {issued.plaintext}"}


# -- bans ---------------------------------------------------------------------------------------


def test_a_forum_moderator_bans_from_their_forum_only_and_the_banned_member_is_refused(world: World) -> None:
    thread = _thread(world)
    other = services.start_thread(world.actor("other_moderator"), forum="other", title="Elsewhere", body="Hello")
    ban = services.ban_user(world.actor("moderator"), username="member", forum="access", reason="insults")
    assert ban.forum == world.forum and ban.until is None
    with pytest.raises(services.BannedError) as refused:
        services.reply(world.actor("member"), thread_id=thread.pk, body="Again")
    assert refused.value.code == "banned" and refused.value.http_status == 403
    assert "insults" in refused.value.message
    with pytest.raises(services.BannedError):
        services.start_thread(world.actor("member"), forum="access", title="New", body="Text")
    # another forum and the debates are not covered by a forum's ban
    services.reply(world.actor("member"), thread_id=other.pk, body="Still allowed here")
    services.post_in_debate(world.actor("member"), debate="techniques", body="And in the debate")


def test_who_may_ban_where(world: World) -> None:
    services.start_thread(world.actor("moderator"), forum="access", title="T", body="B")
    # a moderator of another forum may not; nobody but an administrator bans everywhere
    with pytest.raises(PermissionDeniedError):
        services.ban_user(world.actor("other_moderator"), username="member", forum="access", reason="r")
    with pytest.raises(PermissionDeniedError):
        services.ban_user(world.actor("moderator"), username="member", reason="everywhere")
    with pytest.raises(PermissionDeniedError):
        services.ban_user(world.actor("member"), username="moderator-a", forum="access", reason="r")
    with pytest.raises(UnauthenticatedError):
        services.ban_user(ANONYMOUS, username="member", forum="access", reason="r")
    # a moderator appointed to a debate only moderates no forum
    assert PostingBan.objects.count() == 0
    services.ban_user(world.actor("administrator"), username="member", reason="spam everywhere")
    assert PostingBan.objects.get().forum is None


def test_an_administrators_ban_covers_debates_and_comment_periods_and_edits(world: World) -> None:
    post = services.post_in_debate(world.actor("member"), debate="techniques", body="Before the ban")
    services.ban_user(world.actor("administrator"), username="member", reason="spam")
    with pytest.raises(services.BannedError):
        services.post_in_debate(world.actor("member"), debate="techniques", body="After")
    with pytest.raises(services.BannedError):
        services.edit_post(world.actor("member"), post_id=post.pk, body="Changed")


def test_a_ban_needs_a_reason_ends_at_its_date_and_can_be_lifted(world: World) -> None:
    thread = _thread(world)
    moderator = world.actor("moderator")
    with pytest.raises(ValidationFailedError) as bad:
        services.ban_user(moderator, username="member", forum="access", reason=" ")
    assert [i.path for i in bad.value.issues] == ["/reason"]
    with pytest.raises(ValidationFailedError) as past:
        services.ban_user(
            moderator, username="member", forum="access", reason="r", until=timezone.now() - dt.timedelta(hours=1)
        )
    assert [i.path for i in past.value.issues] == ["/until"]
    with pytest.raises(ValidationFailedError):
        services.ban_user(moderator, username="moderator-a", forum="access", reason="myself")
    ban = services.ban_user(
        moderator, username="member", forum="access", reason="cool down", until=timezone.now() + dt.timedelta(days=1)
    )
    with pytest.raises(services.BannedError):
        services.reply(world.actor("member"), thread_id=thread.pk, body="x")
    # once its time is over, the ban no longer applies
    PostingBan.objects.filter(pk=ban.pk).update(until=timezone.now() - dt.timedelta(seconds=1))
    services.reply(world.actor("member"), thread_id=thread.pk, body="Back")
    services.ban_user(moderator, username="member", forum="access", reason="again")
    assert services.unban_user(moderator, username="member", forum="access", reason="apologised") == 1
    services.reply(world.actor("member"), thread_id=thread.pk, body="Back again")
    with pytest.raises(ConflictError):
        services.unban_user(moderator, username="member", forum="access", reason="twice")
    with pytest.raises(PermissionDeniedError):
        services.unban_user(world.actor("other_moderator"), username="member", forum="access", reason="r")


def test_bans_and_lifts_are_audited_with_reason_and_place(world: World) -> None:
    services.ban_user(world.actor("moderator"), username="member", forum="access", reason="insults")
    services.unban_user(world.actor("moderator"), username="member", forum="access", reason="apologised")
    banned = AuditEntry.objects.get(action="user.banned")
    lifted = AuditEntry.objects.get(action="user.unbanned")
    assert banned.actor == "moderator-a" and banned.details["reason"] == "insults"
    assert banned.details["username"] == "member" and banned.details["forum"] == "access"
    assert lifted.details["reason"] == "apologised" and lifted.details["bans"] == 1
    assert verify_chain()[0]


# -- moving threads -----------------------------------------------------------------------------


def test_moving_a_thread_needs_a_moderator_of_both_forums_or_an_administrator(world: World) -> None:
    thread = _thread(world)
    with pytest.raises(PermissionDeniedError):  # moderates the source only
        services.move_thread(world.actor("moderator"), thread_id=thread.pk, forum="other", reason="off topic")
    with pytest.raises(PermissionDeniedError):  # moderates the target only
        services.move_thread(world.actor("other_moderator"), thread_id=thread.pk, forum="other", reason="off topic")
    with pytest.raises(PermissionDeniedError):
        services.move_thread(world.actor("member"), thread_id=thread.pk, forum="other", reason="mine")
    services.appoint_moderator(SYSTEM, username="moderator-a", forum="other")
    moved = services.move_thread(world.actor("moderator"), thread_id=thread.pk, forum="other", reason="off topic")
    assert moved.forum == world.other_forum and moved.version > thread.version
    back = services.move_thread(world.actor("administrator"), thread_id=thread.pk, forum="access", reason="back")
    assert back.forum == world.forum
    entries = list(AuditEntry.objects.filter(action="thread.moved").order_by("seq"))
    assert [(e.details["source"], e.details["target"], e.details["reason"]) for e in entries] == [
        ("access", "other", "off topic"),
        ("other", "access", "back"),
    ]
    assert verify_chain()[0]


def test_a_debate_thread_does_not_move_and_a_reason_is_required(world: World) -> None:
    admin = world.actor("administrator")
    with pytest.raises(ConflictError):
        services.move_thread(admin, thread_id=world.debate.thread.pk, forum="access", reason="no")
    thread = _thread(world)
    with pytest.raises(ValidationFailedError) as same:
        services.move_thread(admin, thread_id=thread.pk, forum="access", reason="nowhere")
    assert [i.path for i in same.value.issues] == ["/forum"]
    with pytest.raises(ValidationFailedError):
        services.move_thread(admin, thread_id=thread.pk, forum="other", reason="")


# -- web and API ----------------------------------------------------------------------------------


def test_the_moderation_page_bans_and_lifts_and_the_member_sees_the_refusal(world: World, client: Client) -> None:
    thread = _thread(world)
    client.force_login(world.moderator)
    page = client.get("/en/forums/moderation/?ban=member")
    assert page.status_code == 200 and 'id="ban-form"' in page.content.decode()
    assert 'value="member"' in page.content.decode()
    # a forum moderator is offered their forums only, not "everywhere"
    assert 'value="access"' in page.content.decode() and 'value="other"' not in page.content.decode()
    done = client.post("/en/forums/bans/", {"username": "member", "forum": "access", "reason": "insults"})
    assert done.status_code == 302
    assert "insults" in client.get("/en/forums/moderation/").content.decode()
    member = Client()
    member.force_login(world.member)
    refused = member.post(f"/en/forums/access/threads/{thread.pk}/", {"body": "Let me in"})
    assert refused.status_code == 403 and "banned" in refused.content.decode()
    client.post(
        "/en/forums/bans/", {"action": "unban", "username": "member", "forum": "access", "reason": "apologised"}
    )
    assert member.post(f"/en/forums/access/threads/{thread.pk}/", {"body": "Thank you"}).status_code == 302


def test_the_thread_page_moves_a_thread_and_the_old_address_redirects(world: World, client: Client) -> None:
    thread = _thread(world)
    client.force_login(world.administrator)
    page = client.get(f"/en/forums/access/threads/{thread.pk}/").content.decode()
    assert 'id="move-form"' in page
    moved = client.post(f"/en/forums/threads/{thread.pk}/move/", {"forum": "other", "reason": "off topic"})
    assert moved.status_code == 302 and moved["Location"].startswith(f"/en/forums/other/threads/{thread.pk}/")
    old = Client().get(f"/en/forums/access/threads/{thread.pk}/")
    assert old.status_code == 302 and old["Location"] == f"/en/forums/other/threads/{thread.pk}/"
    # readers do not get the moderators' controls
    assert 'id="move-form"' not in Client().get(old["Location"]).content.decode()


def test_the_api_bans_moves_and_names_the_banned_error(world: World, client: Client) -> None:
    thread = _thread(world)
    moderator = _token("moderator-a")
    made = client.post(
        "/api/v1/bans",
        {"username": "member", "forum": "access", "reason": "spam"},
        content_type="application/json",
        headers=moderator,
    )
    assert made.status_code == 201, made.content
    assert made.json()["forum"] == "access" and made.json()["banned_by"] == "moderator-a"
    everywhere = client.post(
        "/api/v1/bans", {"username": "member", "reason": "spam"}, content_type="application/json", headers=moderator
    )
    assert everywhere.status_code == 403
    refused = client.post(
        f"/api/v1/threads/{thread.pk}/posts", {"body": "hi"}, content_type="application/json", headers=_token("member")
    )
    assert refused.status_code == 403 and refused.json()["code"] == "banned"
    listed = client.get("/api/v1/bans", headers=moderator).json()
    assert [b["username"] for b in listed] == ["member"]
    lifted = client.post(
        "/api/v1/bans/lift",
        {"username": "member", "forum": "access", "reason": "ok"},
        content_type="application/json",
        headers=moderator,
    )
    assert lifted.json() == {"lifted": 1}
    move = client.post(
        f"/api/v1/threads/{thread.pk}/move",
        {"forum": "other", "reason": "off topic"},
        content_type="application/json",
        headers=_token("participation-admin"),
    )
    assert move.status_code == 200 and move.json()["forum"] == "other"
    denied = client.post(
        f"/api/v1/threads/{thread.pk}/move",
        {"forum": "access", "reason": "back"},
        content_type="application/json",
        headers=_token("member"),
    )
    assert denied.status_code == 403


def test_a_new_account_without_roles_cannot_ban(world: World) -> None:
    newcomer = make_user("newcomer")
    from tests.participation.conftest import actor_of

    with pytest.raises(PermissionDeniedError):
        services.ban_user(actor_of(newcomer), username="member", forum="access", reason="r")
    assert services.active_bans(actor_of(newcomer)) == []
