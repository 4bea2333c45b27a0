"""Comment periods where people look (issue 13, item 3): a period opened on a Canadian decision shows
on the decision's page, on the page of an LMO the decision covers and on the Canadian country
profile (which links the country's list of comment periods); the outcome, once published, shows on
the decision's page at once (the cached article is made afresh); hostile text is escaped."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone

from openbch.accounts.models import RoleAssignment
from openbch.core.actors import SYSTEM, Role
from openbch.participation import services
from openbch.participation.models import CommentPeriod
from openbch.records.models import Record, RecordLink
from openbch.records.queries import PublishedRecord
from openbch.records.workflow import create_draft, publish
from openbch.web.extensions import PageSection, register_record_section, unregister_record_section
from tests.records.workflow_fixtures import decision_body

from .conftest import World, actor_of, make_user

HOSTILE_TITLE = '<script>alert("title")</script><img src=x onerror=alert(1)>'
HOSTILE_OUTCOME = '<script>alert("outcome")</script> Considered: <img src=x onerror=alert(2)> **kept**'


@dataclass
class Shown:
    authority: User
    decision: Record
    lmo: Record
    period: CommentPeriod


def _base(record: Record) -> str:
    return record.uid.rsplit("-", 1)[0]


def _lmo_page(client: Client, lmo: Record) -> str:
    response = client.get(f"/en/records/{_base(lmo)}/", follow=True)
    assert response.status_code == 200
    return response.content.decode()


@pytest.fixture
def shown(world: World) -> Shown:
    authority = make_user("publisher-ca", full_name="Canada Publisher")
    RoleAssignment.objects.create(
        user=authority, role=Role.NATIONAL_PUBLISHING_AUTHORITY, country="CA", granted_by="test",
        granted_at=timezone.now(),
    )  # fmt: skip
    link = RecordLink.objects.filter(
        source__type="DEC", source__owner="CA", source__state="published", field="modifiedOrganisms"
    ).first()
    assert link is not None, "the demo data has Canadian decisions on LMOs"
    lmo = Record.objects.get(identifier=link.target_identifier)
    now = timezone.now()
    period = services.open_comment_period(
        actor_of(authority),
        record=link.source.uid,
        title="Renewal of a maize authorisation",
        summary="Comments on the renewal are welcome.",
        opens_at=now - dt.timedelta(hours=1),
        closes_at=now + dt.timedelta(days=30),
    )
    return Shown(authority, link.source, lmo, period)


def _close(period: CommentPeriod) -> None:
    CommentPeriod.objects.filter(pk=period.pk).update(closes_at=timezone.now() - dt.timedelta(minutes=1))


def test_a_period_on_a_canadian_decision_shows_on_its_page_its_lmos_page_and_the_country_profile(
    shown: Shown, client: Client
) -> None:
    period_url = f"/en/consultations/{shown.period.pk}/"
    decision_page = client.get(f"/en/records/{_base(shown.decision)}/").content.decode()
    assert 'id="comment-periods"' in decision_page
    assert "Renewal of a maize authorisation" in decision_page and f'href="{period_url}"' in decision_page
    assert f'data-period="{shown.period.pk}" data-state="open"' in decision_page

    lmo_page = _lmo_page(client, shown.lmo)
    assert "Renewal of a maize authorisation" in lmo_page and f'href="{period_url}"' in lmo_page
    assert shown.decision.uid in lmo_page  # which decision the period is on
    assert 'href="#comment-periods-title"' in lmo_page  # in the page's table of contents

    country = client.get("/en/countries/ca/").content.decode()
    assert "Renewal of a maize authorisation" in country and f'href="{period_url}"' in country
    assert 'href="/en/consultations/?country=CA"' in country
    listed = client.get("/en/consultations/?country=CA").content.decode()
    assert "Renewal of a maize authorisation" in listed
    # another country's profile does not show it, but still links its own list
    brazil = client.get("/en/countries/br/").content.decode()
    assert "Renewal of a maize authorisation" not in brazil and "/en/consultations/?country=BR" in brazil


def test_the_published_outcome_shows_on_the_decision_page_and_is_linked_from_the_lmo_page(
    shown: Shown, client: Client
) -> None:
    decision_url = f"/en/records/{_base(shown.decision)}/"
    before = client.get(decision_url).content.decode()  # the article is now in the cache
    assert "Summary of comments and how they were considered" not in before
    _close(shown.period)
    closed = client.get(decision_url).content.decode()
    assert f'data-period="{shown.period.pk}" data-state="closed"' in closed
    services.publish_comment_outcome(
        actor_of(shown.authority),
        period_id=shown.period.pk,
        text="Twelve comments; the **monitoring plan** was extended as asked.",
    )
    after = client.get(decision_url).content.decode()
    assert "Summary of comments and how they were considered" in after
    assert "<strong>monitoring plan</strong> was extended as asked." in after
    assert "by publisher-ca" in after or "by Canada Publisher" in after
    lmo_page = _lmo_page(client, shown.lmo)
    assert f'href="/en/consultations/{shown.period.pk}/#outcome"' in lmo_page
    assert "monitoring plan" not in lmo_page  # compact: the outcome is one link away


def test_a_period_on_a_draft_decision_shows_on_the_page_of_the_lmo_it_names(world: World, client: Client) -> None:
    authority = make_user("publisher-ca", full_name="Canada Publisher")
    RoleAssignment.objects.create(
        user=authority, role=Role.NATIONAL_PUBLISHING_AUTHORITY, country="CA", granted_by="test",
        granted_at=timezone.now(),
    )  # fmt: skip
    draft = create_draft(SYSTEM, record_type="DEC", owner="CA", body=decision_body("Draft decision on a maize"))
    now = timezone.now()
    period = services.open_comment_period(
        actor_of(authority),
        record=draft.record.identifier,
        title="Pending: import of a maize",
        summary="Have your say.",
        opens_at=now + dt.timedelta(days=1),
        closes_at=now + dt.timedelta(days=30),
    )
    lmo = Record.objects.get(source_key="lmo/MON-ØØ81Ø-6")
    page = _lmo_page(client, lmo)
    assert "Pending: import of a maize" in page and f'data-period="{period.pk}" data-state="upcoming"' in page
    # the API's LMO profile lists what the page shows
    profile = client.get("/api/v1/lmos/MON-ØØ81Ø-6").json()
    assert [(p["id"], p["state"], p["record"]) for p in profile["comment_periods"]] == [
        (period.pk, "upcoming", draft.record.identifier)
    ]
    # an LMO the draft does not name does not show it
    other = Record.objects.filter(type="LMO", state="published").exclude(pk=lmo.pk).first()
    assert other is not None
    assert "Pending: import of a maize" not in _lmo_page(client, other)


def test_a_period_held_on_a_draft_shows_on_the_decision_once_it_is_published(world: World, client: Client) -> None:
    """Article 23 as it runs: comment on the draft, the summary of comments, then the decision."""
    authority = make_user("publisher-ca", full_name="Canada Publisher")
    RoleAssignment.objects.create(
        user=authority, role=Role.NATIONAL_PUBLISHING_AUTHORITY, country="CA", granted_by="test",
        granted_at=timezone.now(),
    )  # fmt: skip
    draft = create_draft(SYSTEM, record_type="DEC", owner="CA", body=decision_body("Decision on a drought maize"))
    now = timezone.now()
    period = services.open_comment_period(
        actor_of(authority),
        record=draft.record.identifier,
        summary="Comments on the draft decision.",
        opens_at=now - dt.timedelta(days=20),
        closes_at=now + dt.timedelta(days=1),
    )
    _close(period)
    services.publish_comment_outcome(actor_of(authority), period_id=period.pk, text="Three comments, all *answered*.")
    decision = publish(SYSTEM, identifier=draft.record.identifier)
    page = client.get(f"/en/records/{_base(decision)}/").content.decode()
    assert "Decision on a drought maize" in page and f'href="/en/consultations/{period.pk}/"' in page
    assert "Three comments, all <em>answered</em>." in page


def test_hostile_titles_and_outcomes_are_escaped(shown: Shown, client: Client) -> None:
    CommentPeriod.objects.filter(pk=shown.period.pk).update(title=HOSTILE_TITLE)
    _close(shown.period)
    services.publish_comment_outcome(actor_of(shown.authority), period_id=shown.period.pk, text=HOSTILE_OUTCOME)
    pages = [
        client.get(f"/en/records/{_base(shown.decision)}/").content.decode(),
        _lmo_page(client, shown.lmo),
        client.get("/en/countries/ca/").content.decode(),
    ]
    for page in pages:
        assert "&lt;script&gt;alert(&quot;title&quot;)&lt;/script&gt;" in page
        assert '<script>alert("title")' not in page and "<img src=x" not in page
        assert "onerror=alert(1)>" not in page
    decision_page = pages[0]
    assert '<script>alert("outcome")' not in decision_page and "<img" not in decision_page.split("comment-outcome")[1]
    assert "<strong>kept</strong>" in decision_page


def test_the_country_profile_speaks_the_page_language(shown: Shown, client: Client) -> None:
    page = client.get("/fr/countries/ca/").content.decode()
    assert "Toutes les périodes de consultation de ce pays" in page and "ouvert" in page


def test_a_failing_section_provider_leaves_the_record_page_standing(shown: Shown, client: Client) -> None:
    def broken(item: PublishedRecord, language: str) -> PageSection | None:
        raise RuntimeError("broken on purpose")

    register_record_section(broken)
    try:
        response = client.get(f"/en/records/{_base(shown.decision)}/")
    finally:
        unregister_record_section(broken)
    assert response.status_code == 200
    assert "Renewal of a maize authorisation" in response.content.decode()
