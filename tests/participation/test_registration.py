"""Registration of members of the public, confirmed by email through a real SMTP server (aiosmtpd).

The pages enqueue; ``deliver_due`` (the notification worker) sends through Django's SMTP backend
to the local server; the test reads what arrived and follows the link with the test client.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
from django.contrib.auth.models import User
from django.core import signing
from django.test import Client, override_settings

from openbch.accounts import registration
from openbch.accounts.models import Registration
from openbch.accounts.services import disable_user
from openbch.core.actors import SYSTEM
from openbch.notifications.worker import deliver_due
from openbch.participation.models import Post, PostStatus
from openbch.records.models import AuditEntry
from tests.participation.conftest import World
from tests.smtp import SmtpServer, running_smtp

CONFIRM_LINK = r"https?://\S+/accounts/confirm/\S+/"

PASSWORD = "a long phrase about biosafety hearings"


@pytest.fixture
def mailbox() -> Iterator[SmtpServer]:
    with (
        running_smtp() as box,
        override_settings(
            EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
            EMAIL_HOST=box.host,
            EMAIL_PORT=box.port,
            EMAIL_USE_TLS=False,
            EMAIL_USE_SSL=False,
            EMAIL_HOST_USER="",
            EMAIL_HOST_PASSWORD="",
        ),
    ):
        yield box


def _register(client: Client, **changes: str) -> str:
    form = {
        "username": "rosa",
        "display_name": "Rosa Citizen",
        "email": "rosa@example.org",
        "password": PASSWORD,
        "password_again": PASSWORD,
        **changes,
    }
    response = client.post("/en/accounts/register/", form)
    assert response.status_code in (200, 429), response.status_code
    return str(response.content.decode())


def _deliver(mailbox: SmtpServer, address: str, count: int = 1) -> list[str]:
    assert deliver_due() >= 1
    received = mailbox.wait_for_address(address, count=count)
    assert len(received) == count
    return [r.text for r in received]


def test_a_member_of_the_public_registers_confirms_by_email_logs_in_and_posts(
    world: World, client: Client, mailbox: SmtpServer
) -> None:
    form = client.get("/en/accounts/register/")
    assert form.status_code == 200 and 'name="password_again"' in form.content.decode()
    page = _register(client)
    assert "Check your email" in page
    user = User.objects.get(username="rosa")
    assert not user.is_active and user.first_name == "Rosa Citizen" and user.email == "rosa@example.org"
    assert not user.role_assignments.exists()
    # not before confirming: an unconfirmed account cannot log in
    assert client.post("/accounts/login/", {"username": "rosa", "password": PASSWORD}).status_code == 200

    _deliver(mailbox, "rosa@example.org")
    message = mailbox.to("rosa@example.org")[0]
    assert message.message["Subject"] == "Confirm your openbch account"
    link = message.link(CONFIRM_LINK)
    assert link.startswith("http://testserver/en/accounts/confirm/")
    # opening the link (as a mail scanner would) shows a button and changes nothing
    opened = client.get(urlsplit(link).path)
    assert opened.status_code == 200 and 'id="confirm-form"' in opened.content.decode()
    user.refresh_from_db()
    assert not user.is_active
    confirmed = client.post(urlsplit(link).path)
    assert confirmed.status_code == 200 and "is confirmed" in confirmed.content.decode()
    user.refresh_from_db()
    assert user.is_active and Registration.objects.get(user=user).confirmed_at is not None
    # confirming again changes nothing
    assert client.post(urlsplit(link).path).status_code == 200
    assert "is confirmed" in client.get(urlsplit(link).path).content.decode()
    assert AuditEntry.objects.filter(action="account.confirmed").count() == 1

    logged_in = client.post("/accounts/login/", {"username": "rosa", "password": PASSWORD})
    assert logged_in.status_code == 302
    posted = client.post("/en/debates/techniques/", {"body": "Hearings should be streamed.", "position": "for"})
    assert posted.status_code == 302 and "done=pending" in posted["Location"]
    post = Post.objects.get(author=user)
    assert post.status == PostStatus.PENDING and post.display_name == "Rosa Citizen"


def test_a_tampered_link_is_refused_and_offers_a_new_one(world: World, client: Client, mailbox: SmtpServer) -> None:
    _register(client)
    _deliver(mailbox, "rosa@example.org")
    link = urlsplit(mailbox.to("rosa@example.org")[0].link(CONFIRM_LINK))
    token = link.path.rstrip("/").rsplit("/", 1)[1]
    tampered = token[:-1] + ("A" if token[-1] != "A" else "B")
    assert client.post(f"/en/accounts/confirm/{tampered}/").status_code == 400
    response = client.get(f"/en/accounts/confirm/{tampered}/")
    assert response.status_code == 400
    page = response.content.decode()
    assert 'data-code="confirmation_invalid"' in page and "Send a new link" in page
    forged = signing.dumps({"r": Registration.objects.get().pk}, salt="another purpose")
    assert client.post(f"/en/accounts/confirm/{forged}/").status_code == 400
    assert not User.objects.get(username="rosa").is_active


class _OldSigner(signing.TimestampSigner):
    """Signs as if 49 hours ago (links live 48 hours)."""

    def timestamp(self) -> str:
        return signing.b62_encode(int(time.time()) - 49 * 3600)


def test_an_expired_link_says_so_and_a_new_link_works(world: World, client: Client, mailbox: SmtpServer) -> None:
    _register(client)
    pending = Registration.objects.get()
    old = _OldSigner(salt=registration.SALT).sign_object({"r": pending.pk})
    assert client.post(f"/en/accounts/confirm/{old}/").status_code == 400
    response = client.get(f"/en/accounts/confirm/{old}/")
    assert response.status_code == 400 and 'data-code="confirmation_expired"' in response.content.decode()
    assert "expired" in response.content.decode()
    again = client.post("/en/accounts/register/resend/", {"email": "ROSA@example.org"})
    assert again.status_code == 200 and "Check your email" in again.content.decode()
    # an address nobody registered gets the same answer, and no mail
    other = client.post("/en/accounts/register/resend/", {"email": "nobody@example.org"})
    assert other.content.decode().replace("nobody@example.org", "X") == again.content.decode().replace(
        "ROSA@example.org", "X"
    )
    _deliver(mailbox, "rosa@example.org", count=2)
    newest = mailbox.to("rosa@example.org")[-1].link(CONFIRM_LINK)
    assert client.post(urlsplit(newest).path).status_code == 200
    assert User.objects.get(username="rosa").is_active
    assert mailbox.to("nobody@example.org") == []


def test_an_address_in_use_is_not_revealed_and_its_owner_is_told(
    world: World, client: Client, mailbox: SmtpServer
) -> None:
    world.member.email = "ana@example.org"
    world.member.save()
    first = _register(client, username="someone-else", email="ANA@example.org")
    fresh = _register(Client(), username="newcomer", email="new@example.org")
    assert first.replace("ANA@example.org", "X") == fresh.replace("new@example.org", "X")
    assert not User.objects.filter(username="someone-else").exists()
    assert deliver_due() == 2
    warned = mailbox.wait_for_address("ana@example.org")
    assert len(warned) == 1 and "tried to register" in warned[0].message["Subject"]
    assert "/accounts/confirm/" not in warned[0].text


def test_weak_or_differing_passwords_and_bad_fields_are_refused_naming_the_field(world: World, client: Client) -> None:
    weak = _register(client, password="password", password_again="password")
    assert "This password is too common" in weak
    assert "too similar" in _register(client, password="rosa.citizen", password_again="rosa.citizen")
    assert "The two passwords differ" in _register(client, password_again=PASSWORD + "!")
    assert "Enter a valid email address" in _register(client, email="not an address")
    assert "Enter a valid username" in _register(client, username="bad name!")
    assert not User.objects.filter(username="rosa").exists()
    with pytest.raises(registration.ValidationFailedError) as refused:
        registration.register(SYSTEM, username="", display_name="", email="x", password="1", link_for=lambda t: t)
    assert {i.path for i in refused.value.issues} == {"/username", "/display_name", "/email", "/password"}


def test_a_taken_user_name_is_said_and_an_expired_unconfirmed_one_is_free_again(world: World, client: Client) -> None:
    assert "is taken" in _register(client, username="MEMBER")
    _register(client)
    assert "is taken" in _register(Client(), email="other@example.org")
    Registration.objects.update(last_sent_at=Registration.objects.get().created_at.replace(year=2020))
    assert "Check your email" in _register(Client(), email="other@example.org")
    assert User.objects.get(username="rosa").email == "other@example.org"
    # and an address held by an expired, unconfirmed registration is free again too
    Registration.objects.update(last_sent_at=Registration.objects.get().created_at.replace(year=2020))
    _register(Client(), username="rosa-again", email="other@example.org")
    assert list(User.objects.filter(email="other@example.org").values_list("username", flat=True)) == ["rosa-again"]


def test_the_register_form_needs_its_csrf_token(world: World) -> None:
    strict = Client(enforce_csrf_checks=True)
    refused = strict.post(
        "/en/accounts/register/",
        {
            "username": "rosa",
            "display_name": "R",
            "email": "r@example.org",
            "password": PASSWORD,
            "password_again": PASSWORD,
        },
    )
    assert refused.status_code == 403
    assert not User.objects.filter(username="rosa").exists()
    strict.get("/en/accounts/register/")
    token = strict.cookies["openbch_csrf"].value
    accepted = strict.post(
        "/en/accounts/register/",
        {
            "username": "rosa",
            "display_name": "R",
            "email": "r@example.org",
            "password": PASSWORD,
            "password_again": PASSWORD,
            "csrfmiddlewaretoken": token,
        },
    )
    assert accepted.status_code == 200 and User.objects.filter(username="rosa").exists()


def test_the_confirm_button_needs_its_csrf_token(world: World, mailbox: SmtpServer) -> None:
    strict = Client(enforce_csrf_checks=True)
    strict.get("/en/accounts/register/")
    _register(strict, csrfmiddlewaretoken=strict.cookies["openbch_csrf"].value)
    _deliver(mailbox, "rosa@example.org")
    path = urlsplit(mailbox.to("rosa@example.org")[0].link(CONFIRM_LINK)).path
    assert strict.post(path).status_code == 403
    assert not User.objects.get(username="rosa").is_active
    page = strict.get(path)
    token = page.content.decode().split('name="csrfmiddlewaretoken" value="', 1)[1].split('"', 1)[0]
    assert strict.post(path, {"csrfmiddlewaretoken": token}).status_code == 200
    assert User.objects.get(username="rosa").is_active


def test_registration_is_limited_per_address(world: World, client: Client) -> None:
    with override_settings(OPENBCH_REGISTER_LIMIT_PER_IP=2):
        _register(client, username="one", email="one@example.org")
        _register(client, username="two", email="two@example.org")
        limited = client.post(
            "/en/accounts/register/",
            {
                "username": "three",
                "display_name": "Three",
                "email": "three@example.org",
                "password": PASSWORD,
                "password_again": PASSWORD,
            },
        )
    assert limited.status_code == 429 and int(limited["Retry-After"]) > 0
    assert not User.objects.filter(username="three").exists()


def test_an_old_link_never_turns_a_disabled_account_on_again(world: World, client: Client, mailbox: SmtpServer) -> None:
    _register(client)
    _deliver(mailbox, "rosa@example.org")
    link = urlsplit(mailbox.to("rosa@example.org")[0].link(CONFIRM_LINK))
    assert client.post(link.path).status_code == 200
    disable_user(SYSTEM, username="rosa")
    assert client.post(link.path).status_code == 400
    assert client.get(link.path).status_code == 400
    assert not User.objects.get(username="rosa").is_active
