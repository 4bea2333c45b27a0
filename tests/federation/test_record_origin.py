"""A copy's record page says where the record comes from; a record published here says nothing of it."""

from __future__ import annotations

import datetime as dt

import lxml.html
import pytest
from django.db.models import Max
from django.test import Client
from django.utils import timezone

from openbch.core.actors import SYSTEM
from openbch.federation.feed import read_page
from openbch.federation.models import Node, Peer
from openbch.records.copies import store_copies
from openbch.records.models import Record, RecordState
from openbch.records.publishing import new_identifier

from .test_copies import _change

pytestmark = pytest.mark.django_db


def _copied_organism() -> Record:
    organism = Record.objects.filter(type="ORGA", state=RecordState.PUBLISHED).order_by("number").first()
    assert organism is not None
    top = (Record.objects.aggregate(n=Max("number"))["n"] or 0) + 1000
    identifier = new_identifier()
    change = _change(11, organism, number=top, identifier=identifier, scientificName="Copius originalis")
    store_copies(SYSTEM, read_page({"changes": [change], "last_seq": 11, "next": None}, after=0).changes)
    return Record.objects.get(identifier=identifier)


def _origin(client: Client, record: Record) -> lxml.html.HtmlElement | None:
    response = client.get(f"/en/records/{record.uid.rsplit('-', 1)[0]}/", follow=True)
    assert response.status_code == 200
    found = lxml.html.fromstring(response.content).xpath("//section[@id='record-origin']")
    return found[0] if found else None


def test_a_copy_on_a_node_names_central_its_revision_and_the_last_pull(client: Client) -> None:
    node = Node.objects.create(country="CO", central_url="http://127.0.0.1:9", countries=[], created_at=timezone.now())
    Peer.objects.create(url=node.central_url, last_success_at=dt.datetime(2026, 12, 1, 8, 30, tzinfo=dt.UTC))
    copy = _copied_organism()
    section = _origin(client, copy)
    assert section is not None
    text = " ".join(section.text_content().split())
    assert "copy, kept by this national node" in text and "central-test" in text and "revision 1" in text
    assert "Last brought up to date: 2026-12-01 08:30 UTC" in text
    (link,) = section.xpath(".//a[@rel='external']")
    assert link.get("href") == f"http://127.0.0.1:9/en/records/{copy.uid.rsplit('-', 1)[0]}/"
    # a record published on this instance has no such section
    own = Record.objects.filter(type="ORGA", state=RecordState.PUBLISHED).exclude(pk=copy.pk).first()
    assert own is not None and _origin(client, own) is None


def test_at_central_a_pushed_record_says_it_came_from_a_node(client: Client) -> None:
    copy = _copied_organism()
    section = _origin(client, copy)
    assert section is not None
    text = " ".join(section.text_content().split())
    assert "published on a national node" in text and "central-test" in text
    assert not section.xpath(".//a[@rel='external']")
