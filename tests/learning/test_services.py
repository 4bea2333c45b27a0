"""The e-learning services on a real database with the demo data: attempts drawn, scored on the
server, limited and recorded; certificates issued on completing a course, verified, revoked."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import User

from openbch.core.actors import ANONYMOUS, SYSTEM, Actor
from openbch.core.errors import (
    ConflictError,
    NotFoundError,
    PermissionDeniedError,
    UnauthenticatedError,
    ValidationFailedError,
)
from openbch.learning import services
from openbch.learning.catalogue import catalogue
from openbch.learning.models import Certificate, Enrolment, LessonProgress, QuizAttempt
from openbch.records.audit import verify_chain
from openbch.records.models import AuditEntry
from tests.learning.answers import right_answers

pytestmark = pytest.mark.django_db


def pass_module(actor: Actor, slug: str) -> QuizAttempt:
    attempt = services.start_attempt(actor, module=slug)
    return services.submit_attempt(
        actor, attempt_id=attempt.pk, responses=right_answers(catalogue().modules[slug], attempt.paper)
    )


def test_an_attempt_is_drawn_once_and_shown_again_on_reload(trainee: Actor) -> None:
    first = services.start_attempt(trainee, module="customs-basics")
    again = services.start_attempt(trainee, module="customs-basics")
    assert again.pk == first.pk and again.paper == first.paper
    assert len(first.paper["questions"]) == catalogue().modules["customs-basics"].quiz.draw
    assert Enrolment.objects.filter(user_id=trainee.user_id, course="customs-test").exists()


def test_a_failed_attempt_is_recorded_and_a_retake_draws_anew(trainee: Actor) -> None:
    first = services.start_attempt(trainee, module="customs-basics")
    failed = services.submit_attempt(trainee, attempt_id=first.pk, responses={})
    assert failed.score == 0 and not failed.passed and failed.submitted_at is not None
    second = services.start_attempt(trainee, module="customs-basics")
    assert second.pk != first.pk and second.number == 2
    passed = services.submit_attempt(
        trainee, attempt_id=second.pk, responses=right_answers(catalogue().modules["customs-basics"], second.paper)
    )
    assert passed.score == 1 and passed.passed
    with pytest.raises(ConflictError, match="passed"):
        services.start_attempt(trainee, module="customs-basics")


def test_attempts_are_limited_when_all_used(trainee: Actor) -> None:
    module = catalogue().modules["customs-basics"]
    for _ in range(module.quiz.max_attempts):
        attempt = services.start_attempt(trainee, module=module.slug)
        services.submit_attempt(trainee, attempt_id=attempt.pk, responses={"q1": ["b"]})
    with pytest.raises(ConflictError, match="attempts"):
        services.start_attempt(trainee, module=module.slug)
    progress = services.module_progress(trainee.user_id or 0, module)
    assert progress.attempts == module.quiz.max_attempts and progress.attempts_left == 0


def test_a_submitted_attempt_cannot_be_submitted_again(trainee: Actor) -> None:
    attempt = services.start_attempt(trainee, module="customs-basics")
    services.submit_attempt(trainee, attempt_id=attempt.pk, responses={})
    with pytest.raises(ConflictError):
        services.submit_attempt(trainee, attempt_id=attempt.pk, responses={})


def test_someone_elses_attempt_is_not_found(trainee: Actor, make_user: Callable[..., User], actor_of: Any) -> None:
    attempt = services.start_attempt(trainee, module="customs-basics")
    other = actor_of(make_user("other"))
    with pytest.raises(NotFoundError):
        services.submit_attempt(other, attempt_id=attempt.pk, responses={})
    with pytest.raises(NotFoundError):
        services.attempt_view(other, attempt_id=attempt.pk, language="en")


def test_quizzes_need_an_account() -> None:
    with pytest.raises(UnauthenticatedError):
        services.start_attempt(ANONYMOUS, module="customs-basics")
    with pytest.raises(PermissionDeniedError):
        services.start_attempt(SYSTEM, module="customs-basics")


def test_an_unknown_module_or_lesson_is_not_found(trainee: Actor) -> None:
    with pytest.raises(NotFoundError):
        services.start_attempt(trainee, module="no-such-module")
    with pytest.raises(NotFoundError):
        services.mark_lesson_read(trainee, module="customs-basics", lesson="no-such-lesson")


def test_lessons_read_are_kept_once(trainee: Actor) -> None:
    services.mark_lesson_read(trainee, module="customs-basics", lesson="article-18")
    services.mark_lesson_read(trainee, module="customs-basics", lesson="article-18")
    assert LessonProgress.objects.filter(user_id=trainee.user_id).count() == 1
    progress = services.module_progress(trainee.user_id or 0, catalogue().modules["customs-basics"])
    assert progress.lessons_read == {"article-18"} and progress.lessons_total == 2


def test_the_answers_are_shown_only_once_passed_or_out_of_attempts(trainee: Actor) -> None:
    attempt = services.start_attempt(trainee, module="customs-basics")
    services.submit_attempt(trainee, attempt_id=attempt.pk, responses={})
    view = services.attempt_view(trainee, attempt_id=attempt.pk, language="en")
    assert not view.reveal and all(q["right"] is None for q in view.questions)
    assert all(q["explanation"] for q in view.questions)
    second = pass_module(trainee, "customs-basics")
    view = services.attempt_view(trainee, attempt_id=second.pk, language="en")
    assert view.reveal and all(q["right"] is not None for q in view.questions)


def test_a_certificate_when_every_module_of_the_course_is_passed(trainee: Actor) -> None:
    pass_module(trainee, "customs-basics")
    assert not Certificate.objects.filter(user_id=trainee.user_id).exists()
    pass_module(trainee, "reading-documents")
    certificate = Certificate.objects.get(user_id=trainee.user_id, course="customs-test")
    assert certificate.name_printed == "Amina Diallo"
    assert AuditEntry.objects.filter(action="learning.certificate_issued").count() == 1
    verified = services.verify_certificate(certificate.code.lower().replace("-", " "))
    assert verified == {
        "code": certificate.code,
        "name": "Amina Diallo",
        "course": "customs-test",
        "course_title": "Customs test course",
        "issued": certificate.issued_at.date().isoformat(),
        "status": "valid",
        "revoked": None,
    }
    assert (
        services.verify_certificate(certificate.code, language="fr")["course_title"] == "Cours d'essai pour les douanes"
    )


def test_certificate_codes_cannot_be_guessed_and_unknown_codes_are_not_found() -> None:
    codes = {services.new_code() for _ in range(200)}
    assert len(codes) == 200
    assert all(services.normalise_code(c) == c and len(c.replace("-", "")) == 20 for c in codes)
    with pytest.raises(NotFoundError):
        services.verify_certificate("AAAAA-AAAAA-AAAAA-AAAAA")
    with pytest.raises(NotFoundError):
        services.verify_certificate("<script>")


def test_revocation_by_a_coordinator_is_audited_and_shown(trainee: Actor, coordinator: Actor) -> None:
    pass_module(trainee, "customs-basics")
    pass_module(trainee, "reading-documents")
    code = Certificate.objects.get(user_id=trainee.user_id).code
    with pytest.raises(PermissionDeniedError):
        services.revoke_certificate(trainee, code=code, reason="mine")
    with pytest.raises(ValidationFailedError) as refused:
        services.revoke_certificate(coordinator, code=code, reason="  ")
    assert refused.value.issues[0].path == "/reason"
    services.revoke_certificate(coordinator, code=code, reason="issued to the wrong person")
    assert services.verify_certificate(code)["status"] == "revoked"
    entry = AuditEntry.objects.get(action="learning.certificate_revoked")
    assert entry.actor == "coordinator" and entry.details["reason"] == "issued to the wrong person"
    assert verify_chain()[0]
    with pytest.raises(ConflictError):
        services.revoke_certificate(coordinator, code=code, reason="again")


def test_a_certificate_is_downloaded_by_its_holder_or_a_coordinator_only(
    trainee: Actor, coordinator: Actor, make_user: Callable[..., User], actor_of: Any
) -> None:
    pass_module(trainee, "customs-basics")
    pass_module(trainee, "reading-documents")
    code = Certificate.objects.get(user_id=trainee.user_id).code
    assert services.certificate_for(trainee, code=code).code == code
    assert services.certificate_for(coordinator, code=code).code == code
    with pytest.raises(NotFoundError):
        services.certificate_for(actor_of(make_user("someone")), code=code)


def test_a_coordinator_creates_and_enrols_trainees(coordinator: Actor, trainee: Actor) -> None:
    user = services.create_trainee(
        coordinator,
        username="officer1",
        full_name="  Олег   Петров ",
        password="a long passphrase here",
        courses=["customs-test"],
    )
    assert user.get_full_name() == "Олег Петров"
    assert Enrolment.objects.get(user=user).enrolled_by == "coordinator"
    with pytest.raises(ValidationFailedError) as refused:
        services.create_trainee(coordinator, username="officer2", full_name="", password="short", courses=["nope"])
    assert {i.path for i in refused.value.issues} == {"/full_name", "/courses/0"}
    assert not User.objects.filter(username="officer2").exists()
    with pytest.raises(ValidationFailedError) as refused:
        services.create_trainee(coordinator, username="officer3", full_name="Name", password="short")
    assert refused.value.issues[0].path == "/password"
    assert not User.objects.filter(username="officer3").exists()
    with pytest.raises(PermissionDeniedError):
        services.create_trainee(trainee, username="officer4", full_name="X", password="a long passphrase here")
    services.enrol(coordinator, course="customs-test", username="trainee")
    assert AuditEntry.objects.filter(action="learning.enrolled").count() == 1
    with pytest.raises(PermissionDeniedError):
        services.enrol(trainee, course="customs-test", username="officer1")


def test_the_cohort_shows_progress_and_results_and_exports_safe_csv(
    coordinator: Actor, trainee: Actor, make_user: Callable[..., User], actor_of: Any
) -> None:
    services.mark_lesson_read(trainee, module="customs-basics", lesson="article-18")
    pass_module(trainee, "customs-basics")
    sly = actor_of(make_user("sly", full_name='=HYPERLINK("http://x")'))
    services.enrol(sly, course="customs-test")
    rows = {r["username"]: r for r in services.cohort(coordinator, course="customs-test")}
    assert set(rows) == {"trainee", "sly"}
    basics = rows["trainee"]["modules"][0]
    assert basics["module"] == "customs-basics" and basics["passed"] and basics["lessons_read"] == 1
    assert rows["trainee"]["modules_passed"] == 1 and rows["sly"]["modules_passed"] == 0
    text = services.cohort_csv(coordinator, course="customs-test")
    lines = text.splitlines()
    assert lines[0].split(",") == list(services.CSV_COLUMNS)
    assert len(lines) == 1 + 2 * 2  # two trainees, two modules each
    assert "'=HYPERLINK" in text and ",=HYPERLINK" not in text
    with pytest.raises(PermissionDeniedError):
        services.cohort(trainee, course="customs-test")
    with pytest.raises(NotFoundError):
        services.cohort(coordinator, course="nope")


def test_a_coordinator_allows_one_more_attempt_to_a_trainee_out_of_attempts(trainee: Actor, coordinator: Actor) -> None:
    module = catalogue().modules["customs-basics"]
    with pytest.raises(ConflictError, match="still has"):
        services.allow_extra_attempt(coordinator, username="trainee", module=module.slug)
    for _ in range(module.quiz.max_attempts):
        attempt = services.start_attempt(trainee, module=module.slug)
        services.submit_attempt(trainee, attempt_id=attempt.pk, responses={})
    with pytest.raises(ConflictError, match="coordinator may allow"):
        services.start_attempt(trainee, module=module.slug)
    with pytest.raises(PermissionDeniedError):
        services.allow_extra_attempt(trainee, username="trainee", module=module.slug)
    services.allow_extra_attempt(coordinator, username="trainee", module=module.slug)
    assert AuditEntry.objects.filter(action="learning.attempt_allowed").count() == 1
    (row,) = services.cohort(coordinator, course="customs-test")
    assert (
        row["modules"][0]["max_attempts"] == module.quiz.max_attempts + 1 and not row["modules"][0]["out_of_attempts"]
    )
    last = pass_module(trainee, module.slug)
    assert last.number == module.quiz.max_attempts + 1 and last.passed
    with pytest.raises(ConflictError, match="passed"):
        services.allow_extra_attempt(coordinator, username="trainee", module=module.slug)
