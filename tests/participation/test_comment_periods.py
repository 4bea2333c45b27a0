"""Public comment on pending decisions (Article 23): a publishing authority opens a period on one of
its country's records (a draft decision here), the public comments while it is open (optionally
shown as anonymous), the authority moderates, and after closing publishes a summary of the comments."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone

from openbch.accounts.services import create_token
from openbch.core.actors import SYSTEM, Role
from openbch.core.errors import ConflictError, PermissionDeniedError, ValidationFailedError
from openbch.participation import services
from openbch.participation.models import CommentPeriod, PostStatus
from openbch.records.models import AuditEntry
from openbch.records.workflow import create_draft
from tests.records.workflow_fixtures import decision_body

from .conftest import World, actor_of, make_user


@dataclass
class Consultation:
    world: World
    authority: User
    other_authority: User
    period: CommentPeriod
    draft_identifier: str


@pytest.fixture
def consultation(world: World) -> Consultation:
    authority = make_user("publisher-ca", full_name="Canada Publisher")
    other = make_user("publisher-br")
    from openbch.accounts.models import RoleAssignment

    for user, country in ((authority, "CA"), (other, "BR")):
        RoleAssignment.objects.create(
            user=user, role=Role.NATIONAL_PUBLISHING_AUTHORITY, country=country, granted_by="test",
            granted_at=timezone.now(),
        )  # fmt: skip
    draft = create_draft(SYSTEM, record_type="DEC", owner="CA", body=decision_body("Draft decision on a maize"))
    now = timezone.now()
    period = services.open_comment_period(
        actor_of(authority),
        record=draft.record.identifier,
        title="Import of a maize for food and feed",
        summary="Comments on the **risk assessment** are welcome.",
        opens_at=now - dt.timedelta(hours=1),
        closes_at=now + dt.timedelta(days=30),
        documents=[{"title": "Risk assessment", "url": "https://example.org/ra.pdf"}],
    )
    return Consultation(world, authority, other, period, draft.record.identifier)


def test_a_publishing_authority_opens_a_period_on_its_own_countrys_draft_only(consultation: Consultation) -> None:
    period = consultation.period
    assert (period.country, period.record.state) == ("CA", "draft")
    assert AuditEntry.objects.filter(action="comment_period.opened", record_identifier=consultation.draft_identifier)
    now = timezone.now()
    with pytest.raises(PermissionDeniedError):
        services.open_comment_period(
            actor_of(consultation.other_authority),
            record=consultation.draft_identifier,
            summary="x",
            opens_at=now,
            closes_at=now + dt.timedelta(days=1),
        )
    with pytest.raises(PermissionDeniedError):
        services.open_comment_period(
            consultation.world.actor("member"),
            record=consultation.draft_identifier,
            summary="x",
            opens_at=now,
            closes_at=now + dt.timedelta(days=1),
        )
    with pytest.raises(ValidationFailedError) as refused:
        services.open_comment_period(
            actor_of(consultation.authority),
            record=consultation.draft_identifier,
            summary="",
            opens_at=now,
            closes_at=now - dt.timedelta(days=1),
            documents=[{"title": "bad", "url": "javascript:alert(1)"}],
        )
    assert {i.path for i in refused.value.issues} == {"/summary", "/closes_at", "/documents/0/url"}


def test_the_public_comments_anonymously_if_it_wishes_and_the_authority_moderates(
    consultation: Consultation, client: Client
) -> None:
    member = consultation.world.actor("member")
    period = consultation.period
    posted = services.comment(member, period_id=period.pk, body="Please publish the field data.", anonymous=True)
    assert posted.status == PostStatus.PENDING
    assert [p.pk for p in services.moderation_queue(actor_of(consultation.authority))] == [posted.pk]
    with pytest.raises(PermissionDeniedError):
        services.approve_post(actor_of(consultation.other_authority), post_id=posted.pk)
    services.approve_post(actor_of(consultation.authority), post_id=posted.pk)
    page = client.get(f"/en/consultations/{period.pk}/").content.decode()
    assert "Please publish the field data." in page and "Anonymous member of the public" in page
    assert "Ana Member" not in page
    api = client.get(f"/api/v1/comment-periods/{period.pk}").json()
    assert [c["author"] for c in api["comments"]] == ["anonymous"]
    assert api["documents"] == [{"title": "Risk assessment", "url": "https://example.org/ra.pdf"}]
    CommentPeriod.objects.filter(pk=period.pk).update(anonymous_allowed=False)
    with pytest.raises(ValidationFailedError) as refused:
        services.comment(member, period_id=period.pk, body="again", anonymous=True)
    assert refused.value.issues[0].path == "/anonymous"


def test_after_closing_no_comment_is_taken_and_the_summary_of_comments_is_published(
    consultation: Consultation, client: Client
) -> None:
    member = consultation.world.actor("member")
    period = consultation.period
    with pytest.raises(ConflictError):
        services.publish_comment_outcome(actor_of(consultation.authority), period_id=period.pk, text="too early")
    CommentPeriod.objects.filter(pk=period.pk).update(closes_at=timezone.now() - dt.timedelta(minutes=1))
    with pytest.raises(services.CommentPeriodClosedError) as closed:
        services.comment(member, period_id=period.pk, body="late")
    assert closed.value.code == "comment_period_closed"
    services.publish_comment_outcome(
        actor_of(consultation.authority), period_id=period.pk, text="Two comments; the **monitoring** plan was added."
    )
    page = client.get(f"/en/consultations/{period.pk}/").content.decode()
    assert "<strong>monitoring</strong>" in page and 'data-state="closed"' in page
    assert AuditEntry.objects.filter(action="comment_period.outcome_published").exists()
    listed = client.get("/api/v1/comment-periods?country=ca").json()
    assert [p["id"] for p in listed] == [period.pk] and listed[0]["outcome_html"]


ROLES = ("anonymous", "member", "other_authority", "authority", "administrator")


def _user(consultation: Consultation, role: str) -> User | None:
    return {
        "anonymous": None,
        "member": consultation.world.member,
        "other_authority": consultation.other_authority,
        "authority": consultation.authority,
        "administrator": consultation.world.administrator,
    }[role]


@pytest.mark.parametrize("role", ROLES)
def test_comment_period_routes_answer_each_role(consultation: Consultation, role: str) -> None:
    """The comment-period rows of the authorisation matrix (the forum and debate rows are in
    test_authorization.py): reading is open; commenting needs an account; opening a period and its
    summary need the country's publishing authority (or a participation administrator)."""
    user = _user(consultation, role)
    period = consultation.period
    web = Client()
    api_headers: dict[str, str] = {}
    if user is not None:
        web.force_login(user)
        token = create_token(SYSTEM, name="matrix", scopes=["read", "write"], owner=user.username)
        api_headers["Authorization"] = f"Bearer {token.plaintext}"
    signed_in = user is not None
    # the participation administrator moderates comments; opening and answering are the country's
    authority = role == "authority"
    assert Client().get("/en/consultations/").status_code == 200
    assert Client().get(f"/en/consultations/{period.pk}/").status_code == 200
    assert Client().get(f"/api/v1/comment-periods/{period.pk}").status_code == 200
    commented = web.post(f"/en/consultations/{period.pk}/", {"body": f"comment by {role}"})
    assert commented.status_code == 302
    assert ("login" in commented["Location"]) is (not signed_in)
    by_api = web.generic(
        "POST",
        f"/api/v1/comment-periods/{period.pk}/comments",
        json.dumps({"body": "via API"}),
        content_type="application/json",
        headers=api_headers,
    ) if signed_in else Client().post(
        f"/api/v1/comment-periods/{period.pk}/comments", json.dumps({"body": "x"}), content_type="application/json"
    )  # fmt: skip
    assert by_api.status_code == (201 if signed_in else 401)
    form = web.get("/en/consultations/open/")
    assert form.status_code == (200 if signed_in else 302)
    now = timezone.now()
    opened = Client().post(
        "/api/v1/comment-periods",
        json.dumps(
            {
                "record": consultation.draft_identifier,
                "summary": "again",
                "opens_at": now.isoformat(),
                "closes_at": (now + dt.timedelta(days=2)).isoformat(),
            }
        ),
        content_type="application/json",
        headers=api_headers,
    )
    assert opened.status_code == (201 if authority else 403 if signed_in else 401)
    CommentPeriod.objects.filter(pk=period.pk).update(closes_at=now - dt.timedelta(minutes=1))
    outcome = web.post(f"/en/consultations/{period.pk}/outcome/", {"outcome": f"summary by {role}"})
    assert outcome.status_code == (302 if authority or not signed_in else 403)
    assert (CommentPeriod.objects.get(pk=period.pk).outcome == f"summary by {role}") is authority
    by_api = Client().post(
        f"/api/v1/comment-periods/{period.pk}/outcome",
        json.dumps({"text": "via API"}),
        content_type="application/json",
        headers=api_headers,
    )
    assert by_api.status_code == (200 if authority else 403 if signed_in else 401)
    assert Client().get("/api/v1/comment-periods").status_code == 200
    before = CommentPeriod.objects.count()
    form = web.post(
        "/en/consultations/open/",
        {
            "record": consultation.draft_identifier,
            "summary": "by form",
            "opens_at": now.date().isoformat(),
            "closes_at": (now + dt.timedelta(days=3)).date().isoformat(),
        },
    )
    assert form.status_code == (302 if authority or not signed_in else 403)
    assert CommentPeriod.objects.count() == before + (1 if authority else 0)


def test_a_period_on_a_published_decision_shows_in_its_lmos_profile(consultation: Consultation, client: Client) -> None:
    from openbch.records.models import Record, RecordLink

    link = RecordLink.objects.filter(source__type="DEC", source__owner="CA", field="modifiedOrganisms").first()
    assert link is not None, "the demo data has Canadian decisions on LMOs"
    decision = link.source
    lmo = Record.objects.get(identifier=link.target_identifier)
    now = timezone.now()
    period = services.open_comment_period(
        actor_of(consultation.authority),
        record=decision.uid,
        summary="A renewal of this decision is proposed.",
        opens_at=now,
        closes_at=now + dt.timedelta(days=10),
    )
    assert period.title == decision.title
    profile = client.get(f"/api/v1/records/{lmo.uid}").json()
    unique_identifier = profile["body"]["uniqueIdentification"]
    shown = client.get(f"/api/v1/lmos/{unique_identifier}").json()["comment_periods"]
    assert [(p["id"], p["country"], p["state"]) for p in shown] == [(period.pk, "CA", "open")]
