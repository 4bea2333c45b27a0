"""Hostile participation content for the XSS tests: every payload of ``tests/web/xss.py`` as a post
body, a thread title and an author's display name, in a forum and in a debate (with a synthesis
and an edited post, so the history page carries payloads too), and in a comment period (title,
summary, document titles, comments and the summary of comments), which shows on its record's page
and on the Canadian country profile too.

:func:`seed_hostile` is run in the test database by the client tests and, through
``openbch manage shell``, in the browser tests' served folder.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth.models import User
from django.utils import timezone

from openbch.core.actors import SYSTEM
from openbch.participation import services
from openbch.participation.models import CommentPeriod, Forum
from openbch.records.models import Record
from tests.web.xss import PAYLOADS

__all__ = ["HOSTILE_DEBATE", "HOSTILE_FORUM", "hostile_pages", "seed_hostile"]

HOSTILE_FORUM = "hostile"
HOSTILE_DEBATE = "hostile-debate"


def _author(n: int, payload: str) -> str:
    username = f"xss-author-{n}"
    if not User.objects.filter(username=username).exists():
        user = User(username=username, first_name=payload[:150])
        user.set_unusable_password()
        user.save()
    return username


def seed_hostile() -> dict[str, Any]:
    """The hostile forum, threads, posts and debate (once); the ids the pages need."""
    if Forum.objects.filter(slug=HOSTILE_FORUM).exists():
        thread = Forum.objects.get(slug=HOSTILE_FORUM).threads.order_by("pk").first()
        assert thread is not None
        edited = thread.posts.filter(revision__gt=1).first()
        period = CommentPeriod.objects.filter(title=PAYLOADS[11]).first()
        return {
            "thread": thread.pk,
            "edited": edited.pk if edited else 0,
            "period": period.pk if period else 0,
            "record": _record_page(period),
        }
    services.create_forum(SYSTEM, slug=HOSTILE_FORUM, title=PAYLOADS[0], description=PAYLOADS[1])
    authors = [_author(n, payload) for n, payload in enumerate(PAYLOADS)]
    first = services.start_thread(
        SYSTEM, forum=HOSTILE_FORUM, title=PAYLOADS[2], body=PAYLOADS[3], language="ar", as_user=authors[0]
    )
    parent = first.posts.get()
    for n, payload in enumerate(PAYLOADS):
        services.reply(
            SYSTEM,
            thread_id=first.pk,
            body=f"{payload}\n\n[link]({payload}) `{payload}` **{payload}**",
            parent_id=parent.pk if n % 3 else None,
            as_user=authors[n],
        )
    for n, payload in enumerate(PAYLOADS):
        services.start_thread(SYSTEM, forum=HOSTILE_FORUM, title=payload, body=payload, as_user=authors[n])
    edited = services.reply(SYSTEM, thread_id=first.pk, body=PAYLOADS[4], as_user=authors[4])
    _edit(edited.pk, PAYLOADS[5])
    services.hide_post(SYSTEM, post_id=edited.pk, reason=PAYLOADS[6])
    services.unhide_post(SYSTEM, post_id=edited.pk, reason=PAYLOADS[7])
    now = timezone.now()
    services.create_debate(
        SYSTEM,
        slug=HOSTILE_DEBATE,
        question=PAYLOADS[8],
        description=PAYLOADS[9],
        opens_at=now - dt.timedelta(days=2),
        closes_at=now + dt.timedelta(days=2),
        positions=True,
    )
    for n, payload in enumerate(PAYLOADS):
        services.post_in_debate(
            SYSTEM, debate=HOSTILE_DEBATE, body=payload, position="for" if n % 2 else "other", as_user=authors[n]
        )
    services.close_debate(SYSTEM, debate=HOSTILE_DEBATE)
    services.publish_synthesis(SYSTEM, debate=HOSTILE_DEBATE, text=PAYLOADS[10])
    period = _hostile_comment_period(authors, now)
    return {"thread": first.pk, "edited": edited.pk, "period": period.pk, "record": _record_page(period)}


def _record_page(period: CommentPeriod | None) -> str:
    """The page of the record the hostile period is on (it shows the period and its outcome)."""
    uid = period.record.uid if period is not None else ""
    return f"/en/records/{uid.rsplit('-', 1)[0]}/" if uid else ""


def _hostile_comment_period(authors: list[str], now: dt.datetime) -> CommentPeriod:
    """A comment period on a Canadian record with payloads in its title, summary, documents and comments."""
    record = Record.objects.filter(owner="CA").order_by("pk").first()
    assert record is not None, "the demo data has Canadian records"
    period = services.open_comment_period(
        SYSTEM,
        record=record.identifier,
        title=PAYLOADS[11],
        summary=PAYLOADS[12],
        opens_at=now - dt.timedelta(days=1),
        closes_at=now + dt.timedelta(days=1),
        documents=[{"title": payload, "url": "https://example.org/doc"} for payload in PAYLOADS[13:20]],
    )
    from openbch.accounts.actors import actor_for_user

    for n, payload in enumerate(PAYLOADS[:20]):
        user = User.objects.get(username=authors[n])
        services.comment(actor_for_user(user, client_ip=f"10.9.0.{n}"), period_id=period.pk, body=payload)
    from openbch.participation.models import Post

    for post in Post.objects.filter(thread__comment_period=period, status="pending"):
        services.approve_post(SYSTEM, post_id=post.pk)
    CommentPeriod.objects.filter(pk=period.pk).update(closes_at=now - dt.timedelta(minutes=1))
    return services.publish_comment_outcome(SYSTEM, period_id=period.pk, text=PAYLOADS[20])


def _edit(post_id: int, body: str) -> None:
    """An edit as its author would make it (the system edits nobody's posts through the service)."""
    from openbch.accounts.actors import actor_for_user
    from openbch.participation.models import Post

    author = Post.objects.select_related("author").get(pk=post_id).author
    services.edit_post(actor_for_user(author), post_id=post_id, body=body)


def hostile_pages(ids: dict[str, Any]) -> list[str]:
    return [
        "/en/forums/",
        f"/en/forums/{HOSTILE_FORUM}/",
        f"/en/forums/{HOSTILE_FORUM}/threads/{ids['thread']}/",
        f"/en/forums/posts/{ids['edited']}/history/",
        "/en/debates/",
        f"/en/debates/{HOSTILE_DEBATE}/",
        f"/en/debates/{HOSTILE_DEBATE}/report/",
        f"/ar/forums/{HOSTILE_FORUM}/threads/{ids['thread']}/",
        # where the comment period shows outside participation: its record's page, the country profile
        *([ids["record"]] if ids.get("record") else []),
        "/en/countries/ca/",
        "/en/consultations/",
        # last: the browser test counts the payloads shown on the last page
        f"/en/consultations/{ids['period']}/",
    ]
