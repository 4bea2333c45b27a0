"""Fixtures of the e-learning tests: a small content folder of the tests' own, accounts, actors.

The engine's tests run on ``tests/learning/content`` (two modules, one with a border-check
exercise), so they do not change whenever the teaching content does; the shipped content has its
own test (test_catalogue.py loads every shipped module).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.cache import cache

from openbch.accounts.actors import actor_for_user
from openbch.accounts.services import create_user, grant_role
from openbch.core.actors import SYSTEM, Actor

CONTENT = Path(__file__).with_name("content")
PASSWORD = "a long trainee passphrase"


@pytest.fixture(autouse=True)
def _test_content(settings: Any) -> Iterator[None]:
    settings.OPENBCH_LEARNING_CONTENT = str(CONTENT)
    cache.clear()  # login rate-limit counters
    yield
    cache.clear()


@pytest.fixture
def make_user(db: None) -> Callable[..., User]:
    """``make_user("alice", "training-coordinator", full_name="Alice Ngozi")``: an account with roles."""

    def make(username: str, *roles: str, full_name: str = "", password: str = PASSWORD) -> User:
        user = create_user(SYSTEM, username=username, password=password)
        for role in roles:
            grant_role(SYSTEM, username=username, role=role, country=None)
        if full_name:
            User.objects.filter(pk=user.pk).update(first_name=full_name)
            user.refresh_from_db()
        return user

    return make


@pytest.fixture
def actor_of() -> Callable[[User], Actor]:
    return lambda user: actor_for_user(User.objects.get(pk=user.pk))


@pytest.fixture
def trainee(make_user: Callable[..., User], actor_of: Callable[[User], Actor]) -> Actor:
    return actor_of(make_user("trainee", full_name="Amina Diallo"))


@pytest.fixture
def coordinator(make_user: Callable[..., User], actor_of: Callable[[User], Actor]) -> Actor:
    return actor_of(make_user("coordinator", "training-coordinator"))
