"""Fixtures of the notification tests: a real SMTP server, Django's SMTP backend pointed at it,
accounts with e-mail addresses, a forum and a debate."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.contrib.auth.models import User
from django.test import override_settings

from openbch.core.actors import Role
from tests.participation.conftest import World, make_user

# the participation tests' fixture, shared (a re-export pytest finds here)
from tests.participation.conftest import world as world
from tests.smtp import SmtpServer, running_smtp

SITE = "https://bch.example.org"


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    with (
        running_smtp() as server,
        override_settings(
            EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
            EMAIL_HOST=server.host,
            EMAIL_PORT=server.port,
            EMAIL_USE_TLS=False,
            EMAIL_USE_SSL=False,
            EMAIL_HOST_USER="",
            EMAIL_HOST_PASSWORD="",
            EMAIL_TIMEOUT=5,
            DEFAULT_FROM_EMAIL="notifications@bch.example.org",
            OPENBCH_SITE_URL=SITE,
        ),
    ):
        yield server


def member(username: str, email: str, *roles: Role) -> User:
    user = make_user(username, *roles)
    user.email = email
    user.save(update_fields=["email"])
    return user


@pytest.fixture
def readers(world: World) -> dict[str, User]:
    """Two followers with addresses; the world's accounts get addresses too (authors)."""
    for user in (world.member, world.moderator, world.administrator):
        user.email = f"{user.username}@example.org"
        user.save(update_fields=["email"])
    return {"ana": member("ana", "ana@example.org"), "ben": member("ben", "ben@example.org")}


@pytest.fixture(autouse=True)
def _fresh_limits() -> None:
    from django.core.cache import cache

    # posting limits count in the cache: a test never inherits the counts of the one before
    cache.clear()
