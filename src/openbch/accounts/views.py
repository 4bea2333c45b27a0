"""The account pages: log in, log out, change password. Server-rendered, no JavaScript.

Each view parses a form and calls :mod:`openbch.accounts.login` or the services; the limits,
auditing and session handling live there. Forms are CSRF-protected by Django's middleware.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django import forms
from django.conf import settings
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods

from openbch.accounts import registration
from openbch.accounts.actors import actor_for_request, anonymous_actor
from openbch.accounts.login import log_in, log_out
from openbch.accounts.services import change_password
from openbch.core.errors import OpenBCHError, RateLimitedError, UnauthenticatedError, ValidationFailedError

if TYPE_CHECKING:
    from django.utils.functional import _StrPromise

    StrOrPromise = str | _StrPromise

__all__ = ["confirm_view", "login_view", "logout_view", "password_change_view", "register_view", "resend_view"]

#: long enough for any passphrase (ASVS: at least 64 accepted), short enough to bound hashing work
PASSWORD_MAX = 4096
NEW_PASSWORD_HELP = _("At least 8 characters; a long phrase is best. Common passwords are refused.")


def _password_field(label: StrOrPromise, *, autocomplete: str, help_text: StrOrPromise = "") -> forms.CharField:
    # a password is used exactly as typed: no trimming, no case folding
    return forms.CharField(
        label=label,
        max_length=PASSWORD_MAX,
        strip=False,
        help_text=help_text,
        widget=forms.PasswordInput(attrs={"autocomplete": autocomplete}),
    )


class LoginForm(forms.Form):
    username = forms.CharField(
        label=_("User name"), max_length=150, widget=forms.TextInput(attrs={"autocomplete": "username"})
    )
    password = _password_field(_("Password"), autocomplete="current-password")


class PasswordChangeForm(forms.Form):
    current_password = _password_field(_("Current password"), autocomplete="current-password")
    new_password = _password_field(_("New password"), autocomplete="new-password", help_text=NEW_PASSWORD_HELP)
    new_password_again = _password_field(_("New password, again"), autocomplete="new-password")

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        if data.get("new_password") and data.get("new_password") != data.get("new_password_again"):
            self.add_error("new_password_again", _("The two new passwords differ."))
        return data


class RegisterForm(forms.Form):
    username = forms.CharField(
        label=_("User name"),
        max_length=150,
        help_text=_("Letters, digits and @ . + - _ only; shown to moderators."),
        widget=forms.TextInput(attrs={"autocomplete": "username"}),
    )
    display_name = forms.CharField(
        label=_("Display name"),
        max_length=registration.MAX_DISPLAY_NAME,
        help_text=_("The name shown with your posts."),
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    email = forms.EmailField(
        label=_("Email address"),
        max_length=254,
        help_text=_("We send a link to confirm it; it is never shown to others."),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    password = _password_field(_("Password"), autocomplete="new-password", help_text=NEW_PASSWORD_HELP)
    password_again = _password_field(_("Password, again"), autocomplete="new-password")

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        if data.get("password") and data.get("password") != data.get("password_again"):
            self.add_error("password_again", _("The two passwords differ."))
        return data


class ResendForm(forms.Form):
    email = forms.EmailField(label=_("Email address"), max_length=254)


def _next_url(request: HttpRequest) -> str:
    """Where to go after logging in: ``next`` when it stays on this site, else the home page."""
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return str(settings.LOGIN_REDIRECT_URL)


def _limited(
    request: HttpRequest, template: str, context: dict[str, object], exc: RateLimitedError, *, failed: bool = True
) -> HttpResponse:
    minutes = max(1, (exc.retry_after + 59) // 60)
    message = _("Too many failed attempts. Try again in %(minutes)d minutes.") if failed else None
    message = message or _("Too many attempts from your address. Try again in %(minutes)d minutes.")
    context["error"] = message % {"minutes": minutes}
    response = render(request, template, context, status=429)
    response["Retry-After"] = str(exc.retry_after)
    return response


@never_cache
@sensitive_post_parameters("password")
@require_http_methods(["GET", "POST"])
def login_view(request: HttpRequest) -> HttpResponse:
    form = LoginForm(request.POST if request.method == "POST" else None)
    context: dict[str, object] = {"form": form, "next": _next_url(request)}
    if request.method == "POST" and form.is_valid():
        try:
            log_in(request, username=form.cleaned_data["username"], password=form.cleaned_data["password"])
        except RateLimitedError as exc:
            return _limited(request, "accounts/login.html", context, exc)
        except UnauthenticatedError:
            # one message for unknown names, wrong passwords and disabled accounts: no enumeration
            context["error"] = _("The user name or password is not correct.")
        else:
            return HttpResponseRedirect(_next_url(request))
    return render(request, "accounts/login.html", context)


@never_cache
@require_http_methods(["GET", "POST"])
def logout_view(request: HttpRequest) -> HttpResponse:
    """GET shows a button (a GET never changes state); POST ends the session."""
    if request.method == "POST":
        log_out(request)
        return HttpResponseRedirect(str(settings.LOGIN_URL))
    return render(request, "accounts/logout.html", {})


@never_cache
@sensitive_post_parameters("current_password", "new_password", "new_password_again")
@require_http_methods(["GET", "POST"])
@login_required
def password_change_view(request: HttpRequest) -> HttpResponse:
    form = PasswordChangeForm(request.POST if request.method == "POST" else None)
    context: dict[str, object] = {"form": form}
    if request.method == "POST" and form.is_valid():
        try:
            user = change_password(
                actor_for_request(request),
                username=request.user.get_username(),
                current_password=form.cleaned_data["current_password"],
                new_password=form.cleaned_data["new_password"],
            )
        except RateLimitedError as exc:
            return _limited(request, "accounts/password_change.html", context, exc)
        except ValidationFailedError as exc:
            fields = {"/current_password": "current_password", "/new_password": "new_password"}
            for issue in exc.issues:
                form.add_error(fields.get(issue.path), issue.message)
        else:
            # keeps this session under a new key; every other session of the account ends
            update_session_auth_hash(request, user)
            return render(request, "accounts/password_changed.html", {})
    return render(request, "accounts/password_change.html", context)


def _link_for(request: HttpRequest) -> registration.LinkFor:
    from django.urls import reverse

    return lambda token: request.build_absolute_uri(reverse("web:account_confirm", args=[token]))


@never_cache
@sensitive_post_parameters("password", "password_again")
@require_http_methods(["GET", "POST"])
def register_view(request: HttpRequest) -> HttpResponse:
    """A member of the public registers; the same "check your email" page whatever the address."""
    form = RegisterForm(request.POST if request.method == "POST" else None)
    context: dict[str, object] = {"form": form}
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            registration.register(
                anonymous_actor(request),
                username=data["username"],
                display_name=data["display_name"],
                email=data["email"],
                password=data["password"],
                link_for=_link_for(request),
            )
        except RateLimitedError as exc:
            return _limited(request, "accounts/register.html", context, exc, failed=False)
        except ValidationFailedError as exc:
            for issue in exc.issues:
                name = issue.path.strip("/")
                form.add_error(name if name in form.fields else None, issue.message)
        else:
            return render(request, "accounts/register_sent.html", {"email": data["email"]})
    return render(request, "accounts/register.html", context)


@never_cache
@require_http_methods(["GET", "POST"])
def confirm_view(request: HttpRequest, token: str) -> HttpResponse:
    """The mailed link: GET checks it and shows a button, the button's POST activates the account.

    A GET never changes anything, so a mail scanner fetching the link cannot confirm an address
    on behalf of its owner. A bad or old link offers a new one.
    """
    try:
        if request.method == "POST":
            user = registration.confirm(anonymous_actor(request), token=token)
            return render(request, "accounts/confirmed.html", {"username": user.get_username()})
        found = registration.registration_for(token)
    except OpenBCHError as exc:
        context = {"error": exc.message, "code": exc.code, "form": ResendForm()}
        return render(request, "accounts/confirm_failed.html", context, status=400)
    if found.confirmed_at is not None:
        return render(request, "accounts/confirmed.html", {"username": found.user.get_username()})
    return render(request, "accounts/confirm.html", {"username": found.user.get_username()})


@never_cache
@require_http_methods(["GET", "POST"])
def resend_view(request: HttpRequest) -> HttpResponse:
    form = ResendForm(request.POST if request.method == "POST" else None)
    context: dict[str, object] = {"form": form}
    if request.method == "POST" and form.is_valid():
        try:
            registration.resend_confirmation(
                anonymous_actor(request), email=form.cleaned_data["email"], link_for=_link_for(request)
            )
        except RateLimitedError as exc:
            return _limited(request, "accounts/resend.html", context, exc, failed=False)
        except ValidationFailedError as exc:
            for issue in exc.issues:
                form.add_error("email", issue.message)
        else:
            return render(request, "accounts/register_sent.html", {"email": form.cleaned_data["email"]})
    return render(request, "accounts/resend.html", context)
