"""Forums, debates and moderation through the services, on the real database."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import override_settings
from django.utils import timezone

from openbch.core.actors import ANONYMOUS, SYSTEM
from openbch.core.errors import (
    ConflictError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitedError,
    UnauthenticatedError,
    ValidationFailedError,
)
from openbch.participation import services
from openbch.participation.demo import DEMO_DEBATE, DEMO_FORUMS, seed_demo
from openbch.participation.models import Post, PostRevision, PostStatus
from openbch.records.audit import verify_chain
from openbch.records.models import AuditEntry, Record, RecordKey, RecordState

from .conftest import World, actor_of, make_user


def _published_decision() -> Record:
    record = Record.objects.filter(type="DEC", state=RecordState.PUBLISHED).order_by("number").first()
    assert record is not None, "the demo data has decisions"
    return record


def test_a_new_members_first_posts_wait_until_enough_are_approved(world: World) -> None:
    member = world.actor("member")
    moderator = world.actor("moderator")
    thread = services.start_thread(member, forum="access", title="First", body="one")
    first = thread.posts.get()
    assert first.status == PostStatus.PENDING
    # the queue of this forum's moderator has it; readers do not see it, its author does
    assert [p.pk for p in services.moderation_queue(moderator)] == [first.pk]
    assert services.thread_view(ANONYMOUS, thread.pk).posts == []
    assert [v.post.pk for v in services.thread_view(member, thread.pk).posts] == [first.pk]
    approved = [services.approve_post(moderator, post_id=first.pk)]
    with override_settings(OPENBCH_TRUSTED_AFTER_POSTS=3):
        for n in range(2):
            pending = services.reply(member, thread_id=thread.pk, body=f"reply {n}")
            assert pending.status == PostStatus.PENDING
            approved.append(services.approve_post(moderator, post_id=pending.pk))
        trusted = services.reply(member, thread_id=thread.pk, body="now trusted")
    assert trusted.status == PostStatus.PUBLISHED
    thread.refresh_from_db()
    assert thread.post_count == 4
    assert [v.post.pk for v in services.thread_view(ANONYMOUS, thread.pk).posts] == [
        *(p.pk for p in approved),
        trusted.pk,
    ]


def test_a_moderators_posts_never_wait(world: World) -> None:
    thread = services.start_thread(world.actor("moderator"), forum="access", title="Welcome", body="hello")
    assert thread.posts.get().status == PostStatus.PUBLISHED
    # in a forum it does not moderate, a moderator is a member like any other
    other = services.start_thread(world.actor("moderator"), forum="other", title="Elsewhere", body="hi")
    assert other.posts.get().status == PostStatus.PENDING


def test_replies_nest_under_their_parent_depth_first(world: World) -> None:
    admin = world.actor("administrator")
    thread = services.start_thread(admin, forum="access", title="Tree", body="root")
    root = thread.posts.get()
    a = services.reply(admin, thread_id=thread.pk, body="a", parent_id=root.pk)
    b = services.reply(admin, thread_id=thread.pk, body="b")
    a1 = services.reply(admin, thread_id=thread.pk, body="a1", parent_id=a.pk)
    view = services.thread_view(ANONYMOUS, thread.pk)
    assert [(v.post.pk, v.depth) for v in view.posts] == [(root.pk, 0), (a.pk, 1), (a1.pk, 2), (b.pk, 0)]
    with pytest.raises(ValidationFailedError) as refused:
        services.reply(admin, thread_id=thread.pk, body="x", parent_id=999_999)
    assert refused.value.issues[0].path == "/parent"


def test_an_edit_keeps_every_revision_and_the_database_refuses_to_change_one(world: World) -> None:
    admin = world.actor("administrator")
    thread = services.start_thread(admin, forum="access", title="Edits", body="first text")
    post = thread.posts.get()
    edited = services.edit_post(admin, post_id=post.pk, body="second text", language="fr")
    assert (edited.revision, edited.language) == (2, "fr")
    assert "second text" in edited.html
    _, revisions = services.post_history(ANONYMOUS, post_id=post.pk)
    assert [(r.number, r.body) for r in revisions] == [(1, "first text"), (2, "second text")]
    with pytest.raises(PermissionDeniedError):
        services.edit_post(world.actor("member"), post_id=post.pk, body="not mine")
    from django.db import DatabaseError, transaction

    with pytest.raises(DatabaseError), transaction.atomic():
        PostRevision.objects.filter(post=post).update(body="rewritten history")


def test_a_debate_takes_posts_only_while_open_and_names_the_error(world: World) -> None:
    member = world.actor("member")
    post = services.post_in_debate(member, debate="techniques", body="I am for", position="for")
    assert post.position == "for"
    with pytest.raises(services.DebateClosedError) as closed:
        services.post_in_debate(member, debate="closed", body="too late")
    assert closed.value.code == "debate_closed" and closed.value.http_status == 409
    later = timezone.now() + dt.timedelta(days=1)
    services.create_debate(
        SYSTEM, slug="later", question="Not yet", opens_at=later, closes_at=later + dt.timedelta(days=1)
    )
    with pytest.raises(services.DebateClosedError):
        services.post_in_debate(member, debate="later", body="too early")
    with pytest.raises(ValidationFailedError) as refused:
        services.post_in_debate(member, debate="techniques", body="x", position="maybe")
    assert refused.value.issues[0].path == "/position"


def test_closing_makes_a_debate_read_only_and_then_takes_a_synthesis(world: World) -> None:
    member = world.actor("member")
    moderator = world.actor("moderator")
    services.post_in_debate(member, debate="techniques", body="before closing")
    with pytest.raises(ConflictError):
        services.publish_synthesis(moderator, debate="techniques", text="too early")
    with pytest.raises(PermissionDeniedError):
        services.close_debate(world.actor("other_moderator"), debate="techniques")
    services.close_debate(moderator, debate="techniques")
    with pytest.raises(services.DebateClosedError):
        services.post_in_debate(member, debate="techniques", body="after closing")
    debate = services.publish_synthesis(moderator, debate="techniques", text="Most said **hearings** help.")
    assert "<strong>hearings</strong>" in debate.synthesis_html
    assert debate.synthesis_by == "moderator-a"


def test_hide_lock_and_every_moderation_action_is_audited_with_its_reason(world: World) -> None:
    moderator = world.actor("moderator")
    member = world.actor("member")
    thread = services.start_thread(moderator, forum="access", title="Heated", body="start")
    post = services.reply(member, thread_id=thread.pk, body="spam spam")
    before = AuditEntry.objects.count()
    with pytest.raises(ValidationFailedError) as refused:
        services.reject_post(moderator, post_id=post.pk, reason="  ")
    assert refused.value.issues[0].path == "/reason"
    services.reject_post(moderator, post_id=post.pk, reason="advertising")
    first = thread.posts.order_by("pk").first()
    assert first is not None
    services.hide_post(moderator, post_id=first.pk, reason="off topic")
    view = services.thread_view(ANONYMOUS, thread.pk)
    assert [(v.post.pk, v.shown) for v in view.posts] == [(first.pk, False)]
    assert services.thread_view(moderator, thread.pk).posts[0].shown
    services.unhide_post(moderator, post_id=first.pk, reason="on reflection, fine")
    services.lock_thread(moderator, thread_id=thread.pk, reason="cooling off")
    with pytest.raises(services.ThreadLockedError):
        services.reply(moderator, thread_id=thread.pk, body="locked")
    services.unlock_thread(moderator, thread_id=thread.pk)
    entries = list(AuditEntry.objects.filter(seq__gt=0).order_by("-seq")[: AuditEntry.objects.count() - before])
    actions = [e.action for e in reversed(entries)]
    assert actions == ["post.rejected", "post.hidden", "post.unhidden", "thread.locked", "thread.unlocked"]
    assert {e.actor for e in entries} == {"moderator-a"}
    assert entries[-1].roles == "forum-moderator"
    assert [e.details.get("reason") for e in reversed(entries)][:2] == ["advertising", "off topic"]
    assert verify_chain()[0]


def test_moderators_act_only_where_appointed_and_only_while_they_hold_the_role(world: World) -> None:
    thread = services.start_thread(world.actor("member"), forum="access", title="Q", body="?")
    post = thread.posts.get()
    with pytest.raises(PermissionDeniedError):
        services.approve_post(world.actor("other_moderator"), post_id=post.pk)
    assert services.moderation_queue(world.actor("other_moderator")) == []
    from openbch.accounts.models import RoleAssignment

    RoleAssignment.objects.filter(user=world.moderator).delete()
    with pytest.raises(PermissionDeniedError):
        services.approve_post(world.actor("moderator"), post_id=post.pk)
    with pytest.raises(UnauthenticatedError):
        services.approve_post(ANONYMOUS, post_id=post.pk)
    with pytest.raises(PermissionDeniedError):
        services.create_forum(world.actor("moderator"), slug="mine", title="Mine")
    with pytest.raises(ValidationFailedError) as refused:
        services.appoint_moderator(world.actor("administrator"), username="member", forum="access")
    assert refused.value.issues[0].code == "not_a_moderator"


def test_bad_input_names_every_field_and_saves_nothing(world: World) -> None:
    posts = Post.objects.count()
    with pytest.raises(ValidationFailedError) as refused:
        services.start_thread(world.actor("member"), forum="access", title="", body="x" * 20_001, language="english")
    assert {i.path for i in refused.value.issues} == {"/title", "/body", "/language"}
    assert Post.objects.count() == posts
    with pytest.raises(NotFoundError):
        services.start_thread(world.actor("member"), forum="nowhere", title="t", body="b")
    with pytest.raises(UnauthenticatedError):
        services.start_thread(ANONYMOUS, forum="access", title="t", body="b")


def test_posting_is_limited_per_account_and_per_address(world: World) -> None:
    admin = world.actor("administrator")
    thread = services.start_thread(admin, forum="access", title="Fast", body="go")
    with override_settings(OPENBCH_POST_LIMIT_PER_ACCOUNT=3, OPENBCH_POST_LIMIT_PER_IP=100):
        for n in range(2):
            services.reply(admin, thread_id=thread.pk, body=f"{n}")
        with pytest.raises(RateLimitedError) as limited:
            services.reply(admin, thread_id=thread.pk, body="one too many")
        assert limited.value.retry_after >= 1 and "account" in limited.value.message
    with override_settings(OPENBCH_POST_LIMIT_PER_ACCOUNT=100, OPENBCH_POST_LIMIT_PER_IP=4):
        users = [make_user(f"neighbour-{n}") for n in range(6)]
        # four accounts behind one address use up the address's budget
        for user in users[:4]:
            services.reply(actor_of(user, client_ip="10.1.1.1"), thread_id=thread.pk, body="a")
        with pytest.raises(RateLimitedError) as limited:
            services.reply(actor_of(users[4], client_ip="10.1.1.1"), thread_id=thread.pk, body="b")
        assert "address" in limited.value.message
        # another address is not affected
        services.reply(actor_of(users[5], client_ip="10.2.2.2"), thread_id=thread.pk, body="c")


def test_record_uids_and_oecd_identifiers_in_a_post_link_to_the_record_with_its_title(world: World) -> None:
    decision = _published_decision()
    uid = f"BCH-DEC-{decision.owner}-{decision.number}-{decision.revision}"
    key = RecordKey.objects.filter(kind="oecd", record__type="LMO", record__state=RecordState.PUBLISHED).first()
    assert key is not None
    from openbch.identifiers.oecd import check

    registered = check(key.value).canonical
    written = registered.replace("Ø", "0").lower()
    body = f"See {uid.lower()} and {written}; not `{uid}` nor BCH-DEC-CA-999999999."
    thread = services.start_thread(world.actor("administrator"), forum="access", title="Links", body=body)
    html = thread.posts.get().html
    assert f'href="/records/{uid}/"' in html
    assert f'href="/lmo/{registered}/"' in html
    lmo = Record.objects.get(pk=key.record_id)
    from django.utils.html import escape

    assert escape(decision.title) in html and escape(lmo.title) in html
    assert f"<code>{uid}</code>" in html
    assert "BCH-DEC-CA-999999999" in html and "/records/BCH-DEC-CA-999999999" not in html


def test_the_demo_seeds_the_aarhus_forums_and_debate_once_with_marked_example_posts(db: None) -> None:
    first = seed_demo()
    assert (first.forums, first.debates) == (2, 1) and first.posts >= 5
    assert seed_demo() == type(first)(0, 0, 0)
    titles = [f.title for f in services.list_forums()]
    assert sorted(titles) == sorted(t for _, t, _ in DEMO_FORUMS)
    debate = services.get_debate(DEMO_DEBATE[0])
    assert debate.question == "Techniques to elicit public participation"
    assert services.debate_state(debate) == "open"
    assert Post.objects.count() == first.posts and not Post.objects.filter(demo=False).exists()
    assert set(Post.objects.values_list("status", flat=True)) == {PostStatus.PUBLISHED}
    # an example post links a record of the loaded data
    assert Post.objects.filter(html__contains='class="record-link"').exists()


def test_a_new_account_may_link_to_few_other_sites_until_it_is_trusted(world: World) -> None:
    member = world.actor("member")
    spam = "Buy now: https://a.example [b](https://b.example) <https://c.example>"
    with pytest.raises(ValidationFailedError) as refused:
        services.start_thread(member, forum="access", title="Offer", body=spam)
    assert [(i.path, i.code) for i in refused.value.issues] == [("/body", "too_many_links")]
    # links to the clearing-house's own records and pages do not count
    own = "See BCH-DEC-CA-1042, [the search](/en/search/), https://a.example and https://b.example"
    thread = services.start_thread(member, forum="access", title="Sources", body=own)
    # a trusted account (here: a moderator of the forum) links freely
    services.reply(world.actor("moderator"), thread_id=thread.pk, body=spam)
    with override_settings(OPENBCH_NEW_ACCOUNT_MAX_LINKS=5):
        services.reply(member, thread_id=thread.pk, body=spam)


def test_a_reported_post_reaches_its_moderators_who_hide_it_or_keep_it(world: World) -> None:
    moderator = world.actor("moderator")
    thread = services.start_thread(moderator, forum="access", title="Reports", body="a fair post")
    post = thread.posts.get()
    member = world.actor("member")
    services.report_post(member, post_id=post.pk, reason="I disagree")
    with pytest.raises(ConflictError):
        services.report_post(member, post_id=post.pk, reason="again")
    services.report_post(world.actor("other_moderator"), post_id=post.pk, reason="me too")
    assert [(p.pk, len(r)) for p, r in services.reported_posts(moderator)] == [(post.pk, 2)]
    assert services.reported_posts(world.actor("other_moderator")) == []
    with pytest.raises(PermissionDeniedError):
        services.reported_posts(member)
    assert services.dismiss_reports(moderator, post_id=post.pk, reason="disagreement is not abuse") == 2
    assert services.reported_posts(moderator) == []
    assert AuditEntry.objects.filter(action="post.reports_dismissed").exists()
    services.report_post(actor_of(make_user("third")), post_id=post.pk, reason="spam")
    services.hide_post(moderator, post_id=post.pk, reason="spam after all")
    assert services.reported_posts(moderator) == []
    with pytest.raises(NotFoundError):
        services.report_post(world.actor("administrator"), post_id=post.pk, reason="hidden already")
