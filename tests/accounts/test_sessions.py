"""Sessions: rotated at login, ended server-side at logout and on disable, CSRF on every form."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.contrib.auth.models import User
from django.contrib.sessions.backends.db import SessionStore
from django.test import Client

from openbch.accounts.services import disable_user
from openbch.core.actors import SYSTEM
from openbch.records.models import AuditEntry

from .conftest import PASSWORD


def _session_key(client: Client) -> str:
    return client.cookies[settings.SESSION_COOKIE_NAME].value


def test_login_replaces_the_session_key(make_user: Callable[..., User]) -> None:
    make_user("rotor")
    client = Client()
    before = client.session  # an anonymous session, as a fixation attacker would plant it
    before["planted"] = True
    before.save()
    old_key = before.session_key
    assert old_key and _session_key(client) == old_key
    response = client.post("/accounts/login/", {"username": "rotor", "password": PASSWORD})
    assert response.status_code == 302
    assert _session_key(client) != old_key
    assert not SessionStore().exists(old_key)


def test_logout_ends_the_session_and_the_old_cookie_is_anonymous(
    make_user: Callable[..., User], login: Callable[..., Client]
) -> None:
    make_user("leaver")
    client = login("leaver")
    old_key = _session_key(client)
    assert client.get("/accounts/password/").status_code == 200
    response = client.post("/accounts/logout/")
    assert response.status_code == 302 and response["Location"] == settings.LOGIN_URL
    assert not SessionStore().exists(old_key)
    replay = Client()
    replay.cookies[settings.SESSION_COOKIE_NAME] = old_key
    assert replay.get("/accounts/password/").status_code == 302  # to the login page: anonymous
    assert replay.get("/api/v1/tokens").status_code == 401
    assert AuditEntry.objects.filter(action="logout", actor="leaver").exists()


def test_logout_by_get_changes_nothing(make_user: Callable[..., User], login: Callable[..., Client]) -> None:
    make_user("stayer")
    client = login("stayer")
    key = _session_key(client)
    page = client.get("/accounts/logout/")
    assert page.status_code == 200 and 'method="post"' in page.content.decode()
    assert SessionStore().exists(key)
    assert client.get("/accounts/password/").status_code == 200


def test_a_disabled_account_loses_its_session_on_the_next_request_and_cannot_log_in(
    make_user: Callable[..., User], login: Callable[..., Client]
) -> None:
    make_user("gone")
    client = login("gone")
    disable_user(SYSTEM, username="gone")
    assert client.get("/accounts/password/").status_code == 302
    again = Client().post("/accounts/login/", {"username": "gone", "password": PASSWORD})
    assert again.status_code == 200 and "not correct" in again.content.decode()  # the same message as any failure
    assert AuditEntry.objects.filter(action="login.failed", details__username="gone").exists()


def test_forms_without_the_csrf_token_are_refused(make_user: Callable[..., User]) -> None:
    make_user("csrf")
    strict = Client(enforce_csrf_checks=True)
    assert strict.post("/accounts/login/", {"username": "csrf", "password": PASSWORD}).status_code == 403
    page = strict.get("/accounts/login/")
    token = page.context["csrf_token"]
    response = strict.post(
        "/accounts/login/", {"username": "csrf", "password": PASSWORD, "csrfmiddlewaretoken": str(token)}
    )
    assert response.status_code == 302
    assert strict.post("/accounts/logout/").status_code == 403  # still logged in
    assert strict.get("/accounts/password/").status_code == 200


def test_cookies_are_httponly_and_samesite_lax(make_user: Callable[..., User]) -> None:
    make_user("cookie")
    client = Client()
    client.get("/accounts/login/")
    client.post("/accounts/login/", {"username": "cookie", "password": PASSWORD})
    session = client.cookies[settings.SESSION_COOKIE_NAME]
    assert session["httponly"] and session["samesite"] == "Lax"
    csrf = client.cookies[settings.CSRF_COOKIE_NAME]
    assert csrf["httponly"] and csrf["samesite"] == "Lax"
    assert len(_session_key(client)) >= 32  # Django's keys: 32 characters of [a-z0-9], ~165 bits


def test_login_redirects_only_within_the_site(make_user: Callable[..., User]) -> None:
    make_user("redirect")
    outside = Client().post(
        "/accounts/login/?next=https://evil.example/steal", {"username": "redirect", "password": PASSWORD}
    )
    assert outside.status_code == 302 and outside["Location"] == settings.LOGIN_REDIRECT_URL
    inside = Client().post("/accounts/login/", {"username": "redirect", "password": PASSWORD, "next": "/api/v1/tokens"})
    assert inside["Location"] == "/api/v1/tokens"


def test_the_pages_are_accessible_html_without_scripts() -> None:
    response = Client().get("/accounts/login/?next=/x%22%3E%3Cscript%3Ealert(1)%3C/script%3E")
    page = response.content.decode()
    assert response["Content-Type"] == "text/html; charset=utf-8"
    assert "<script" not in page and "&lt;script&gt;" in page  # the reflected value is escaped
    assert '<html lang="en"' in page
    assert '<label for="id_username">' in page and '<label for="id_password">' in page
    assert 'autocomplete="current-password"' in page and 'name="csrfmiddlewaretoken"' in page
    assert response["Cache-Control"].startswith("max-age=0")
