"""The public-participation pages: forums, threads, debates, moderation, the debate report.

Reading is open to anyone; every POST needs a signed-in account (an anonymous visitor is sent to
the login page) and calls ONE function of :mod:`openbch.participation.services`, which decides
who may do what, validates and audits. A refused action is shown on an error page with the
service's message and status (never a 500). Pages showing a visitor's own queued posts or
moderation controls are never kept by a shared cache.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable
from typing import Any, Concatenate, ParamSpec

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.safestring import mark_safe
from django.utils.translation import gettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from openbch.accounts.actors import anonymous_actor, session_actor
from openbch.core.actors import Actor
from openbch.core.errors import (
    Issue,
    NotFoundError,
    OpenBCHError,
    PermissionDeniedError,
    RateLimitedError,
    UnauthenticatedError,
    ValidationFailedError,
)
from openbch.participation import services
from openbch.participation.models import Debate, Post, PostStatus, Thread
from openbch.participation.report import debate_pdf
from openbch.web.display import RTL_LANGUAGES
from openbch.web.manage.common import error_status, no_store
from openbch.web.views.common import page, page_language

__all__ = [
    "close_debate",
    "comment_period_page",
    "comment_periods_page",
    "debate_page",
    "debate_report",
    "debate_report_pdf",
    "debates_page",
    "edit_post",
    "forum_page",
    "forums_page",
    "lock_thread",
    "moderate_post",
    "moderation_page",
    "open_comment_period",
    "post_history",
    "publish_comment_outcome",
    "publish_synthesis",
    "report_post",
    "thread_page",
]

P = ParamSpec("P")

DONE = {
    "pending": lambda: gettext("Thank you. Your post waits for a moderator's approval before others see it."),
    "posted": lambda: gettext("Your post is published."),
    "edited": lambda: gettext("Your post was changed; its earlier text stays in its history."),
    "moderated": lambda: gettext("Done."),
    "closed": lambda: gettext("The debate is closed."),
    "synthesis": lambda: gettext("The synthesis is published with the debate."),
    "outcome": lambda: gettext("The summary of comments is published with the comment period."),
    "reported": lambda: gettext("Thank you: the moderators will look at the post."),
}


def _actor(request: HttpRequest) -> Actor:
    try:
        return session_actor(request) or anonymous_actor(request)
    except UnauthenticatedError:  # the account was disabled since it signed in
        return anonymous_actor(request)


def _personal(response: HttpResponse, actor: Actor) -> HttpResponse:
    if actor.is_registered:
        return no_store(response)
    patch_vary_headers(response, ("Cookie",))
    patch_cache_control(response, private=True)
    return response


def _refused(request: HttpRequest, exc: OpenBCHError) -> HttpResponse:
    response = render(
        request,
        "web/participation/error.html",
        {"nav": "forums", "message": exc.message, "issues": exc.issues, "status": error_status(exc)},
        status=error_status(exc),
    )
    if isinstance(exc, RateLimitedError):
        response["Retry-After"] = str(exc.retry_after)
    return response


def _to_login(request: HttpRequest) -> HttpResponse:
    from urllib.parse import quote

    back = request.META.get("HTTP_REFERER", "") if request.method == "POST" else ""
    target = request.path if not back.startswith("/") else back
    return HttpResponseRedirect(f"{settings.LOGIN_URL}?next={quote(target or request.path, safe='/')}")


def signed_in_view(
    view: Callable[Concatenate[HttpRequest, Actor, P], HttpResponse],
) -> Callable[Concatenate[HttpRequest, P], HttpResponse]:
    """Sign-in required (else the login page); service errors become an error page; nothing is cached."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, /, *args: P.args, **kwargs: P.kwargs) -> HttpResponse:
        actor = _actor(request)
        if not actor.is_registered:
            return no_store(_to_login(request))
        try:
            response = view(request, actor, *args, **kwargs)
        except UnauthenticatedError:
            response = _to_login(request)
        except OpenBCHError as exc:
            response = _refused(request, exc)
        return no_store(response)

    return wrapper


def _read(view: Callable[Concatenate[HttpRequest, Actor, P], HttpResponse]) -> Callable[..., HttpResponse]:
    """A page anyone may read; a missing forum, thread or post is a 404 page."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, /, *args: P.args, **kwargs: P.kwargs) -> HttpResponse:
        actor = _actor(request)
        try:
            response = view(request, actor, *args, **kwargs)
        except OpenBCHError as exc:
            response = _refused(request, exc)
        return _personal(response, actor)

    return wrapper


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value else None
    except ValueError:
        return None


def _direction(language: str) -> str:
    return "rtl" if language.split("-")[0] in RTL_LANGUAGES else "ltr"


def _languages() -> list[tuple[str, str]]:
    return list(settings.LANGUAGES)


def _thread_url(thread: Thread) -> str:
    if thread.debate_id is not None and thread.debate is not None:
        return reverse("web:debate", args=[thread.debate.slug])
    if thread.comment_period_id is not None:
        return reverse("web:comment_period", args=[thread.comment_period_id])
    assert thread.forum is not None
    return reverse("web:thread", args=[thread.forum.slug, thread.pk])


def _after_post(post: Post) -> HttpResponse:
    done = "posted" if post.status == PostStatus.PUBLISHED else "pending"
    return HttpResponseRedirect(f"{_thread_url(post.thread)}?done={done}#post-{post.pk}")


def _post_rows(view: services.ThreadView) -> list[dict[str, Any]]:
    """What the template shows per post, worked out once here (a thread may have a thousand)."""
    labels = {"for": gettext("For"), "against": gettext("Against"), "other": gettext("Other")}
    anonymous = gettext("Anonymous member of the public")
    rows = []
    for v in view.posts:
        p = v.post
        rows.append(
            {
                "id": p.pk,
                "depth": v.depth,
                "name": anonymous if p.anonymous and not view.can_moderate else p.display_name,
                "anonymous": p.anonymous,
                "at": p.created_at.strftime("%Y-%m-%d %H:%M UTC"),
                "iso": p.created_at.isoformat(),
                "lang": p.language,
                "dir": _direction(p.language),
                "html": p.html,
                "shown": v.shown,
                "hidden": p.hidden_at is not None,
                "hidden_reason": p.hidden_reason,
                "pending": p.status == PostStatus.PENDING,
                "edited": p.revision > 1,
                "position": labels.get(p.position, ""),
                "position_code": p.position,
                "can_edit": v.can_edit,
                "can_report": view.can_post and not v.can_edit and not p.hidden_at and p.status == PostStatus.PUBLISHED,
                "demo": p.demo,
            }
        )
    return rows


def _posts(request: HttpRequest, actor: Actor, thread: Thread) -> tuple[services.ThreadView, str]:
    """The thread as ``actor`` sees it and its posts rendered.

    What an anonymous reader sees (most readers) is the same for all of them in one language: it is
    kept in the cache under the thread's ``version``, which every visible change increases, so a
    thread of a thousand posts is rendered once per change rather than once per reader. Signed-in
    readers see their own queued posts and their controls: rendered for each.
    """
    language = page_language()
    seconds = int(getattr(settings, "OPENBCH_WEB_CACHE_SECONDS", 60))
    shared = not actor.is_registered and seconds > 0
    key = f"openbch:web:thread:{thread.pk}:{thread.version}:{language}"
    if shared:
        html = cache.get(key)
        if html is not None:
            return services.thread_view(actor, thread=thread, with_posts=False), html
    view = services.thread_view(actor, thread=thread)
    html = render_to_string("web/participation/_posts.html", {"rows": _post_rows(view), "view": view}, request)
    if shared:
        cache.set(key, html, seconds)
    return view, html


def _thread_context(request: HttpRequest, view: services.ThreadView, posts_html: str) -> dict[str, Any]:
    said = DONE.get(request.GET.get("done", ""))
    return {
        "nav": "forums",
        "view": view,
        "thread": view.thread,
        "posts_html": mark_safe(posts_html),  # noqa: S308 - rendered by our template, its text escaped there
        "done": said() if said else "",
        "reply_to": _int(request.GET.get("reply")),
        "post_languages": _languages(),
        "language": page_language(),
        "positions": services.POSITIONS,
        "login_url": f"{reverse('accounts:login')}?next={request.path}",
    }


# -- forums -------------------------------------------------------------------------------------


@require_GET
@_read
def forums_page(request: HttpRequest, actor: Actor) -> HttpResponse:
    now = timezone.now()
    debates = [{"debate": d, "state": services.debate_state(d, now)} for d in services.list_debates()]
    context = {
        "nav": "forums",
        "forums": services.list_forums(),
        "debates": debates,
        "moderator": actor.is_registered and _moderates_anything(actor),
    }
    return page(request, "web/participation/forums.html", context)


def _moderates_anything(actor: Actor) -> bool:
    try:
        services.moderation_queue(actor)
    except OpenBCHError:
        return False
    return True


@require_http_methods(["GET", "HEAD", "POST"])
def forum_page(request: HttpRequest, slug: str) -> HttpResponse:
    if request.method == "POST":
        return _start_thread(request, slug)
    return _forum_page(request, slug)


@_read
def _forum_page(request: HttpRequest, actor: Actor, slug: str) -> HttpResponse:
    forum = services.get_forum(slug)
    context = {
        "nav": "forums",
        "forum": forum,
        "threads": services.threads_of(actor, forum),
        "signed_in": actor.is_registered,
        "post_languages": _languages(),
        "language": page_language(),
        "login_url": f"{reverse('accounts:login')}?next={request.path}",
    }
    return page(request, "web/participation/forum.html", context)


@signed_in_view
def _start_thread(request: HttpRequest, actor: Actor, slug: str) -> HttpResponse:
    thread = services.start_thread(
        actor,
        forum=slug,
        title=request.POST.get("title", ""),
        body=request.POST.get("body", ""),
        language=request.POST.get("language", "") or page_language(),
    )
    first = thread.posts.order_by("pk").first()
    assert first is not None
    return _after_post(first)


@require_http_methods(["GET", "HEAD", "POST"])
def thread_page(request: HttpRequest, slug: str, thread_id: int) -> HttpResponse:
    if request.method == "POST":
        return _reply(request, slug, thread_id)
    return _thread_page(request, slug, thread_id)


@_read
def _thread_page(request: HttpRequest, actor: Actor, slug: str, thread_id: int) -> HttpResponse:
    thread = services.get_thread(thread_id)
    if thread.forum is None or thread.forum.slug != slug:
        raise NotFoundError(f"no thread {thread_id} in forum {slug[:100]!r}")
    view, html = _posts(request, actor, thread)
    return page(request, "web/participation/thread.html", _thread_context(request, view, html))


@signed_in_view
def _reply(request: HttpRequest, actor: Actor, slug: str, thread_id: int) -> HttpResponse:
    thread = services.get_thread(thread_id)
    if thread.forum is None or thread.forum.slug != slug:
        raise NotFoundError(f"no thread {thread_id} in forum {slug[:100]!r}")
    post = services.reply(
        actor,
        thread_id=thread_id,
        body=request.POST.get("body", ""),
        language=request.POST.get("language", "") or page_language(),
        parent_id=_int(request.POST.get("parent")),
    )
    return _after_post(post)


@require_http_methods(["GET", "HEAD", "POST"])
def edit_post(request: HttpRequest, post_id: int) -> HttpResponse:
    if request.method == "POST":
        return _save_edit(request, post_id)
    return _edit_form(request, post_id)


@signed_in_view
def _edit_form(request: HttpRequest, actor: Actor, post_id: int) -> HttpResponse:
    post, revisions = services.post_history(actor, post_id=post_id)
    if post.author_id != actor.user_id:
        return _refused(request, PermissionDeniedError("only the author may edit a post"))
    context = {
        "nav": "forums",
        "post": post,
        "body": revisions[-1].body,
        "post_languages": _languages(),
        "back": _thread_url(post.thread),
    }
    return page(request, "web/participation/edit.html", context)


@signed_in_view
def _save_edit(request: HttpRequest, actor: Actor, post_id: int) -> HttpResponse:
    post = services.edit_post(
        actor, post_id=post_id, body=request.POST.get("body", ""), language=request.POST.get("language") or None
    )
    return HttpResponseRedirect(f"{_thread_url(post.thread)}?done=edited#post-{post.pk}")


@require_GET
@_read
def post_history(request: HttpRequest, actor: Actor, post_id: int) -> HttpResponse:
    post, revisions = services.post_history(actor, post_id=post_id)
    rows = [
        {
            "number": r.number,
            "at": r.written_at.strftime("%Y-%m-%d %H:%M UTC"),
            "lang": r.language,
            "dir": _direction(r.language),
            "html": r.html,
            "body": r.body,
        }
        for r in reversed(revisions)
    ]
    context = {"nav": "forums", "post": post, "revisions": rows, "back": _thread_url(post.thread)}
    return page(request, "web/participation/history.html", context)


# -- moderation ---------------------------------------------------------------------------------


@require_GET
@signed_in_view
def moderation_page(request: HttpRequest, actor: Actor) -> HttpResponse:
    queue = services.moderation_queue(actor)
    rows = [
        {
            "post": p,
            "dir": _direction(p.language),
            "at": p.created_at.strftime("%Y-%m-%d %H:%M UTC"),
            "where": p.thread.title,
            "url": _thread_url(p.thread),
        }
        for p in queue
    ]
    reported = [
        {
            "post": p,
            "reports": reports,
            "dir": _direction(p.language),
            "where": p.thread.title,
            "url": _thread_url(p.thread),
        }
        for p, reports in services.reported_posts(actor)
    ]
    context = {"nav": "forums", "rows": rows, "reported": reported}
    return page(request, "web/participation/moderation.html", context)


@require_http_methods(["GET", "HEAD", "POST"])
@signed_in_view
def report_post(request: HttpRequest, actor: Actor, post_id: int) -> HttpResponse:
    """A reader tells the post's moderators what is wrong with it."""
    if request.method == "POST":
        report = services.report_post(actor, post_id=post_id, reason=request.POST.get("reason", ""))
        post = report.post
        return HttpResponseRedirect(f"{_thread_url(post.thread)}?done=reported#post-{post.pk}")
    post, _ = services.post_history(actor, post_id=post_id)
    context = {"nav": "forums", "post": post, "dir": _direction(post.language), "back": _thread_url(post.thread)}
    return page(request, "web/participation/report_post.html", context)


@require_POST
@signed_in_view
def moderate_post(request: HttpRequest, actor: Actor, post_id: int) -> HttpResponse:
    action = request.POST.get("action", "")
    reason = request.POST.get("reason", "")
    if action == "approve":
        post = services.approve_post(actor, post_id=post_id)
    elif action == "reject":
        post = services.reject_post(actor, post_id=post_id, reason=reason)
    elif action == "hide":
        post = services.hide_post(actor, post_id=post_id, reason=reason)
    elif action == "unhide":
        post = services.unhide_post(actor, post_id=post_id, reason=reason)
    elif action == "dismiss":
        services.dismiss_reports(actor, post_id=post_id, reason=reason)
        return HttpResponseRedirect(reverse("web:moderation"))
    else:
        raise ValidationFailedError(
            "unknown action",
            issues=[Issue("/action", "invalid_action", "approve, reject, hide, unhide or dismiss")],
        )
    if request.POST.get("next") == "queue":
        return HttpResponseRedirect(reverse("web:moderation"))
    return HttpResponseRedirect(f"{_thread_url(post.thread)}?done=moderated#post-{post.pk}")


@require_POST
@signed_in_view
def lock_thread(request: HttpRequest, actor: Actor, thread_id: int) -> HttpResponse:
    if request.POST.get("action") == "unlock":
        thread = services.unlock_thread(actor, thread_id=thread_id)
    else:
        thread = services.lock_thread(actor, thread_id=thread_id, reason=request.POST.get("reason", ""))
    return HttpResponseRedirect(f"{_thread_url(thread)}?done=moderated")


# -- debates ------------------------------------------------------------------------------------


@require_GET
@_read
def debates_page(request: HttpRequest, actor: Actor) -> HttpResponse:
    now = timezone.now()
    debates = [{"debate": d, "state": services.debate_state(d, now)} for d in services.list_debates()]
    return page(request, "web/participation/debates.html", {"nav": "forums", "debates": debates})


@require_http_methods(["GET", "HEAD", "POST"])
def debate_page(request: HttpRequest, slug: str) -> HttpResponse:
    if request.method == "POST":
        return _post_in_debate(request, slug)
    return _debate_page(request, slug)


def _debate_context(request: HttpRequest, actor: Actor, debate: Debate) -> dict[str, Any]:
    view, html = _posts(request, actor, debate.thread)
    context = _thread_context(request, view, html)
    labels = {"for": gettext("For"), "against": gettext("Against"), "other": gettext("Other")}
    counts = services.position_counts(debate) if debate.positions else {}
    context.update(
        {
            "debate": debate,
            "state": services.debate_state(debate),
            "counts": [(labels[p], counts.get(p, 0)) for p in services.POSITIONS],
        }
    )
    return context


@_read
def _debate_page(request: HttpRequest, actor: Actor, slug: str) -> HttpResponse:
    debate = services.get_debate(slug)
    return page(request, "web/participation/debate.html", _debate_context(request, actor, debate))


@signed_in_view
def _post_in_debate(request: HttpRequest, actor: Actor, slug: str) -> HttpResponse:
    post = services.post_in_debate(
        actor,
        debate=slug,
        body=request.POST.get("body", ""),
        language=request.POST.get("language", "") or page_language(),
        parent_id=_int(request.POST.get("parent")),
        position=request.POST.get("position", ""),
    )
    return _after_post(post)


@require_POST
@signed_in_view
def close_debate(request: HttpRequest, actor: Actor, slug: str) -> HttpResponse:
    services.close_debate(actor, debate=slug)
    return HttpResponseRedirect(f"{reverse('web:debate', args=[slug])}?done=closed")


@require_POST
@signed_in_view
def publish_synthesis(request: HttpRequest, actor: Actor, slug: str) -> HttpResponse:
    services.publish_synthesis(actor, debate=slug, text=request.POST.get("synthesis", ""))
    return HttpResponseRedirect(f"{reverse('web:debate', args=[slug])}?done=synthesis#synthesis")


def _report_rows(debate: Debate) -> list[dict[str, Any]]:
    labels = {"for": gettext("For"), "against": gettext("Against"), "other": gettext("Other")}
    return [
        {
            "id": p.pk,
            "name": p.display_name,
            "at": p.created_at.strftime("%Y-%m-%d %H:%M UTC"),
            "lang": p.language,
            "dir": _direction(p.language),
            "html": p.html,
            "hidden": p.hidden_at is not None,
            "hidden_reason": p.hidden_reason,
            "position": labels.get(p.position, ""),
            "reply_to": p.parent_id,
            "demo": p.demo,
        }
        for p in services.published_posts(debate.thread)
    ]


@require_GET
@_read
def debate_report(request: HttpRequest, actor: Actor, slug: str) -> HttpResponse:
    """Every published post with its author's display name and time, printable (hidden ones: the reason)."""
    debate = services.get_debate(slug)
    context = {
        "debate": debate,
        "state": services.debate_state(debate),
        "rows": _report_rows(debate),
        "page_url": reverse("web:debate", args=[slug]),
        "absolute_url": request.build_absolute_uri(reverse("web:debate", args=[slug])),
        "pdf_url": reverse("web:debate_report_pdf", args=[slug]),
    }
    return page(request, "web/participation/report.html", context)


@require_GET
@_read
def debate_report_pdf(request: HttpRequest, actor: Actor, slug: str) -> HttpResponse:
    debate = services.get_debate(slug)
    data = debate_pdf(
        debate,
        services.published_posts(debate.thread),
        url=request.build_absolute_uri(reverse("web:debate", args=[slug])),
        state=services.debate_state(debate),
    )
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="debate-{debate.slug}.pdf"'
    return response


# -- comment periods (Article 23) ---------------------------------------------------------------


@require_GET
@_read
def comment_periods_page(request: HttpRequest, actor: Actor) -> HttpResponse:
    now = timezone.now()
    country = request.GET.get("country", "")[:4]
    periods = [{"period": p, "state": services.period_state(p, now)} for p in services.comment_periods(country=country)]
    context = {"nav": "forums", "periods": periods, "country": country.upper()}
    return page(request, "web/participation/comment_periods.html", context)


@require_http_methods(["GET", "HEAD", "POST"])
def comment_period_page(request: HttpRequest, period_id: int) -> HttpResponse:
    if request.method == "POST":
        return _comment(request, period_id)
    return _comment_period_page(request, period_id)


@_read
def _comment_period_page(request: HttpRequest, actor: Actor, period_id: int) -> HttpResponse:
    period = services.get_comment_period(period_id)
    view, html = _posts(request, actor, period.thread)
    context = _thread_context(request, view, html)
    context.update({"period": period, "state": services.period_state(period)})
    return page(request, "web/participation/comment_period.html", context)


@signed_in_view
def _comment(request: HttpRequest, actor: Actor, period_id: int) -> HttpResponse:
    post = services.comment(
        actor,
        period_id=period_id,
        body=request.POST.get("body", ""),
        language=request.POST.get("language", "") or page_language(),
        parent_id=_int(request.POST.get("parent")),
        anonymous=request.POST.get("anonymous") == "1",
    )
    return _after_post(post)


@require_POST
@signed_in_view
def publish_comment_outcome(request: HttpRequest, actor: Actor, period_id: int) -> HttpResponse:
    services.publish_comment_outcome(actor, period_id=period_id, text=request.POST.get("outcome", ""))
    return HttpResponseRedirect(f"{reverse('web:comment_period', args=[period_id])}?done=outcome#outcome")


def _when(value: str, field: str, *, end_of_day: bool = False) -> dt.datetime:
    """A date and time from a form field; a date alone (``YYYY-MM-DD``) is the start of that day UTC,
    or with ``end_of_day`` the end of it (a period that closes on the 31st takes comments all that day)."""
    text = value.strip()
    try:
        parsed = dt.datetime.fromisoformat(text)
    except ValueError:
        raise ValidationFailedError(
            "not a date", issues=[Issue(f"/{field}", "invalid_date", f"{field}: a date such as 2027-01-31")]
        ) from None
    if end_of_day and len(text) == 10:
        parsed += dt.timedelta(days=1)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


@require_http_methods(["GET", "HEAD", "POST"])
@signed_in_view
def open_comment_period(request: HttpRequest, actor: Actor) -> HttpResponse:
    """The publishing authority's form: public comment on one of its country's records (a draft too)."""
    if request.method != "POST":
        context = {"nav": "forums", "record": request.GET.get("record", "")[:100]}
        return page(request, "web/participation/open_comment_period.html", context)
    documents = []
    for line in request.POST.get("documents", "").splitlines():
        title, _, url = line.rpartition("|") if "|" in line else ("", "", line)
        if url.strip():
            documents.append({"title": title.strip(), "url": url.strip()})
    period = services.open_comment_period(
        actor,
        record=request.POST.get("record", ""),
        title=request.POST.get("title", ""),
        summary=request.POST.get("summary", ""),
        opens_at=_when(request.POST.get("opens_at", ""), "opens_at"),
        closes_at=_when(request.POST.get("closes_at", ""), "closes_at", end_of_day=True),
        documents=documents,
        anonymous_allowed=request.POST.get("anonymous_allowed") == "1",
    )
    return HttpResponseRedirect(reverse("web:comment_period", args=[period.pk]))
