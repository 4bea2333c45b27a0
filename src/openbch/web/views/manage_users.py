"""User management for a country's publishing authority (and administrators).

The page lists the accounts holding a role in the actor's countries; its forms create an account,
grant or revoke a national role, and disable an account. Each POST calls ONE function of
:mod:`openbch.accounts.services`, which decides who may do what (a publishing authority manages its
own country's national authorized users); its refusals are shown on the page with their status.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from django.contrib.auth.models import User
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_POST

from openbch.accounts import services
from openbch.accounts.models import RoleAssignment
from openbch.core.actors import Actor, Role
from openbch.core.errors import OpenBCHError, PermissionDeniedError
from openbch.recordtypes import record_types
from openbch.web.display import country_name, type_label
from openbch.web.manage.common import error_status, management_view, render_page

__all__ = ["create_user", "disable_user", "grant_role", "revoke_role", "users_page"]

#: users listed at most (a country has tens; an administrator sees the first ones by name)
LIMIT = 500
DONE = {
    "created": lambda: gettext("The account was created. Grant it a role below."),
    "granted": lambda: gettext("The role was granted."),
    "revoked": lambda: gettext("The role was revoked."),
    "disabled": lambda: gettext("The account was disabled."),
}


@dataclass
class Account:
    user: User
    roles: list[dict[str, Any]] = field(default_factory=list)


def _managed_countries(actor: Actor) -> list[str]:
    return sorted({g.country for g in actor.grants if g.role == Role.NATIONAL_PUBLISHING_AUTHORITY and g.country})


def _require_manager(actor: Actor) -> list[str]:
    countries = _managed_countries(actor)
    if not countries and not actor.is_administrator:
        raise PermissionDeniedError(gettext("Only a publishing authority manages its country's users."))
    return countries


def _accounts(actor: Actor, countries: list[str]) -> list[Account]:
    rows = RoleAssignment.objects.select_related("user").order_by("user__username", "role", "country")
    if not actor.is_administrator:
        rows = rows.filter(country__in=countries)
    accounts: dict[int, Account] = {}
    for row in rows[:LIMIT]:
        account = accounts.setdefault(row.user_id, Account(row.user))
        account.roles.append(
            {
                "role": row.role,
                "country": row.country,
                "country_name": country_name(row.country) if row.country else "",
                "types": ", ".join(row.record_types),
            }
        )
    return list(accounts.values())


def _context(request: HttpRequest, actor: Actor, countries: list[str], **extra: Any) -> dict[str, Any]:
    national_types = [t for t in record_types().values() if t.is_national]
    roles = [Role.NATIONAL_AUTHORIZED_USER]
    if actor.is_administrator:
        roles.append(Role.NATIONAL_PUBLISHING_AUTHORITY)
    said = DONE.get(request.GET.get("done", ""))
    return {
        "accounts": _accounts(actor, countries),
        "countries": [{"code": c, "name": country_name(c)} for c in countries],
        "roles": [str(r) for r in roles],
        "types": [{"code": t.code, "label": type_label(t)} for t in national_types],
        "done": said() if said else "",
        "prefill": request.GET.get("user", "")[:150],
        "administrator": actor.is_administrator,
        **extra,
    }


@require_GET
@management_view
def users_page(request: HttpRequest, actor: Actor) -> HttpResponse:
    countries = _require_manager(actor)
    return render_page(request, "web/manage/users.html", _context(request, actor, countries))


def _refused(request: HttpRequest, actor: Actor, countries: list[str], form: str, exc: OpenBCHError) -> HttpResponse:
    """The page again, with the service's refusal at the form that caused it (and its issues by field)."""
    by_field: dict[str, list[str]] = {}
    for issue in exc.issues:
        by_field.setdefault(issue.path.strip("/") or "form", []).append(issue.message)
    context = _context(
        request, actor, countries, failed_form=form, failure=exc.message, field_errors=by_field, posted=request.POST
    )
    return render_page(request, "web/manage/users.html", context, status=error_status(exc))


def _done(name: str, **query: str) -> HttpResponseRedirect:
    return HttpResponseRedirect(f"{reverse('web:manage_users')}?{urlencode({'done': name, **query})}")


@require_POST
@sensitive_post_parameters("password")
@management_view
def create_user(request: HttpRequest, actor: Actor) -> HttpResponse:
    countries = _require_manager(actor)
    try:
        user = services.create_user(
            actor,
            username=request.POST.get("username", ""),
            email=request.POST.get("email", ""),
            password=request.POST.get("password", ""),
        )
    except OpenBCHError as exc:
        return _refused(request, actor, countries, "create", exc)
    return _done("created", user=user.username)


@require_POST
@management_view
def grant_role(request: HttpRequest, actor: Actor) -> HttpResponse:
    countries = _require_manager(actor)
    try:
        services.grant_role(
            actor,
            username=request.POST.get("username", "").strip(),
            role=request.POST.get("role", ""),
            country=request.POST.get("country", ""),
            record_types=request.POST.getlist("record_types"),
        )
    except OpenBCHError as exc:
        return _refused(request, actor, countries, "grant", exc)
    return _done("granted")


@require_POST
@management_view
def revoke_role(request: HttpRequest, actor: Actor) -> HttpResponse:
    countries = _require_manager(actor)
    try:
        services.revoke_role(
            actor,
            username=request.POST.get("username", ""),
            role=request.POST.get("role", ""),
            country=request.POST.get("country", ""),
        )
    except OpenBCHError as exc:
        return _refused(request, actor, countries, "list", exc)
    return _done("revoked")


@require_POST
@management_view
def disable_user(request: HttpRequest, actor: Actor) -> HttpResponse:
    countries = _require_manager(actor)
    try:
        services.disable_user(actor, username=request.POST.get("username", ""))
    except OpenBCHError as exc:
        return _refused(request, actor, countries, "list", exc)
    return _done("disabled")
