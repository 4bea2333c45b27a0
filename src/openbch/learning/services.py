"""E-learning services: every change to enrolments, progress, attempts and certificates.

Each mutating function takes the acting :class:`~openbch.core.actors.Actor` first and keyword-only
arguments, checks permission, and makes its change in one transaction; the actions a coordinator
takes on others (enrolling, revoking) and certificates issued are audited, in that transaction,
under the write lock.

Who may do what:

| action | anyone | a signed-in trainee | training coordinator / administrator |
|---|---|---|---|
| read lessons, verify a certificate | yes | yes | yes |
| mark_lesson_read, start_attempt, submit_attempt | | own | own |
| enrol | | self | anyone |
| create_trainee, cohort, allow_extra_attempt, revoke_certificate, export_package | | | yes |
| certificate_for (download) | | own | anyone's |

A certificate is issued, in the transaction that records the attempt, when the trainee has passed
every module of a course that gives one.
"""

from __future__ import annotations

import csv
import io
import secrets
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.utils import timezone

from openbch.accounts import services as account_services
from openbch.accounts.actors import require_scope
from openbch.core.actors import Actor, Role
from openbch.core.errors import (
    BadRequestError,
    ConflictError,
    Issue,
    NotFoundError,
    PermissionDeniedError,
    UnauthenticatedError,
    ValidationFailedError,
)
from openbch.core.multilingual import localized_text
from openbch.learning import quiz
from openbch.learning.catalogue import Catalogue, Course, Module, catalogue
from openbch.learning.models import Certificate, Enrolment, ExtraAttempt, LessonProgress, QuizAttempt
from openbch.records.audit import AuditEvent, append_audit
from openbch.records.locking import acquire_write_lock
from openbch.search.export import csv_safe

__all__ = [
    "CODE_ALPHABET",
    "CSV_COLUMNS",
    "AttemptView",
    "ModuleProgress",
    "allow_extra_attempt",
    "attempt_view",
    "certificate_for",
    "cohort",
    "cohort_csv",
    "create_trainee",
    "enrol",
    "export_package",
    "get_attempt",
    "is_coordinator",
    "mark_lesson_read",
    "module_progress",
    "new_code",
    "normalise_code",
    "revoke_certificate",
    "start_attempt",
    "submit_attempt",
    "verify_certificate",
]

#: Crockford's base 32: no I, L, O, U, so a code read aloud or retyped is not misread
CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
#: 20 characters of 5 bits: 100 random bits, printed as four groups of five
_CODE_LENGTH = 20
_MAX_NAME = 200
_MAX_REASON = 2000


# -- who may -----------------------------------------------------------------------------------


def is_coordinator(actor: Actor) -> bool:
    return actor.is_administrator or actor.holds(Role.TRAINING_COORDINATOR)


def _require_trainee(actor: Actor) -> int:
    """The actor's account id; a quiz, progress or a certificate belongs to an account."""
    if not actor.is_registered:
        raise UnauthenticatedError("sign in to take quizzes and keep your progress")
    require_scope(actor, "write")
    if actor.user_id is None:
        raise PermissionDeniedError(f"{actor.name} has no account to keep progress for")
    return actor.user_id


def _require_coordinator(actor: Actor) -> None:
    if not actor.is_registered:
        raise UnauthenticatedError("sign in as a training coordinator")
    if not is_coordinator(actor):
        raise PermissionDeniedError(f"{actor.name} is not a training coordinator")


def _module(slug: str, cat: Catalogue | None = None) -> Module:
    module = (cat or catalogue()).modules.get(slug)
    if module is None:
        raise NotFoundError(f"no module {slug!r}")
    return module


def _course(slug: str, cat: Catalogue | None = None) -> Course:
    course = (cat or catalogue()).course(slug)
    if course is None:
        raise NotFoundError(f"no course {slug!r}")
    return course


def _audit(actor: Actor, action: str, **details: Any) -> None:
    """One audit entry; the caller is in its transaction and took the write lock first."""
    append_audit(actor, [AuditEvent(action, details=details)], at=timezone.now())


def _enrol_quietly(user_id: int, module: str, by: str) -> None:
    """Enrol a trainee in the courses of a module they start (no audit: their own doing)."""
    now = timezone.now()
    for course in catalogue().courses_with(module):
        Enrolment.objects.get_or_create(
            user_id=user_id, course=course.slug, defaults={"enrolled_at": now, "enrolled_by": by}
        )


# -- enrolment and trainees ------------------------------------------------------------------


def enrol(actor: Actor, *, course: str, username: str | None = None) -> Enrolment:
    """Enrol ``username`` (a coordinator) or oneself (``username`` None or one's own) in ``course``."""
    own = _require_trainee(actor) if username in (None, actor.name) else None
    _course(course)
    if own is None:
        _require_coordinator(actor)
        user = User.objects.filter(username=username).first()
        if user is None:
            raise NotFoundError(f"no account {username!r}")
        user_id = user.pk
    else:
        user_id = own
    with transaction.atomic():
        acquire_write_lock()
        enrolment, created = Enrolment.objects.get_or_create(
            user_id=user_id, course=course, defaults={"enrolled_at": timezone.now(), "enrolled_by": actor.name}
        )
        if created and own is None:
            _audit(actor, "learning.enrolled", user=username, course=course)
    return enrolment


def create_trainee(
    actor: Actor, *, username: str, full_name: str, password: str, email: str = "", courses: Sequence[str] = ()
) -> User:
    """A trainee account (no roles), with the name certificates print, enrolled in ``courses``."""
    _require_coordinator(actor)
    full_name = " ".join(full_name.split())
    issues: list[Issue] = []
    if not full_name or len(full_name) > _MAX_NAME:
        issues.append(
            Issue("/full_name", "invalid_name", f"the name printed on certificates: 1 to {_MAX_NAME} characters")
        )
    cat = catalogue()
    for n, slug in enumerate(courses):
        if cat.course(slug) is None:
            issues.append(Issue(f"/courses/{n}", "unknown_course", f"no course {slug!r}"))
    if issues:
        raise ValidationFailedError(f"{len(issues)} error(s); no account was created", issues=issues)
    # one transaction around the account and its enrolments: all of it or nothing (create_user's
    # own transaction becomes a savepoint; its password hashing then runs under the lock, rarely)
    with transaction.atomic():
        acquire_write_lock()
        user = account_services.create_user(actor, username=username, password=password, email=email)
        # the whole name in one field: names do not all split into first and last
        User.objects.filter(pk=user.pk).update(first_name=full_name[:150], last_name=full_name[150:])
        now = timezone.now()
        for slug in dict.fromkeys(courses):
            Enrolment.objects.create(user=user, course=slug, enrolled_at=now, enrolled_by=actor.name)
        _audit(actor, "learning.trainee_created", user=user.username, courses=list(dict.fromkeys(courses)))
    user.refresh_from_db()
    return user


# -- lessons ---------------------------------------------------------------------------------


def mark_lesson_read(actor: Actor, *, module: str, lesson: str) -> LessonProgress:
    user_id = _require_trainee(actor)
    found = _module(module)
    if found.lesson(lesson) is None:
        raise NotFoundError(f"no lesson {lesson!r} in module {module!r}")
    with transaction.atomic():
        _enrol_quietly(user_id, module, actor.name)
        progress, _ = LessonProgress.objects.get_or_create(
            user_id=user_id, module=module, lesson=lesson, defaults={"completed_at": timezone.now()}
        )
    return progress


# -- quizzes ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ModuleProgress:
    module: str
    lessons_read: frozenset[str]
    lessons_total: int
    attempts: int
    attempts_left: int
    best_score: float | None
    passed: bool
    open_attempt: int | None

    @property
    def may_start(self) -> bool:
        return not self.passed and (self.open_attempt is not None or self.attempts_left > 0)


def module_progress(user_id: int, module: Module) -> ModuleProgress:
    read = frozenset(
        LessonProgress.objects.filter(user_id=user_id, module=module.slug).values_list("lesson", flat=True)
    )
    attempts = list(
        QuizAttempt.objects.filter(user_id=user_id, module=module.slug).values("pk", "submitted_at", "score", "passed")
    )
    submitted = [a for a in attempts if a["submitted_at"] is not None]
    open_ids = [a["pk"] for a in attempts if a["submitted_at"] is None]
    scores = [a["score"] for a in submitted if a["score"] is not None]
    extra = ExtraAttempt.objects.filter(user_id=user_id, module=module.slug).count()
    return ModuleProgress(
        module=module.slug,
        lessons_read=read & {lesson.slug for lesson in module.lessons},
        lessons_total=len(module.lessons),
        attempts=len(submitted),
        attempts_left=max(0, module.quiz.max_attempts + extra - len(submitted)),
        best_score=max(scores) if scores else None,
        passed=any(a["passed"] for a in submitted),
        open_attempt=open_ids[0] if open_ids else None,
    )


def start_attempt(actor: Actor, *, module: str) -> QuizAttempt:
    """The trainee's open attempt at ``module``'s quiz, or a new one drawn now.

    Refused (409) once the module is passed or every attempt is used.
    """
    from openbch.learning.exercises import make_exercise

    user_id = _require_trainee(actor)
    found = _module(module)
    open_attempt = QuizAttempt.objects.filter(user_id=user_id, module=module, submitted_at__isnull=True).first()
    if open_attempt is not None:
        return open_attempt
    progress = module_progress(user_id, found)
    if progress.passed:
        raise ConflictError(f"you passed {module!r} already")
    if progress.attempts_left <= 0:
        raise ConflictError(
            f"all {progress.attempts} attempts at {module!r} are used; a training coordinator may allow one more"
        )
    seed = secrets.randbits(63)
    # drawn before the transaction: an exercise asks the border check, a read that takes no lock
    paper = quiz.draw_paper(found, seed, make_exercise)
    try:
        with transaction.atomic():
            _enrol_quietly(user_id, module, actor.name)
            number = QuizAttempt.objects.filter(user_id=user_id, module=module).count() + 1
            return QuizAttempt.objects.create(
                user_id=user_id, module=module, number=number, seed=seed, paper=paper, started_at=timezone.now()
            )
    except IntegrityError:  # the same trainee started one in another tab at the same moment
        again = QuizAttempt.objects.filter(user_id=user_id, module=module, submitted_at__isnull=True).first()
        if again is None:
            raise ConflictError("another attempt was recorded meanwhile; try again") from None
        return again


def _own_attempt(actor: Actor, attempt_id: int) -> QuizAttempt:
    user_id = _require_trainee(actor)
    attempt = QuizAttempt.objects.filter(pk=attempt_id, user_id=user_id).first()
    if attempt is None:  # someone else's looks the same as none: attempt ids are not secrets
        raise NotFoundError(f"no attempt {attempt_id} of yours")
    return attempt


def get_attempt(actor: Actor, *, attempt_id: int) -> QuizAttempt:
    return _own_attempt(actor, attempt_id)


_MAX_FIELDS = 400
_MAX_VALUE = 100


def _clean_responses(responses: Mapping[str, Iterable[Any]]) -> dict[str, list[str]]:
    """Only the answer fields, bounded (a form has a few dozen; anything else is ignored)."""
    clean: dict[str, list[str]] = {}
    for key, values in list(responses.items())[:_MAX_FIELDS]:
        if key in ("csrfmiddlewaretoken",) or len(key) > 60:
            continue
        items = [values] if isinstance(values, str) else list(values)
        clean[key] = [str(v)[:_MAX_VALUE] for v in items[:20]]
    return clean


def submit_attempt(actor: Actor, *, attempt_id: int, responses: Mapping[str, Iterable[Any]]) -> QuizAttempt:
    """Score an open attempt; a pass that completes a course issues its certificate."""
    attempt = _own_attempt(actor, attempt_id)
    if attempt.submitted_at is not None:
        raise ConflictError(f"attempt {attempt_id} was submitted already")
    if not isinstance(responses, Mapping):
        raise BadRequestError("responses must be an object of field -> values")
    module = _module(attempt.module)
    answers = _clean_responses(responses)
    marks, total = quiz.score(module, attempt.paper, answers)
    with transaction.atomic():
        acquire_write_lock()  # a pass may issue a certificate: an audited change
        # the update's condition makes a double submit score once
        updated = QuizAttempt.objects.filter(pk=attempt.pk, submitted_at__isnull=True).update(
            submitted_at=timezone.now(),
            responses=answers,
            marks=marks,
            score=total,
            passed=total >= module.quiz.pass_mark,
        )
        if not updated:
            raise ConflictError(f"attempt {attempt_id} was submitted already")
        attempt.refresh_from_db()
        if attempt.passed:
            _issue_certificates(actor, attempt.user_id, module.slug)
    return attempt


@dataclass(frozen=True)
class AttemptView:
    """An attempt as the trainee's page or the API shows it."""

    attempt: QuizAttempt
    module: Module
    questions: list[dict[str, Any]] = field(default_factory=list)
    reveal: bool = False


def attempt_view(actor: Actor, *, attempt_id: int, language: str) -> AttemptView:
    attempt = _own_attempt(actor, attempt_id)
    module = _module(attempt.module)
    if attempt.submitted_at is None:
        return AttemptView(attempt, module, quiz.present(module, attempt.paper, language))
    progress = module_progress(attempt.user_id, module)
    reveal = progress.passed or progress.attempts_left == 0
    questions = quiz.review(module, attempt.paper, attempt.responses, reveal=reveal, language=language)
    return AttemptView(attempt, module, questions, reveal)


def allow_extra_attempt(actor: Actor, *, username: str, module: str) -> ExtraAttempt:
    """One more attempt for a trainee who used every attempt at ``module`` without passing (audited)."""
    _require_coordinator(actor)
    require_scope(actor, "write")
    found = _module(module)
    user = User.objects.filter(username=username).first()
    if user is None:
        raise NotFoundError(f"no account {username!r}")
    progress = module_progress(user.pk, found)
    if progress.passed:
        raise ConflictError(f"{username} passed {module!r} already")
    if progress.attempts_left > 0 or progress.open_attempt is not None:
        raise ConflictError(f"{username} still has an attempt at {module!r}")
    with transaction.atomic():
        acquire_write_lock()
        extra = ExtraAttempt.objects.create(user=user, module=module, granted_at=timezone.now(), granted_by=actor.name)
        _audit(actor, "learning.attempt_allowed", user=username, module=module)
    return extra


# -- certificates ----------------------------------------------------------------------------


def new_code() -> str:
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(_CODE_LENGTH))
    return "-".join(raw[i : i + 5] for i in range(0, _CODE_LENGTH, 5))


def normalise_code(text: str) -> str:
    """The stored form of a code as typed: upper case, any separators, O/I/L read as 0/1/1."""
    compact = "".join(ch for ch in text.upper() if ch.isalnum())
    compact = compact.translate(str.maketrans("OIL", "011"))
    if len(compact) != _CODE_LENGTH or any(ch not in CODE_ALPHABET for ch in compact):
        return ""
    return "-".join(compact[i : i + 5] for i in range(0, _CODE_LENGTH, 5))


def _issue_certificates(actor: Actor, user_id: int, module: str) -> None:
    """Inside the attempt's transaction: a certificate for each course now complete."""
    cat = catalogue()
    passed = set(QuizAttempt.objects.filter(user_id=user_id, passed=True).values_list("module", flat=True).distinct())
    user = User.objects.get(pk=user_id)
    for course in cat.courses_with(module):
        if not course.certificate or not set(course.modules) <= passed:
            continue
        if Certificate.objects.filter(user_id=user_id, course=course.slug).exists():
            continue
        name = (user.get_full_name() or user.get_username()).strip()[:_MAX_NAME]
        certificate = Certificate.objects.create(
            code=new_code(), user_id=user_id, course=course.slug, name_printed=name, issued_at=timezone.now()
        )
        _audit(
            actor, "learning.certificate_issued", user=user.get_username(), course=course.slug, code=certificate.code
        )


def certificate_for(actor: Actor, *, code: str) -> Certificate:
    """A certificate its holder (or a coordinator) may download; others get 404, as for no certificate."""
    if not actor.is_registered:
        raise UnauthenticatedError("sign in to download a certificate")
    certificate = Certificate.objects.filter(code=normalise_code(code)).first() if normalise_code(code) else None
    if certificate is None or (certificate.user_id != actor.user_id and not is_coordinator(actor)):
        raise NotFoundError("no such certificate of yours")
    return certificate


def verify_certificate(code: str, *, language: str = "en") -> dict[str, Any]:
    """What anyone may know of a certificate: the name printed, the course, the date, the status."""
    normal = normalise_code(code)
    certificate = Certificate.objects.filter(code=normal).first() if normal else None
    if certificate is None:
        raise NotFoundError("no certificate has this code")
    course = catalogue().course(certificate.course)
    return {
        "code": certificate.code,
        "name": certificate.name_printed,
        "course": certificate.course,
        "course_title": (localized_text(course.title, language) if course else None) or certificate.course,
        "issued": certificate.issued_at.date().isoformat(),
        "status": "revoked" if certificate.revoked_at else "valid",
        "revoked": certificate.revoked_at.date().isoformat() if certificate.revoked_at else None,
    }


def revoke_certificate(actor: Actor, *, code: str, reason: str) -> Certificate:
    """Mark a certificate revoked (kept, and shown as revoked at its verification address)."""
    _require_coordinator(actor)
    require_scope(actor, "write")
    reason = reason.strip()
    if not reason or len(reason) > _MAX_REASON:
        raise ValidationFailedError(
            "a revocation needs a reason",
            issues=[Issue("/reason", "required", f"say why, in 1 to {_MAX_REASON} characters")],
        )
    normal = normalise_code(code)
    with transaction.atomic():
        acquire_write_lock()
        certificate = Certificate.objects.select_for_update().filter(code=normal).first() if normal else None
        if certificate is None:
            raise NotFoundError("no certificate has this code")
        if certificate.revoked_at is not None:
            raise ConflictError("the certificate was revoked already")
        certificate.revoked_at = timezone.now()
        certificate.revoked_by = actor.name
        certificate.revoked_reason = reason
        certificate.save(update_fields=["revoked_at", "revoked_by", "revoked_reason"])
        _audit(actor, "learning.certificate_revoked", code=certificate.code, course=certificate.course, reason=reason)
    return certificate


# -- packages for use elsewhere --------------------------------------------------------------


def export_package(actor: Actor, *, module: str, kind: str, language: str) -> bytes:
    """A module as a SCORM 1.2 or cmi5 package or an offline bundle, for a training coordinator.

    Only coordinators: a package runs without the clearing-house, so its quiz carries the whole
    question bank with the answers; given to anyone, it would be the answer key to the quizzes
    scored here.
    """
    from openbch.learning.export import KINDS, export_module

    _require_coordinator(actor)
    found = _module(module)
    if kind not in KINDS:
        raise NotFoundError(f"no export {kind!r} ({', '.join(KINDS)})")
    return export_module(found, kind=kind, language=language)


# -- the cohort ------------------------------------------------------------------------------


def cohort(actor: Actor, *, course: str) -> list[dict[str, Any]]:
    """Every trainee enrolled in ``course``: progress and results per module, and the certificate."""
    _require_coordinator(actor)
    found = _course(course)
    cat = catalogue()
    enrolments = list(Enrolment.objects.filter(course=course).select_related("user").order_by("user__username"))
    user_ids = [e.user_id for e in enrolments]
    read: dict[tuple[int, str], set[str]] = {}
    for user_id, module_slug, lesson in LessonProgress.objects.filter(
        user_id__in=user_ids, module__in=found.modules
    ).values_list("user_id", "module", "lesson"):
        read.setdefault((user_id, module_slug), set()).add(lesson)
    attempts: dict[tuple[int, str], list[QuizAttempt]] = {}
    for attempt in QuizAttempt.objects.filter(
        user_id__in=user_ids, module__in=found.modules, submitted_at__isnull=False
    ).order_by("number"):
        attempts.setdefault((attempt.user_id, attempt.module), []).append(attempt)
    extras: dict[tuple[int, str], int] = {}
    for user_id, module_slug in ExtraAttempt.objects.filter(user_id__in=user_ids, module__in=found.modules).values_list(
        "user_id", "module"
    ):
        extras[(user_id, module_slug)] = extras.get((user_id, module_slug), 0) + 1
    certificates = {c.user_id: c for c in Certificate.objects.filter(course=course, user_id__in=user_ids)}
    rows = []
    for enrolment in enrolments:
        modules: list[dict[str, Any]] = []
        for slug in found.modules:
            module = cat.modules[slug]
            tries = attempts.get((enrolment.user_id, slug), [])
            scores = [a.score for a in tries if a.score is not None]
            lessons = read.get((enrolment.user_id, slug), set()) & {lesson.slug for lesson in module.lessons}
            modules.append(
                {
                    "module": slug,
                    "lessons_read": len(lessons),
                    "lessons_total": len(module.lessons),
                    "attempts": len(tries),
                    "max_attempts": module.quiz.max_attempts + extras.get((enrolment.user_id, slug), 0),
                    "best_score": max(scores) if scores else None,
                    "passed": any(a.passed for a in tries),
                }
            )
            modules[-1]["out_of_attempts"] = not modules[-1]["passed"] and len(tries) >= modules[-1]["max_attempts"]
        certificate = certificates.get(enrolment.user_id)
        rows.append(
            {
                "username": enrolment.user.get_username(),
                "name": enrolment.user.get_full_name(),
                "enrolled_at": enrolment.enrolled_at,
                "enrolled_by": enrolment.enrolled_by,
                "modules": modules,
                "modules_passed": sum(m["passed"] for m in modules),
                "certificate": certificate.code if certificate else None,
                "certificate_status": (("revoked" if certificate.revoked_at else "valid") if certificate else None),
            }
        )
    return rows


CSV_COLUMNS = (
    "course", "username", "name", "enrolled_at", "enrolled_by", "module", "lessons_read", "lessons_total",
    "attempts", "max_attempts", "best_score", "passed", "certificate", "certificate_status",
)  # fmt: skip


def cohort_csv(actor: Actor, *, course: str) -> str:
    """The cohort as CSV, one row per trainee and module (cells a spreadsheet would run are quoted)."""
    rows = cohort(actor, course=course)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for row in rows:
        for module in row["modules"]:
            values: list[Any] = [
                course,
                row["username"],
                row["name"],
                row["enrolled_at"].isoformat(timespec="seconds"),
                row["enrolled_by"],
                module["module"],
                module["lessons_read"],
                module["lessons_total"],
                module["attempts"],
                module["max_attempts"],
                "" if module["best_score"] is None else f"{module['best_score']:.2f}",
                "yes" if module["passed"] else "no",
                row["certificate"] or "",
                row["certificate_status"] or "",
            ]
            writer.writerow([csv_safe(v) if isinstance(v, str) else v for v in values])
    return out.getvalue()
