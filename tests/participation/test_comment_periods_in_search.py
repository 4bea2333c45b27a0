"""Comment periods in search (issue 13, item 3): a current period shows under the decision and the
LMOs it concerns among the search hits (a pending decision's draft names its LMOs), and above the
results when its title or summary holds the words searched; closed periods do not; text is escaped."""

from __future__ import annotations

import datetime as dt

import lxml.html
from django.test import Client
from django.utils import timezone

from openbch.accounts.models import RoleAssignment
from openbch.core.actors import SYSTEM, Role
from openbch.participation import services
from openbch.participation.models import CommentPeriod
from openbch.records.models import Record
from openbch.records.workflow import create_draft
from tests.records.workflow_fixtures import decision_body, demo_identifier

from .conftest import World, actor_of, make_user

HOSTILE = '<script>alert("t")</script>Consultation on a <img src=x onerror=alert(1)> drought maize'


def _authority() -> object:
    user = make_user("publisher-ca-search")
    RoleAssignment.objects.create(
        user=user, role=Role.NATIONAL_PUBLISHING_AUTHORITY, country="CA", granted_by="test", granted_at=timezone.now()
    )
    return actor_of(user)


def _draft_period(*, opens_in: dt.timedelta, title: str) -> CommentPeriod:
    draft = create_draft(SYSTEM, record_type="DEC", owner="CA", body=decision_body("Draft decision on MON810"))
    now = timezone.now()
    return services.open_comment_period(
        _authority(),
        record=draft.record.identifier,
        title=title,
        summary="Have your say on importing this maize for food.",
        opens_at=now + opens_in,
        closes_at=now + opens_in + dt.timedelta(days=30),
    )


def _hit_of(page: lxml.html.HtmlElement, record: Record) -> lxml.html.HtmlElement:
    (hit,) = page.xpath(
        f"//li[@class='result'][.//span[@class='uid'][starts-with(., '{record.uid.rsplit('-', 1)[0]}')]]"
    )
    return hit


def test_a_period_on_a_pending_decision_shows_under_its_lmo_among_the_hits(world: World, client: Client) -> None:
    mon810 = Record.objects.get(identifier=demo_identifier("lmo/MON-ØØ81Ø-6"))
    period = _draft_period(opens_in=-dt.timedelta(hours=1), title="Import of MON810 maize")
    page = lxml.html.fromstring(client.get("/en/search/?q=MON810&type=LMO").content)
    notes = _hit_of(page, mon810).xpath(".//p[@class='result-notes']/a")
    assert [(a.get("href"), a.text_content()) for a in notes] == [
        (f"/en/consultations/{period.pk}/", f"Open for public comment until {period.closes_at:%Y-%m-%d}")
    ]
    # a coming period says when it opens; a closed one is no longer noted
    CommentPeriod.objects.filter(pk=period.pk).update(opens_at=timezone.now() + dt.timedelta(days=2))
    page = lxml.html.fromstring(client.get("/en/search/?q=MON810&type=LMO").content)
    (note,) = _hit_of(page, mon810).xpath(".//p[@class='result-notes']/a")
    assert note.text_content().startswith("Public comment from ")
    CommentPeriod.objects.filter(pk=period.pk).update(
        opens_at=timezone.now() - dt.timedelta(days=40), closes_at=timezone.now() - dt.timedelta(days=1)
    )
    page = lxml.html.fromstring(client.get("/en/search/?q=MON810&type=LMO").content)
    assert not _hit_of(page, mon810).xpath(".//p[@class='result-notes']")


def test_periods_whose_words_match_are_listed_above_the_results_escaped(world: World, client: Client) -> None:
    period = _draft_period(opens_in=-dt.timedelta(hours=1), title=HOSTILE)
    response = client.get("/en/search/?q=drought+maize")
    page = lxml.html.fromstring(response.content)
    (panel,) = page.xpath("//section[@id='search-comment-periods']")
    (link,) = panel.xpath(".//li[@data-period]/a[1]")
    assert link.get("href") == f"/en/consultations/{period.pk}/" and link.text_content() == HOSTILE
    assert b"<script>alert" not in response.content and not page.xpath("//img[@onerror]")
    # words of the summary match too; words of neither do not; a closed period is not listed
    assert lxml.html.fromstring(client.get("/en/search/?q=importing+food").content).xpath(
        "//section[@id='search-comment-periods']"
    )
    assert not lxml.html.fromstring(client.get("/en/search/?q=drought+cotton").content).xpath(
        "//section[@id='search-comment-periods']"
    )
    CommentPeriod.objects.filter(pk=period.pk).update(
        opens_at=timezone.now() - dt.timedelta(days=40), closes_at=timezone.now() - dt.timedelta(days=1)
    )
    assert not lxml.html.fromstring(client.get("/en/search/?q=drought+maize").content).xpath(
        "//section[@id='search-comment-periods']"
    )
