"""E-learning in the API: the course catalogue, quiz attempts, certificate verification, the cohort.

``openbch.api.app`` calls :func:`mount`. Reading the catalogue and verifying a certificate are
open to anyone; attempts need an API token (or a signed-in session with ``X-CSRFToken``) and
belong to its account; the cohort and revocation need the training-coordinator role. Quiz
answers are never in a response before the attempt is submitted; every handler parses, calls ONE
function of :mod:`openbch.learning.services` and shapes the answer.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse
from ninja import Field, NinjaAPI, Path, Query, Router, Schema, Status

from openbch.accounts.auth import TOKEN_OR_SESSION
from openbch.api.language import requested_language
from openbch.api.params import Language
from openbch.api.schemas import Problem
from openbch.core.actors import Actor
from openbch.core.errors import NotFoundError
from openbch.core.multilingual import localized_text
from openbch.learning import services
from openbch.learning.catalogue import Module, catalogue
from openbch.learning.lessons import lesson_html
from openbch.learning.models import Certificate, QuizAttempt

__all__ = ["mount", "router"]

router = Router(tags=["learning"])

Slug = Annotated[str, Path(..., max_length=100, pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$")]
AttemptId = Annotated[int, Path(..., ge=1, le=2**63 - 1)]
Code = Annotated[str, Path(..., max_length=40, description="the code printed on the certificate")]
READ_ERRORS: dict[int, Any] = {400: Problem, 404: Problem, 429: Problem}
WRITE_ERRORS: dict[int, Any] = {400: Problem, 401: Problem, 403: Problem, 404: Problem, 409: Problem, 429: Problem}


class QuizRulesOut(Schema):
    pass_mark: float
    draw: int
    max_attempts: int


class LessonOut(Schema):
    slug: str
    title: str
    html: str | None = Field(None, description="the lesson rendered from Markdown (in GET /learning/modules/{slug})")
    language: str | None = None


class ModuleOut(Schema):
    slug: str
    audience: str
    title: str
    summary: str
    minutes: int
    lessons: list[LessonOut]
    quiz: QuizRulesOut
    scorm_package: str | None = Field(
        None, description="download page of its SCORM 1.2 package (training coordinators)"
    )
    cmi5_package: str | None = Field(None, description="download page of its cmi5 package (training coordinators)")
    offline_bundle: str | None = Field(
        None, description="download page of its offline HTML bundle (training coordinators)"
    )


class CourseOut(Schema):
    slug: str
    audience: str
    title: str
    summary: str
    certificate: bool
    modules: list[ModuleOut]


class CertificateCheckOut(Schema):
    code: str
    name: str = Field(..., description="the name printed on the certificate, nothing else about its holder")
    course: str
    course_title: str
    issued: str
    status: str = Field(..., description="`valid` or `revoked`")
    revoked: str | None


class AttemptOut(Schema):
    id: int
    module: str
    number: int
    started_at: dt.datetime
    submitted_at: dt.datetime | None
    score: float | None
    passed: bool
    questions: list[dict[str, Any]] = Field(
        ..., description="as drawn for this attempt; after submission each has its mark and explanation"
    )
    answers_shown: bool = Field(..., description="right answers are shown once passed or no attempt is left")
    certificates: list[str] = Field(default_factory=list, description="codes of certificates this pass completed")


class SubmitIn(Schema):
    responses: dict[str, list[Annotated[str, Field(max_length=100)]]] = Field(
        ...,
        description=(
            "form fields -> values: `<qid>` for choices, `<qid>.<row>` -> `r<n>` for matching, "
            "`<qid>.overall` and `<qid>.item.<n>` -> a verdict for border-check exercises"
        ),
        max_length=400,
    )


class RevokeIn(Schema):
    reason: str = Field(..., min_length=1, max_length=2000)


def _t(value: Any, language: str) -> str:
    return localized_text(value, language) or ""


def _link(name: str, *args: str) -> str | None:
    try:
        return reverse(name, args=args)
    except NoReverseMatch:  # no web pages in this installation
        return None


def _module(module: Module, language: str, *, with_text: bool) -> dict[str, Any]:
    lessons = []
    for lesson in module.lessons:
        item: dict[str, Any] = {"slug": lesson.slug, "title": _t(lesson.title, language)}
        if with_text:
            item["html"], item["language"], _ = lesson_html(lesson, language)
        lessons.append(item)
    return {
        "slug": module.slug,
        "audience": module.audience,
        "title": _t(module.title, language),
        "summary": _t(module.summary, language),
        "minutes": module.minutes,
        "lessons": lessons,
        "quiz": {
            "pass_mark": module.quiz.pass_mark,
            "draw": module.quiz.draw,
            "max_attempts": module.quiz.max_attempts,
        },
        "scorm_package": _link("web:learn_export", module.slug, "scorm"),
        "cmi5_package": _link("web:learn_export", module.slug, "cmi5"),
        "offline_bundle": _link("web:learn_export", module.slug, "html"),
    }


def _actor(request: HttpRequest) -> Actor:
    actor = request.auth  # type: ignore[attr-defined]  # set by the auth classes
    assert isinstance(actor, Actor)
    return actor


@router.get("/learning/courses", response={200: list[CourseOut], **READ_ERRORS}, summary="The e-learning courses")
def courses(request: HttpRequest, lang: Language = None) -> list[dict[str, Any]]:
    """Every course with its modules (titles, lessons, quiz rules); lesson texts are at /learning/modules/{slug}."""
    language = requested_language(request, lang)
    cat = catalogue()
    return [
        {
            "slug": c.slug,
            "audience": c.audience,
            "title": _t(c.title, language),
            "summary": _t(c.summary, language),
            "certificate": c.certificate,
            "modules": [_module(cat.modules[m], language, with_text=False) for m in c.modules],
        }
        for c in cat.courses
    ]


@router.get("/learning/modules/{slug}", response={200: ModuleOut, **READ_ERRORS}, summary="A module with its lessons")
def module(request: HttpRequest, slug: Slug, lang: Language = None) -> dict[str, Any]:
    """The lessons as HTML (from Markdown; raw HTML in a lesson is shown as text), in ``lang`` where written."""
    language = requested_language(request, lang)
    found = catalogue().modules.get(slug)
    if found is None:
        raise NotFoundError(f"no module {slug!r}")
    return _module(found, language, with_text=True)


@router.get(
    "/learning/certificates/{code}",
    response={200: CertificateCheckOut, **READ_ERRORS},
    summary="Verify a certificate by its code",
)
def verify(request: HttpRequest, code: Code, lang: Language = None) -> dict[str, Any]:
    """Public: the name printed, the course, the date of issue and whether it is valid or revoked."""
    return services.verify_certificate(code, language=requested_language(request, lang))


def _attempt_out(actor: Actor, attempt: QuizAttempt, language: str) -> dict[str, Any]:
    view = services.attempt_view(actor, attempt_id=attempt.pk, language=language)
    attempt = view.attempt
    codes: list[str] = []
    if attempt.passed:
        course_slugs = [c.slug for c in catalogue().courses_with(attempt.module)]
        codes = list(
            Certificate.objects.filter(user_id=attempt.user_id, course__in=course_slugs).values_list("code", flat=True)
        )
    return {
        "id": attempt.pk,
        "module": attempt.module,
        "number": attempt.number,
        "started_at": attempt.started_at,
        "submitted_at": attempt.submitted_at,
        "score": attempt.score,
        "passed": attempt.passed,
        "questions": view.questions,
        "answers_shown": view.reveal,
        "certificates": codes,
    }


@router.post(
    "/learning/modules/{slug}/attempts",
    auth=TOKEN_OR_SESSION,
    response={201: AttemptOut, **WRITE_ERRORS},
    summary="Start (or continue) an attempt at a module's quiz",
    description="Returns the open attempt if there is one. 409: the module is passed or every attempt is used.",
)
def start_attempt(request: HttpRequest, slug: Slug, lang: Language = None) -> Status[dict[str, Any]]:
    actor = _actor(request)
    attempt = services.start_attempt(actor, module=slug)
    return Status(201, _attempt_out(actor, attempt, requested_language(request, lang)))


@router.get(
    "/learning/attempts/{attempt_id}",
    auth=TOKEN_OR_SESSION,
    response={200: AttemptOut, 401: Problem, 404: Problem, 429: Problem},
    summary="One of your attempts",
)
def get_attempt(request: HttpRequest, attempt_id: AttemptId, lang: Language = None) -> dict[str, Any]:
    actor = _actor(request)
    attempt = services.get_attempt(actor, attempt_id=attempt_id)
    return _attempt_out(actor, attempt, requested_language(request, lang))


@router.post(
    "/learning/attempts/{attempt_id}/submit",
    auth=TOKEN_OR_SESSION,
    response={200: AttemptOut, **WRITE_ERRORS},
    summary="Submit your answers; the attempt is scored on the server",
    description="409: submitted already. A pass that completes a course issues its certificate (see `certificates`).",
)
def submit_attempt(
    request: HttpRequest, attempt_id: AttemptId, payload: SubmitIn, lang: Language = None
) -> dict[str, Any]:
    actor = _actor(request)
    attempt = services.submit_attempt(actor, attempt_id=attempt_id, responses=payload.responses)
    return _attempt_out(actor, attempt, requested_language(request, lang))


@router.get(
    "/learning/cohort",
    auth=TOKEN_OR_SESSION,
    response={200: list[dict[str, Any]], 401: Problem, 403: Problem, 404: Problem, 429: Problem},
    summary="A course's trainees, progress and results (training coordinators)",
)
def cohort(request: HttpRequest, course: Annotated[str, Query(..., max_length=100)]) -> list[dict[str, Any]]:
    return services.cohort(_actor(request), course=course)


class ExtraAttemptIn(Schema):
    username: str = Field(..., min_length=1, max_length=150)


@router.post(
    "/learning/modules/{slug}/extra-attempts",
    auth=TOKEN_OR_SESSION,
    response={201: dict[str, Any], **WRITE_ERRORS},
    summary="Allow a trainee one more attempt at a module's quiz (training coordinators; audited)",
    description="409: the trainee passed the module already, or still has an attempt.",
)
def allow_extra_attempt(request: HttpRequest, slug: Slug, payload: ExtraAttemptIn) -> Status[dict[str, Any]]:
    extra = services.allow_extra_attempt(_actor(request), username=payload.username, module=slug)
    return Status(201, {"username": payload.username, "module": slug, "granted_at": extra.granted_at})


@router.post(
    "/learning/certificates/{code}/revoke",
    auth=TOKEN_OR_SESSION,
    response={200: CertificateCheckOut, **WRITE_ERRORS},
    summary="Revoke a certificate (training coordinators; audited)",
)
def revoke(request: HttpRequest, code: Code, payload: RevokeIn) -> dict[str, Any]:
    certificate = services.revoke_certificate(_actor(request), code=code, reason=payload.reason)
    return services.verify_certificate(certificate.code)


def mount(api: NinjaAPI) -> None:
    if any(mounted is router for _, mounted in api._routers):
        return  # ninja refuses to mount one router twice; tests may call this again
    api.add_router("/v1", router)
