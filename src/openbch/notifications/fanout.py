"""Fan-out: turn new events into mail for the accounts that follow them.

Two sources, each read after the last ``seq`` this module stored for it (:class:`ConsumerPosition`),
in the same transaction as the mail and digest items it makes, so a replay or a second worker adds
nothing twice and a restart resumes where it stopped:

* the records change log (:mod:`openbch.records.changelog`): a record published for a country
  (country followers) and a decision about an LMO (that LMO's followers);
* the participation event log (:mod:`openbch.participation.events`): posts, new threads, debates
  closing or their synthesis, comment periods opening and their outcome.

Who is told: each account with a matching subscription made before the event, once per event
(the most specific subscription decides the mode and the unsubscribe link), never the author of a
post about their own post, and never about a post that is not visible (pending, rejected, hidden).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.models import User
from django.db import connection, transaction
from django.urls import reverse
from django.utils import translation
from django.utils.html import strip_tags

from openbch.notifications.emails import Item, send_digest, send_item
from openbch.notifications.models import ConsumerPosition, DigestItem, Subscription, SubscriptionMode
from openbch.participation import events as participation_events
from openbch.participation.models import CommentPeriod, Debate, ParticipationEvent, Post, PostStatus, Thread
from openbch.participation.reading import draft_lmos
from openbch.records import changelog
from openbch.records.locking import acquire_write_lock
from openbch.records.models import ChangeEvent, Record, RecordLink

__all__ = ["catch_up", "nudge"]

log = logging.getLogger(__name__)

#: events read per transaction
BATCH = 500
#: records in one batch for one account beyond which they go in one message listing them
BUNDLE_AFTER = 10
#: when one account matches several subscriptions, the first kind here decides (mode, link)
SPECIFICITY = ("thread", "comment_period", "debate", "forum", "lmo", "country")


def nudge() -> None:
    """After-commit hook of the change logs: fan out now rather than at the worker's next pass."""
    try:
        catch_up()
    except Exception:
        # the publication or post is committed; the worker catches up later
        log.exception("notifications: fan-out after commit failed")


def _behind(name: str, head: int) -> bool:
    """A read without the write lock: is there anything to do? (a pass of an idle worker writes nothing)"""
    stored = ConsumerPosition.objects.filter(name=name).values_list("last_seq", flat=True).first()
    return stored is None or stored < head


def catch_up() -> int:
    """Fan out every event not yet fanned out; how many events were read."""
    total = 0
    for name, head, source in (
        ("records", changelog.last_seq, _records_batch),
        ("participation", participation_events.last_seq, _participation_batch),
    ):
        if not _behind(name, head()):
            continue
        while True:
            read = source()
            total += read
            if read < BATCH:
                break
    return total


def _position(name: str, head: int) -> tuple[ConsumerPosition, dt.datetime | None]:
    """This source's stored position, locked until the transaction ends (one fan-out at a time),
    and when the oldest subscription was made (None: there is none)."""
    acquire_write_lock()
    position, _ = ConsumerPosition.objects.get_or_create(name=name, defaults={"last_seq": 0})
    if connection.vendor == "postgresql":
        position = ConsumerPosition.objects.select_for_update().get(pk=position.pk)
    oldest = Subscription.objects.order_by("created_at").values_list("created_at", flat=True).first()
    if oldest is None and position.last_seq < head:
        # nobody follows anything: nothing older than the first subscription is news to anyone
        position.last_seq = head
        position.save(update_fields=["last_seq"])
    return position, oldest


def _records_batch() -> int:
    with transaction.atomic():
        position, oldest = _position("records", changelog.last_seq())
        found = list(
            ChangeEvent.objects.filter(seq__gt=position.last_seq).select_related("record").order_by("seq")[:BATCH]
        )
        held: dict[int, list[tuple[_Recipient, Item]]] = {}
        for event in found:
            # older than every subscription: news to nobody (a first catch-up of a loaded registry)
            if event.kind == "published" and oldest is not None and event.at >= oldest:
                _fan_out(_record_targets(event), _record_item(event), event.at, author_id=None, held=held)
        _send_held(held)
        if found:
            position.last_seq = found[-1].seq
            position.save(update_fields=["last_seq"])
    return len(found)


def _participation_batch() -> int:
    with transaction.atomic():
        position, oldest = _position("participation", participation_events.last_seq())
        found = list(ParticipationEvent.objects.filter(seq__gt=position.last_seq).order_by("seq")[:BATCH])
        for event in found:
            if oldest is None or event.at < oldest:
                continue
            described = _participation(event)
            if described is not None:
                targets, item = described
                _fan_out(targets, item, event.at, author_id=event.actor_id)
        if found:
            position.last_seq = found[-1].seq
            position.save(update_fields=["last_seq"])
    return len(found)


# -- what an event is about ------------------------------------------------------------------------


def _url(name: str, *args: object) -> str:
    with translation.override(settings.LANGUAGE_CODE):
        return f"{settings.OPENBCH_SITE_URL}{reverse(name, args=list(args))}"


def _record_targets(event: ChangeEvent) -> list[tuple[str, str]]:
    targets = [("country", event.owner)]
    if event.type == "DEC":
        lmos = RecordLink.objects.filter(source_id=event.record_id, field="modifiedOrganisms").values_list(
            "target_identifier", flat=True
        )
        targets += [("lmo", identifier) for identifier in lmos]
    return targets


def _record_item(event: ChangeEvent) -> Item:
    record: Record = event.record
    what = "decision" if event.type == "DEC" else "record"
    new = event.revision <= 1
    title = record.title or record.identifier
    subject = f"{'New' if new else 'Updated'} {what} of {event.owner}: {title}"
    uid = event.uid.rsplit("-", 1)[0]
    return Item(subject=subject, title=title, url=_url("web:record", uid), summary=f"{event.uid} ({event.type})")


def _post_item(post: Post, thread: Thread, kind: str) -> Item:
    body = post.revisions.order_by("-number").values_list("body", flat=True).first() or strip_tags(post.html)
    author = "Anonymous" if post.anonymous else post.display_name
    summary = f"{author} wrote:\n\n{body[:2000]}"
    if thread.forum_id is not None:
        assert thread.forum is not None
        url = _url("web:thread", thread.forum.slug, thread.pk) + f"#post-{post.pk}"
        place = f"“{thread.title}”"
    elif thread.debate_id is not None:
        assert thread.debate is not None
        url = _url("web:debate", thread.debate.slug) + f"#post-{post.pk}"
        place = f"the debate “{thread.debate.question}”"
    else:
        url = _url("web:comment_period", thread.comment_period_id) + f"#post-{post.pk}"
        place = f"the comment period “{thread.title}”"
    subject = f"New thread: “{thread.title}”" if kind == "thread.started" else f"New post in {place}"
    return Item(subject=subject, title=thread.title, url=url, summary=summary)


def _participation(event: ParticipationEvent) -> tuple[list[tuple[str, str]], Item] | None:
    if event.post_id is not None:
        post = (
            Post.objects.select_related("thread__forum", "thread__debate", "thread__comment_period")
            .filter(pk=event.post_id)
            .first()
        )
        # visible now, or nobody is told: a post hidden or rejected before the fan-out stays quiet
        if post is None or post.status != PostStatus.PUBLISHED or post.hidden_at is not None:
            return None
        thread = post.thread
        targets = [("thread", str(thread.pk))]
        if thread.forum is not None:
            targets.append(("forum", thread.forum.slug))
        if thread.debate is not None:
            targets.append(("debate", thread.debate.slug))
        if thread.comment_period_id is not None:
            targets.append(("comment_period", str(thread.comment_period_id)))
        return targets, _post_item(post, thread, event.kind)
    if event.debate_id is not None:
        debate = Debate.objects.filter(pk=event.debate_id).first()
        if debate is None:
            return None
        said = {
            "debate.opened": "Debate opened",
            "debate.closed": "Debate closed",
            "debate.synthesis": "Synthesis published",
        }[event.kind]
        summary = (
            strip_tags(debate.synthesis_html)
            if event.kind == "debate.synthesis"
            else strip_tags(debate.description_html)
        )
        item = Item(
            subject=f"{said}: “{debate.question}”",
            title=debate.question,
            url=_url("web:debate", debate.slug),
            summary=summary[:2000],
        )
        return [("debate", debate.slug)], item
    if event.comment_period_id is not None:
        period = CommentPeriod.objects.select_related("record__draft").filter(pk=event.comment_period_id).first()
        if period is None:
            return None
        url = _url("web:comment_period", period.pk)
        if event.kind == "comment_period.opened":
            subject = f"Public comment open ({period.country}): “{period.title}”"
            summary = f"Open until {period.closes_at:%Y-%m-%d %H:%M} UTC.\n\n{period.summary[:2000]}"
        else:
            subject = f"Outcome of the comment period ({period.country}): “{period.title}”"
            summary = period.outcome[:2000]
        targets = [("comment_period", str(period.pk)), ("country", period.country)]
        targets += [("lmo", identifier) for identifier in _period_lmos(period)]
        return targets, Item(
            subject=subject,
            title=period.title,
            url=url + ("#outcome" if "outcome" in event.kind else ""),
            summary=summary,
        )
    return None


def _period_lmos(period: CommentPeriod) -> set[str]:
    record = period.record
    if record.type == "LMO":
        return {record.identifier}
    if record.type != "DEC":
        return set()
    linked = set(
        RecordLink.objects.filter(source=record, field="modifiedOrganisms").values_list("target_identifier", flat=True)
    )
    return linked | draft_lmos(record)


# -- to whom ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Recipient:
    user: User
    subscription: Subscription


def _recipients(targets: Iterable[tuple[str, str]], at: dt.datetime, author_id: int | None) -> list[_Recipient]:
    pairs = list(dict.fromkeys(targets))
    if not pairs:
        return []
    query = Subscription.objects.none()
    for target, key in pairs:
        query = query | Subscription.objects.filter(target=target, key=key)
    found = query.filter(created_at__lte=at, user__is_active=True).exclude(user__email="").select_related("user")
    if author_id is not None:
        found = found.exclude(user_id=author_id)
    chosen: dict[int, Subscription] = {}
    for subscription in sorted(found, key=lambda s: SPECIFICITY.index(s.target)):
        chosen.setdefault(subscription.user_id, subscription)
    return [_Recipient(s.user, s) for s in chosen.values()]


def _fan_out(
    targets: Iterable[tuple[str, str]],
    item: Item,
    at: dt.datetime,
    *,
    author_id: int | None,
    held: dict[int, list[tuple[_Recipient, Item]]] | None = None,
) -> None:
    """Tell each recipient: a digest item, or a message at once (or, with ``held``, kept for :func:`_send_held`)."""
    for recipient in _recipients(targets, at, author_id):
        if recipient.subscription.mode == SubscriptionMode.DAILY:
            DigestItem.objects.create(
                user=recipient.user,
                subscription=recipient.subscription,
                at=at,
                title=item.subject[:500],
                url=item.url[:1000],
                summary=item.summary[:1000],
            )
        elif held is not None:
            held.setdefault(recipient.user.pk, []).append((recipient, item))
        else:
            send_item(recipient.user, recipient.subscription, item)


def _send_held(held: dict[int, list[tuple[_Recipient, Item]]]) -> None:
    """One message per item, unless a batch brought an account more than ``BUNDLE_AFTER`` of them
    (a country's bulk load): then one message listing them, rather than a flood."""
    for entries in held.values():
        if len(entries) <= BUNDLE_AFTER:
            for recipient, item in entries:
                send_item(recipient.user, recipient.subscription, item)
        else:
            send_digest(entries[0][0].user, [item for _, item in entries], bundle=True)
