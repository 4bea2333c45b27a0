"""The e-learning pages with Django's test client: lessons open to all, quizzes as plain forms
(no JavaScript), answers never in the page before submission, certificates and their public
verification, the coordinator's cohort."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from django.contrib.auth.models import User
from django.test import Client

from openbch.core.actors import Actor
from openbch.learning.catalogue import catalogue
from openbch.learning.models import Certificate, QuizAttempt
from tests.learning.answers import right_answers
from tests.learning.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def signed_in(username: str) -> Client:
    client = Client()
    assert client.login(username=username, password=PASSWORD)
    return client


def test_lessons_are_open_to_anyone_and_escape_raw_html(client: Client) -> None:
    page = client.get("/en/learn/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "Customs test course" in text and "Customs basics" in text and 'href="/en/learn/"' in text
    lesson = client.get("/en/learn/customs-basics/article-18/").content.decode()
    assert "<strong>food, feed or processing</strong>" in lesson and "<table>" in lesson
    assert "&lt;script&gt;alert" in lesson and "<script>alert" not in lesson
    assert 'href="/en/learn/customs-basics/identifiers/"' in lesson  # the next lesson


def test_a_lesson_in_another_language_or_its_english_text(client: Client) -> None:
    french = client.get("/fr/learn/customs-basics/article-18/").content.decode()
    assert "peut contenir" in french
    assert "Formation en ligne" in french and "Leçon 1 sur 2" in french  # the interface in French too
    assert "Formación en línea" in client.get("/es/learn/").content.decode()
    fallback = client.get("/fr/learn/customs-basics/identifiers/").content.decode()
    assert 'lang="en"' in fallback and "check digit" in fallback
    assert client.get("/en/learn/customs-basics/nope/").status_code == 404
    assert client.get("/en/learn/nope/").status_code == 404


def test_a_quiz_needs_an_account(client: Client) -> None:
    response = client.post("/en/learn/customs-basics/quiz/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def take(client: Client, slug: str, *, right: bool) -> QuizAttempt:
    started = client.post(f"/en/learn/{slug}/quiz/")
    assert started.status_code == 302
    attempt_id = int(re.search(r"/attempts/(\d+)/", started["Location"]).group(1))  # type: ignore[union-attr]
    page = client.get(started["Location"])
    assert page.status_code == 200 and "no-store" in page["Cache-Control"]
    attempt = QuizAttempt.objects.get(pk=attempt_id)
    html = page.content.decode()
    # the form shows each drawn question; no explanation (nor answer) is in the page yet
    for question in catalogue().modules[slug].questions:
        assert question.explanation["en"] not in html
    responses = right_answers(catalogue().modules[slug], attempt.paper) if right else {}
    submitted = client.post(started["Location"], data=responses)
    assert submitted.status_code == 302
    attempt.refresh_from_db()
    return attempt


def test_fail_retake_pass_download_and_verify(trainee: Actor, client: Client) -> None:
    browser = signed_in("trainee")
    failed = take(browser, "customs-basics", right=False)
    result = browser.get(f"/en/learn/attempts/{failed.pk}/").content.decode()
    assert "Not passed." in result and "Retake the quiz" in result
    bank = {q.id: q for q in catalogue().modules["customs-basics"].questions}
    for entry in failed.paper["questions"]:  # the explanations, after submission
        assert bank[entry["id"]].explanation["en"] in result
    take(browser, "customs-basics", right=True)
    passed = take(browser, "reading-documents", right=True)
    result = browser.get(f"/en/learn/attempts/{passed.pk}/").content.decode()
    certificate = Certificate.objects.get(user_id=trainee.user_id)
    assert f"/en/learn/certificates/{certificate.code}.pdf" in result
    pdf = browser.get(f"/en/learn/certificates/{certificate.code}.pdf")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF-")
    assert client.get(f"/en/learn/certificates/{certificate.code}.pdf").status_code == 302  # not signed in
    verify = client.get(f"/en/verify/{certificate.code}/")
    text = verify.content.decode()
    assert verify.status_code == 200 and "This certificate is valid." in text and "Amina Diallo" in text
    assert "<svg" in text and "trainee" not in text  # a QR code; never the account name
    assert client.get("/en/verify/AAAAA-AAAAA-AAAAA-AAAAA/").status_code == 404


def test_the_verification_page_escapes_the_name_printed(
    make_user: Callable[..., User], actor_of: Callable[[User], Actor], client: Client
) -> None:
    user = make_user("sly", full_name='<img src=x onerror="alert(1)">')
    certificate = Certificate.objects.create(
        code="ABCDE-FGHJK-MNPQR-STVWX",
        user=user,
        course="customs-test",
        name_printed=user.get_full_name(),
        issued_at=user.date_joined,
    )
    text = client.get(f"/en/verify/{certificate.code}/").content.decode()
    assert "&lt;img src=x" in text and "<img src=x" not in text
    crafted = client.get("/en/verify/%3Cscript%3Ealert(1)%3C%2Fscript%3E/")
    assert crafted.status_code == 404 and "<script>alert(1)" not in crafted.content.decode()


def test_the_cohort_page_is_for_coordinators(trainee: Actor, coordinator: Actor) -> None:
    assert signed_in("trainee").get("/en/learn/cohort/").status_code == 403
    manager = signed_in("coordinator")
    take(signed_in("trainee"), "customs-basics", right=True)
    page = manager.get("/en/learn/cohort/?course=customs-test")
    assert page.status_code == 200 and "trainee" in page.content.decode()
    csv = manager.get("/en/learn/cohort/export.csv?course=customs-test")
    assert csv.status_code == 200 and csv["Content-Type"].startswith("text/csv")
    assert csv.content.decode("utf-8-sig").splitlines()[0].startswith("course,username,name")
    refused = manager.post(
        "/en/learn/cohort/trainees/", {"course": "customs-test", "username": "x1", "full_name": "", "password": "short"}
    )
    assert refused.status_code == 400 and "full_name" in refused.content.decode()
    created = manager.post(
        "/en/learn/cohort/trainees/",
        {"course": "customs-test", "username": "officer", "full_name": "Li Na", "password": PASSWORD},
    )
    assert created.status_code == 302 and User.objects.get(username="officer").get_full_name() == "Li Na"
    officer = signed_in("officer")
    for _ in range(catalogue().modules["reading-documents"].quiz.max_attempts):
        take(officer, "reading-documents", right=False)
    page = manager.get("/en/learn/cohort/?course=customs-test").content.decode()
    assert page.count("Allow one more attempt") == 1
    allowed = manager.post(
        "/en/learn/cohort/allow-attempt/",
        {"course": "customs-test", "username": "officer", "module": "reading-documents"},
    )
    assert allowed.status_code == 302 and "done=allowed" in allowed["Location"]
    assert take(officer, "reading-documents", right=True).passed


def test_the_exports_are_for_coordinators(client: Client, trainee: Actor, coordinator: Actor) -> None:
    """A package carries the answer key: trainees and visitors get neither the link nor the file."""
    assert "/export/scorm.zip" not in client.get("/en/learn/customs-basics/").content.decode()
    assert client.get("/en/learn/customs-basics/export/scorm.zip").status_code == 302  # to the login page
    assert signed_in("trainee").get("/en/learn/customs-basics/export/scorm.zip").status_code == 403
    manager = signed_in("coordinator")
    assert "/en/learn/customs-basics/export/scorm.zip" in manager.get("/en/learn/customs-basics/").content.decode()
    scorm = manager.get("/en/learn/customs-basics/export/scorm.zip")
    assert scorm.status_code == 200 and scorm["Content-Type"] == "application/zip" and scorm.content[:2] == b"PK"
    assert manager.get("/en/learn/customs-basics/export/other.zip").status_code == 404
