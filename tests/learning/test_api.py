"""The e-learning API: the catalogue and verification open to all, attempts with a token, answers
only after submission, coordinators' cohort and revocation, errors as problem details."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client

from openbch.accounts.services import create_token
from openbch.core.actors import Actor
from openbch.learning.catalogue import catalogue
from openbch.learning.models import Certificate, QuizAttempt
from tests.learning.answers import right_answers

pytestmark = pytest.mark.django_db


def bearer(actor: Actor) -> dict[str, str]:
    issued = create_token(actor, name="tests", scopes=["read", "write"])
    return {"HTTP_AUTHORIZATION": f"Bearer {issued.plaintext}"}


def test_the_catalogue_is_open_to_anyone(client: Client) -> None:
    response = client.get("/api/v1/learning/courses?lang=fr")
    assert response.status_code == 200
    (course,) = response.json()
    assert course["title"] == "Cours d'essai pour les douanes"
    assert [m["slug"] for m in course["modules"]] == ["customs-basics", "reading-documents"]
    assert course["modules"][0]["scorm_package"] == "/en/learn/customs-basics/export/scorm.zip" or course["modules"][0][
        "scorm_package"
    ].endswith("/learn/customs-basics/export/scorm.zip")
    module = client.get("/api/v1/learning/modules/customs-basics").json()
    assert "&lt;script&gt;" in module["lessons"][0]["html"] and "<script>" not in module["lessons"][0]["html"]
    assert client.get("/api/v1/learning/modules/nope").status_code == 404
    assert client.get("/api/v1/learning/modules/NOT%20A%20SLUG").status_code in (400, 422)


def test_an_attempt_through_the_api(client: Client, trainee: Actor) -> None:
    headers = bearer(trainee)
    assert client.post("/api/v1/learning/modules/customs-basics/attempts").status_code == 401
    started = client.post("/api/v1/learning/modules/customs-basics/attempts", **headers)
    assert started.status_code == 201
    body = started.json()
    text = str(body["questions"])
    assert "answer" not in text and "expected" not in text and "explanation" not in text
    assert body["answers_shown"] is False
    assert len(body["questions"]) == 4 and body["submitted_at"] is None
    attempt = QuizAttempt.objects.get(pk=body["id"])
    responses = right_answers(catalogue().modules["customs-basics"], attempt.paper)
    submitted = client.post(
        f"/api/v1/learning/attempts/{body['id']}/submit",
        data={"responses": responses},
        content_type="application/json",
        **headers,
    )
    assert submitted.status_code == 200, submitted.content
    result = submitted.json()
    assert result["score"] == 1.0 and result["passed"] and result["answers_shown"]
    assert all(q["mark"] == 1.0 and q["explanation"] for q in result["questions"])
    again = client.post(
        f"/api/v1/learning/attempts/{body['id']}/submit",
        data={"responses": {}},
        content_type="application/json",
        **headers,
    )
    assert again.status_code == 409 and again.json()["code"] == "conflict"
    assert client.post("/api/v1/learning/modules/customs-basics/attempts", **headers).status_code == 409


def test_someone_elses_attempt_is_404(
    client: Client, trainee: Actor, make_user: Callable[..., User], actor_of: Callable[[User], Actor]
) -> None:
    body = client.post("/api/v1/learning/modules/customs-basics/attempts", **bearer(trainee)).json()
    other = bearer(actor_of(make_user("other")))
    assert client.get(f"/api/v1/learning/attempts/{body['id']}", **other).status_code == 404


def finish_course(client: Client, headers: dict[str, str]) -> list[str]:
    codes: list[str] = []
    for slug in ("customs-basics", "reading-documents"):
        body = client.post(f"/api/v1/learning/modules/{slug}/attempts", **headers).json()
        attempt = QuizAttempt.objects.get(pk=body["id"])
        result = client.post(
            f"/api/v1/learning/attempts/{body['id']}/submit",
            data={"responses": right_answers(catalogue().modules[slug], attempt.paper)},
            content_type="application/json",
            **headers,
        ).json()
        codes = result["certificates"]
    return codes


def test_verification_and_revocation(client: Client, trainee: Actor, coordinator: Actor) -> None:
    (code,) = finish_course(client, bearer(trainee))
    assert Certificate.objects.get(code=code).user_id == trainee.user_id
    public = client.get(f"/api/v1/learning/certificates/{code.lower()}")
    assert public.status_code == 200
    assert public.json() == {
        "code": code,
        "name": "Amina Diallo",
        "course": "customs-test",
        "course_title": "Customs test course",
        "issued": public.json()["issued"],
        "status": "valid",
        "revoked": None,
    }
    assert client.get("/api/v1/learning/certificates/ZZZZZ-ZZZZZ-ZZZZZ-ZZZZZ").status_code == 404
    refused = client.post(
        f"/api/v1/learning/certificates/{code}/revoke",
        data={"reason": "x"},
        content_type="application/json",
        **bearer(trainee),
    )
    assert refused.status_code == 403
    revoked = client.post(
        f"/api/v1/learning/certificates/{code}/revoke",
        data={"reason": "identity not confirmed"},
        content_type="application/json",
        **bearer(coordinator),
    )
    assert revoked.status_code == 200 and revoked.json()["status"] == "revoked"
    assert client.get(f"/api/v1/learning/certificates/{code}").json()["status"] == "revoked"


def test_the_cohort_is_for_coordinators(client: Client, trainee: Actor, coordinator: Actor) -> None:
    finish_course(client, bearer(trainee))
    assert client.get("/api/v1/learning/cohort?course=customs-test", **bearer(trainee)).status_code == 403
    rows: list[dict[str, Any]] = client.get("/api/v1/learning/cohort?course=customs-test", **bearer(coordinator)).json()
    assert [r["username"] for r in rows] == ["trainee"] and rows[0]["modules_passed"] == 2
    assert rows[0]["certificate_status"] == "valid"


def test_the_feature_level_says_learning_is_there(client: Client) -> None:
    assert client.get("/api/v1/").json()["api_feature_level"] >= 6
    assert "## Feature level 6" in client.get("/api/v1/changelog").json()["changelog"]
