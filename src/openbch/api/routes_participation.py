"""Public participation in the API: forums, threads, posts and debates; posting with a token.

``openbch.api.app`` calls :func:`mount`. The shapes follow the central BCH's discussions API
(``/forums``, ``/threads/{id}``, ``/posts/{id}``) where they overlap. Reads are open to anyone
(a token's owner also sees their own posts still waiting for a moderator); posting and editing
need an API token with the ``write`` scope (or a signed-in session with ``X-CSRFToken``). Every
handler parses, calls ONE function of :mod:`openbch.participation.services` and shapes the answer;
posts come as sanitised HTML (``html``), never as raw Markdown a client would have to render.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from django.conf import settings
from django.core.cache import cache
from django.http import FileResponse, HttpRequest, HttpResponse
from ninja import Field, File, NinjaAPI, Path, Query, Router, Schema, Status
from ninja.files import UploadedFile
from pydantic import ConfigDict

from openbch.accounts.auth import TOKEN_OR_SESSION, token_or_anonymous
from openbch.api.conventions import json_bytes_response, json_response
from openbch.api.schemas import Problem
from openbch.core.actors import Actor
from openbch.core.errors import NotFoundError
from openbch.core.jsonbytes import compact_json
from openbch.participation import attachments as stored
from openbch.participation import reading, services
from openbch.participation.models import Attachment, CommentPeriod, Debate, Forum, Post, PostingBan, Thread

__all__ = ["mount", "router"]

router = Router(tags=["participation"])
#: the author of a comment its writer chose to make anonymous (moderators see the name on the web pages)
ANONYMOUS_AUTHOR = "anonymous"

Slug = Annotated[str, Path(..., max_length=100, pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$")]
Id = Annotated[int, Path(..., ge=1, le=2**63 - 1)]
READ_ERRORS: dict[int, Any] = {400: Problem, 401: Problem, 404: Problem, 429: Problem}
WRITE_ERRORS: dict[int, Any] = {
    400: Problem, 401: Problem, 403: Problem, 404: Problem, 409: Problem, 422: Problem, 429: Problem,
}  # fmt: skip


class StrictParticipationIn(Schema):
    model_config = ConfigDict(extra="forbid")


class HiddenOut(Schema):
    at: dt.datetime
    reason: str


class AttachmentOut(Schema):
    id: int
    filename: str = Field(..., description="the name as uploaded, cleaned (no path, quotes or control characters)")
    content_type: str = Field(..., description="found from the file's first bytes")
    size: int
    sha256: str
    uploaded_at: dt.datetime
    url: str = Field(..., description="where to download it (always as an attachment)")


class PostOut(Schema):
    id: int
    thread: int
    parent: int | None
    author: str = Field(..., description="the author's display name (`anonymous` when they chose so)")
    created_at: dt.datetime
    revision: int = Field(..., description="1 for an unedited post; the history is at /posts/{id}")
    edited_at: dt.datetime | None
    language: str
    html: str | None = Field(..., description="sanitised HTML; null for a hidden post (except to its moderators)")
    status: str = Field(..., description="`published`, or `pending` (waiting for a moderator)")
    position: str = Field(..., description="in a debate with positions: `for`, `against`, `other` or empty")
    hidden: HiddenOut | None
    demo: bool
    attachments: list[AttachmentOut] = Field(
        default_factory=list, description="files attached to the post (none listed for a hidden post)"
    )


class RevisionOut(Schema):
    number: int
    written_at: dt.datetime
    language: str
    body: str = Field(..., description="the Markdown as written")
    html: str


class PostDetailOut(PostOut):
    revisions: list[RevisionOut]


class ThreadSummaryOut(Schema):
    id: int
    forum: str | None
    debate: str | None
    title: str
    language: str
    created_at: dt.datetime
    last_post_at: dt.datetime
    post_count: int
    locked: bool
    locked_reason: str
    demo: bool


class ThreadOut(ThreadSummaryOut):
    posts: list[PostOut] = Field(..., description="replies follow their parent (depth-first, oldest first)")


class ForumOut(Schema):
    slug: str
    title: str
    description_html: str
    demo: bool


class ForumDetailOut(ForumOut):
    threads: list[ThreadSummaryOut]


class DebateOut(Schema):
    slug: str
    question: str
    description_html: str
    opens_at: dt.datetime
    closes_at: dt.datetime
    state: str = Field(..., description="`upcoming`, `open` or `closed`")
    positions: bool
    synthesis_html: str | None
    synthesis_by: str | None
    synthesis_at: dt.datetime | None
    demo: bool


class DebateDetailOut(DebateOut):
    thread: int
    posts: list[PostOut]


class ThreadIn(StrictParticipationIn):
    title: str = Field(..., max_length=300)
    body: str = Field(..., max_length=20_000, description="Markdown")
    language: str = Field("en", max_length=20, description="the language the post is written in (ISO 639)")


class PostIn(StrictParticipationIn):
    body: str = Field(..., max_length=20_000, description="Markdown")
    language: str = Field("en", max_length=20)
    parent: int | None = Field(None, ge=1, le=2**63 - 1, description="the post this replies to")
    position: str = Field("", max_length=8, description="debates with positions: `for`, `against`, `other`")


class EditIn(StrictParticipationIn):
    body: str = Field(..., max_length=20_000)
    language: str | None = Field(None, max_length=20)


def _attachment(a: Attachment) -> dict[str, Any]:
    return {
        "id": a.pk,
        "filename": a.filename,
        "content_type": a.content_type,
        "size": a.size,
        "sha256": a.sha256,
        "uploaded_at": a.uploaded_at,
        "url": f"/api/v1/attachments/{a.pk}",
    }


def _attachments_of(posts: list[Post]) -> dict[int, list[dict[str, Any]]]:
    return {post_id: [_attachment(a) for a in found] for post_id, found in reading.attachments_of(posts).items()}


def _post(post: Post, *, shown: bool = True, attached: dict[int, list[dict[str, Any]]] | None = None) -> dict[str, Any]:
    hidden = {"at": post.hidden_at, "reason": post.hidden_reason} if post.hidden_at else None
    if attached is None:
        attached = _attachments_of([post]) if shown else {}
    return {
        "id": post.pk,
        "thread": post.thread_id,
        "parent": post.parent_id,
        "author": ANONYMOUS_AUTHOR if post.anonymous else post.display_name,
        "created_at": post.created_at,
        "revision": post.revision,
        "edited_at": post.edited_at,
        "language": post.language,
        "html": post.html if shown else None,
        "status": post.status,
        "position": post.position,
        "hidden": hidden,
        "demo": post.demo,
        "attachments": attached.get(post.pk, []) if shown else [],
    }


def _thread_summary(thread: Thread) -> dict[str, Any]:
    return {
        "id": thread.pk,
        "forum": thread.forum.slug if thread.forum else None,
        "debate": thread.debate.slug if thread.debate else None,
        "title": thread.title,
        "language": thread.language,
        "created_at": thread.created_at,
        "last_post_at": thread.last_post_at,
        "post_count": thread.post_count,
        "locked": thread.locked_at is not None,
        "locked_reason": thread.locked_reason,
        "demo": thread.demo,
    }


def _forum(forum: Forum) -> dict[str, Any]:
    return {"slug": forum.slug, "title": forum.title, "description_html": forum.description_html, "demo": forum.demo}


def _debate(debate: Debate) -> dict[str, Any]:
    return {
        "slug": debate.slug,
        "question": debate.question,
        "description_html": debate.description_html,
        "opens_at": debate.opens_at,
        "closes_at": debate.closes_at,
        "state": services.debate_state(debate),
        "positions": debate.positions,
        "synthesis_html": debate.synthesis_html or None,
        "synthesis_by": debate.synthesis_by or None,
        "synthesis_at": debate.synthesis_at,
        "demo": debate.demo,
    }


def _posts(view: services.ThreadView) -> list[dict[str, Any]]:
    attached = _attachments_of([v.post for v in view.posts if v.shown])
    return [_post(v.post, shown=v.shown, attached=attached) for v in view.posts]


def _plain(value: Any) -> Any:
    """``value`` with its datetimes as ISO 8601 text, for :func:`json_response`."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dt.datetime):
        return value.isoformat()
    return value


def _actor(request: HttpRequest) -> Actor:
    actor = request.auth  # type: ignore[attr-defined]  # set by the auth classes
    assert isinstance(actor, Actor)
    return actor


@router.get("/forums", response={200: list[ForumOut], **READ_ERRORS}, summary="Forums (discussion groups)")
def forums(request: HttpRequest) -> list[dict[str, Any]]:
    return [_forum(f) for f in services.list_forums()]


@router.get("/forums/{slug}", response={200: ForumDetailOut, **READ_ERRORS}, summary="A forum and its threads")
def forum(request: HttpRequest, slug: Slug) -> dict[str, Any]:
    """Threads by latest activity; a thread whose only posts wait for a moderator is listed to its author only."""
    actor = token_or_anonymous(request)
    found = services.get_forum(slug)
    return {**_forum(found), "threads": [_thread_summary(t) for t in services.threads_of(actor, found)]}


@router.get("/threads/{thread_id}", response={200: ThreadOut, **READ_ERRORS}, summary="A thread with its posts")
def thread(request: HttpRequest, thread_id: Id) -> HttpResponse:
    # a thread may hold a thousand posts: serialized once, without re-validating our own output
    # (as the other hot reads do; the schemathesis tests hold the answer to ThreadOut). What an
    # anonymous reader gets is kept under the thread's version, which every visible change raises
    # (as for the thread's web page); a reader with a token may see their own queued posts.
    actor = token_or_anonymous(request)
    seconds = int(getattr(settings, "OPENBCH_WEB_CACHE_SECONDS", 60))
    if actor.is_registered or seconds <= 0:
        view = services.thread_view(actor, thread_id)
        return json_response(_plain({**_thread_summary(view.thread), "posts": _posts(view)}))
    found = services.get_thread(thread_id)
    key = f"openbch:api:thread:{found.pk}:{found.version}"
    body: bytes | None = cache.get(key)
    if body is None:
        view = services.thread_view(actor, thread=found)
        body = compact_json(_plain({**_thread_summary(view.thread), "posts": _posts(view)}))
        cache.set(key, body, seconds)
    return json_bytes_response(body)


@router.get("/posts/{post_id}", response={200: PostDetailOut, **READ_ERRORS}, summary="A post with its history")
def post(request: HttpRequest, post_id: Id) -> dict[str, Any]:
    """Every revision of the post, oldest first, as written (Markdown) and as shown (HTML)."""
    found, revisions = services.post_history(token_or_anonymous(request), post_id=post_id)
    return {
        **_post(found),
        "revisions": [
            {"number": r.number, "written_at": r.written_at, "language": r.language, "body": r.body, "html": r.html}
            for r in revisions
        ],
    }


@router.get("/debates", response={200: list[DebateOut], **READ_ERRORS}, summary="Online debates")
def debates(request: HttpRequest) -> list[dict[str, Any]]:
    return [_debate(d) for d in services.list_debates()]


@router.get(
    "/debates/{slug}", response={200: DebateDetailOut, **READ_ERRORS}, summary="A debate, its synthesis and its posts"
)
def debate(request: HttpRequest, slug: Slug) -> HttpResponse:
    found = services.get_debate(slug)
    view = services.thread_view(token_or_anonymous(request), thread=found.thread)
    return json_response(_plain({**_debate(found), "thread": view.thread.pk, "posts": _posts(view)}))


@router.post(
    "/forums/{slug}/threads",
    auth=TOKEN_OR_SESSION,
    response={201: ThreadOut, **WRITE_ERRORS},
    summary="Start a thread (its first post may wait for a moderator)",
)
def start_thread(request: HttpRequest, slug: Slug, payload: ThreadIn) -> Status[dict[str, Any]]:
    actor = _actor(request)
    created = services.start_thread(
        actor, forum=slug, title=payload.title, body=payload.body, language=payload.language
    )
    view = services.thread_view(actor, thread=created)
    return Status(201, {**_thread_summary(created), "posts": _posts(view)})


@router.post(
    "/threads/{thread_id}/posts",
    auth=TOKEN_OR_SESSION,
    response={201: PostOut, **WRITE_ERRORS},
    summary="Post in a thread (or reply to one of its posts)",
    description="409 `thread_locked` or `debate_closed`; 429 beyond the posting limits (`Retry-After`).",
)
def reply(request: HttpRequest, thread_id: Id, payload: PostIn) -> Status[dict[str, Any]]:
    created = services.reply(
        _actor(request),
        thread_id=thread_id,
        body=payload.body,
        language=payload.language,
        parent_id=payload.parent,
        position=payload.position,
    )
    return Status(201, _post(created))


@router.post(
    "/debates/{slug}/posts",
    auth=TOKEN_OR_SESSION,
    response={201: PostOut, **WRITE_ERRORS},
    summary="Post in a debate while it is open",
    description="409 `debate_closed` before it opens and after it closes.",
)
def post_in_debate(request: HttpRequest, slug: Slug, payload: PostIn) -> Status[dict[str, Any]]:
    created = services.post_in_debate(
        _actor(request),
        debate=slug,
        body=payload.body,
        language=payload.language,
        parent_id=payload.parent,
        position=payload.position,
    )
    return Status(201, _post(created))


@router.put(
    "/posts/{post_id}",
    auth=TOKEN_OR_SESSION,
    response={200: PostOut, **WRITE_ERRORS},
    summary="Edit your post (the earlier text stays in its history)",
)
def edit(request: HttpRequest, post_id: Id, payload: EditIn) -> dict[str, Any]:
    edited = services.edit_post(_actor(request), post_id=post_id, body=payload.body, language=payload.language)
    return _post(edited)


class DocumentOut(Schema):
    title: str
    url: str


class CommentPeriodOut(Schema):
    id: int
    record: str = Field(..., description="the identifier (GUID) of the record commented on")
    record_uid: str | None = Field(..., description="its UID once published")
    country: str
    title: str
    summary_html: str
    documents: list[DocumentOut]
    opens_at: dt.datetime
    closes_at: dt.datetime
    state: str = Field(..., description="`upcoming`, `open` or `closed`")
    anonymous_allowed: bool
    outcome_html: str | None = Field(
        ..., description="after closing: the summary of comments and how they were considered"
    )
    outcome_at: dt.datetime | None


class CommentPeriodDetailOut(CommentPeriodOut):
    thread: int
    comments: list[PostOut]


class DocumentIn(StrictParticipationIn):
    title: str = Field("", max_length=300)
    url: str = Field(..., max_length=2000)


class CommentPeriodIn(StrictParticipationIn):
    record: str = Field(..., max_length=100, description="UID or identifier of one of your country's records")
    title: str = Field("", max_length=300)
    summary: str = Field(..., max_length=20_000, description="Markdown")
    opens_at: dt.datetime
    closes_at: dt.datetime
    documents: list[DocumentIn] = Field(default_factory=list, max_length=50)
    anonymous_allowed: bool = True


class CommentIn(StrictParticipationIn):
    body: str = Field(..., max_length=20_000, description="Markdown")
    language: str = Field("en", max_length=20)
    parent: int | None = Field(None, ge=1, le=2**63 - 1)
    anonymous: bool = Field(False, description="shown as anonymous (when the period allows it)")


class OutcomeIn(StrictParticipationIn):
    text: str = Field(..., max_length=20_000, description="Markdown")


def _period(period: CommentPeriod) -> dict[str, Any]:
    record = period.record
    return {
        "id": period.pk,
        "record": record.identifier,
        "record_uid": record.uid or None,
        "country": period.country,
        "title": period.title,
        "summary_html": period.summary_html,
        "documents": period.documents,
        "opens_at": period.opens_at,
        "closes_at": period.closes_at,
        "state": services.period_state(period),
        "anonymous_allowed": period.anonymous_allowed,
        "outcome_html": period.outcome_html or None,
        "outcome_at": period.outcome_at,
    }


@router.get(
    "/comment-periods",
    response={200: list[CommentPeriodOut], **READ_ERRORS},
    summary="Public comment periods on pending decisions (Article 23)",
)
def comment_periods(
    request: HttpRequest, country: Annotated[str | None, Query(None, pattern=r"^[A-Za-z]{2,4}$")] = None
) -> list[dict[str, Any]]:
    return [_period(p) for p in services.comment_periods(country=country)]


@router.get(
    "/comment-periods/{period_id}",
    response={200: CommentPeriodDetailOut, **READ_ERRORS},
    summary="A comment period with its comments",
)
def comment_period(request: HttpRequest, period_id: Id) -> dict[str, Any]:
    found = services.get_comment_period(period_id)
    view = services.thread_view(token_or_anonymous(request), thread=found.thread)
    return {**_period(found), "thread": view.thread.pk, "comments": _posts(view)}


@router.post(
    "/comment-periods",
    auth=TOKEN_OR_SESSION,
    response={201: CommentPeriodOut, **WRITE_ERRORS},
    summary="Open a comment period on one of your country's records (publishing authorities; audited)",
)
def open_comment_period(request: HttpRequest, payload: CommentPeriodIn) -> Status[dict[str, Any]]:
    period = services.open_comment_period(
        _actor(request),
        record=payload.record,
        title=payload.title,
        summary=payload.summary,
        opens_at=payload.opens_at,
        closes_at=payload.closes_at,
        documents=[d.model_dump() for d in payload.documents],
        anonymous_allowed=payload.anonymous_allowed,
    )
    return Status(201, _period(services.get_comment_period(period.pk)))


@router.post(
    "/comment-periods/{period_id}/comments",
    auth=TOKEN_OR_SESSION,
    response={201: PostOut, **WRITE_ERRORS},
    summary="Comment while the period is open",
    description="409 `comment_period_closed` before it opens and after it closes.",
)
def comment(request: HttpRequest, period_id: Id, payload: CommentIn) -> Status[dict[str, Any]]:
    created = services.comment(
        _actor(request),
        period_id=period_id,
        body=payload.body,
        language=payload.language,
        parent_id=payload.parent,
        anonymous=payload.anonymous,
    )
    return Status(201, _post(created))


@router.post(
    "/comment-periods/{period_id}/outcome",
    auth=TOKEN_OR_SESSION,
    response={200: CommentPeriodOut, **WRITE_ERRORS},
    summary="Publish the summary of comments and how they were considered (after closing; audited)",
)
def publish_outcome(request: HttpRequest, period_id: Id, payload: OutcomeIn) -> dict[str, Any]:
    period = services.publish_comment_outcome(_actor(request), period_id=period_id, text=payload.text)
    return _period(period)


class ReportIn(StrictParticipationIn):
    reason: str = Field(..., max_length=2000, description="what is wrong with the post")


class ReportOut(Schema):
    post: int
    created_at: dt.datetime


@router.post(
    "/posts/{post_id}/reports",
    auth=TOKEN_OR_SESSION,
    response={201: ReportOut, **WRITE_ERRORS},
    summary="Report a post to its moderators",
    description="Once per account and post (409 the second time); the moderators see it in their queue.",
)
def report(request: HttpRequest, post_id: Id, payload: ReportIn) -> Status[dict[str, Any]]:
    made = services.report_post(_actor(request), post_id=post_id, reason=payload.reason)
    return Status(201, {"post": made.post_id, "created_at": made.created_at})


def mount(api: NinjaAPI) -> None:
    if any(mounted is router for _, mounted in api._routers):
        return  # ninja refuses to mount one router twice; tests may call this again
    api.add_router("/v1", router)


# -- attachments, bans, moving threads (feature level 10) ---------------------------------------


@router.get(
    "/attachments/{attachment_id}",
    response={200: None, **READ_ERRORS},
    summary="Download a post's attachment",
    description="Always `Content-Disposition: attachment` with `X-Content-Type-Options: nosniff`; 404 when "
    "the post is hidden, waiting or rejected and the reader may not see it.",
)
def attachment(request: HttpRequest, attachment_id: Id) -> FileResponse:
    found = services.attachment_for_reader(token_or_anonymous(request), attachment_id=attachment_id)
    try:
        handle = stored.path_of(found.sha256).open("rb")
    except OSError:
        raise NotFoundError(f"the file of attachment {attachment_id} is missing") from None
    response = FileResponse(handle, as_attachment=True, filename=found.filename, content_type=found.content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "sandbox; default-src 'none'"
    response["Cache-Control"] = "private, no-store"
    return response


@router.post(
    "/posts/{post_id}/attachments",
    auth=TOKEN_OR_SESSION,
    response={201: list[AttachmentOut], **WRITE_ERRORS},
    summary="Attach files to your post (multipart/form-data, field `files`; at most 3 per post)",
    description="PDF, PNG, JPEG, plain text, ODT or DOCX, told by their first bytes (not their names), at most "
    "`OPENBCH_ATTACHMENT_MAX_BYTES` (5 MB) each. 422 names the field of each refused file "
    "(`/attachments/N`: `file_too_large`, `file_type_not_allowed`, `too_many_files`).",
)
def attach(request: HttpRequest, post_id: Id, files: File[list[UploadedFile]]) -> Status[list[dict[str, Any]]]:
    # at most one file more than allowed is read (to say "too many"), and of each one byte more
    # than the limit (to say "too large" without holding a huge file)
    limit = stored.max_bytes()
    uploads = [
        stored.Upload(filename=f.name or "", data=f.read(limit + 1)) for f in list(files)[: stored.MAX_PER_POST + 1]
    ]
    made = services.attach_files(_actor(request), post_id=post_id, uploads=uploads)
    return Status(201, [_attachment(a) for a in made])


class BanIn(StrictParticipationIn):
    username: str = Field(..., max_length=150)
    forum: str | None = Field(
        None, max_length=100, description="the forum's slug; none: everywhere (participation administrators)"
    )
    until: dt.datetime | None = Field(None, description="when the ban ends; none: until lifted")
    reason: str = Field(..., max_length=2000)


class UnbanIn(StrictParticipationIn):
    username: str = Field(..., max_length=150)
    forum: str | None = Field(None, max_length=100, description="lift the ban in this forum; none: the everywhere-ban")
    reason: str = Field(..., max_length=2000)


class BanOut(Schema):
    id: int
    username: str
    forum: str | None
    until: dt.datetime | None
    reason: str
    banned_by: str
    banned_at: dt.datetime


class LiftedBansOut(Schema):
    lifted: int


class MoveThreadIn(StrictParticipationIn):
    forum: str = Field(..., max_length=100, description="the slug of the forum to move the thread to")
    reason: str = Field(..., max_length=2000)


def _ban(ban: PostingBan) -> dict[str, Any]:
    return {
        "id": ban.pk,
        "username": ban.user.get_username(),
        "forum": ban.forum.slug if ban.forum else None,
        "until": ban.until,
        "reason": ban.reason,
        "banned_by": ban.banned_by,
        "banned_at": ban.banned_at,
    }


@router.get(
    "/bans",
    auth=TOKEN_OR_SESSION,
    response={200: list[BanOut], **WRITE_ERRORS},
    summary="Bans from posting in force, in the places you moderate",
)
def bans(request: HttpRequest) -> list[dict[str, Any]]:
    return [_ban(b) for b in services.active_bans(_actor(request))]


@router.post(
    "/bans",
    auth=TOKEN_OR_SESSION,
    response={201: BanOut, **WRITE_ERRORS},
    summary="Ban an account from posting (audited)",
    description="Forum moderators ban from a forum they moderate (`forum` required); participation administrators "
    "also everywhere. Posting, editing and attaching by a banned account are refused with 403 `banned`.",
)
def ban(request: HttpRequest, payload: BanIn) -> Status[dict[str, Any]]:
    made = services.ban_user(
        _actor(request), username=payload.username, forum=payload.forum, until=payload.until, reason=payload.reason
    )
    return Status(201, _ban(made))


@router.post(
    "/bans/lift",
    auth=TOKEN_OR_SESSION,
    response={200: LiftedBansOut, **WRITE_ERRORS},
    summary="Lift an account's ban from posting (audited)",
)
def unban(request: HttpRequest, payload: UnbanIn) -> dict[str, Any]:
    lifted = services.unban_user(_actor(request), username=payload.username, forum=payload.forum, reason=payload.reason)
    return {"lifted": lifted}


@router.post(
    "/threads/{thread_id}/move",
    auth=TOKEN_OR_SESSION,
    response={200: ThreadSummaryOut, **WRITE_ERRORS},
    summary="Move a thread to another forum (moderators of both forums, or administrators; audited)",
)
def move_thread(request: HttpRequest, thread_id: Id, payload: MoveThreadIn) -> dict[str, Any]:
    moved = services.move_thread(_actor(request), thread_id=thread_id, forum=payload.forum, reason=payload.reason)
    return _thread_summary(moved)
