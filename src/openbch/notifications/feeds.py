"""Atom feeds (Django's syndication framework): a forum's new threads and posts, a debate's posts,
comment periods (all, or one country's) and newly published decisions (all, or one country's).

Only what anyone may read: published posts that are not hidden, published records. Titles and
text are escaped by the feed generator (XML), so a hostile title stays text.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.syndication.views import Feed
from django.db.models import OuterRef, Subquery
from django.http import Http404, HttpRequest
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed

from openbch.core.errors import NotFoundError
from openbch.participation import services as participation
from openbch.participation.models import CommentPeriod, Debate, Forum, Post, PostStatus
from openbch.records.models import Record, RecordState

__all__ = ["CommentPeriodsFeed", "DebateFeed", "DecisionsFeed", "ForumFeed"]

LIMIT = 50


def _visible_posts() -> Any:
    first = Post.objects.filter(thread=OuterRef("thread")).order_by("pk").values("pk")[:1]
    return (
        Post.objects.filter(status=PostStatus.PUBLISHED, hidden_at__isnull=True)
        .select_related("thread__forum", "thread__debate")
        .annotate(first_pk=Subquery(first))
        .order_by("-created_at", "-pk")
    )


class _PostFeed(Feed):  # type: ignore[type-arg]
    feed_type = Atom1Feed

    def item_title(self, item: Post) -> str:
        thread = item.thread
        # a thread's first post is the thread itself; the others answer it
        return thread.title if getattr(item, "first_pk", None) == item.pk else f"Re: {thread.title}"

    def item_description(self, item: Post) -> str:
        # rendered from Markdown with raw HTML off and sanitised by nh3 when posted
        return item.html

    def item_author_name(self, item: Post) -> str:
        return "Anonymous" if item.anonymous else item.display_name

    def item_pubdate(self, item: Post) -> dt.datetime:
        return item.created_at

    def item_updateddate(self, item: Post) -> dt.datetime:
        return item.edited_at or item.created_at

    def item_guid(self, item: Post) -> str:
        return f"openbch:post:{item.pk}"

    item_guid_is_permalink = False


class ForumFeed(_PostFeed):
    def get_object(self, request: HttpRequest, slug: str) -> Forum:
        forum = Forum.objects.filter(slug=slug).first()
        if forum is None:
            raise Http404(f"no forum {slug[:100]!r}")
        return forum

    def title(self, obj: Forum) -> str:
        return f"{obj.title} — openbch forum"

    def link(self, obj: Forum) -> str:
        return reverse("web:forum", args=[obj.slug])

    def subtitle(self, obj: Forum) -> str:
        return "New threads and posts"

    def items(self, obj: Forum) -> list[Post]:
        return list(_visible_posts().filter(thread__forum=obj)[:LIMIT])

    def item_link(self, item: Post) -> str:
        assert item.thread.forum is not None
        return reverse("web:thread", args=[item.thread.forum.slug, item.thread_id]) + f"#post-{item.pk}"


class DebateFeed(_PostFeed):
    def get_object(self, request: HttpRequest, slug: str) -> Debate:
        try:
            return participation.get_debate(slug)
        except NotFoundError as exc:
            raise Http404(exc.message) from None

    def title(self, obj: Debate) -> str:
        return f"{obj.question} — openbch debate"

    def link(self, obj: Debate) -> str:
        return reverse("web:debate", args=[obj.slug])

    def subtitle(self, obj: Debate) -> str:
        return "Posts in the debate"

    def items(self, obj: Debate) -> list[Post]:
        return list(_visible_posts().filter(thread__debate=obj)[:LIMIT])

    def item_title(self, item: Post) -> str:
        return f"{item.display_name if not item.anonymous else 'Anonymous'} on “{item.thread.title}”"

    def item_link(self, item: Post) -> str:
        assert item.thread.debate is not None
        return reverse("web:debate", args=[item.thread.debate.slug]) + f"#post-{item.pk}"


class CommentPeriodsFeed(Feed):  # type: ignore[type-arg]
    feed_type = Atom1Feed

    def get_object(self, request: HttpRequest, country: str = "") -> str:
        return country.upper()

    def title(self, obj: str) -> str:
        return f"Public comment on pending decisions{f' ({obj})' if obj else ''} — openbch"

    def link(self, obj: str) -> str:
        return reverse("web:comment_periods")

    def items(self, obj: str) -> list[CommentPeriod]:
        found = CommentPeriod.objects.order_by("-created_at", "-pk")
        if obj:
            found = found.filter(country=obj)
        return list(found[:LIMIT])

    def item_title(self, item: CommentPeriod) -> str:
        return f"{item.country}: {item.title}"

    def item_description(self, item: CommentPeriod) -> str:
        closes = f"<p>Open from {item.opens_at:%Y-%m-%d} to {item.closes_at:%Y-%m-%d %H:%M} UTC.</p>"
        return closes + item.summary_html + (f"<h2>Outcome</h2>{item.outcome_html}" if item.outcome_html else "")

    def item_link(self, item: CommentPeriod) -> str:
        return reverse("web:comment_period", args=[item.pk])

    def item_pubdate(self, item: CommentPeriod) -> dt.datetime:
        return item.created_at

    def item_updateddate(self, item: CommentPeriod) -> dt.datetime:
        return item.outcome_at or item.created_at

    def item_guid(self, item: CommentPeriod) -> str:
        return f"openbch:comment-period:{item.pk}"

    item_guid_is_permalink = False


class DecisionsFeed(Feed):  # type: ignore[type-arg]
    feed_type = Atom1Feed

    def get_object(self, request: HttpRequest, country: str = "") -> str:
        return country.upper()

    def title(self, obj: str) -> str:
        return f"Decisions{f' of {obj}' if obj else ''} — openbch"

    def link(self, obj: str) -> str:
        return reverse("web:country", args=[obj]) if obj else reverse("web:search") + "?type=DEC"

    def items(self, obj: str) -> list[Record]:
        found = Record.objects.filter(type="DEC", state=RecordState.PUBLISHED).order_by("-updated_at", "-pk")
        if obj:
            found = found.filter(owner=obj)
        return list(
            found.only(
                "identifier", "type", "owner", "number", "revision", "title", "updated_at", "first_published_at"
            )[:LIMIT]
        )

    def item_title(self, item: Record) -> str:
        return f"{item.owner}: {item.title or item.identifier}"

    def item_description(self, item: Record) -> str:
        return f"{item.uid} (revision {item.revision})"

    def item_link(self, item: Record) -> str:
        return reverse("web:record", args=[item.uid.rsplit("-", 1)[0]])

    def item_pubdate(self, item: Record) -> dt.datetime | None:
        return item.first_published_at

    def item_updateddate(self, item: Record) -> dt.datetime:
        return item.updated_at

    def item_guid(self, item: Record) -> str:
        return f"openbch:record:{item.identifier}:{item.revision}"

    item_guid_is_permalink = False
