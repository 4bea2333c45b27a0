"""Public-participation services: every read model and every change of forums, debates and posts.

Each mutating function takes the acting :class:`~openbch.core.actors.Actor` first and keyword-only
arguments, checks permission, validates (every problem at once, with the field's path), and makes
its change in one transaction. Moderation actions (approve, reject, hide, unhide, lock, unlock,
move, ban, unban, close, synthesis, appointments) and the creation of forums and debates are audited in that
transaction, under the write lock (the audit log is one hash chain).

Who may do what:

| action | anonymous | member | moderator (of this forum/debate) | participation administrator |
|---|---|---|---|---|
| read forums, debates, published posts, post history | yes | yes | yes | yes |
| start_thread, reply, post_in_debate | | yes (queued until trusted) | yes | yes |
| edit_post | | own posts | own posts | own posts |
| report_post | | yes | yes | yes |
| moderation_queue, reported_posts, approve/reject/hide/unhide, dismiss_reports, lock/unlock | | | yes | yes |
| close_debate, publish_synthesis | | | yes | yes |
| attach_files (to one's own post, while editable) | | own posts | own posts | own posts |
| ban_user / unban_user | | | forum moderators: in their forum | also everywhere |
| move_thread | | | moderators of both forums | yes |
| create_forum, create_debate, appoint_moderator | | | | yes |

Comment periods (Article 23): the publishing authority of the record's country opens them and
publishes the summary of comments (``open_comment_period``, ``publish_comment_outcome``) and
moderates their comments, as participation administrators may too; anyone signed in comments.

A *moderator* is an account holding the ``forum-moderator`` role and appointed to the forum or
debate (:class:`~openbch.participation.models.Moderator`); revoking the role ends every
appointment's rights at once. Administrators count as participation administrators.

Trust: a member's posts wait in the moderation queue until ``OPENBCH_TRUSTED_AFTER_POSTS`` of
them were approved (published); then they appear at once. Moderators' posts never wait.
A banned account (``PostingBan``: everywhere, or in one forum until a time or until lifted) may
not post, edit or attach: 403 ``banned`` (:class:`BannedError`). Files attached to posts are
checked and kept by :mod:`openbch.participation.attachments`; a file is served only to readers
who may see its post (:func:`attachment_for_reader`).
Posting (and editing) is limited per account and per client IP (``OPENBCH_POST_LIMIT_*``): 429
with ``Retry-After`` beyond it. Until trusted, a post may link to at most
``OPENBCH_NEW_ACCOUNT_MAX_LINKS`` other sites (link spam).
"""

from __future__ import annotations

import datetime as dt
import re
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Count, F, Q
from django.utils import timezone

from openbch.accounts.actors import require_scope
from openbch.core.actors import Actor, Role
from openbch.core.cache import take
from openbch.core.errors import (
    ConflictError,
    Issue,
    NotFoundError,
    PermissionDeniedError,
    RateLimitedError,
    UnauthenticatedError,
    ValidationFailedError,
)
from openbch.identifiers.record_uid import parse_record_uid
from openbch.participation import attachments as files
from openbch.participation import events, markdown
from openbch.participation.models import (
    Attachment,
    CommentPeriod,
    Debate,
    Forum,
    Moderator,
    Post,
    PostingBan,
    PostReport,
    PostRevision,
    PostStatus,
    Thread,
)
from openbch.participation.reading import draft_lmos
from openbch.records.audit import AuditEvent, append_audit
from openbch.records.locking import acquire_write_lock
from openbch.records.models import Record, RecordLink, RecordState
from openbch.records.queries import PublishedRecord

__all__ = [
    "POSITIONS",
    "BannedError",
    "CommentPeriodClosedError",
    "DebateClosedError",
    "PostView",
    "ThreadLockedError",
    "ThreadView",
    "active_bans",
    "appoint_moderator",
    "approve_post",
    "attach_files",
    "attachment_for_reader",
    "ban_user",
    "close_debate",
    "comment",
    "comment_periods",
    "comment_periods_about",
    "comment_periods_of",
    "country_comment_periods",
    "create_debate",
    "create_forum",
    "debate_state",
    "dismiss_reports",
    "edit_post",
    "get_comment_period",
    "get_debate",
    "get_forum",
    "get_thread",
    "hide_post",
    "is_participation_administrator",
    "list_debates",
    "list_forums",
    "lmo_comment_periods",
    "lock_thread",
    "may_moderate",
    "moderation_queue",
    "move_thread",
    "open_comment_period",
    "period_state",
    "position_counts",
    "post_history",
    "post_in_debate",
    "publish_comment_outcome",
    "publish_synthesis",
    "published_posts",
    "reject_post",
    "reply",
    "report_post",
    "reported_posts",
    "start_thread",
    "thread_view",
    "threads_of",
    "unban_user",
    "unhide_post",
    "unlock_thread",
]

POSITIONS = ("for", "against", "other")
MAX_TITLE = 300
MAX_BODY = 20_000
MAX_REASON = 2_000
_LANGUAGE = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{1,8}){0,3}$")
_SLUG = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
#: replies deeper than this are shown at this depth (a thread stays readable on a phone)
MAX_DEPTH = 6


class DebateClosedError(ConflictError):
    """Posting in a debate that is not open (not yet, or any more)."""

    code = "debate_closed"
    title = "The debate is not open for posting"


class CommentPeriodClosedError(ConflictError):
    """Commenting outside a comment period's dates."""

    code = "comment_period_closed"
    title = "The comment period is not open"


class ThreadLockedError(ConflictError):
    code = "thread_locked"
    title = "The thread is locked"


class BannedError(PermissionDeniedError):
    """Posting (or editing) by an account banned from posting here (everywhere, or in this forum)."""

    code = "banned"
    title = "The account is banned from posting"


# -- who may ------------------------------------------------------------------------------------


def is_participation_administrator(actor: Actor) -> bool:
    return actor.is_administrator or actor.holds(Role.PARTICIPATION_ADMINISTRATOR)


def may_moderate(actor: Actor, thread: Thread) -> bool:
    """Whether ``actor`` moderates the forum or debate ``thread`` belongs to."""
    if not actor.is_registered:
        return False
    if is_participation_administrator(actor):
        return True
    if thread.comment_period_id is not None:
        period = thread.comment_period
        assert period is not None
        return actor.holds(Role.NATIONAL_PUBLISHING_AUTHORITY, country=period.country)
    if actor.user_id is None or not actor.holds(Role.FORUM_MODERATOR):
        return False
    place = Q(forum_id=thread.forum_id) if thread.forum_id else Q(debate_id=thread.debate_id)
    return Moderator.objects.filter(place, user_id=actor.user_id).exists()


def _require_member(actor: Actor) -> int:
    if not actor.is_registered:
        raise UnauthenticatedError("sign in to post")
    require_scope(actor, "write")
    if actor.user_id is None:
        raise PermissionDeniedError(f"{actor.name} has no account to post with")
    return actor.user_id


def _require_moderator(actor: Actor, thread: Thread) -> None:
    if not actor.is_registered:
        raise UnauthenticatedError("sign in as a moderator")
    require_scope(actor, "write")
    if not may_moderate(actor, thread):
        raise PermissionDeniedError(f"{actor.name} does not moderate this forum or debate")


def _require_administrator(actor: Actor) -> None:
    if not actor.is_registered:
        raise UnauthenticatedError("sign in as a participation administrator")
    require_scope(actor, "write")
    if not is_participation_administrator(actor):
        raise PermissionDeniedError(f"{actor.name} is not a participation administrator")


# -- validation ---------------------------------------------------------------------------------


def _text_issues(path: str, value: str, *, limit: int, required: bool = True) -> list[Issue]:
    if required and not value.strip():
        return [Issue(path, "required", f"{path.strip('/')} is required")]
    if len(value) > limit:
        return [Issue(path, "too_long", f"{path.strip('/')} is longer than {limit} characters ({len(value)})")]
    return []


def _language_issues(language: str) -> list[Issue]:
    if not _LANGUAGE.match(language):
        return [Issue("/language", "invalid_language", f"{language[:30]!r} is not a language code (e.g. en, fr, ar)")]
    return []


def _raise(issues: list[Issue]) -> None:
    if issues:
        raise ValidationFailedError(f"{len(issues)} error(s); nothing was saved", issues=issues)


def _reason(reason: str) -> str:
    _raise(_text_issues("/reason", reason, limit=MAX_REASON))
    return reason.strip()


# -- posting limits -----------------------------------------------------------------------------


def _limit_posting(actor: Actor) -> None:
    """One post (or edit) counted against the account's and the client IP's windows; 429 beyond."""
    if actor.is_system:
        return
    window = int(settings.OPENBCH_POST_LIMIT_WINDOW)
    now = int(time.time())
    start = now - now % window
    checks = [(f"user:{actor.user_id}", int(settings.OPENBCH_POST_LIMIT_PER_ACCOUNT), "account")]
    if actor.client_ip:
        checks.append((f"ip:{actor.client_ip}", int(settings.OPENBCH_POST_LIMIT_PER_IP), "address"))
    for bucket, limit, what in checks:
        allowed, _ = take(f"openbch:post:{bucket}:{start}", limit, window + 5)
        if not allowed:
            raise RateLimitedError(
                f"more than {limit} posts in {window} s from this {what}; wait a little",
                retry_after=max(1, start + window - now),
            )


# -- audit --------------------------------------------------------------------------------------


def _audit(actor: Actor, action: str, at: dt.datetime, **details: Any) -> None:
    acquire_write_lock()
    append_audit(actor, [AuditEvent(action, details=details)], at=at)


# -- reading ------------------------------------------------------------------------------------


def _touch(thread_id: int) -> None:
    """A change the thread's readers may see: its rendered page is stale (see ``Thread.version``)."""
    Thread.objects.filter(pk=thread_id).update(version=F("version") + 1)


def list_forums() -> list[Forum]:
    return list(Forum.objects.order_by("title"))


def get_forum(slug: str) -> Forum:
    forum = Forum.objects.filter(slug=slug).first()
    if forum is None:
        raise NotFoundError(f"no forum {slug[:100]!r}")
    return forum


def list_debates() -> list[Debate]:
    return list(Debate.objects.order_by("-opens_at", "slug"))


def get_debate(slug: str) -> Debate:
    debate = Debate.objects.select_related("thread").filter(slug=slug).first()
    if debate is None:
        raise NotFoundError(f"no debate {slug[:100]!r}")
    return debate


def period_state(place: Debate | CommentPeriod, now: dt.datetime | None = None) -> str:
    """``upcoming``, ``open`` or ``closed``: where ``now`` is against the opening and closing times."""
    now = now or timezone.now()
    if now < place.opens_at:
        return "upcoming"
    return "open" if now < place.closes_at else "closed"


def debate_state(debate: Debate, now: dt.datetime | None = None) -> str:
    """``upcoming``, ``open`` or ``closed``."""
    return period_state(debate, now)


def threads_of(actor: Actor, forum: Forum) -> list[Thread]:
    """The forum's threads, latest activity first: those with a published post, and the actor's own."""
    shown = Q(post_count__gt=0)
    if actor.user_id is not None:
        shown |= Q(author_id=actor.user_id)
    if forum.pk and actor.is_registered and _moderates_forum(actor, forum):
        shown = Q()
    return list(Thread.objects.filter(shown, forum=forum).order_by("-last_post_at", "-pk"))


def _moderates_forum(actor: Actor, forum: Forum) -> bool:
    if is_participation_administrator(actor):
        return True
    if actor.user_id is None or not actor.holds(Role.FORUM_MODERATOR):
        return False
    return Moderator.objects.filter(forum=forum, user_id=actor.user_id).exists()


@dataclass
class PostView:
    post: Post
    depth: int
    #: readers see the text; a hidden post shows only that it was hidden, and why
    shown: bool
    can_edit: bool


@dataclass
class ThreadView:
    thread: Thread
    forum: Forum | None
    debate: Debate | None
    posts: list[PostView]
    can_post: bool
    can_moderate: bool
    #: why posting is not possible now ("" when it is): locked, debate closed, not signed in
    closed_reason: str = ""
    pending: int = 0
    extra: dict[str, Any] = field(default_factory=dict)


def get_thread(thread_id: int) -> Thread:
    thread = Thread.objects.select_related("forum", "debate", "comment_period").filter(pk=thread_id).first()
    if thread is None:
        raise NotFoundError(f"no thread {thread_id}")
    return thread


def _visible(post: Post, actor: Actor, moderator: bool) -> bool:
    if post.status == PostStatus.PUBLISHED:
        return True
    if post.status == PostStatus.PENDING:
        return moderator or (actor.user_id is not None and post.author_id == actor.user_id)
    return False


def _closed_reason(thread: Thread, now: dt.datetime) -> str:
    if thread.locked_at is not None:
        return "locked"
    place = thread.debate or thread.comment_period
    if place is not None:
        state = period_state(place, now)
        if state != "open":
            return state
    return ""


def thread_view(
    actor: Actor, thread_id: int | None = None, *, thread: Thread | None = None, with_posts: bool = True
) -> ThreadView:
    """A thread with the posts ``actor`` may see, replies under their parents (depth-first, oldest first).

    ``with_posts=False``: the thread and what ``actor`` may do in it, without reading its posts
    (a page that has them rendered already).
    """
    thread = thread or get_thread(int(thread_id or 0))
    moderator = may_moderate(actor, thread)
    now = timezone.now()
    everything = Post.objects.filter(thread=thread).order_by("created_at", "pk") if with_posts else []
    posts = [p for p in everything if _visible(p, actor, moderator)]
    children: dict[int | None, list[Post]] = {}
    ids = {p.pk for p in posts}
    for p in posts:
        children.setdefault(p.parent_id if p.parent_id in ids else None, []).append(p)
    closed = _closed_reason(thread, now)
    ordered: list[PostView] = []
    stack: list[tuple[Post, int]] = [(p, 0) for p in reversed(children.get(None, []))]
    while stack:
        p, depth = stack.pop()
        own = actor.user_id is not None and p.author_id == actor.user_id
        ordered.append(
            PostView(
                post=p,
                depth=min(depth, MAX_DEPTH),
                shown=p.hidden_at is None or moderator,
                can_edit=own and not closed and p.hidden_at is None and p.status != PostStatus.REJECTED,
            )
        )
        stack.extend((c, depth + 1) for c in reversed(children.get(p.pk, [])))
    return ThreadView(
        thread=thread,
        forum=thread.forum,
        debate=thread.debate,
        posts=ordered,
        can_post=actor.is_registered and actor.user_id is not None and not closed,
        can_moderate=moderator,
        closed_reason=closed or ("" if actor.is_registered else "anonymous"),
        pending=sum(1 for v in ordered if v.post.status == PostStatus.PENDING) if moderator else 0,
    )


def _get_post(post_id: int) -> Post:
    post = (
        Post.objects.select_related("thread", "thread__forum", "thread__debate", "thread__comment_period")
        .filter(pk=post_id)
        .first()
    )
    if post is None:
        raise NotFoundError(f"no post {post_id}")
    return post


def post_history(actor: Actor, *, post_id: int) -> tuple[Post, list[PostRevision]]:
    """A post's revisions, oldest first; only for a post the actor may see (hidden: moderators)."""
    post = _get_post(post_id)
    moderator = may_moderate(actor, post.thread)
    if not _visible(post, actor, moderator) or (post.hidden_at is not None and not moderator):
        raise NotFoundError(f"no post {post_id}")
    return post, list(post.revisions.order_by("number"))


def moderation_queue(actor: Actor) -> list[Post]:
    """Posts waiting for approval in the forums, debates and comment periods ``actor`` moderates, oldest first."""
    if not actor.is_registered:
        raise UnauthenticatedError("sign in as a moderator")
    places = _moderated_places(actor)
    pending = Post.objects.filter(status=PostStatus.PENDING).select_related(
        "thread", "thread__forum", "thread__debate", "thread__comment_period", "author"
    )
    if places is not None:
        pending = pending.filter(places)
    return list(pending.order_by("created_at", "pk"))


# -- forums, debates, moderators ----------------------------------------------------------------


def _slug_issues(slug: str, model: type[Forum] | type[Debate]) -> list[Issue]:
    if not _SLUG.match(slug) or len(slug) > 100:
        return [Issue("/slug", "invalid_slug", "lower-case letters, digits and single dashes, at most 100")]
    if model.objects.filter(slug=slug).exists():
        return [Issue("/slug", "taken", f"{slug!r} is taken")]
    return []


def create_forum(actor: Actor, *, slug: str, title: str, description: str = "", demo: bool = False) -> Forum:
    _require_administrator(actor)
    issues = _slug_issues(slug, Forum) + _text_issues("/title", title, limit=MAX_TITLE)
    issues += _text_issues("/description", description, limit=MAX_BODY, required=False)
    _raise(issues)
    now = timezone.now()
    with transaction.atomic():
        forum = Forum.objects.create(
            slug=slug,
            title=title.strip(),
            description=description,
            description_html=markdown.render(description),
            demo=demo,
            created_at=now,
        )
        _audit(actor, "forum.created", now, forum=slug)
    return forum


def create_debate(
    actor: Actor,
    *,
    slug: str,
    question: str,
    opens_at: dt.datetime,
    closes_at: dt.datetime,
    description: str = "",
    positions: bool = False,
    demo: bool = False,
) -> Debate:
    _require_administrator(actor)
    issues = _slug_issues(slug, Debate) + _text_issues("/question", question, limit=MAX_TITLE)
    issues += _text_issues("/description", description, limit=MAX_BODY, required=False)
    if closes_at <= opens_at:
        issues.append(Issue("/closes_at", "before_opening", "the debate must close after it opens"))
    _raise(issues)
    now = timezone.now()
    with transaction.atomic():
        debate = Debate.objects.create(
            slug=slug,
            question=question.strip(),
            description=description,
            description_html=markdown.render(description),
            opens_at=opens_at,
            closes_at=closes_at,
            positions=positions,
            demo=demo,
            created_at=now,
        )
        Thread.objects.create(debate=debate, title=debate.question, created_at=now, last_post_at=now, demo=demo)
        _audit(
            actor,
            "debate.created",
            now,
            debate=slug,
            opens_at=opens_at.isoformat(),
            closes_at=closes_at.isoformat(),
        )
        events.emit("debate.opened", now, debate_id=debate.pk, actor_id=actor.user_id)
    return debate


def appoint_moderator(actor: Actor, *, username: str, forum: str | None = None, debate: str | None = None) -> Moderator:
    """Appoint an account holding the forum-moderator role to one forum or debate."""
    _require_administrator(actor)
    user = User.objects.filter(username=username).first()
    if user is None:
        raise NotFoundError(f"no account {username[:150]!r}")
    from openbch.accounts.models import RoleAssignment

    if not RoleAssignment.objects.filter(user=user, role=Role.FORUM_MODERATOR).exists():
        _raise([Issue("/username", "not_a_moderator", f"{username} does not hold the forum-moderator role")])
    if (forum is None) == (debate is None):
        _raise([Issue("/forum", "one_place", "name one forum or one debate")])
    place_forum = get_forum(forum) if forum else None
    place_debate = get_debate(debate) if debate else None
    now = timezone.now()
    with transaction.atomic():
        appointment, _ = Moderator.objects.get_or_create(
            user=user,
            forum=place_forum,
            debate=place_debate,
            defaults={"appointed_by": actor.name, "appointed_at": now},
        )
        _audit(actor, "moderator.appointed", now, username=username, forum=forum or "", debate=debate or "")
    return appointment


# -- posting ------------------------------------------------------------------------------------


def _display_name(user: User) -> str:
    return (user.get_full_name().strip() or user.get_username())[:300]


def _status_for(actor: Actor, user_id: int, thread: Thread) -> str:
    if actor.is_system or may_moderate(actor, thread):
        return PostStatus.PUBLISHED
    approved = Post.objects.filter(author_id=user_id, status=PostStatus.PUBLISHED).count()
    trusted = approved >= int(settings.OPENBCH_TRUSTED_AFTER_POSTS)
    return PostStatus.PUBLISHED if trusted else PostStatus.PENDING


def _require_open(thread: Thread, now: dt.datetime) -> None:
    if thread.locked_at is not None:
        raise ThreadLockedError(f"the thread is locked: {thread.locked_reason}")
    if thread.debate_id is not None:
        debate = thread.debate
        assert debate is not None
        state = debate_state(debate, now)
        if state == "upcoming":
            raise DebateClosedError(f"the debate opens at {debate.opens_at.isoformat()}")
        if state == "closed":
            raise DebateClosedError(f"the debate closed at {debate.closes_at.isoformat()}; it is read-only")
    if thread.comment_period_id is not None:
        period = thread.comment_period
        assert period is not None
        state = period_state(period, now)
        if state == "upcoming":
            raise CommentPeriodClosedError(f"the comment period opens at {period.opens_at.isoformat()}")
        if state == "closed":
            raise CommentPeriodClosedError(f"the comment period closed at {period.closes_at.isoformat()}")


def _write_post(
    actor: Actor,
    user: User,
    thread: Thread,
    *,
    body: str,
    language: str,
    parent: Post | None,
    position: str,
    now: dt.datetime,
    demo: bool = False,
    anonymous: bool = False,
    uploads: Iterable[files.Upload] = (),
) -> Post:
    html = markdown.render(body)
    status = _status_for(actor, int(user.pk), thread)
    post = Post.objects.create(
        thread=thread,
        parent=parent,
        author=user,
        display_name=_display_name(user),
        anonymous=anonymous,
        status=status,
        position=position,
        created_at=now,
        revision=1,
        language=language,
        html=html,
        demo=demo,
    )
    PostRevision.objects.create(
        post=post, number=1, body=body, language=language, html=html, written_by=actor.name, written_at=now
    )
    _store_attachments(post, list(uploads), now)
    if status == PostStatus.PUBLISHED:
        events.post_published(post, thread, now)
        Thread.objects.filter(pk=thread.pk).update(
            post_count=F("post_count") + 1, last_post_at=now, version=F("version") + 1
        )
    # a post waiting for a moderator changes nothing the public sees: the cached page stays
    return post


def _post_issues(body: str, language: str) -> list[Issue]:
    return _text_issues("/body", body, limit=MAX_BODY) + _language_issues(language)


def _link_issues(actor: Actor, user_id: int, thread: Thread, body: str) -> list[Issue]:
    """Link spam: an account whose posts still wait for a moderator may link to few other sites.

    Links to this clearing-house's own records (UIDs and identifiers, relative addresses) do not
    count; ``OPENBCH_NEW_ACCOUNT_MAX_LINKS`` (default 2) others are allowed per post.
    """
    if _status_for(actor, user_id, thread) == PostStatus.PUBLISHED:
        return []
    limit = int(getattr(settings, "OPENBCH_NEW_ACCOUNT_MAX_LINKS", 2))
    links = markdown.external_links(body)
    if len(links) <= limit:
        return []
    return [
        Issue(
            "/body",
            "too_many_links",
            f"new accounts may link to at most {limit} other sites in a post ({len(links)} found); "
            "links to this clearing-house's records are not counted",
        )
    ]


def _author(actor: Actor, as_user: str | None) -> User:
    """The posting account: the actor's own; the system (demo seeding) names one."""
    if actor.is_system and as_user:
        return User.objects.get(username=as_user)
    user_id = _require_member(actor)
    return User.objects.get(pk=user_id)


def start_thread(
    actor: Actor,
    *,
    forum: str,
    title: str,
    body: str,
    language: str = "en",
    as_user: str | None = None,
    demo: bool = False,
    attachments: Iterable[files.Upload] = (),
) -> Thread:
    """A new thread in ``forum`` with its first post (queued like any post of an untrusted member)."""
    user = _author(actor, as_user)
    place = get_forum(forum)
    _refuse_banned(int(user.pk), Thread(forum=place))
    uploads = list(attachments)
    issues = _text_issues("/title", title, limit=MAX_TITLE) + _post_issues(body, language)
    issues += _link_issues(actor, int(user.pk), Thread(forum=place), body) + files.upload_issues(uploads)
    _raise(issues)
    _limit_posting(actor)
    now = timezone.now()
    with transaction.atomic():
        thread = Thread.objects.create(
            forum=place,
            title=title.strip(),
            language=language,
            author=user,
            created_at=now,
            last_post_at=now,
            demo=demo,
        )
        _write_post(
            actor,
            user,
            thread,
            body=body,
            language=language,
            parent=None,
            position="",
            now=now,
            demo=demo,
            uploads=uploads,
        )
    thread.refresh_from_db()
    return thread


def _parent(thread: Thread, parent_id: int | None) -> Post | None:
    if parent_id is None:
        return None
    parent = Post.objects.filter(pk=parent_id, thread=thread, status=PostStatus.PUBLISHED).first()
    if parent is None:
        _raise([Issue("/parent", "not_found", f"no published post {parent_id} in this thread to reply to")])
    return parent


def reply(
    actor: Actor,
    *,
    thread_id: int,
    body: str,
    language: str = "en",
    parent_id: int | None = None,
    position: str = "",
    as_user: str | None = None,
    demo: bool = False,
    attachments: Iterable[files.Upload] = (),
) -> Post:
    """A post in a thread (a reply to ``parent_id`` when given); in a debate, only while it is open."""
    user = _author(actor, as_user)
    thread = get_thread(thread_id)
    now = timezone.now()
    _require_open(thread, now)
    _refuse_banned(int(user.pk), thread)
    uploads = list(attachments)
    issues = _post_issues(body, language) + files.upload_issues(uploads)
    if thread.debate_id is not None and thread.debate is not None and thread.debate.positions:
        if position not in ("", *POSITIONS):
            issues.append(Issue("/position", "invalid_position", f"a position is one of: {', '.join(POSITIONS)}"))
    elif position:
        issues.append(Issue("/position", "not_applicable", "only debates with positions take a position"))
    issues += _link_issues(actor, int(user.pk), thread, body)
    _raise(issues)
    parent = _parent(thread, parent_id)
    _limit_posting(actor)
    with transaction.atomic():
        return _write_post(
            actor,
            user,
            thread,
            body=body,
            language=language,
            parent=parent,
            position=position,
            now=now,
            demo=demo,
            uploads=uploads,
        )


def post_in_debate(
    actor: Actor,
    *,
    debate: str,
    body: str,
    language: str = "en",
    parent_id: int | None = None,
    position: str = "",
    as_user: str | None = None,
    demo: bool = False,
    attachments: Iterable[files.Upload] = (),
) -> Post:
    found = get_debate(debate)
    return reply(
        actor,
        thread_id=found.thread.pk,
        body=body,
        language=language,
        parent_id=parent_id,
        position=position,
        as_user=as_user,
        demo=demo,
        attachments=attachments,
    )


def edit_post(actor: Actor, *, post_id: int, body: str, language: str | None = None) -> Post:
    """A new revision of one's own post; the earlier ones stay readable (``post_history``)."""
    user_id = _require_member(actor)
    post = _get_post(post_id)
    if post.author_id != user_id:
        raise PermissionDeniedError("only the author may edit a post")
    _refuse_banned(user_id, post.thread)
    if post.hidden_at is not None or post.status == PostStatus.REJECTED:
        raise ConflictError("a hidden or rejected post cannot be edited")
    now = timezone.now()
    _require_open(post.thread, now)
    language = language or post.language
    _raise(_post_issues(body, language) + _link_issues(actor, user_id, post.thread, body))
    _limit_posting(actor)
    html = markdown.render(body)
    with transaction.atomic():
        number = post.revision + 1
        PostRevision.objects.create(
            post=post, number=number, body=body, language=language, html=html, written_by=actor.name, written_at=now
        )
        Post.objects.filter(pk=post.pk).update(revision=number, html=html, language=language, edited_at=now)
        _touch(post.thread_id)
    post.refresh_from_db()
    return post


# -- moderation ---------------------------------------------------------------------------------


def report_post(actor: Actor, *, post_id: int, reason: str) -> PostReport:
    """A reader reports a published post to its moderators (once per reader and post)."""
    user_id = _require_member(actor)
    post = _get_post(post_id)
    if post.status != PostStatus.PUBLISHED or post.hidden_at is not None:
        raise NotFoundError(f"no published post {post_id} to report")
    reason = _reason(reason)
    if PostReport.objects.filter(post=post, reporter_id=user_id).exists():
        raise ConflictError(f"you reported post {post_id} already; its moderators have it")
    _limit_posting(actor)
    with transaction.atomic():
        return PostReport.objects.create(post=post, reporter_id=user_id, reason=reason, created_at=timezone.now())


def _moderated_places(actor: Actor) -> Q | None:
    """The threads ``actor`` moderates as a filter on posts (None: every thread)."""
    if is_participation_administrator(actor):
        return None
    countries = [g.country for g in actor.grants if g.role == Role.NATIONAL_PUBLISHING_AUTHORITY and g.country]
    if actor.user_id is None or not (actor.holds(Role.FORUM_MODERATOR) or countries):
        raise PermissionDeniedError(f"{actor.name} moderates no forum, debate or comment period")
    forums: list[int] = []
    debates: list[int] = []
    if actor.holds(Role.FORUM_MODERATOR):
        for forum_id, debate_id in Moderator.objects.filter(user_id=actor.user_id).values_list("forum_id", "debate_id"):
            if forum_id:
                forums.append(forum_id)
            if debate_id:
                debates.append(debate_id)
    return (
        Q(thread__forum_id__in=forums)
        | Q(thread__debate_id__in=debates)
        | Q(thread__comment_period__country__in=countries)
    )


def reported_posts(actor: Actor) -> list[tuple[Post, list[PostReport]]]:
    """Posts with open reports in the places ``actor`` moderates, the most reported first."""
    if not actor.is_registered:
        raise UnauthenticatedError("sign in as a moderator")
    places = _moderated_places(actor)
    reports = PostReport.objects.filter(resolved_at=None).select_related(
        "post", "post__thread", "post__thread__forum", "post__thread__debate", "post__thread__comment_period"
    )
    if places is not None:
        reports = reports.filter(post__in=Post.objects.filter(places))
    grouped: dict[int, tuple[Post, list[PostReport]]] = {}
    for report in reports.order_by("created_at", "pk"):
        grouped.setdefault(report.post_id, (report.post, []))[1].append(report)
    return sorted(grouped.values(), key=lambda item: (-len(item[1]), item[1][0].created_at))


def dismiss_reports(actor: Actor, *, post_id: int, reason: str) -> int:
    """Keep a reported post as it is: its open reports are closed with the moderator's reason (audited)."""
    post = _moderated_post(actor, post_id)
    reason = _reason(reason)
    now = timezone.now()
    with transaction.atomic():
        count = PostReport.objects.filter(post=post, resolved_at=None).update(
            resolved_at=now, resolved_by=actor.name, resolution="dismissed"
        )
        if not count:
            raise ConflictError(f"post {post_id} has no open report")
        _audit(actor, "post.reports_dismissed", now, post=post.pk, thread=post.thread_id, reports=count, reason=reason)
    return count


def _moderated_post(actor: Actor, post_id: int) -> Post:
    post = _get_post(post_id)
    _require_moderator(actor, post.thread)
    return post


def approve_post(actor: Actor, *, post_id: int) -> Post:
    """Publish a post from the moderation queue (it counts towards its author's trust)."""
    post = _moderated_post(actor, post_id)
    if post.status != PostStatus.PENDING:
        raise ConflictError(f"post {post_id} is not waiting for approval (it is {post.status})")
    now = timezone.now()
    with transaction.atomic():
        Post.objects.filter(pk=post.pk).update(status=PostStatus.PUBLISHED, moderated_by=actor.name, moderated_at=now)
        Thread.objects.filter(pk=post.thread_id).update(
            post_count=F("post_count") + 1, last_post_at=now, version=F("version") + 1
        )
        _audit(actor, "post.approved", now, post=post.pk, thread=post.thread_id, author=post.display_name)
        events.post_published(post, post.thread, now)
    post.refresh_from_db()
    return post


def reject_post(actor: Actor, *, post_id: int, reason: str) -> Post:
    post = _moderated_post(actor, post_id)
    reason = _reason(reason)
    if post.status != PostStatus.PENDING:
        raise ConflictError(f"post {post_id} is not waiting for approval (it is {post.status})")
    now = timezone.now()
    with transaction.atomic():
        Post.objects.filter(pk=post.pk).update(
            status=PostStatus.REJECTED, moderated_by=actor.name, moderated_at=now, rejected_reason=reason
        )
        _audit(actor, "post.rejected", now, post=post.pk, thread=post.thread_id, reason=reason)
        _touch(post.thread_id)
    post.refresh_from_db()
    return post


def hide_post(actor: Actor, *, post_id: int, reason: str) -> Post:
    """Hide a published post: readers see that it was hidden and why; moderators still see it."""
    post = _moderated_post(actor, post_id)
    reason = _reason(reason)
    if post.hidden_at is not None:
        raise ConflictError(f"post {post_id} is hidden already")
    now = timezone.now()
    with transaction.atomic():
        Post.objects.filter(pk=post.pk).update(hidden_at=now, hidden_by=actor.name, hidden_reason=reason)
        PostReport.objects.filter(post=post, resolved_at=None).update(
            resolved_at=now, resolved_by=actor.name, resolution="hidden"
        )
        _audit(actor, "post.hidden", now, post=post.pk, thread=post.thread_id, reason=reason)
        _touch(post.thread_id)
    post.refresh_from_db()
    return post


def unhide_post(actor: Actor, *, post_id: int, reason: str) -> Post:
    post = _moderated_post(actor, post_id)
    reason = _reason(reason)
    if post.hidden_at is None:
        raise ConflictError(f"post {post_id} is not hidden")
    now = timezone.now()
    with transaction.atomic():
        Post.objects.filter(pk=post.pk).update(hidden_at=None, hidden_by="", hidden_reason="")
        _audit(actor, "post.unhidden", now, post=post.pk, thread=post.thread_id, reason=reason)
        _touch(post.thread_id)
    post.refresh_from_db()
    return post


def lock_thread(actor: Actor, *, thread_id: int, reason: str) -> Thread:
    """No more posts or edits in the thread; readers see that it is locked and why."""
    thread = get_thread(thread_id)
    _require_moderator(actor, thread)
    reason = _reason(reason)
    if thread.locked_at is not None:
        raise ConflictError(f"thread {thread_id} is locked already")
    now = timezone.now()
    with transaction.atomic():
        Thread.objects.filter(pk=thread.pk).update(
            locked_at=now, locked_by=actor.name, locked_reason=reason, version=F("version") + 1
        )
        _audit(actor, "thread.locked", now, thread=thread.pk, reason=reason)
    thread.refresh_from_db()
    return thread


def unlock_thread(actor: Actor, *, thread_id: int) -> Thread:
    thread = get_thread(thread_id)
    _require_moderator(actor, thread)
    if thread.locked_at is None:
        raise ConflictError(f"thread {thread_id} is not locked")
    now = timezone.now()
    with transaction.atomic():
        Thread.objects.filter(pk=thread.pk).update(
            locked_at=None, locked_by="", locked_reason="", version=F("version") + 1
        )
        _audit(actor, "thread.unlocked", now, thread=thread.pk)
    thread.refresh_from_db()
    return thread


# -- bans and moving threads --------------------------------------------------------------------
#
# A participation administrator bans an account from posting everywhere (or in one forum); a forum
# moderator bans only from the forums they moderate (``forum=`` required). A ban ends at ``until``
# or when lifted (``unban_user``, by whoever may ban there). Debates and comment periods have no
# forum: only an everywhere-ban covers them, so only participation administrators ban there.
# Moving a thread takes a moderator of both forums (or an administrator). All audited.


def _active_bans(user_id: int, now: dt.datetime) -> Any:
    return PostingBan.objects.filter(user_id=user_id, lifted_at=None).filter(Q(until=None) | Q(until__gt=now))


def _refuse_banned(user_id: int, thread: Thread) -> None:
    """BannedError (403 ``banned``) when the account may not post in ``thread``'s place."""
    places = Q(forum=None)
    if thread.forum_id is not None:
        places |= Q(forum_id=thread.forum_id)
    ban = _active_bans(user_id, timezone.now()).filter(places).order_by("-banned_at").first()
    if ban is not None:
        until = f" until {ban.until.isoformat()}" if ban.until else ""
        where = "in this forum" if ban.forum_id else "anywhere"
        raise BannedError(f"this account is banned from posting {where}{until}: {ban.reason}")


def _may_ban(actor: Actor, forum: Forum | None) -> None:
    if not actor.is_registered:
        raise UnauthenticatedError("sign in as a moderator")
    require_scope(actor, "write")
    if is_participation_administrator(actor):
        return
    if forum is None:
        raise PermissionDeniedError(f"{actor.name} may ban from one forum only (name it); not everywhere")
    if not _moderates_forum(actor, forum):
        raise PermissionDeniedError(f"{actor.name} does not moderate the forum {forum.slug!r}")


def active_bans(actor: Actor) -> list[PostingBan]:
    """The bans in force that ``actor`` may lift (every one for an administrator), latest first."""
    if not actor.is_registered:
        raise UnauthenticatedError("sign in as a moderator")
    found = _active_bans_all(timezone.now()).select_related("user", "forum")
    if not is_participation_administrator(actor):
        if actor.user_id is None or not actor.holds(Role.FORUM_MODERATOR):
            return []
        forums = Moderator.objects.filter(user_id=actor.user_id, forum__isnull=False).values("forum_id")
        found = found.filter(forum_id__in=forums)
    return list(found.order_by("-banned_at", "-pk"))


def _active_bans_all(now: dt.datetime) -> Any:
    return PostingBan.objects.filter(lifted_at=None).filter(Q(until=None) | Q(until__gt=now))


def ban_user(
    actor: Actor, *, username: str, reason: str, forum: str | None = None, until: dt.datetime | None = None
) -> PostingBan:
    """Ban an account from posting (everywhere, or in ``forum``), with a reason, optionally until a time."""
    place = get_forum(forum) if forum else None
    _may_ban(actor, place)
    reason = _reason(reason)
    user = User.objects.filter(username=username).first()
    if user is None:
        raise NotFoundError(f"no account {username[:150]!r}")
    now = timezone.now()
    issues: list[Issue] = []
    if until is not None and until <= now:
        issues.append(Issue("/until", "in_the_past", "a ban ends in the future (or give no end)"))
    if user.pk == actor.user_id:
        issues.append(Issue("/username", "self", "you cannot ban yourself"))
    _raise(issues)
    with transaction.atomic():
        ban = PostingBan.objects.create(
            user=user, forum=place, reason=reason, until=until, banned_by=actor.name, banned_at=now
        )
        _audit(
            actor,
            "user.banned",
            now,
            username=user.get_username(),
            forum=place.slug if place else "",
            until=until.isoformat() if until else "",
            reason=reason,
            ban=ban.pk,
        )
    return ban


def unban_user(actor: Actor, *, username: str, reason: str, forum: str | None = None) -> int:
    """Lift the account's bans in force (everywhere, or in ``forum``); how many were lifted."""
    place = get_forum(forum) if forum else None
    _may_ban(actor, place)
    reason = _reason(reason)
    user = User.objects.filter(username=username).first()
    if user is None:
        raise NotFoundError(f"no account {username[:150]!r}")
    now = timezone.now()
    with transaction.atomic():
        lifted = int(_active_bans(int(user.pk), now).filter(forum=place).update(lifted_at=now, lifted_by=actor.name))
        if not lifted:
            raise ConflictError(f"{username} is not banned {'in ' + place.slug if place else 'everywhere'}")
        _audit(
            actor,
            "user.unbanned",
            now,
            username=user.get_username(),
            forum=place.slug if place else "",
            reason=reason,
            bans=lifted,
        )
    return lifted


def move_thread(actor: Actor, *, thread_id: int, forum: str, reason: str) -> Thread:
    """Move a forum thread (with its posts) to another forum; moderators of both, or an administrator."""
    thread = get_thread(thread_id)
    if not actor.is_registered:
        raise UnauthenticatedError("sign in as a moderator")
    require_scope(actor, "write")
    if thread.forum is None:
        raise ConflictError("only forum threads move (a debate's or comment period's thread stays with it)")
    target = get_forum(forum)
    if not (_moderates_forum(actor, thread.forum) and _moderates_forum(actor, target)):
        raise PermissionDeniedError(f"{actor.name} does not moderate both {thread.forum.slug!r} and {target.slug!r}")
    reason = _reason(reason)
    if target.pk == thread.forum_id:
        _raise([Issue("/forum", "same_forum", f"the thread is in {target.slug!r} already")])
    now = timezone.now()
    source = thread.forum.slug
    with transaction.atomic():
        Thread.objects.filter(pk=thread.pk).update(forum=target, version=F("version") + 1)
        _audit(actor, "thread.moved", now, thread=thread.pk, source=source, target=target.slug, reason=reason)
    return get_thread(thread.pk)


# -- attachments --------------------------------------------------------------------------------


def _store_attachments(post: Post, uploads: list[files.Upload], now: dt.datetime) -> list[Attachment]:
    """Keep checked ``uploads`` (see :func:`files.upload_issues`) with ``post``, in the caller's transaction."""
    made = []
    for upload in uploads:
        content_type = files.detect_type(upload.data)
        assert content_type is not None  # checked before
        made.append(
            Attachment.objects.create(
                post=post,
                filename=files.safe_filename(upload.filename, content_type),
                content_type=content_type,
                size=len(upload.data),
                sha256=files.store(upload.data),
                uploaded_at=now,
            )
        )
    return made


def attach_files(actor: Actor, *, post_id: int, uploads: Iterable[files.Upload]) -> list[Attachment]:
    """Attach files to one's own post (at most three in all), while one could still edit it."""
    user_id = _require_member(actor)
    post = _get_post(post_id)
    if post.author_id != user_id:
        raise PermissionDeniedError("only the author may attach files to a post")
    if post.hidden_at is not None or post.status == PostStatus.REJECTED:
        raise ConflictError("files cannot be attached to a hidden or rejected post")
    now = timezone.now()
    _require_open(post.thread, now)
    _refuse_banned(user_id, post.thread)
    found = list(uploads)
    if not found:
        _raise([Issue("/attachments", "required", "send at least one file")])
    _raise(files.upload_issues(found, already=post.attachments.count()))
    _limit_posting(actor)
    with transaction.atomic():
        made = _store_attachments(post, found, now)
        _touch(post.thread_id)
    return made


def attachment_for_reader(actor: Actor, *, attachment_id: int) -> Attachment:
    """An attachment whose post ``actor`` may read (not hidden, pending or rejected for others)."""
    attachment = Attachment.objects.select_related("post").filter(pk=attachment_id).first()
    if attachment is None:
        raise NotFoundError(f"no attachment {attachment_id}")
    post = _get_post(attachment.post_id)
    moderator = may_moderate(actor, post.thread)
    if not _visible(post, actor, moderator) or (post.hidden_at is not None and not moderator):
        raise NotFoundError(f"no attachment {attachment_id}")
    return attachment


def _debate_thread(debate: Debate) -> Thread:
    thread: Thread = debate.thread
    return thread


def close_debate(actor: Actor, *, debate: str) -> Debate:
    """Close an open debate now (before its closing time); it is read-only from then on."""
    found = get_debate(debate)
    _require_moderator(actor, _debate_thread(found))
    now = timezone.now()
    if debate_state(found, now) == "closed":
        raise DebateClosedError(f"the debate closed at {found.closes_at.isoformat()}")
    with transaction.atomic():
        Debate.objects.filter(pk=found.pk).update(closes_at=now, opens_at=min(found.opens_at, now))
        _audit(actor, "debate.closed", now, debate=found.slug)
        events.emit("debate.closed", now, debate_id=found.pk, actor_id=actor.user_id)
    return get_debate(debate)


def publish_synthesis(actor: Actor, *, debate: str, text: str) -> Debate:
    """The moderators' synthesis, published with the closed debate (a later one replaces it, audited)."""
    found = get_debate(debate)
    _require_moderator(actor, _debate_thread(found))
    now = timezone.now()
    if debate_state(found, now) != "closed":
        raise ConflictError("a synthesis is written once the debate has closed")
    _raise(_text_issues("/synthesis", text, limit=MAX_BODY))
    html = markdown.render(text)
    with transaction.atomic():
        Debate.objects.filter(pk=found.pk).update(
            synthesis=text, synthesis_html=html, synthesis_by=actor.name, synthesis_at=now
        )
        _audit(actor, "debate.synthesis_published", now, debate=found.slug, length=len(text))
        events.emit("debate.synthesis", now, debate_id=found.pk, actor_id=actor.user_id)
    return get_debate(debate)


def position_counts(debate: Debate) -> dict[str, int]:
    """Published posts per position in a debate (``for``, ``against``, ``other``)."""
    rows = (
        Post.objects.filter(thread__debate=debate, status=PostStatus.PUBLISHED)
        .exclude(position="")
        .values_list("position")
        .annotate(n=Count("pk"))
    )
    return {position: n for position, n in rows}


def published_posts(thread: Thread) -> Iterable[Post]:
    """Every published post of a thread in posting order (the debate report prints them all)."""
    return Post.objects.filter(thread=thread, status=PostStatus.PUBLISHED).order_by("created_at", "pk")


# -- public comment on pending decisions (Article 23) -------------------------------------------


def _record(reference: str) -> Record:
    """A record by identifier (GUID) or UID, whatever its state (a draft is what the public comments on)."""
    text = reference.strip()
    record = Record.objects.filter(identifier=text.upper()).first()
    if record is None:
        try:
            uid = parse_record_uid(text)
        except ValueError:
            uid = None
        if uid is not None:
            record = Record.objects.filter(type=uid.type, owner=uid.owner, number=uid.number).first()
    if record is None or record.state == RecordState.WITHDRAWN:
        raise NotFoundError(f"no record {text[:80]!r} to open a comment period on")
    return record


def _require_authority(actor: Actor, country: str) -> None:
    """The country's publishing authority opens its comment periods and answers them (not moderators)."""
    if not actor.is_registered:
        raise UnauthenticatedError("sign in as a national publishing authority")
    require_scope(actor, "write")
    if not (actor.is_administrator or actor.holds(Role.NATIONAL_PUBLISHING_AUTHORITY, country=country)):
        raise PermissionDeniedError(f"{actor.name} is not a publishing authority of {country}")


def open_comment_period(
    actor: Actor,
    *,
    record: str,
    summary: str,
    opens_at: dt.datetime,
    closes_at: dt.datetime,
    title: str = "",
    documents: Iterable[dict[str, str]] = (),
    anonymous_allowed: bool = True,
) -> CommentPeriod:
    """A country's publishing authority opens public comment on one of its country's records."""
    found = _record(record)
    _require_authority(actor, found.owner)
    title = (title or found.title or found.identifier).strip()
    issues = _text_issues("/title", title, limit=MAX_TITLE) + _text_issues("/summary", summary, limit=MAX_BODY)
    if closes_at <= opens_at:
        issues.append(Issue("/closes_at", "before_opening", "the period must close after it opens"))
    links = []
    for n, item in enumerate(documents):
        url = str(item.get("url", "")).strip()
        if not url.startswith(("https://", "http://", "/")):
            issues.append(Issue(f"/documents/{n}/url", "invalid_url", "a document is an http(s) address"))
        links.append({"title": str(item.get("title", "") or url)[:300], "url": url[:2000]})
    _raise(issues)
    now = timezone.now()
    with transaction.atomic():
        period = CommentPeriod.objects.create(
            record=found,
            country=found.owner,
            title=title,
            summary=summary,
            summary_html=markdown.render(summary),
            documents=links,
            opens_at=opens_at,
            closes_at=closes_at,
            anonymous_allowed=anonymous_allowed,
            opened_by=actor.name,
            created_at=now,
        )
        Thread.objects.create(comment_period=period, title=title, created_at=now, last_post_at=now)
        acquire_write_lock()
        append_audit(
            actor,
            [
                AuditEvent(
                    "comment_period.opened",
                    record_identifier=found.identifier,
                    country=found.owner,
                    details={"period": period.pk, "closes_at": closes_at.isoformat()},
                )
            ],
            at=now,
        )
        events.emit(
            "comment_period.opened", now, comment_period_id=period.pk, country=period.country, actor_id=actor.user_id
        )
    return period


def get_comment_period(period_id: int) -> CommentPeriod:
    period = CommentPeriod.objects.select_related("record", "thread").filter(pk=period_id).first()
    if period is None:
        raise NotFoundError(f"no comment period {period_id}")
    return period


def comment_periods(*, country: str | None = None) -> list[CommentPeriod]:
    """Comment periods, the latest closing first (of one country's records when ``country`` is given)."""
    found = CommentPeriod.objects.select_related("record").order_by("-closes_at", "-pk")
    if country:
        found = found.filter(country=country.upper())
    return list(found)


def comment_periods_of(record_identifier: str) -> list[CommentPeriod]:
    """The comment periods held on a record (a decision's page links them)."""
    return list(CommentPeriod.objects.filter(record__identifier=record_identifier).order_by("opens_at"))


def comment_periods_about(record: Record) -> list[CommentPeriod]:
    """The comment periods a record's page shows, in opening order: those held on the record and,
    for an LMO, those on the decisions about it — published ones (their links) and pending ones
    (a draft or submitted decision naming the LMO, which is what the public is asked about)."""
    found = CommentPeriod.objects.defer("summary", "summary_html", "documents", "outcome")
    if record.type != "LMO":
        periods = list(found.filter(record=record).order_by("opens_at", "pk"))
        for period in periods:
            period.record = record  # one query, no join: the caller has the record
        return periods
    found = found.select_related("record")
    decisions = RecordLink.objects.filter(
        target_identifier=record.identifier, field="modifiedOrganisms", source__type="DEC"
    ).values("source_id")
    periods = list(found.filter(Q(record=record) | Q(record__in=decisions)))
    # few decisions wait at any time: their drafts are read, not searched
    pending = found.select_related("record__draft").filter(
        record__type="DEC", record__state__in=[RecordState.DRAFT, RecordState.PENDING]
    )
    periods += [p for p in pending if record.identifier in draft_lmos(p.record)]
    return sorted(periods, key=lambda p: (p.opens_at, p.pk))


def country_comment_periods(country: str, *, recent: int = 5) -> list[CommentPeriod]:
    """A country's comment periods that are open or still to come (soonest closing first), then
    the ``recent`` latest closed ones."""
    now = timezone.now()
    found = CommentPeriod.objects.select_related("record").filter(country=country.upper())
    current = list(found.filter(closes_at__gt=now).order_by("closes_at", "pk"))
    return current + list(found.filter(closes_at__lte=now).order_by("-closes_at", "-pk")[:recent])


def comment(
    actor: Actor,
    *,
    period_id: int,
    body: str,
    language: str = "en",
    parent_id: int | None = None,
    anonymous: bool = False,
    attachments: Iterable[files.Upload] = (),
) -> Post:
    """A comment while the period is open; shown as anonymous when asked and the period allows it."""
    user = _author(actor, None)
    period = get_comment_period(period_id)
    thread = period.thread
    now = timezone.now()
    _require_open(thread, now)
    _refuse_banned(int(user.pk), thread)
    uploads = list(attachments)
    issues = _post_issues(body, language) + files.upload_issues(uploads)
    if anonymous and not period.anonymous_allowed:
        issues.append(Issue("/anonymous", "not_allowed", "this comment period shows every commenter's name"))
    issues += _link_issues(actor, int(user.pk), thread, body)
    _raise(issues)
    parent = _parent(thread, parent_id)
    _limit_posting(actor)
    with transaction.atomic():
        return _write_post(
            actor,
            user,
            thread,
            body=body,
            language=language,
            parent=parent,
            position="",
            now=now,
            anonymous=anonymous,
            uploads=uploads,
        )


def publish_comment_outcome(actor: Actor, *, period_id: int, text: str) -> CommentPeriod:
    """After the period: the summary of the comments and how they were considered (a later one replaces it)."""
    period = get_comment_period(period_id)
    _require_authority(actor, period.country)
    now = timezone.now()
    if period_state(period, now) != "closed":
        raise ConflictError("the summary of comments is published once the comment period has closed")
    _raise(_text_issues("/outcome", text, limit=MAX_BODY))
    with transaction.atomic():
        CommentPeriod.objects.filter(pk=period.pk).update(
            outcome=text, outcome_html=markdown.render(text), outcome_by=actor.name, outcome_at=now
        )
        acquire_write_lock()
        append_audit(
            actor,
            [
                AuditEvent(
                    "comment_period.outcome_published",
                    record_identifier=period.record.identifier,
                    country=period.country,
                    details={"period": period.pk, "length": len(text)},
                )
            ],
            at=now,
        )
        events.emit(
            "comment_period.outcome", now, comment_period_id=period.pk, country=period.country, actor_id=actor.user_id
        )
    return get_comment_period(period_id)


def lmo_comment_periods(lmo: PublishedRecord, language: str) -> list[dict[str, Any]]:
    """The comment periods about an LMO, as its page shows them: on the LMO record itself, on its
    published decisions and on pending decisions whose draft names it (:func:`comment_periods_about`)."""
    now = timezone.now()
    return [
        {
            "id": p.pk,
            "title": p.title,
            "country": p.country,
            "record": p.record.uid or p.record.identifier,
            "state": period_state(p, now),
            "opens_at": p.opens_at.isoformat(),
            "closes_at": p.closes_at.isoformat(),
            "outcome_published": bool(p.outcome_html),
            "url": f"/api/v1/comment-periods/{p.pk}",
        }
        for p in comment_periods_about(lmo.record)
    ]
