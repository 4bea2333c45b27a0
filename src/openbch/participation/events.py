"""The participation event log: what became public, in order, for consumers (notifications, the
``GET /api/v1/participation/changes`` feed).

Services call :func:`emit` (or :func:`post_published`) inside their transaction; the row commits or
rolls back with the change. Like the records change log, appends take the write lock so that
sequence numbers become visible in increasing order, and a consumer that stored "up to N" never
misses a smaller N committed later. Consumers register a hook (:func:`register_event_consumer`),
run after the commit as a nudge; each reads after its own stored seq, so a missed nudge only delays.
A pending post emits nothing: it emits ``post.published`` (or ``thread.started``) when approved.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from functools import partial

from django.db import transaction

from openbch.participation.models import CommentPeriod, ParticipationEvent, Post, Thread
from openbch.records.locking import acquire_write_lock

__all__ = ["KINDS", "emit", "events_after", "last_seq", "post_published", "register_event_consumer"]

log = logging.getLogger(__name__)

KINDS = (
    "thread.started",
    "post.published",
    "debate.opened",
    "debate.closed",
    "debate.synthesis",
    "comment_period.opened",
    "comment_period.outcome",
)

_consumers: dict[str, Callable[[], None]] = {}


def register_event_consumer(name: str, after_commit: Callable[[], None]) -> None:
    """Register (or replace) a hook run after each commit that appended participation events."""
    _consumers[name] = after_commit


def _run(name: str, hook: Callable[[], None]) -> None:
    try:
        hook()
    except Exception:
        # the change is committed: the consumer catches up on its own later
        log.exception("participation event consumer %r failed after commit", name)


def emit(
    kind: str,
    at: dt.datetime,
    *,
    forum_id: int | None = None,
    thread_id: int | None = None,
    debate_id: int | None = None,
    comment_period_id: int | None = None,
    post_id: int | None = None,
    country: str = "",
    actor_id: int | None = None,
) -> ParticipationEvent:
    """Append one event in the caller's transaction."""
    if kind not in KINDS:
        raise ValueError(f"unknown participation event {kind!r}")
    acquire_write_lock()
    event = ParticipationEvent.objects.create(
        at=at,
        kind=kind,
        forum_id=forum_id,
        thread_id=thread_id,
        debate_id=debate_id,
        comment_period_id=comment_period_id,
        post_id=post_id,
        country=country,
        actor_id=actor_id,
    )
    for name, hook in list(_consumers.items()):
        transaction.on_commit(partial(_run, name, hook))
    return event


def post_published(post: Post, thread: Thread, at: dt.datetime) -> ParticipationEvent:
    """A post became visible: ``thread.started`` for a forum thread's first post, else ``post.published``."""
    first = thread.forum_id is not None and not Post.objects.filter(thread_id=thread.pk, pk__lt=post.pk).exists()
    country = ""
    if thread.comment_period_id is not None:
        country = (
            CommentPeriod.objects.filter(pk=thread.comment_period_id).values_list("country", flat=True).first() or ""
        )
    return emit(
        "thread.started" if first else "post.published",
        at,
        forum_id=thread.forum_id,
        thread_id=thread.pk,
        debate_id=thread.debate_id,
        comment_period_id=thread.comment_period_id,
        post_id=post.pk,
        country=country,
        actor_id=post.author_id,
    )


def events_after(seq: int, limit: int = 1000) -> list[ParticipationEvent]:
    return list(ParticipationEvent.objects.filter(seq__gt=seq).order_by("seq")[:limit])


def last_seq() -> int:
    value = ParticipationEvent.objects.order_by("-seq").values_list("seq", flat=True).first()
    return int(value or 0)
