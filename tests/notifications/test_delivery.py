"""A post reaches its followers by real SMTP: enqueued in the post's transaction, delivered by the
worker, with a working unsubscribe link; a failed send is retried later and never undoes the post."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.test import Client, override_settings
from django.utils import timezone

from openbch.notifications import services as subscriptions
from openbch.notifications.fanout import catch_up
from openbch.notifications.models import OutboxMessage, OutboxStatus, Subscription
from openbch.notifications.outbox import enqueue_email
from openbch.notifications.worker import backoff, deliver_due
from openbch.participation import services as participation
from openbch.participation.models import Post, PostStatus
from tests.federation.instances import fresh_postgres_database
from tests.notifications.conftest import SITE
from tests.participation.conftest import World, actor_of
from tests.smtp import SmtpServer, free_port, running_smtp

pytestmark = pytest.mark.django_db

UNSUBSCRIBE = SITE + r"/en/unsubscribe/[^/\s]+/"


def test_a_post_arrives_by_smtp_with_a_working_unsubscribe_link(
    world: World, readers: dict[str, User], smtp: SmtpServer, client: Client
) -> None:
    ana = readers["ana"]
    subscriptions.follow(actor_of(ana), target="forum", key="access")
    thread = participation.start_thread(
        world.actor("moderator"), forum="access", title="Labelling <b>rules</b>", body="What do **you** think?"
    )
    assert catch_up() >= 1
    queued = OutboxMessage.objects.get(to="ana@example.org")
    assert queued.status == OutboxStatus.PENDING  # posting only enqueues

    assert deliver_due() == 1
    [received] = smtp.wait_for(1)
    message = received.message
    assert received.rcpt_tos == ("ana@example.org",)
    assert message["To"] == "ana@example.org"
    assert message["From"] == "notifications@bch.example.org"
    assert message["Subject"].strip() == "[openbch] New thread: “Labelling <b>rules</b>”"
    assert "What do **you** think?" in received.text
    assert f"{SITE}/en/forums/access/threads/{thread.pk}/#post-" in received.text
    html = message.get_body(preferencelist=("html",))
    assert html is not None and "Labelling &lt;b&gt;rules&lt;/b&gt;" in str(html.get_content())
    link = received.link(UNSUBSCRIBE)
    assert message["List-Unsubscribe"].strip() == f"<{link}>"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert OutboxMessage.objects.get(pk=queued.pk).status == OutboxStatus.SENT

    # the link works without signing in: GET asks, POST unsubscribes
    path = link.removeprefix(SITE)
    page = client.get(path)
    assert page.status_code == 200 and b"unsubscribe-confirm" in page.content
    assert Subscription.objects.filter(user=ana).count() == 1
    done = client.post(path)
    assert done.status_code == 200 and b'id="unsubscribed"' in done.content
    assert not Subscription.objects.filter(user=ana).exists()


def test_one_click_unsubscribe_rfc_8058_needs_no_cookie_or_csrf_token(
    world: World, readers: dict[str, User], smtp: SmtpServer
) -> None:
    ben = readers["ben"]
    subscriptions.follow(actor_of(ben), target="debate", key="techniques")
    participation.post_in_debate(world.actor("moderator"), debate="techniques", body="Citizen juries work.")
    catch_up()
    deliver_due()
    [received] = smtp.wait_for(1)
    link = received.message["List-Unsubscribe"].strip().strip("<>")
    strict = Client(enforce_csrf_checks=True)
    answer = strict.post(
        link.removeprefix(SITE), data="List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded"
    )
    assert answer.status_code == 200
    assert not Subscription.objects.filter(user=ben).exists()


def test_a_tampered_unsubscribe_link_changes_nothing(world: World, readers: dict[str, User], client: Client) -> None:
    ana, ben = readers["ana"], readers["ben"]
    mine = subscriptions.follow(actor_of(ana), target="forum", key="access")
    theirs = subscriptions.follow(actor_of(ben), target="forum", key="access")
    token = subscriptions.unsubscribe_token(ana.pk, mine.pk)
    # another subscription's number in a token signed for ana's: the signature no longer matches
    signature = token.rpartition(":")[2]
    forged = subscriptions.unsubscribe_token(ben.pk, theirs.pk).rpartition(":")[0] + ":" + signature
    for bad in (forged, token[:-2] + ("AA" if not token.endswith("AA") else "BB"), "nonsense"):
        page = client.get(f"/en/unsubscribe/{bad}/")
        assert page.status_code == 403 and b"unsubscribe-invalid" in page.content
        assert client.post(f"/en/unsubscribe/{bad}/").status_code == 403
    assert Subscription.objects.filter(pk__in=[mine.pk, theirs.pk]).count() == 2
    # "all" for ana ends ana's only
    client.post(f"/en/unsubscribe/{subscriptions.unsubscribe_token(ana.pk)}/")
    assert list(Subscription.objects.filter(key="access").values_list("user_id", flat=True)) == [ben.pk]


def test_a_failed_send_is_retried_later_and_the_post_stands(world: World, readers: dict[str, User]) -> None:
    subscriptions.follow(actor_of(readers["ana"]), target="forum", key="access")
    closed = free_port()  # nothing listens there
    post = participation.reply(
        world.actor("moderator"),
        thread_id=participation.start_thread(world.actor("moderator"), forum="access", title="T", body="first").pk,
        body="second",
    )
    assert Post.objects.get(pk=post.pk).status == PostStatus.PUBLISHED
    catch_up()
    queued = list(OutboxMessage.objects.filter(to="ana@example.org").order_by("pk"))
    assert len(queued) == 2
    now = timezone.now()
    with override_settings(
        EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend", EMAIL_HOST="127.0.0.1", EMAIL_PORT=closed
    ):
        assert deliver_due(now=now) == 0
    failed = OutboxMessage.objects.get(pk=queued[0].pk)
    assert failed.status == OutboxStatus.PENDING and failed.attempts == 1
    assert "Connection refused" in failed.last_error or "Error" in failed.last_error
    assert failed.due_at == now + backoff(1)
    # not due yet: nothing is tried
    assert deliver_due(now=now + dt.timedelta(seconds=1)) == 0
    # later, the server is up: both go out
    with (
        running_smtp() as server,
        override_settings(
            EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend", EMAIL_HOST=server.host, EMAIL_PORT=server.port
        ),
    ):
        assert deliver_due(now=now + backoff(1) + dt.timedelta(seconds=1)) == 2
        assert len(server.wait_for(2)) == 2
    assert set(OutboxMessage.objects.filter(to="ana@example.org").values_list("status", flat=True)) == {"sent"}


def test_a_message_that_keeps_failing_is_marked_failed_after_the_last_attempt(db: None) -> None:
    message = enqueue_email(to="x@example.org", subject="s", text="t")
    now = timezone.now()
    with override_settings(
        EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
        EMAIL_HOST="127.0.0.1",
        EMAIL_PORT=free_port(),
        OPENBCH_EMAIL_MAX_ATTEMPTS=3,
    ):
        for _ in range(3):
            deliver_due(now=now)
            now += dt.timedelta(days=1)
    found = OutboxMessage.objects.get(pk=message.pk)
    assert (found.status, found.attempts) == (OutboxStatus.FAILED, 3)
    assert deliver_due(now=now) == 0


def test_enqueue_refuses_a_header_injection_and_names_the_field(db: None) -> None:
    from openbch.core.errors import ValidationFailedError

    with pytest.raises(ValidationFailedError) as refused:
        enqueue_email(to="a@example.org\nBcc: b@example.org", subject="s", text="t")
    assert [i.path for i in refused.value.issues] == ["/to"]
    assert enqueue_email(to="a@example.org", subject="one\r\nBcc: x", text="t").subject == "one Bcc: x"


def test_a_restarted_worker_delivers_what_was_queued(tmp_path: Path) -> None:
    """Queue in one process, deliver from another (``openbch notify work --once``) reading the same database."""
    env = {
        **os.environ,
        "OPENBCH_DATA_DIR": str(tmp_path),
        "OPENBCH_DATABASE_URL": f"sqlite:///{tmp_path}/restart.sqlite3",
        "OPENBCH_SECRET_KEY": "restart-test",
        "DJANGO_SETTINGS_MODULE": "openbch.settings",
    }
    env.pop("OPENBCH_TEST_OWNS_DATA_DIR", None)
    queue = textwrap.dedent(
        """
        from openbch.cli_common import setup_django
        setup_django(migrate=True)
        from openbch.notifications.outbox import enqueue_email
        enqueue_email(to="restart@example.org", subject="Queued before the restart", text="still here")
        """
    )
    subprocess.run([sys.executable, "-c", queue], env=env, check=True, timeout=300)
    with running_smtp() as server:
        env |= {"OPENBCH_EMAIL_HOST": server.host, "OPENBCH_EMAIL_PORT": str(server.port)}
        worker = [sys.executable, "-m", "openbch", "notify", "work", "--once"]
        done = subprocess.run(worker, env=env, check=True, timeout=300, capture_output=True, text=True)
        assert '"sent": 1' in done.stdout
        [received] = server.wait_for(1)
    assert received.message["Subject"].strip() == "Queued before the restart"
    assert received.text.strip() == "still here"
    again = subprocess.run(worker, env=env, check=True, timeout=300, capture_output=True, text=True)
    assert '"sent": 0' in again.stdout


def test_posting_works_while_the_outbox_cannot_be_delivered(world: World, readers: dict[str, User]) -> None:
    """The post's request never talks to SMTP: with no server at all, posting and fan-out succeed."""
    subscriptions.follow(actor_of(readers["ana"]), target="forum", key="access")
    with override_settings(
        EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend", EMAIL_HOST="127.0.0.1", EMAIL_PORT=free_port()
    ):
        thread = participation.start_thread(world.actor("moderator"), forum="access", title="Up", body="ok")
        catch_up()
    assert thread.post_count == 1
    assert OutboxMessage.objects.filter(to="ana@example.org", status=OutboxStatus.PENDING).count() == 1


def test_concurrent_workers_send_each_message_once(tmp_path: Path) -> None:
    """Three ``openbch notify work --once`` at the same time over one outbox: every message arrives
    exactly once (PostgreSQL, with SKIP LOCKED, in a database of its own when the suite runs there;
    else SQLite)."""
    url = fresh_postgres_database("workers") or f"sqlite:///{tmp_path}/workers.sqlite3"
    env = {
        **os.environ,
        "OPENBCH_DATA_DIR": str(tmp_path),
        "OPENBCH_DATABASE_URL": url,
        "OPENBCH_SECRET_KEY": "workers-test",
        "DJANGO_SETTINGS_MODULE": "openbch.settings",
    }
    env.pop("OPENBCH_TEST_OWNS_DATA_DIR", None)
    marker = f"w{os.getpid()}-{timezone.now().timestamp()}"
    queue = textwrap.dedent(
        f"""
        from openbch.cli_common import setup_django
        setup_django(migrate=True)
        from openbch.notifications.outbox import enqueue_email
        for n in range(60):
            enqueue_email(to=f"r{{n}}@example.org", subject="{marker} " + str(n), text="once")
        """
    )
    subprocess.run([sys.executable, "-c", queue], env=env, check=True, timeout=300)
    with running_smtp() as server:
        env |= {"OPENBCH_EMAIL_HOST": server.host, "OPENBCH_EMAIL_PORT": str(server.port)}
        worker = [sys.executable, "-m", "openbch", "notify", "work", "--once", "--limit", "7"]
        running = [subprocess.Popen(worker, env=env, stdout=subprocess.PIPE, text=True) for _ in range(3)]
        outputs = [p.communicate(timeout=300)[0] for p in running]
        assert all(p.returncode == 0 for p in running), outputs
        # each pass sends at most 7: the rest waits for later passes
        more = [sys.executable, "-m", "openbch", "notify", "work", "--once", "--limit", "1000"]
        subprocess.run(more, env=env, check=True, timeout=300, capture_output=True)
        subjects = [str(r.message["Subject"]).strip() for r in server.wait_for(60, seconds=60)]
    mine = [s for s in subjects if s.startswith(marker)]
    assert sorted(mine) == sorted(f"{marker} {n}" for n in range(60))  # all, none twice
