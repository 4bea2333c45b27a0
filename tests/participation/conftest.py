"""Fixtures of the participation tests: accounts in each role, a forum, a debate, posting helpers.

Accounts are made without passwords (the tests sign them in with ``force_login``), so the Argon2
cost is not paid per test.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.cache import cache
from django.utils import timezone

from openbch.accounts.models import RoleAssignment
from openbch.core.actors import SYSTEM, Actor, Role
from openbch.participation import services
from openbch.participation.models import Debate, Forum


def make_user(username: str, *roles: Role, full_name: str = "") -> User:
    first, _, last = full_name.partition(" ")
    user = User.objects.create(username=username, first_name=first, last_name=last)
    user.set_unusable_password()
    user.save()
    for role in roles:
        RoleAssignment.objects.create(user=user, role=role, granted_by="test", granted_at=timezone.now())
    return user


def actor_of(user: User, *, client_ip: str = "127.0.0.1") -> Actor:
    from openbch.accounts.actors import actor_for_user

    return actor_for_user(user, client_ip=client_ip)


@dataclass
class World:
    member: User
    other_moderator: User
    moderator: User
    administrator: User
    forum: Forum
    other_forum: Forum
    debate: Debate
    closed_debate: Debate

    def actor(self, who: str, **kwargs: Any) -> Actor:
        return actor_of(getattr(self, who), **kwargs)


@pytest.fixture(autouse=True)
def _fresh_limits() -> None:
    # posting limits count in the cache: a test never inherits the counts of the one before
    cache.clear()


@pytest.fixture
def world(db: None) -> World:
    member = make_user("member", full_name="Ana Member")
    other = make_user("moderator-b", Role.FORUM_MODERATOR)
    moderator = make_user("moderator-a", Role.FORUM_MODERATOR)
    admin = make_user("participation-admin", Role.PARTICIPATION_ADMINISTRATOR)
    forum = services.create_forum(SYSTEM, slug="access", title="Public access", description="About *access*.")
    other_forum = services.create_forum(SYSTEM, slug="other", title="Another forum")
    now = timezone.now()
    debate = services.create_debate(
        SYSTEM,
        slug="techniques",
        question="Techniques to elicit public participation?",
        opens_at=now - dt.timedelta(days=1),
        closes_at=now + dt.timedelta(days=7),
        positions=True,
    )
    closed = services.create_debate(
        SYSTEM,
        slug="closed",
        question="A closed debate",
        opens_at=now - dt.timedelta(days=10),
        closes_at=now - dt.timedelta(days=1),
    )
    services.appoint_moderator(SYSTEM, username="moderator-a", forum="access")
    services.appoint_moderator(SYSTEM, username="moderator-a", debate="techniques")
    services.appoint_moderator(SYSTEM, username="moderator-a", debate="closed")
    services.appoint_moderator(SYSTEM, username="moderator-b", forum="other")
    return World(member, other, moderator, admin, forum, other_forum, debate, closed)
