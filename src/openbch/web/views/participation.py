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
from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseRedirect
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
from openbch.participation import attachments as files
from openbch.participation import reading, services
from openbch.participation.models import Debate, Post, PostStatus, Thread
from openbch.participation.report import debate_pdf
from openbch.web.display import RTL_LANGUAGES
from openbch.web.manage.common import error_status, no_store
from openbch.web.views.common import page, page_language

__all__ = [
    "attachment",
    "ban",
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
    "move_thread",
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
    "moved": lambda: gettext("The thread was moved to this forum."),
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


def _post_rows(posts: list[services.PostView], *, can_post: bool, can_moderate: bool) -> list[dict[str, Any]]:
    """What the template shows per post, worked out once here (a thread may have a thousand)."""
    labels = {"for": gettext("For"), "against": gettext("Against"), "other": gettext("Other")}
    anonymous = gettext("Anonymous member of the public")
    attached = _attachments_of([v.post for v in posts if v.shown])
    rows = []
    for v in posts:
        p = v.post
        rows.append(
            {
                "id": p.pk,
                "depth": v.depth,
                "name": anonymous if p.anonymous and not can_moderate else p.display_name,
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
                "can_report": can_post and not v.can_edit and not p.hidden_at and p.status == PostStatus.PUBLISHED,
                "demo": p.demo,
                "attachments": attached.get(p.pk, []),
            }
        )
    return rows


#: how a file's type is named under a post
_KINDS = {
    "application/pdf": "PDF",
    "image/png": "PNG",
    "image/jpeg": "JPEG",
    "text/plain": "text",
    "application/vnd.oasis.opendocument.text": "ODT",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "DOCX",
}


def _attachments_of(posts: list[Post]) -> dict[int, list[dict[str, Any]]]:
    """The attachments of the posts shown, in one query (a thread may have a thousand posts)."""
    return {
        post_id: [
            {
                "url": reverse("web:attachment", args=[a.pk]),
                "name": a.filename,
                "kind": _KINDS.get(a.content_type, a.content_type),
                "size": a.size,
            }
            for a in found
        ]
        for post_id, found in reading.attachments_of(posts).items()
    }


def _uploads(request: HttpRequest) -> list[files.Upload]:
    """The files sent with a form. At most one more than allowed is read (so that "too many" is
    said), and of each at most one byte more than the limit (so that "too large" is said without
    holding a huge file in memory)."""
    limit = files.max_bytes()
    found = []
    for uploaded in request.FILES.getlist("attachments")[: files.MAX_PER_POST + 1]:
        found.append(files.Upload(filename=uploaded.name or "", data=uploaded.read(limit + 1)))
    return found


#: ends each post's ``<li>`` when the posts are rendered to be kept one by one (HTML comments never
#: come out of the sanitiser, so a post's own text cannot contain it)
_POST_END = "<!--/post-->"


def _render_posts(
    request: HttpRequest, posts: list[services.PostView], *, can_post: bool, can_moderate: bool, split: bool = False
) -> str:
    rows = _post_rows(posts, can_post=can_post, can_moderate=can_moderate)
    context = {"rows": rows, "can_post": can_post, "can_moderate": can_moderate, "split": split}
    # only moderators' forms need the request (their CSRF token): the posts others see are the same
    # for every request, so they are rendered without running the context processors
    return render_to_string("web/participation/_posts.html", context, request if can_moderate else None)


def _fragments(html: str) -> list[str]:
    """The ``<li>`` of each post, from a list rendered with ``split``."""
    inner = html[html.index("\n", html.index('<ol class="posts"')) + 1 : html.rindex("</ol>")]
    return inner.split(_POST_END)[:-1]


def _posts(request: HttpRequest, actor: Actor, thread: Thread) -> tuple[services.ThreadView, str]:
    """The thread as ``actor`` sees it and its posts rendered.

    Most of a thread page is the same for every reader in one language, so it is rendered once per
    change of the thread and kept in the cache under the thread's ``version``, which every visible
    change increases:

    * anonymous readers (most readers) get the kept page as it is;
    * a signed-in member who moderates nothing here and has no post in the moderation queue gets
      the posts as kept for members (with Reply and Report), where only their own posts are
      rendered again, with Edit instead of Report (:func:`openbch.participation.reading.own_posts`);
    * moderators and members with queued posts, who see posts others do not, get the thread
      rendered for them.
    """
    language = page_language()
    seconds = int(getattr(settings, "OPENBCH_WEB_CACHE_SECONDS", 60))
    if seconds <= 0:
        return _rendered_for(request, actor, thread)
    if not actor.is_registered:
        key = f"openbch:web:thread:{thread.pk}:{thread.version}:{language}"
        html = cache.get(key)
        if html is not None:
            return services.thread_view(actor, thread=thread, with_posts=False), html
        view, html = _rendered_for(request, actor, thread)
        cache.set(key, html, seconds)
        return view, html
    view = services.thread_view(actor, thread=thread, with_posts=False)
    mine = reading.own_posts(actor, thread)
    if view.can_moderate or mine.pending:
        return _rendered_for(request, actor, thread)
    return view, _member_posts(request, actor, view, mine, language, seconds)


def _rendered_for(request: HttpRequest, actor: Actor, thread: Thread) -> tuple[services.ThreadView, str]:
    view = services.thread_view(actor, thread=thread)
    return view, _render_posts(request, view.posts, can_post=view.can_post, can_moderate=view.can_moderate)


def _member_posts(
    request: HttpRequest,
    actor: Actor,
    view: services.ThreadView,
    mine: reading.OwnPosts,
    language: str,
    seconds: int,
) -> str:
    thread = view.thread
    key = f"openbch:web:thread:{thread.pk}:{thread.version}:{language}:member:{int(view.can_post)}"
    # the posts as one string, and where each post's <li> is in it with its depth: a member's page
    # is this string with their own few posts cut in, not a thousand fragments joined per request
    kept: tuple[str, dict[int, tuple[int, int, int]]] | None = cache.get(key)
    if kept is None:
        # the thread as any member who moderates nothing sees its published posts
        everyone = services.thread_view(anonymous_actor(request), thread=thread)
        html = _render_posts(request, everyone.posts, can_post=view.can_post, can_moderate=False, split=True)
        head = '<ol class="posts" id="posts">\n'
        parts, spans, at = [head], {}, len(head)
        for v, li in zip(everyone.posts, _fragments(html), strict=True):
            spans[v.post.pk] = (at, at + len(li), v.depth)
            parts.append(li)
            at += len(li)
        parts.append("\n</ol>\n")
        kept = ("".join(parts), spans)
        cache.set(key, kept, seconds)
    html, spans = kept
    own = [
        services.PostView(
            post=post,
            depth=spans[post.pk][2],
            shown=post.hidden_at is None,
            can_edit=view.can_post and post.hidden_at is None,
        )
        for post in mine.published.values()
        if post.pk in spans
    ]
    if not own:
        return html
    own.sort(key=lambda v: spans[v.post.pk][0])
    # each post as its author sees it is kept too (same key, so it goes with the thread's version)
    own_keys = {v.post.pk: f"{key}:own:{v.post.pk}" for v in own}
    found = cache.get_many(list(own_keys.values()))
    missing = [v for v in own if own_keys[v.post.pk] not in found]
    if missing:
        rendered = _render_posts(request, missing, can_post=view.can_post, can_moderate=False, split=True)
        made = {own_keys[v.post.pk]: li for v, li in zip(missing, _fragments(rendered), strict=True)}
        cache.set_many(made, seconds)
        found.update(made)
    pieces, at = [], 0
    for v in own:
        start, end, _ = spans[v.post.pk]
        pieces += [html[at:start], found[own_keys[v.post.pk]]]
        at = end
    pieces.append(html[at:])
    return "".join(pieces)


#: where a thread page's posts go: a thousand posts are put in the rendered page once, instead of
#: being copied through every level of the page's templates
_POSTS_HERE = "<!--posts-->"


def _thread_page_response(request: HttpRequest, template: str, context: dict[str, Any]) -> HttpResponse:
    """The page of a thread, a debate or a comment period, with its posts (rendered by our template)."""
    posts: str = context.pop("_posts_html")
    response = page(request, template, context)
    before, marker, after = response.content.partition(_POSTS_HERE.encode())
    if marker:
        response.content = b"".join((before, posts.encode(), after))
    return response


def _thread_context(request: HttpRequest, view: services.ThreadView, posts_html: str) -> dict[str, Any]:
    said = DONE.get(request.GET.get("done", ""))
    return {
        "nav": "forums",
        "view": view,
        "thread": view.thread,
        # the posts are put in after the page is rendered (see _thread_page_response)
        "posts_html": mark_safe(_POSTS_HERE),  # noqa: S308 - a constant HTML comment
        "_posts_html": posts_html,
        "done": said() if said else "",
        "reply_to": _int(request.GET.get("reply")),
        "post_languages": _languages(),
        "language": page_language(),
        "positions": services.POSITIONS,
        "login_url": f"{reverse('accounts:login')}?next={request.path}",
        "move_forums": (
            [f for f in services.list_forums() if f.pk != view.thread.forum_id]
            if view.can_moderate and view.thread.forum_id
            else []
        ),
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
        attachments=_uploads(request),
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
    if thread.forum is not None and thread.forum.slug != slug:
        # moved to another forum since the link was made
        return HttpResponseRedirect(reverse("web:thread", args=[thread.forum.slug, thread.pk]))
    if thread.forum is None:
        raise NotFoundError(f"no thread {thread_id} in forum {slug[:100]!r}")
    view, html = _posts(request, actor, thread)
    return _thread_page_response(request, "web/participation/thread.html", _thread_context(request, view, html))


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
        attachments=_uploads(request),
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
    administrator = services.is_participation_administrator(actor)
    context = {
        "nav": "forums",
        "rows": rows,
        "reported": reported,
        "bans": services.active_bans(actor),
        "administrator": administrator,
        "ban_forums": [f for f in services.list_forums() if administrator or services._moderates_forum(actor, f)],
        "ban_username": request.GET.get("ban", "")[:150],
    }
    return page(request, "web/participation/moderation.html", context)


@require_POST
@signed_in_view
def ban(request: HttpRequest, actor: Actor) -> HttpResponse:
    """Ban an account from posting (with a reason, optionally until a date), or lift a ban."""
    username = request.POST.get("username", "").strip()
    forum = request.POST.get("forum", "").strip() or None
    reason = request.POST.get("reason", "")
    if request.POST.get("action") == "unban":
        services.unban_user(actor, username=username, forum=forum, reason=reason)
    else:
        until_text = request.POST.get("until", "").strip()
        until = _when(until_text, "until", end_of_day=True) if until_text else None
        services.ban_user(actor, username=username, forum=forum, reason=reason, until=until)
    return HttpResponseRedirect(reverse("web:moderation") + "#bans-title")


@require_POST
@signed_in_view
def move_thread(request: HttpRequest, actor: Actor, thread_id: int) -> HttpResponse:
    thread = services.move_thread(
        actor, thread_id=thread_id, forum=request.POST.get("forum", ""), reason=request.POST.get("reason", "")
    )
    return HttpResponseRedirect(f"{_thread_url(thread)}?done=moved")


@require_GET
def attachment(request: HttpRequest, attachment_id: int) -> HttpResponse | FileResponse:
    """A post's file, always as a download (never shown inline: no HTML or script of a user's runs
    in this site's origin), and only to readers who may see the post; never kept by shared caches."""
    actor = _actor(request)
    try:
        found = services.attachment_for_reader(actor, attachment_id=attachment_id)
        try:
            handle = files.path_of(found.sha256).open("rb")
        except OSError:
            raise NotFoundError(f"the file of attachment {attachment_id} is missing") from None
    except OpenBCHError as exc:
        return _personal(_refused(request, exc), actor)
    response = FileResponse(handle, as_attachment=True, filename=found.filename, content_type=found.content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "sandbox; default-src 'none'"
    patch_cache_control(response, private=True, no_store=True)
    return response


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
    return _thread_page_response(request, "web/participation/debate.html", _debate_context(request, actor, debate))


@signed_in_view
def _post_in_debate(request: HttpRequest, actor: Actor, slug: str) -> HttpResponse:
    post = services.post_in_debate(
        actor,
        debate=slug,
        body=request.POST.get("body", ""),
        language=request.POST.get("language", "") or page_language(),
        parent_id=_int(request.POST.get("parent")),
        position=request.POST.get("position", ""),
        attachments=_uploads(request),
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
    return _thread_page_response(request, "web/participation/comment_period.html", context)


@signed_in_view
def _comment(request: HttpRequest, actor: Actor, period_id: int) -> HttpResponse:
    post = services.comment(
        actor,
        period_id=period_id,
        body=request.POST.get("body", ""),
        language=request.POST.get("language", "") or page_language(),
        parent_id=_int(request.POST.get("parent")),
        anonymous=request.POST.get("anonymous") == "1",
        attachments=_uploads(request),
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
