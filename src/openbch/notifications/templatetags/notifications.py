"""``{% follow_button target key %}``: Follow/Unfollow on a page (a POST form with the CSRF token);
``{% feed_link name arg %}``: the ``<link rel="alternate">`` of an Atom feed, for a page's head."""

from __future__ import annotations

from typing import Any

from django import template
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString

from openbch.accounts.actors import session_actor
from openbch.core.errors import OpenBCHError
from openbch.notifications import services

register = template.Library()


@register.inclusion_tag("notifications/_follow_button.html", takes_context=True)
def follow_button(context: template.Context, target: str, key: object) -> dict[str, Any]:
    request = context.get("request")
    following = None
    signed_in = False
    if request is not None:
        try:
            actor = session_actor(request)
        except OpenBCHError:
            actor = None
        if actor is not None and actor.is_registered:
            signed_in = True
            following = services.is_following(actor, target=target, key=str(key))
    return {
        "target": target,
        "key": str(key),
        "signed_in": signed_in,
        "following": following,
        "csrf_token": context.get("csrf_token"),
        "next": request.get_full_path() if request is not None else "",
        "login_url": reverse("accounts:login") + (f"?next={request.path}" if request is not None else ""),
    }


@register.simple_tag
def feed_link(name: str, *args: object, title: str = "Atom") -> SafeString:
    return format_html(
        '<link rel="alternate" type="application/atom+xml" title="{}" href="{}">',
        title,
        reverse(f"web:{name}", args=[str(a) for a in args]),
    )
