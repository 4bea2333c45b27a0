"""Fixtures for the account tests: accounts with roles, logged-in clients, a clean limiter."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import replace
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.cache import cache
from django.test import Client

from openbch.accounts.actors import actor_for_user
from openbch.accounts.services import create_user, grant_role
from openbch.core.actors import SYSTEM, Actor

PASSWORD = "correct horse battery staple"


def tokens_mounted() -> bool:
    """Whether openbch.api.app mounts the token routes (via routes_accounts.mount)."""
    from openbch.api import api
    from openbch.api.tokens import router

    # the registrations, not api.urls: building the URLs (e.g. while collecting) freezes the API
    # for modules that still mount their routers on import
    return any(registered is router for _, registered in api._routers)


@pytest.fixture(autouse=True)
def _clean_limits_and_urls(settings: Any, db: None) -> Iterator[None]:
    """Each test starts with empty login counters and the documented default limits."""
    settings.OPENBCH_LOGIN_LIMIT_PER_ACCOUNT = 5
    settings.OPENBCH_LOGIN_LIMIT_PER_IP = 20
    settings.OPENBCH_LOGIN_LIMIT_WINDOW = 900
    if not tokens_mounted():  # not mounted in openbch.api.app yet: use the tests' URL map
        settings.ROOT_URLCONF = "tests.accounts.urls"
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def make_user() -> Callable[..., User]:
    """``make_user("alice", ("national-authorized-user", "CA"), password=...)``: an account with roles."""

    def make(username: str, *grants: tuple[str, str | None], password: str = PASSWORD, email: str = "") -> User:
        user = create_user(SYSTEM, username=username, password=password, email=email)
        for role, country in grants:
            grant_role(SYSTEM, username=username, role=role, country=country)
        return user

    return make


@pytest.fixture
def actor_of() -> Callable[..., Actor]:
    """The Actor a request by ``user`` would get now (a fresh read of its grants)."""

    def actor(user: User, **kwargs: Any) -> Actor:
        user.refresh_from_db()
        return replace(actor_for_user(user), **kwargs)

    return actor


@pytest.fixture
def login() -> Callable[..., Client]:
    """A Django test client logged in through the real login page."""

    def log_in(username: str, password: str = PASSWORD, **client_kwargs: Any) -> Client:
        client = Client(**client_kwargs)
        response = client.post("/accounts/login/", {"username": username, "password": password})
        assert response.status_code == 302, response.content.decode()[:500]
        return client

    return log_in
