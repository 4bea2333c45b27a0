"""Reading for pages: what a signed-in reader's view of a thread adds to what every reader sees,
and which current comment periods concern the records a search found.

A thread page is mostly the same for everyone: its published posts. What differs for a signed-in
member who moderates nothing is small: the controls on their own posts, and their own posts still
waiting for a moderator. :func:`own_posts` reads just that, so the page can be put together from
the posts rendered once for all members (see ``openbch.web.views.participation``) instead of
rendering a thousand posts for each reader.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass

from django.db.models import Q
from django.utils import timezone

from openbch.core.actors import Actor
from openbch.participation.models import Attachment, CommentPeriod, Post, PostStatus, Thread
from openbch.records.models import Record, RecordLink, RecordState
from openbch.recordtypes.validate import parse_reference

__all__ = [
    "OwnPosts",
    "attachments_of",
    "comment_periods_matching",
    "current_comment_periods_about",
    "draft_lmos",
    "own_posts",
]


@dataclass(frozen=True)
class OwnPosts:
    #: the reader's published posts in the thread, by id
    published: dict[int, Post]
    #: whether the reader has posts waiting in the moderation queue (only they and moderators see them)
    pending: bool


def own_posts(actor: Actor, thread: Thread) -> OwnPosts:
    """The reader's own published posts in ``thread`` and whether any of theirs is queued."""
    if actor.user_id is None:
        return OwnPosts({}, pending=False)
    mine = Post.objects.filter(thread=thread, author_id=actor.user_id).exclude(status=PostStatus.REJECTED)
    published: dict[int, Post] = {}
    pending = False
    for post in mine:
        if post.status == PostStatus.PENDING:
            pending = True
        else:
            published[post.pk] = post
    return OwnPosts(published, pending=pending)


def current_comment_periods_about(identifiers: Collection[str]) -> dict[str, list[CommentPeriod]]:
    """The comment periods open or still to come that concern these records (by identifier): those
    held on the record itself and, for an LMO, those on a decision about it, published (its links)
    or pending (the LMOs its draft names). Few periods are current at any time, so they are all
    read and matched here, in three queries whatever the number of records."""
    wanted = set(identifiers)
    periods = list(
        CommentPeriod.objects.filter(closes_at__gt=timezone.now())
        .select_related("record__draft")
        .defer("summary", "summary_html", "documents", "outcome", "outcome_html")
        .order_by("closes_at", "pk")
    )
    if not periods or not wanted:
        return {}
    decisions = [p.record_id for p in periods if p.record.type == "DEC"]
    lmos: dict[int, set[str]] = {}
    for source, target in RecordLink.objects.filter(source_id__in=decisions, field="modifiedOrganisms").values_list(
        "source_id", "target_identifier"
    ):
        lmos.setdefault(source, set()).add(target)
    found: dict[str, list[CommentPeriod]] = {}
    for period in periods:
        record = period.record
        about = {record.identifier} | lmos.get(record.pk, set())
        if record.type == "DEC" and record.state in (RecordState.DRAFT, RecordState.PENDING):
            about |= draft_lmos(record)
        for identifier in about & wanted:
            found.setdefault(identifier, []).append(period)
    return found


def draft_lmos(decision: Record) -> set[str]:
    """The LMOs a decision's draft names (read with ``select_related("draft")``)."""
    draft = getattr(decision, "draft", None)
    items = draft.body.get("modifiedOrganisms") if draft is not None else None
    references = (parse_reference(str(i.get("identifier", ""))) for i in items or [] if isinstance(i, dict))
    return {r[0] for r in references if r}


def comment_periods_matching(query: str, *, limit: int = 5) -> list[CommentPeriod]:
    """Comment periods open or still to come whose title or summary holds every word of ``query``
    (case-insensitive), soonest closing first."""
    words = [w for w in query.split() if len(w) > 1][:8]
    if not words:
        return []
    found = CommentPeriod.objects.filter(closes_at__gt=timezone.now()).select_related("record")
    for word in words:
        found = found.filter(Q(title__icontains=word) | Q(summary__icontains=word))
    return list(found.order_by("closes_at", "pk")[:limit])


def attachments_of(posts: Sequence[Post]) -> dict[int, list[Attachment]]:
    """The attachments of these posts by post id, oldest first. For many posts of one thread they
    are read through the thread (one join) rather than with a thousand ids in the query."""
    if not posts:
        return {}
    ids = {p.pk for p in posts}
    threads = {p.thread_id for p in posts}
    found = Attachment.objects.order_by("pk")
    if len(ids) > 50 and len(threads) == 1:
        found = found.filter(post__thread_id=next(iter(threads)))
    else:
        found = found.filter(post_id__in=ids)
    attached: dict[int, list[Attachment]] = {}
    for attachment in found:
        if attachment.post_id in ids:
            attached.setdefault(attachment.post_id, []).append(attachment)
    return attached
