"""Brute-force limits: per account and per client IP, 429 with Retry-After, audited."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib.auth.models import User
from django.test import Client

from openbch.records.models import AuditEntry

from .conftest import PASSWORD


def _attempt(client: Client, username: str, password: str, ip: str = "198.51.100.1") -> Any:
    return client.post("/accounts/login/", {"username": username, "password": password}, REMOTE_ADDR=ip)


def test_after_five_failures_an_account_is_refused_even_with_the_right_password(
    make_user: Callable[..., User],
) -> None:
    make_user("target")
    client = Client()
    for _ in range(5):
        response = _attempt(client, "target", "wrong guess!")
        assert response.status_code == 200 and "not correct" in response.content.decode()
    for password in ("another guess", PASSWORD):
        limited = _attempt(client, "target", password)
        assert limited.status_code == 429
        assert int(limited["Retry-After"]) >= 1
        assert "Too many failed attempts" in limited.content.decode()
    # the name is counted case-insensitively, from any address
    assert _attempt(client, "TARGET", PASSWORD, ip="192.0.2.99").status_code == 429
    assert AuditEntry.objects.filter(action="login.failed", details__username="target").count() == 5
    limited_entries = AuditEntry.objects.filter(action="login.rate_limited", details__username="target")
    assert limited_entries.count() == 1  # the first refusal of the window, not every one
    assert limited_entries.get().details["limited_by"] == "account"
    assert limited_entries.get().client_ip == "198.51.100.1"


def test_after_twenty_failures_from_one_address_every_account_is_refused_from_it(
    make_user: Callable[..., User],
) -> None:
    make_user("innocent")
    client = Client()
    for n in range(20):
        assert _attempt(client, f"nobody{n % 4}", "guess", ip="203.0.113.7").status_code == 200
    limited = _attempt(client, "innocent", PASSWORD, ip="203.0.113.7")
    assert limited.status_code == 429 and int(limited["Retry-After"]) >= 1
    assert _attempt(client, "innocent", PASSWORD, ip="203.0.113.8").status_code == 302  # another address
    entry = AuditEntry.objects.get(action="login.rate_limited", client_ip="203.0.113.7")
    assert entry.details["limited_by"] == "ip"


def test_a_success_clears_the_accounts_failures_but_not_the_addresses(
    make_user: Callable[..., User], settings: Any
) -> None:
    settings.OPENBCH_LOGIN_LIMIT_PER_IP = 9
    make_user("typo")
    client = Client()
    for _ in range(2):
        for _ in range(4):
            assert _attempt(client, "typo", "tpyo tpyo").status_code == 200
        assert _attempt(client, "typo", PASSWORD).status_code == 302  # 4 failures, then a success
    # the address has 8 failures in its window: one more is allowed, then it is refused
    assert _attempt(client, "typo", "tpyo tpyo").status_code == 200
    assert _attempt(client, "typo", PASSWORD).status_code == 429


def test_the_limits_are_settings(make_user: Callable[..., User], settings: Any) -> None:
    settings.OPENBCH_LOGIN_LIMIT_PER_ACCOUNT = 2
    make_user("strict")
    client = Client()
    assert [_attempt(client, "strict", "nope nope").status_code for _ in range(3)] == [200, 200, 429]
