"""The pages of notifications: following (Follow/Unfollow, POST with CSRF), "My subscriptions",
and the unsubscribe page that a link in a message opens without signing in.

Each action calls one function of :mod:`openbch.notifications.services`, which checks who may do it.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from openbch.core.actors import Actor
from openbch.core.errors import Issue, OpenBCHError, ValidationFailedError
from openbch.notifications import services
from openbch.notifications.models import SubscriptionMode
from openbch.web.manage.common import error_status, no_store
from openbch.web.views.participation import signed_in_view

__all__ = ["follow_page", "subscriptions_page", "unsubscribe_page"]


def _next(request: HttpRequest) -> str:
    target = request.POST.get("next", "") or request.GET.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=False):
        return target
    return reverse("web:subscriptions")


def _labels() -> dict[str, str]:
    return {
        "forum": gettext("Forum"),
        "thread": gettext("Thread"),
        "debate": gettext("Debate"),
        "comment_period": gettext("Comment period"),
        "country": gettext("Country"),
        "lmo": gettext("LMO"),
    }


@require_http_methods(["GET", "POST"])
@signed_in_view
def subscriptions_page(request: HttpRequest, actor: Actor) -> HttpResponse:
    """What the signed-in account follows; POST ``subscription`` + ``action=unfollow|mode``."""
    if request.method == "POST":
        number = request.POST.get("subscription", "")
        if not number.isdigit():
            raise ValidationFailedError(
                "nothing was changed", issues=[Issue("/subscription", "required", "subscription is required")]
            )
        if request.POST.get("action") == "unfollow":
            services.unfollow_id(actor, subscription_id=int(number))
        else:
            services.set_mode(actor, subscription_id=int(number), mode=request.POST.get("mode", ""))
        return HttpResponseRedirect(reverse("web:subscriptions") + "?done=1")
    labels = _labels()
    rows = [(s, labels.get(s.target, s.target)) for s in services.list_subscriptions(actor)]
    return render(
        request,
        "notifications/subscriptions.html",
        {"rows": rows, "modes": SubscriptionMode.choices, "done": request.GET.get("done") == "1"},
    )


@require_http_methods(["GET", "POST"])
@signed_in_view
def follow_page(request: HttpRequest, actor: Actor) -> HttpResponse:
    """GET ``?target=&key=``: the state and the buttons; POST ``action=follow|unfollow`` does it."""
    data: Any = request.POST if request.method == "POST" else request.GET
    target, key = data.get("target", ""), data.get("key", "")
    if request.method == "POST":
        if data.get("action") == "unfollow":
            services.unfollow(actor, target=target, key=key)
        else:
            services.follow(actor, target=target, key=key, mode=data.get("mode", "") or SubscriptionMode.IMMEDIATE)
        return HttpResponseRedirect(_next(request))
    stored = services.resolve_target(target, key)
    return render(
        request,
        "notifications/follow.html",
        {
            "target": target,
            "target_label": _labels().get(target, target),
            "key": stored,
            "subscription": services.is_following(actor, target=target, key=stored),
            "modes": SubscriptionMode.choices,
            "next": _next(request),
        },
    )


@csrf_exempt  # the signed token is the credential; RFC 8058 one-click POSTs come without cookies
@require_http_methods(["GET", "POST"])
def unsubscribe_page(request: HttpRequest, token: str) -> HttpResponse:
    """GET: what the link would end, and a button; POST: end it. A tampered link changes nothing."""
    try:
        asked = services.read_unsubscribe_token(token)
        if request.method == "POST":
            ended = services.unsubscribe_with_token(token)
            response = render(
                request, "notifications/unsubscribed.html", {"ended": ended, "all": asked.subscription_id is None}
            )
        else:
            response = render(request, "notifications/unsubscribe.html", {"asked": asked, "token": token})
    except OpenBCHError as exc:
        response = render(
            request, "notifications/unsubscribe_invalid.html", {"message": exc.message}, status=error_status(exc)
        )
    response["X-Robots-Tag"] = "noindex"
    return no_store(response)
