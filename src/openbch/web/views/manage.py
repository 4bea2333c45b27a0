"""The management centre: drafts, publication requests, the approver's inbox, amendments, withdrawals.

Every view is thin: it parses the form, calls ONE service of :mod:`openbch.records.workflow` (the one
the API calls) with the logged-in Actor, and renders. The services check who may do what, validate
and audit; a refusal is shown on the page with its status (see :mod:`openbch.web.manage.common`).
After a successful change the browser is redirected (post/redirect/get) with a ``done`` code that
the next page says in words.
"""

from __future__ import annotations

import re
from typing import Any

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, QueryDict
from django.urls import reverse
from django.utils.translation import gettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from openbch.core.actors import Actor, Role
from openbch.core.errors import (
    BadRequestError,
    ConflictError,
    Issue,
    OpenBCHError,
    StaleRevisionError,
    ValidationFailedError,
)
from openbch.records import workflow
from openbch.records.history import diff_bodies
from openbch.records.models import Draft, PublicationRequest, Record, RecordState, Revision
from openbch.records.policy import Action, allowed
from openbch.recordtypes import RecordType, get_record_type, record_types
from openbch.search.service import search
from openbch.web.display import References, diff_rows, record_url, references_in, section_views, title_of, type_label
from openbch.web.manage.common import error_response, error_status, management_view, render_page
from openbch.web.manage.forms import build_form, issues_from, parse_body
from openbch.web.views.common import is_htmx, page_language

__all__ = [
    "amend_record",
    "approve_request",
    "dashboard",
    "edit_draft",
    "inbox",
    "manage_record",
    "new_draft",
    "pick_reference",
    "publish_draft",
    "reject_request",
    "request_page",
    "submit_draft",
    "withdraw_record",
]

#: what the page says after a redirect (``?done=…``): fixed texts, never text from the address
DONE = {
    "created": lambda: gettext("The draft was saved."),
    "saved": lambda: gettext("The draft was saved."),
    "submitted": lambda: gettext("The draft was submitted for publication."),
    "approved": lambda: gettext("The request was approved: the record is published."),
    "rejected": lambda: gettext("The request was rejected; the submitter sees your reason."),
    "published": lambda: gettext("The record is published."),
    "withdrawn": lambda: gettext("The record was withdrawn."),
    "amending": lambda: gettext("The amendment's draft is ready: edit it, then submit or publish it."),
}
_PICK_TARGET = re.compile(r"^[A-Za-z0-9-]{1,80}$")
PICK_LIMIT = 8


def _done(request: HttpRequest) -> str:
    said = DONE.get(request.GET.get("done", ""))
    return said() if said else ""


def _redirect(name: str, *args: str, done: str = "") -> HttpResponseRedirect:
    url = reverse(name, args=list(args))
    return HttpResponseRedirect(f"{url}?done={done}" if done else url)


def _may(actor: Actor, action: Action, record: Record) -> bool:
    """Whether to offer an action's button; the service decides again when it is used."""
    record_type = get_record_type(record.type)
    return allowed(
        actor,
        action,
        family=record_type.family,
        owner=record.owner,
        record_type=record.type,
        created_by_id=record.created_by_id,
    )


def _title(record: Record, body: dict[str, Any], language: str) -> str:
    shown = title_of(get_record_type(record.type), body, language)
    return shown.text if shown else (record.uid or gettext("Untitled draft"))


def _countries(actor: Actor) -> list[str]:
    return sorted({g.country for g in actor.grants if g.country})


def creatable_types(actor: Actor) -> list[RecordType]:
    """The types the actor may start a draft of (national: for one of its countries)."""
    found = []
    for record_type in record_types().values():
        owners = _countries(actor) if record_type.is_national else ["SCBD"]
        if actor.is_administrator and record_type.is_national:
            owners = owners or ["CA"]  # any country: an administrator's rights do not depend on it
        if any(
            allowed(
                actor,
                Action.EDIT,
                family=record_type.family,
                owner=owner,
                record_type=record_type.code,
                created_by_id=actor.user_id,
            )
            for owner in owners
        ):
            found.append(record_type)
    return sorted(found, key=lambda t: (not t.is_national, type_label(t)))


def _type_links(actor: Actor) -> list[dict[str, str]]:
    return [{"slug": t.slug, "label": type_label(t, page_language())} for t in creatable_types(actor)]


# ---------------------------------------------------------------------------------------------
# my drafts and requests


@require_GET
@management_view
def dashboard(request: HttpRequest, actor: Actor) -> HttpResponse:
    language = page_language()
    drafts = [
        {
            "record": record,
            "draft": draft,
            "title": _title(record, draft.body, language),
            "type_label": type_label(get_record_type(record.type), language),
            "warnings": len(draft.warnings),
        }
        for record, draft in workflow.list_drafts(actor)
    ]
    requests = [
        {"request": r, "title": r.record.title or _request_title(r, language)}
        for r in workflow.list_requests(actor, status="pending")
    ]
    rejected = [
        {"request": r, "title": r.record.title or _request_title(r, language)}
        for r in workflow.list_requests(actor, status="rejected", limit=20)
    ]
    return render_page(
        request,
        "web/manage/dashboard.html",
        {
            "drafts": drafts,
            "requests": requests,
            "rejected": rejected,
            "inbox_count": len(workflow.list_requests(actor, decidable_only=True)),
            "types": _type_links(actor),
            "done": _done(request),
            "may_manage_users": actor.is_administrator or actor.holds(Role.NATIONAL_PUBLISHING_AUTHORITY),
        },
    )


def _request_title(r: PublicationRequest, language: str) -> str:
    draft = Draft.objects.filter(record=r.record).first()
    return _title(r.record, draft.body if draft else {}, language)


# ---------------------------------------------------------------------------------------------
# the form of a draft (new, or editing one)


def _owner(record_type: RecordType, body: dict[str, Any], actor: Actor) -> str:
    """A national record belongs to the country its ``government`` names (else the actor's only one)."""
    if not record_type.is_national:
        return "SCBD"
    government = body.get("government")
    if isinstance(government, dict) and isinstance(government.get("identifier"), str):
        return str(government["identifier"]).upper()
    countries = _countries(actor)
    return countries[0] if len(countries) == 1 else ""


def _form_context(
    request: HttpRequest,
    record_type: RecordType,
    body: dict[str, Any],
    *,
    action: str,
    issues: list[Issue] | None = None,
    chosen: list[str] | None = None,
) -> dict[str, Any]:
    data = request.POST if request.method == "POST" else QueryDict()
    return {
        "record_type": record_type,
        "type_label": type_label(record_type, page_language()),
        "form": build_form(
            record_type,
            body,
            language=page_language(),
            chosen_languages=chosen if chosen is not None else data.getlist("_lang"),
            issues=issues or [],
            add_item_to=data.getlist("_add"),
        ),
        "action": action,
    }


def _refresh(request: HttpRequest, context: dict[str, Any], template: str) -> HttpResponse | None:
    """A re-render without saving: htmx asking for the fields' region (a condition or the languages
    changed, an item was added), or the no-JavaScript "Update the form" / "Add another" buttons."""
    if is_htmx(request):
        return render_page(request, "web/manage/partials/fields.html", context)
    if "_refresh" in request.POST or "_add" in request.POST:
        return render_page(request, template, context)
    return None


@require_GET
@management_view
def choose_type(request: HttpRequest, actor: Actor) -> HttpResponse:
    return render_page(request, "web/manage/new.html", {"types": _type_links(actor)})


@require_http_methods(["GET", "POST"])
@management_view
def new_draft(request: HttpRequest, actor: Actor, slug: str) -> HttpResponse:
    record_type = get_record_type(slug)  # NotFoundError: 404
    action = reverse("web:manage_new_type", args=[record_type.slug])
    if request.method == "GET":
        body: dict[str, Any] = {}
        countries = _countries(actor)
        if record_type.is_national and len(countries) == 1:
            body["government"] = {"identifier": countries[0].lower()}
        context = _form_context(request, record_type, body, action=action)
        return render_page(request, "web/manage/edit.html", {**context, "mode": "new"})
    body = parse_body(record_type, request.POST, page_language())
    context = {**_form_context(request, record_type, body, action=action), "mode": "new"}
    refreshed = _refresh(request, context, "web/manage/edit.html")
    if refreshed is not None:
        return refreshed
    try:
        draft = workflow.create_draft(
            actor, record_type=record_type.code, owner=_owner(record_type, body, actor), body=body
        )
    except ValidationFailedError as exc:
        context = {**_form_context(request, record_type, body, action=action, issues=exc.issues), "mode": "new"}
        return render_page(request, "web/manage/edit.html", {**context, "failure": exc.message}, status=400)
    return _redirect("web:manage_draft", draft.record.identifier, done="created")


def _editable(actor: Actor, identifier: str) -> tuple[Record, Draft | None, PublicationRequest | None, dict[str, Any]]:
    """The record's draft (or, for a published record without one, its latest revision's body)."""
    record, draft, latest = workflow.get_draft(actor, identifier)
    if draft is not None:
        return record, draft, latest, dict(draft.body)
    revision = Revision.objects.filter(record=record, revision=record.revision).first()
    if revision is None:
        raise ConflictError("this record has no draft and no published revision")
    return record, None, latest, dict(revision.body)


def _edit_context(
    request: HttpRequest,
    actor: Actor,
    record: Record,
    draft: Draft | None,
    latest: PublicationRequest | None,
    body: dict[str, Any],
    *,
    issues: list[Issue] | None = None,
    etag: str | None = None,
) -> dict[str, Any]:
    record_type = get_record_type(record.type)
    action = reverse("web:manage_draft", args=[record.identifier])
    if issues is None:
        issues = issues_from(draft.warnings) if draft is not None else []
    context = _form_context(request, record_type, body, action=action, issues=issues)
    return {
        **context,
        "mode": "edit",
        "record": record,
        "draft": draft,
        "latest_request": latest,
        "etag": etag or (draft.etag if draft else f'"{record.revision}.0"'),
        "locked": bool(draft and draft.locked),
        "title": _title(record, body, page_language()),
        "public_url": record_url(record) if record.revision else "",
        "may_submit": draft is not None and _may(actor, Action.SUBMIT, record),
        "may_publish": draft is not None and _may(actor, Action.PUBLISH, record),
        "done": _done(request),
    }


@require_http_methods(["GET", "POST"])
@management_view
def edit_draft(request: HttpRequest, actor: Actor, identifier: str) -> HttpResponse:
    """The draft's form. POST saves it (``update_draft`` with the ETag read: a stale one is refused)."""
    record, draft, latest, stored = _editable(actor, identifier)
    if request.method == "GET":
        context = _edit_context(request, actor, record, draft, latest, stored)
        return render_page(request, "web/manage/edit.html", context)
    record_type = get_record_type(record.type)
    body = parse_body(record_type, request.POST, page_language())
    etag = request.POST.get("_etag", "")
    context = _edit_context(request, actor, record, draft, latest, body, issues=[], etag=etag)
    refreshed = _refresh(request, context, "web/manage/edit.html")
    if refreshed is not None:
        return refreshed
    try:
        workflow.update_draft(actor, identifier=record.identifier, body=body, if_match=etag or None)
    except ValidationFailedError as exc:
        context = _edit_context(request, actor, record, draft, latest, body, issues=exc.issues, etag=etag)
        return render_page(request, "web/manage/edit.html", {**context, "failure": exc.message}, status=400)
    except (StaleRevisionError, ConflictError) as exc:
        # the typed values stay in the form; the message says what happened and how to go on
        return render_page(
            request,
            "web/manage/edit.html",
            {**context, "failure": exc.message, "stale": isinstance(exc, StaleRevisionError)},
            status=error_status(exc),
        )
    return _redirect("web:manage_draft", record.identifier, done="saved")


@require_POST
@management_view
def submit_draft(request: HttpRequest, actor: Actor, identifier: str) -> HttpResponse:
    """Request publication with a message for the approver; strict validation errors go to the form."""
    message = request.POST.get("message", "")
    try:
        workflow.submit(actor, identifier=identifier, message=message)
    except ValidationFailedError as exc:
        return _draft_with_errors(request, actor, identifier, exc, message=message)
    return _redirect("web:manage", done="submitted")


@require_POST
@management_view
def publish_draft(request: HttpRequest, actor: Actor, identifier: str) -> HttpResponse:
    """Direct publication, for those who hold the publishing role."""
    try:
        record = workflow.publish(actor, identifier=identifier)
    except ValidationFailedError as exc:
        return _draft_with_errors(request, actor, identifier, exc)
    return HttpResponseRedirect(record_url(record))


def _draft_with_errors(
    request: HttpRequest, actor: Actor, identifier: str, exc: ValidationFailedError, *, message: str = ""
) -> HttpResponse:
    """The draft's form with the strict (publication) errors next to their fields."""
    record, draft, latest, body = _editable(actor, identifier)
    context = _edit_context(request, actor, record, draft, latest, body, issues=exc.issues)
    context.update({"failure": exc.message, "strict": True, "submit_message": message})
    return render_page(request, "web/manage/edit.html", context, status=400)


# ---------------------------------------------------------------------------------------------
# the approver's inbox


@require_GET
@management_view
def inbox(request: HttpRequest, actor: Actor) -> HttpResponse:
    language = page_language()
    items = [
        {"request": r, "title": r.record.title or _request_title(r, language), "amends": r.record.revision > 0}
        for r in workflow.list_requests(actor, decidable_only=True)
    ]
    published = None
    if request.GET.get("done") == "approved" and (shown := request.GET.get("record", "")):
        published = Record.objects.filter(identifier=shown[:36], state=RecordState.PUBLISHED).first()
    return render_page(
        request,
        "web/manage/inbox.html",
        {
            "items": items,
            "done": _done(request),
            "published_url": record_url(published) if published else "",
            "published_uid": published.uid if published else "",
        },
    )


def _request_context(request: HttpRequest, actor: Actor, identifier: str) -> dict[str, Any]:
    record, draft, latest = workflow.get_draft(actor, identifier)
    language = page_language()
    record_type = get_record_type(record.type)
    body = draft.body if draft else {}
    references = References(language)
    references.load(references_in(record_type, body))
    changes: list[Any] = []
    if record.revision and draft is not None:
        current = Revision.objects.get(record=record, revision=record.revision)
        changes = diff_rows(record_type, diff_bodies(current.body, body), language)
    return {
        "record": record,
        "draft": draft,
        "pending": latest if latest is not None and latest.status == "pending" else None,
        "latest_request": latest,
        "title": _title(record, body, language),
        "type_label": type_label(record_type, language),
        "sections": section_views(record_type, body, language, references),
        "changes": changes,
        "public_url": record_url(record) if record.revision else "",
        "may_decide": _may(actor, Action.APPROVE, record),
    }


@require_GET
@management_view
def request_page(request: HttpRequest, actor: Actor, identifier: str) -> HttpResponse:
    """A request as its approver sees it: the draft rendered, what it changes, approve or reject."""
    return render_page(request, "web/manage/request.html", _request_context(request, actor, identifier))


@require_POST
@management_view
def approve_request(request: HttpRequest, actor: Actor, identifier: str) -> HttpResponse:
    record = workflow.approve(actor, identifier=identifier)
    url = reverse("web:manage_inbox")
    return HttpResponseRedirect(f"{url}?done=approved&record={record.identifier}")


@require_POST
@management_view
def reject_request(request: HttpRequest, actor: Actor, identifier: str) -> HttpResponse:
    reason = request.POST.get("reason", "")
    try:
        workflow.reject(actor, identifier=identifier, reason=reason)
    except ValidationFailedError as exc:
        context = _request_context(request, actor, identifier)
        context.update({"reason_errors": [i.message for i in exc.issues], "reason": reason})
        return render_page(request, "web/manage/request.html", context, status=400)
    return _redirect("web:manage_inbox", done="rejected")


# ---------------------------------------------------------------------------------------------
# a published record: edit (next revision), amend, withdraw


def _record_context(request: HttpRequest, actor: Actor, identifier: str) -> dict[str, Any]:
    record, draft, latest = workflow.get_draft(actor, identifier)
    if record.revision == 0:
        raise ConflictError("this record is not published yet: edit its draft")
    body = Revision.objects.get(record=record, revision=record.revision).body
    return {
        "record": record,
        "draft": draft,
        "latest_request": latest,
        "title": _title(record, body, page_language()),
        "public_url": record_url(record, body),
        "may_edit": _may(actor, Action.EDIT, record),
        "may_withdraw": _may(actor, Action.WITHDRAW, record) and record.state == RecordState.PUBLISHED,
    }


@require_GET
@management_view
def manage_record(request: HttpRequest, actor: Actor, identifier: str) -> HttpResponse:
    return render_page(request, "web/manage/record.html", _record_context(request, actor, identifier))


def _reason_failure(request: HttpRequest, actor: Actor, identifier: str, exc: OpenBCHError, form: str) -> HttpResponse:
    if not isinstance(exc, ValidationFailedError):
        return error_response(request, exc)
    context = _record_context(request, actor, identifier)
    context.update(
        {f"{form}_errors": [i.message for i in exc.issues], f"{form}_reason": request.POST.get("reason", "")}
    )
    return render_page(request, "web/manage/record.html", context, status=400)


@require_POST
@management_view
def amend_record(request: HttpRequest, actor: Actor, identifier: str) -> HttpResponse:
    try:
        draft = workflow.amend(actor, identifier=identifier, reason=request.POST.get("reason", ""))
    except ValidationFailedError as exc:
        return _reason_failure(request, actor, identifier, exc, "amend")
    return _redirect("web:manage_draft", draft.record.identifier, done="amending")


@require_POST
@management_view
def withdraw_record(request: HttpRequest, actor: Actor, identifier: str) -> HttpResponse:
    try:
        record = workflow.withdraw(actor, identifier=identifier, reason=request.POST.get("reason", ""))
    except ValidationFailedError as exc:
        return _reason_failure(request, actor, identifier, exc, "withdraw")
    return HttpResponseRedirect(record_url(record))


# ---------------------------------------------------------------------------------------------
# the reference picker


@require_GET
@management_view
def pick_reference(request: HttpRequest, actor: Actor) -> HttpResponse:
    """Candidate records for a reference field (htmx): the search service on the field's target types."""
    text = request.GET.get("q", "").strip()[:200]
    target = request.GET.get("for", "")
    codes = [c for c in request.GET.get("types", "").split(",") if c in record_types()]
    if not _PICK_TARGET.match(target):
        raise BadRequestError("for names the input to fill")
    results: list[dict[str, Any]] = []
    failure = ""
    if text:
        params = {"q": [text], "limit": [str(PICK_LIMIT)], **({"type": codes} if codes else {})}
        try:
            results = search(params, page_language())["results"]
        except BadRequestError as exc:
            failure = exc.message  # shown in the list: a query the search cannot read
    types = record_types()
    for result in results:
        result["type_label"] = type_label(types[result["type"]]) if result["type"] in types else result["type"]
    return render_page(
        request,
        "web/manage/partials/picker.html",
        {"results": results, "target": target, "query": text, "failure": failure},
    )
