"""The e-learning pages: courses, modules, lessons, quizzes, certificates, the coordinator's cohort.

Lessons are readable by anyone; quizzes, progress and certificates need an account (each POST
calls ONE function of :mod:`openbch.learning.services`, which decides who may do what). Quiz pages
are plain forms: they work without JavaScript, and the answers never reach the browser before the
attempt is submitted. The verification page (``/<lang>/verify/<code>/``) is public and shows
only the name printed, the course, the date and the status.
"""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import NoReverseMatch, reverse
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.translation import gettext
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from openbch.accounts.actors import session_actor
from openbch.core.actors import Actor
from openbch.core.errors import NotFoundError, OpenBCHError, UnauthenticatedError
from openbch.core.multilingual import localize
from openbch.learning import services
from openbch.learning.catalogue import Course, Module, catalogue
from openbch.learning.certificates import certificate_pdf
from openbch.learning.lessons import lesson_html
from openbch.web.manage.common import error_response, error_status, management_view, no_store
from openbch.web.qrcode import encode, to_svg
from openbch.web.views.common import page, page_language

__all__ = [
    "allow_attempt",
    "attempt_page",
    "certificate_download",
    "cohort_csv",
    "cohort_page",
    "courses_page",
    "create_trainee",
    "enrol",
    "export_page",
    "lesson_page",
    "module_page",
    "revoke_certificate",
    "start_quiz",
    "verify_page",
]

DONE = {
    "allowed": lambda: gettext("One more attempt was allowed."),
    "enrolled": lambda: gettext("The trainee was enrolled."),
    "created": lambda: gettext("The trainee's account was created and enrolled."),
    "revoked": lambda: gettext("The certificate was revoked."),
}


def _text(value: Any, language: str) -> dict[str, Any]:
    shown = localize(value, language)
    return {"text": shown.text, "lang": shown.language, "fallback": shown.fallback} if shown else {"text": ""}


def _actor(request: HttpRequest) -> Actor | None:
    try:
        return session_actor(request)
    except UnauthenticatedError:
        return None


def _personal(response: HttpResponse, actor: Actor | None) -> HttpResponse:
    """A page showing someone's progress is theirs only: never kept by a shared cache."""
    if actor is not None:
        return no_store(response)
    patch_vary_headers(response, ("Cookie",))
    patch_cache_control(response, private=True)
    return response


def _module_or_404(slug: str) -> Module:
    module = catalogue().modules.get(slug)
    if module is None:
        raise Http404(gettext("No such module."))
    return module


def _module_card(module: Module, language: str, actor: Actor | None) -> dict[str, Any]:
    progress = services.module_progress(actor.user_id, module) if actor and actor.user_id else None
    return {
        "slug": module.slug,
        "title": _text(module.title, language),
        "summary": _text(module.summary, language),
        "minutes": module.minutes,
        "lessons": len(module.lessons),
        "progress": progress,
        "url": reverse("web:learn_module", args=[module.slug]),
    }


def _course_card(course: Course, language: str, actor: Actor | None) -> dict[str, Any]:
    modules = [_module_card(catalogue().modules[m], language, actor) for m in course.modules]
    return {
        "slug": course.slug,
        "audience": course.audience,
        "title": _text(course.title, language),
        "summary": _text(course.summary, language),
        "certificate": course.certificate,
        "modules": modules,
        "passed": sum(1 for m in modules if m["progress"] and m["progress"].passed),
    }


@require_GET
def courses_page(request: HttpRequest) -> HttpResponse:
    language = page_language()
    actor = _actor(request)
    certificates = []
    if actor is not None and actor.user_id is not None:
        from openbch.learning.models import Certificate

        for c in Certificate.objects.filter(user_id=actor.user_id).order_by("issued_at"):
            course = catalogue().course(c.course)
            certificates.append(
                {
                    "code": c.code,
                    "course": _text(course.title, language) if course else {"text": c.course},
                    "issued": c.issued_at.date().isoformat(),
                    "revoked": c.revoked_at is not None,
                }
            )
    context = {
        "nav": "learn",
        "courses": [_course_card(c, language, actor) for c in catalogue().courses],
        "signed_in": actor is not None,
        "certificates": certificates,
        "coordinator": actor is not None and services.is_coordinator(actor),
    }
    return _personal(page(request, "web/learning/courses.html", context), actor)


@require_GET
def module_page(request: HttpRequest, slug: str) -> HttpResponse:
    language = page_language()
    module = _module_or_404(slug)
    actor = _actor(request)
    card = _module_card(module, language, actor)
    read = card["progress"].lessons_read if card["progress"] else frozenset()
    lessons = [
        {
            "slug": lesson.slug,
            "title": _text(lesson.title, language),
            "read": lesson.slug in read,
            "url": reverse("web:learn_lesson", args=[module.slug, lesson.slug]),
        }
        for lesson in module.lessons
    ]
    attempts = []
    if actor is not None and actor.user_id is not None:
        from openbch.learning.models import QuizAttempt

        attempts = list(QuizAttempt.objects.filter(user_id=actor.user_id, module=slug).order_by("number"))
    context = {
        "nav": "learn",
        "module": card,
        "lessons": lessons,
        "quiz": module.quiz,
        "pass_percent": round(module.quiz.pass_mark * 100),
        "attempts": attempts,
        "signed_in": actor is not None,
        "coordinator": actor is not None and services.is_coordinator(actor),
        "courses": [_text(c.title, language) | {"slug": c.slug} for c in catalogue().courses_with(slug)],
    }
    return _personal(page(request, "web/learning/module.html", context), actor)


@require_http_methods(["GET", "HEAD", "POST"])
def lesson_page(request: HttpRequest, slug: str, lesson: str) -> HttpResponse:
    language = page_language()
    module = _module_or_404(slug)
    found = module.lesson(lesson)
    if found is None:
        raise Http404(gettext("No such lesson."))
    actor = _actor(request)
    index = module.lessons.index(found)
    following = module.lessons[index + 1] if index + 1 < len(module.lessons) else None
    if request.method == "POST":
        if actor is None:
            return HttpResponseRedirect(f"{reverse('accounts:login')}?next={request.path}")
        try:
            services.mark_lesson_read(actor, module=slug, lesson=lesson)
        except OpenBCHError as exc:
            return no_store(error_response(request, exc))
        target = (
            reverse("web:learn_lesson", args=[slug, following.slug])
            if following
            else reverse("web:learn_module", args=[slug])
        )
        return no_store(HttpResponseRedirect(target))
    html, shown, fallback = lesson_html(found, language)
    progress = services.module_progress(actor.user_id, module) if actor and actor.user_id else None

    def link(other: Any) -> dict[str, Any] | None:
        if other is None:
            return None
        return {"title": _text(other.title, language), "url": reverse("web:learn_lesson", args=[slug, other.slug])}

    context = {
        "nav": "learn",
        "module": {
            "slug": slug,
            "title": _text(module.title, language),
            "url": reverse("web:learn_module", args=[slug]),
        },
        "lesson": {"slug": found.slug, "title": _text(found.title, language), "number": index + 1},
        "lesson_count": len(module.lessons),
        "lesson_html": html,
        "text_language": shown,
        "fallback": fallback,
        "previous": link(module.lessons[index - 1] if index > 0 else None),
        "next": link(following),
        "signed_in": actor is not None,
        "read": bool(progress and found.slug in progress.lessons_read),
    }
    return _personal(page(request, "web/learning/lesson.html", context), actor)


@require_POST
@management_view
def start_quiz(request: HttpRequest, actor: Actor, slug: str) -> HttpResponse:
    _module_or_404(slug)
    attempt = services.start_attempt(actor, module=slug)
    return HttpResponseRedirect(reverse("web:learn_attempt", args=[attempt.pk]))


@require_http_methods(["GET", "HEAD", "POST"])
@management_view
def attempt_page(request: HttpRequest, actor: Actor, attempt_id: int) -> HttpResponse:
    language = page_language()
    if request.method == "POST":
        services.submit_attempt(actor, attempt_id=attempt_id, responses=dict(request.POST.lists()))
        return HttpResponseRedirect(reverse("web:learn_attempt", args=[attempt_id]))
    view = services.attempt_view(actor, attempt_id=attempt_id, language=language)
    attempt = view.attempt
    module = view.module
    progress = services.module_progress(attempt.user_id, module)
    certificates = []
    if attempt.passed:
        from openbch.learning.models import Certificate

        for c in Certificate.objects.filter(user_id=attempt.user_id):
            course = catalogue().course(c.course)
            if course and module.slug in course.modules:
                certificates.append({"code": c.code, "course": _text(course.title, language)})
    context = {
        "nav": "learn",
        "module": {
            "slug": module.slug,
            "title": _text(module.title, language),
            "url": reverse("web:learn_module", args=[module.slug]),
        },
        "attempt": attempt,
        "questions": view.questions,
        "submitted": attempt.submitted_at is not None,
        "score_percent": round((attempt.score or 0) * 100),
        "pass_percent": round(module.quiz.pass_mark * 100),
        "reveal": view.reveal,
        "progress": progress,
        "certificates": certificates,
        "verdict_labels": _verdict_labels(),
        "border_check_url": _border_check_url(),
    }
    return page(request, "web/learning/attempt.html", context)


def _border_check_url() -> str:
    try:
        return reverse("web:border_check")
    except NoReverseMatch:  # the customs pages are not installed
        return ""


def _verdict_labels() -> dict[str, str]:
    return {
        "authorised": gettext("authorised"),
        "authorised-with-conditions": gettext("authorised with conditions"),
        "not-authorised": gettext("not authorised"),
        "no-decision": gettext("no decision found"),
        "identifier-unknown": gettext("identifier unknown"),
        "check-digit-wrong": gettext("check digit wrong"),
    }


def _verify_url(request: HttpRequest, code: str) -> str:
    return request.build_absolute_uri(reverse("web:verify", args=[code]))


@require_GET
@management_view
def certificate_download(request: HttpRequest, actor: Actor, code: str) -> HttpResponse:
    certificate = services.certificate_for(actor, code=code)
    data = certificate_pdf(certificate, verify_url=_verify_url(request, certificate.code), language=page_language())
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="certificate-{certificate.code}.pdf"'
    return response


@require_GET
def verify_page(request: HttpRequest, code: str) -> HttpResponse:
    language = page_language()
    try:
        found: dict[str, Any] | None = services.verify_certificate(code, language=language)
        status = 200
    except NotFoundError:
        found, status = None, 404
    url = _verify_url(request, found["code"]) if found else ""
    context = {
        "nav": "learn",
        "code": code[:40],
        "certificate": found,
        "qr_svg": to_svg(encode(url), title=gettext("QR code of this verification page")) if found else "",
    }
    response = page(request, "web/learning/verify.html", context, status=status)
    # a revocation shows at once: the answer is never kept by a cache
    patch_cache_control(response, no_cache=True, max_age=0)
    return response


@require_GET
@management_view
def export_page(request: HttpRequest, actor: Actor, slug: str, kind: str) -> HttpResponse:
    """A coordinator's download: the package carries the question bank with its answers."""
    language = page_language()
    data = services.export_package(actor, module=slug, kind=kind, language=language)
    response = HttpResponse(data, content_type="application/zip")
    suffix = {"scorm": "scorm12", "cmi5": "cmi5"}.get(kind, "offline")
    response["Content-Disposition"] = f'attachment; filename="{slug}-{language}-{suffix}.zip"'
    return response


# -- the coordinator's cohort ----------------------------------------------------------------


def _cohort_context(request: HttpRequest, actor: Actor, **extra: Any) -> dict[str, Any]:
    language = page_language()
    courses = catalogue().courses
    chosen = request.GET.get("course") or request.POST.get("course") or (courses[0].slug if courses else "")
    course = catalogue().course(chosen)
    if course is None:
        raise NotFoundError(f"no course {chosen!r}")
    rows = services.cohort(actor, course=course.slug)
    said = DONE.get(request.GET.get("done", ""))
    return {
        "nav": "learn",
        "courses": [{"slug": c.slug, "title": _text(c.title, language)} for c in courses],
        "course": {"slug": course.slug, "title": _text(course.title, language)},
        "modules": [{"slug": m, "title": _text(catalogue().modules[m].title, language)} for m in course.modules],
        "rows": rows,
        "done": said() if said else "",
        **extra,
    }


@require_GET
@management_view
def cohort_page(request: HttpRequest, actor: Actor) -> HttpResponse:
    return page(request, "web/learning/cohort.html", _cohort_context(request, actor))


@require_GET
@management_view
def cohort_csv(request: HttpRequest, actor: Actor) -> HttpResponse:
    course = request.GET.get("course", "")
    text = services.cohort_csv(actor, course=course)
    response = HttpResponse(text.encode("utf-8-sig"), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="cohort-{course}.csv"'
    return response


def _cohort_refused(request: HttpRequest, actor: Actor, form: str, exc: OpenBCHError) -> HttpResponse:
    by_field: dict[str, list[str]] = {}
    for issue in exc.issues:
        by_field.setdefault(issue.path.strip("/").split("/")[0] or "form", []).append(issue.message)
    context = _cohort_context(
        request, actor, failed_form=form, failure=exc.message, field_errors=by_field, posted=request.POST
    )
    return page(request, "web/learning/cohort.html", context, status=error_status(exc))


def _cohort_done(course: str, done: str) -> HttpResponseRedirect:
    return HttpResponseRedirect(f"{reverse('web:learn_cohort')}?course={course}&done={done}")


@require_POST
@management_view
def enrol(request: HttpRequest, actor: Actor) -> HttpResponse:
    course = request.POST.get("course", "")
    username = request.POST.get("username", "").strip() or None
    try:
        services.enrol(actor, course=course, username=username)
    except OpenBCHError as exc:
        if username is None or not services.is_coordinator(actor):
            raise
        return _cohort_refused(request, actor, "enrol", exc)
    if username is None:
        return HttpResponseRedirect(reverse("web:learn"))
    return _cohort_done(course, "enrolled")


@require_POST
@sensitive_post_parameters("password")
@management_view
def create_trainee(request: HttpRequest, actor: Actor) -> HttpResponse:
    course = request.POST.get("course", "")
    try:
        services.create_trainee(
            actor,
            username=request.POST.get("username", ""),
            full_name=request.POST.get("full_name", ""),
            email=request.POST.get("email", ""),
            password=request.POST.get("password", ""),
            courses=[course] if course else [],
        )
    except OpenBCHError as exc:
        return _cohort_refused(request, actor, "create", exc)
    return _cohort_done(course, "created")


@require_POST
@management_view
def revoke_certificate(request: HttpRequest, actor: Actor) -> HttpResponse:
    course = request.POST.get("course", "")
    try:
        services.revoke_certificate(actor, code=request.POST.get("code", ""), reason=request.POST.get("reason", ""))
    except OpenBCHError as exc:
        return _cohort_refused(request, actor, "revoke", exc)
    return _cohort_done(course, "revoked")


@require_POST
@management_view
def allow_attempt(request: HttpRequest, actor: Actor) -> HttpResponse:
    course = request.POST.get("course", "")
    try:
        services.allow_extra_attempt(
            actor, username=request.POST.get("username", ""), module=request.POST.get("module", "")
        )
    except OpenBCHError as exc:
        return _cohort_refused(request, actor, "allow", exc)
    return _cohort_done(course, "allowed")
