"""Who is told what: one message per follower per event, never the post's own author, never a post
others cannot see (a queued post tells its followers once it is approved), daily followers get one
digest, and country and LMO followers hear of decisions published through the records services."""

from __future__ import annotations

import copy
import datetime as dt

import pytest
from django.contrib.auth.models import User
from django.utils import timezone

from openbch.core.actors import SYSTEM
from openbch.notifications import services as subscriptions
from openbch.notifications.digest import digest_if_due, send_digests
from openbch.notifications.fanout import catch_up
from openbch.notifications.models import ConsumerPosition, DigestItem, OutboxMessage
from openbch.notifications.worker import deliver_due
from openbch.participation import events
from openbch.participation import services as participation
from openbch.participation.models import ParticipationEvent
from openbch.records.models import Record, RecordLink, RecordState
from openbch.records.queries import latest_revisions
from openbch.records.services import RecordInput, publish_records
from tests.participation.conftest import World, actor_of
from tests.smtp import SmtpServer

pytestmark = pytest.mark.django_db


def mail_to(address: str) -> list[OutboxMessage]:
    return list(OutboxMessage.objects.filter(to=address).order_by("pk"))


def test_each_follower_gets_one_message_per_post_and_the_author_none(world: World, readers: dict[str, User]) -> None:
    ana, ben = readers["ana"], readers["ben"]
    moderator = world.moderator
    thread = participation.start_thread(world.actor("moderator"), forum="access", title="Seeds", body="first")
    # ana follows the forum and the thread: still one message per post; the author follows too
    subscriptions.follow(actor_of(ana), target="forum", key="access")
    subscriptions.follow(actor_of(ana), target="thread", key=str(thread.pk))
    subscriptions.follow(actor_of(ben), target="thread", key=str(thread.pk))
    subscriptions.follow(actor_of(moderator), target="thread", key=str(thread.pk))
    participation.reply(world.actor("moderator"), thread_id=thread.pk, body="second")
    catch_up()
    assert [m.subject for m in mail_to("ana@example.org")] == ["[openbch] New post in “Seeds”"]
    assert len(mail_to("ben@example.org")) == 1
    assert mail_to("moderator-a@example.org") == []  # the author of the post
    # a replay (second worker, restart) adds nothing
    assert catch_up() == 0
    assert OutboxMessage.objects.count() == 2
    # the thread subscription is the more specific one: its unsubscribe link ends it only
    assert "Thread: " in mail_to("ana@example.org")[0].text


def test_a_queued_post_notifies_when_approved_and_a_rejected_one_never(world: World, readers: dict[str, User]) -> None:
    ana = readers["ana"]
    subscriptions.follow(actor_of(ana), target="forum", key="access")
    thread = participation.start_thread(world.actor("moderator"), forum="access", title="Queue", body="open")
    catch_up()
    OutboxMessage.objects.all().delete()
    waiting = participation.reply(world.actor("member"), thread_id=thread.pk, body="a new member's post")
    refused = participation.reply(world.actor("member"), thread_id=thread.pk, body="spam spam")
    assert waiting.status == "pending"
    catch_up()
    assert mail_to("ana@example.org") == []
    assert not ParticipationEvent.objects.filter(post_id__in=[waiting.pk, refused.pk]).exists()
    participation.reject_post(world.actor("moderator"), post_id=refused.pk, reason="spam")
    participation.approve_post(world.actor("moderator"), post_id=waiting.pk)
    assert list(ParticipationEvent.objects.filter(post_id=waiting.pk).values_list("kind", flat=True)) == [
        "post.published"
    ]
    catch_up()
    [message] = mail_to("ana@example.org")
    assert "a new member's post" in message.text and "spam" not in message.text


def test_a_post_hidden_before_the_fan_out_tells_nobody(world: World, readers: dict[str, User]) -> None:
    subscriptions.follow(actor_of(readers["ana"]), target="forum", key="access")
    thread = participation.start_thread(world.actor("moderator"), forum="access", title="Hidden", body="x")
    catch_up()
    OutboxMessage.objects.all().delete()
    post = participation.reply(world.actor("moderator"), thread_id=thread.pk, body="regretted")
    participation.hide_post(world.actor("moderator"), post_id=post.pk, reason="off topic")
    catch_up()
    assert mail_to("ana@example.org") == []


def test_debate_and_comment_period_events_are_logged_in_order(world: World) -> None:
    before = events.last_seq()
    participation.post_in_debate(world.actor("moderator"), debate="techniques", body="hello")
    participation.close_debate(world.actor("moderator"), debate="techniques")
    participation.publish_synthesis(world.actor("moderator"), debate="techniques", text="We agreed.")
    found = events.events_after(before)
    assert [e.kind for e in found] == ["post.published", "debate.closed", "debate.synthesis"]
    assert [e.seq for e in found] == sorted(e.seq for e in found)
    assert {e.debate_id for e in found} == {world.debate.pk}


def test_daily_followers_get_one_digest_with_the_days_items(
    world: World, readers: dict[str, User], smtp: SmtpServer
) -> None:
    ana = readers["ana"]
    subscriptions.follow(actor_of(ana), target="forum", key="access", mode="daily")
    subscriptions.follow(actor_of(ana), target="debate", key="techniques", mode="daily")
    one = participation.start_thread(world.actor("moderator"), forum="access", title="Morning", body="a")
    participation.reply(world.actor("moderator"), thread_id=one.pk, body="b")
    participation.post_in_debate(world.actor("moderator"), debate="techniques", body="c")
    catch_up()
    assert mail_to("ana@example.org") == []  # nothing at once
    assert DigestItem.objects.filter(user=ana, digested_at__isnull=True).count() == 3
    assert send_digests() == 1
    assert send_digests() == 0  # each item goes out once
    deliver_due()
    [received] = smtp.wait_for(1)
    assert received.message["Subject"].strip() == "[openbch] Your daily digest: 3 new items"
    text = received.text
    assert "New thread: “Morning”" in text and "New post in “Morning”" in text and "Techniques" in text
    assert "/en/unsubscribe/" in received.message["List-Unsubscribe"]


def test_the_worker_sends_the_digest_once_a_day(world: World, readers: dict[str, User]) -> None:
    subscriptions.follow(actor_of(readers["ana"]), target="forum", key="access", mode="daily")
    participation.start_thread(world.actor("moderator"), forum="access", title="Daily", body="a")
    catch_up()
    now = timezone.now()
    assert digest_if_due(now=now) == 1
    participation.start_thread(world.actor("moderator"), forum="access", title="Later", body="b")
    catch_up()
    assert digest_if_due(now=now + dt.timedelta(minutes=1)) == 0  # the same day
    assert digest_if_due(now=now + dt.timedelta(days=1)) == 1
    assert ConsumerPosition.objects.get(name="digest").last_run_at == now + dt.timedelta(days=1)


def _new_decision(template: Record, *, title: str) -> Record:
    body = copy.deepcopy(latest_revisions([template])[0].body)
    body["title"] = {"en": title}
    body["date"] = "2026-01-15"
    return publish_records(SYSTEM, [RecordInput("DEC", template.owner, body)]).records[0]


def test_country_and_lmo_followers_hear_of_a_new_decision(world: World, readers: dict[str, User]) -> None:
    ana, ben = readers["ana"], readers["ben"]
    link = RecordLink.objects.filter(
        source__type="DEC", source__owner="CA", source__state=RecordState.PUBLISHED, field="modifiedOrganisms"
    ).first()
    assert link is not None, "the demo data has Canadian decisions on LMOs"
    lmo = Record.objects.get(identifier=link.target_identifier)
    subscriptions.follow(actor_of(ana), target="country", key="ca")
    # an LMO may be followed by its UID; it is kept by identifier
    followed = subscriptions.follow(actor_of(ben), target="lmo", key=lmo.uid)
    assert followed.key == lmo.identifier
    subscriptions.follow(actor_of(world.member), target="country", key="BR")
    world.member.email = "member@example.org"
    world.member.save()
    decision = _new_decision(link.source, title="Approval of a <script>maize</script>")
    catch_up()
    [to_ana] = mail_to("ana@example.org")
    [to_ben] = mail_to("ben@example.org")
    assert to_ana.subject == "[openbch] New decision of CA: Approval of a <script>maize</script>"
    assert to_ben.subject == to_ana.subject
    assert decision.uid.rsplit("-", 1)[0] in to_ana.text
    assert "&lt;script&gt;" in to_ana.html and "<script>" not in to_ana.html
    assert mail_to("member@example.org") == []  # follows another country


def test_a_comment_period_opening_tells_the_countrys_followers(world: World, readers: dict[str, User]) -> None:
    from django.utils import timezone as tz

    from openbch.accounts.models import RoleAssignment
    from openbch.core.actors import Role
    from openbch.records.workflow import create_draft
    from tests.participation.conftest import make_user
    from tests.records.workflow_fixtures import decision_body

    subscriptions.follow(actor_of(readers["ana"]), target="country", key="CA")
    authority = make_user("publisher-ca")
    RoleAssignment.objects.create(
        user=authority, role=Role.NATIONAL_PUBLISHING_AUTHORITY, country="CA", granted_by="t", granted_at=tz.now()
    )
    draft = create_draft(SYSTEM, record_type="DEC", owner="CA", body=decision_body("Draft on a canola"))
    now = tz.now()
    participation.open_comment_period(
        actor_of(authority),
        record=draft.record.identifier,
        title="Import of a canola",
        summary="Comments welcome.",
        opens_at=now,
        closes_at=now + dt.timedelta(days=30),
    )
    catch_up()
    [message] = mail_to("ana@example.org")
    assert message.subject == "[openbch] Public comment open (CA): “Import of a canola”"


def test_the_participation_event_log_is_append_only(world: World) -> None:
    from django.db import DatabaseError, transaction

    participation.post_in_debate(world.actor("moderator"), debate="techniques", body="kept")
    event = ParticipationEvent.objects.order_by("-seq").first()
    assert event is not None
    for change in (lambda: ParticipationEvent.objects.filter(pk=event.pk).update(kind="x"), event.delete):
        with pytest.raises(DatabaseError), transaction.atomic():
            change()
    assert ParticipationEvent.objects.get(pk=event.pk).kind == "post.published"


def test_a_bulk_publication_reaches_a_follower_as_one_message(world: World, readers: dict[str, User]) -> None:
    from openbch.notifications.fanout import BUNDLE_AFTER

    subscriptions.follow(actor_of(readers["ana"]), target="country", key="CA")
    template = Record.objects.filter(type="DEC", owner="CA", state=RecordState.PUBLISHED).first()
    assert template is not None
    body = latest_revisions([template])[0].body
    inputs = []
    for n in range(BUNDLE_AFTER + 5):
        copied = copy.deepcopy(body)
        copied["title"] = {"en": f"Bulk decision {n}"}
        inputs.append(RecordInput("DEC", "CA", copied))
    publish_records(SYSTEM, inputs)
    catch_up()
    [message] = mail_to("ana@example.org")
    assert message.subject == f"[openbch] {BUNDLE_AFTER + 5} new items in what you follow"
    assert message.kind == "bundle"
    assert all(f"Bulk decision {n}" in message.text for n in range(BUNDLE_AFTER + 5))
