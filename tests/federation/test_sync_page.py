"""The administrators' synchronisation page, through Django's test client on the test database."""

from __future__ import annotations

import lxml.html
import pytest
from django.test import Client

from openbch.core.actors import SYSTEM
from openbch.federation.keys import generate_key
from openbch.federation.models import Peer
from openbch.federation.node import init_node
from tests.web.test_manage import client_for, html, make_user

pytestmark = pytest.mark.django_db


def test_an_administrator_sees_the_nodes_lag_failure_keys_and_events() -> None:
    init_node(SYSTEM, country="CO", central_url="http://127.0.0.1:9/", countries=["CA"])
    Peer.objects.create(url="http://127.0.0.1:9", last_seq=40, head_seq=100, last_error="ConnectError: <refused>")
    key = generate_key(SYSTEM)
    page = client_for(make_user("admin", ("administrator", None))).get("/en/manage/sync/")
    assert page.status_code == 200
    text = html(page)
    assert "national node of CO" in text and "http://127.0.0.1:9" in text
    assert "<dt>Behind central, in changes</dt><dd>60</dd>" in text
    assert "ConnectError: &lt;refused&gt;" in text  # a failure's reason, escaped
    assert key.key_id in text and "node.configured" in text and "key.generated" in text


def test_only_an_administrator_may_see_it() -> None:
    assert Client().get("/en/manage/sync/").status_code == 302  # to the log-in page
    ca = make_user("npa-ca", ("national-publishing-authority", "CA"))
    assert client_for(ca).get("/en/manage/sync/").status_code == 403


def test_central_says_what_it_is() -> None:
    page = client_for(make_user("admin", ("administrator", None))).get("/en/manage/sync/")
    assert "This instance is a central clearing-house" in html(page)


def test_a_nodes_home_page_leads_with_its_own_country() -> None:
    plain = html(Client().get("/en/"))
    assert 'id="node-country"' not in plain and 'id="own-decisions"' not in plain
    init_node(SYSTEM, country="CA", central_url="http://127.0.0.1:9/", countries=[])
    home = html(Client().get("/en/"))
    assert "The national clearing-house of" in home and 'href="/en/countries/ca/"' in home
    own = home.index('id="own-decisions"')
    assert own < home.index('id="latest-title"')
    assert "Latest decisions of Canada" in home


def test_a_nodes_list_of_countries_leads_with_its_own_country() -> None:
    plain = lxml.html.fromstring(Client().get("/en/countries/").content)
    assert not plain.xpath("//li[@id='own-country']")
    first_before = plain.xpath("//ul[@class='country-list']/li/a")[0].get("href")
    init_node(SYSTEM, country="US", central_url="http://127.0.0.1:9/", countries=[])
    listed = lxml.html.fromstring(Client().get("/en/countries/").content).xpath("//ul[@class='country-list']/li")
    assert listed[0].get("id") == "own-country" and listed[0].xpath("./a")[0].get("href") == "/en/countries/us/"
    assert first_before != "/en/countries/us/"  # it was not first by its name
