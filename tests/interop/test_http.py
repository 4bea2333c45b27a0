"""The guarded fetcher against a real local server: addresses, redirects, sizes, types, failures."""

from __future__ import annotations

import pytest

from openbch.interop.http import FetchError, FetchLimits, HttpFetcher, Request, check_address, check_body
from tests.interop.conftest import LoopbackOnly
from tests.interop.server import XML_BOMB, PlayServer

LOOPBACK = frozenset({"127.0.0.1"})
FAST = FetchLimits(max_bytes=1_000_000, connect_timeout=2, read_timeout=0.5, max_redirects=3, retries=1, backoff=0)
INDEX = Request.of("api/v2013/index/select", {"fq": ["schema_s:modifiedOrganism"], "start": "0"})


def fetcher(server: PlayServer, net: LoopbackOnly, *, allowed: frozenset[str] = LOOPBACK) -> HttpFetcher:
    return HttpFetcher(server.base_url, limits=FAST, allowed_hosts=allowed, http_transport=net)


def fetch_error(server: PlayServer, net: LoopbackOnly, request: Request, **kwargs: object) -> FetchError:
    client = fetcher(server, net, **kwargs)  # type: ignore[arg-type]
    try:
        with pytest.raises(FetchError) as caught:
            client.fetch(request, accept=["application/json"])
    finally:
        client.close()
    return caught.value


@pytest.mark.parametrize(
    ("host", "reason"),
    [
        ("127.0.0.1", "loopback"),
        ("localhost", "loopback"),
        ("10.0.0.1", "private"),
        ("192.168.1.20", "private"),
        ("169.254.169.254", "link-local"),
        ("::1", "loopback"),
        ("224.0.0.1", "multicast"),
        ("0.0.0.0", "unspecified"),  # noqa: S104 -- an address to refuse, not one to bind
        ("::ffff:10.1.2.3", "private"),
    ],
)
def test_non_public_addresses_are_refused_when_not_allowed(host: str, reason: str) -> None:
    with pytest.raises(FetchError) as caught:
        check_address(host, 80, frozenset())
    assert caught.value.code == "address_refused"
    assert reason in caught.value.message or "private" in caught.value.message


def test_an_allowed_host_passes_the_guard() -> None:
    assert check_address("127.0.0.1", 80, LOOPBACK) == "127.0.0.1"


def test_public_addresses_pass_without_being_allowed() -> None:
    assert check_address("8.8.8.8", 443, frozenset()) == "8.8.8.8"  # an IP literal: no lookup, no traffic


@pytest.mark.parametrize(
    ("content_type", "body", "code"),
    [
        ("text/html; charset=utf-8", b"<html>down</html>", "content_type"),
        ("application/json", b"  <!DOCTYPE html><html>", "content_type"),
        ("application/xml", b"<a/>", "xml_refused"),
        ("application/json", XML_BOMB, "xml_refused"),
        ("application/rss+xml", b"{}", "xml_refused"),
        ("image/png", b"\x89PNG", "content_type"),
    ],
)
def test_bodies_that_are_not_the_declared_data_are_refused(content_type: str, body: bytes, code: str) -> None:
    with pytest.raises(FetchError) as caught:
        check_body(content_type, body, accept=["application/json"], url="x")
    assert caught.value.code == code


def test_a_recorded_page_is_fetched_from_an_allowed_local_server(source_server: PlayServer, net: LoopbackOnly) -> None:
    client = fetcher(source_server, net)
    fetched = client.fetch(INDEX, accept=["application/json"])
    client.close()
    assert fetched.body.startswith(b"{") and b"numFound" in fetched.body
    assert fetched.content_type.startswith("application/json")


def test_loopback_is_refused_unless_an_administrator_allows_it(source_server: PlayServer, net: LoopbackOnly) -> None:
    error = fetch_error(source_server, net, INDEX, allowed=frozenset())
    assert error.code == "address_refused"
    assert source_server.hits == [] and net.sent == []


@pytest.mark.parametrize("target", ["http://10.0.0.1/latest", "http://169.254.169.254/latest/meta-data/"])
def test_a_redirect_to_a_private_address_is_refused_before_connecting(
    source_server: PlayServer, net: LoopbackOnly, target: str
) -> None:
    source_server.faults["/api/v2013/index/select"] = f"redirect:{target}"
    error = fetch_error(source_server, net, INDEX)
    assert error.code == "address_refused"
    assert net.refused == []  # the guard stopped it: the transport never saw the private target
    assert source_server.hits == ["/api/v2013/index/select"]


def test_redirect_loops_stop_at_the_cap(source_server: PlayServer, net: LoopbackOnly) -> None:
    source_server.faults["/api/v2013/index/select"] = f"redirect:{source_server.base_url}api/v2013/index/select"
    error = fetch_error(source_server, net, INDEX)
    assert error.code == "redirects"
    assert len(source_server.hits) == FAST.max_redirects + 1


def test_5xx_is_retried_then_reported(source_server: PlayServer, net: LoopbackOnly) -> None:
    source_server.faults["/api/v2013/index/select"] = "500"
    error = fetch_error(source_server, net, INDEX)
    assert error.code == "http_status" and "500" in error.message
    assert source_server.counts["/api/v2013/index/select"] == 1 + FAST.retries


def test_a_5xx_that_goes_away_is_survived_by_the_retry(source_server: PlayServer, net: LoopbackOnly) -> None:
    source_server.faults["/api/v2013/index/select"] = "500-once"
    client = fetcher(source_server, net)
    fetched = client.fetch(INDEX, accept=["application/json"])
    client.close()
    assert b"numFound" in fetched.body


def test_a_slow_source_times_out(source_server: PlayServer, net: LoopbackOnly) -> None:
    source_server.faults["/api/v2013/index/select"] = "slow"
    assert fetch_error(source_server, net, INDEX).code == "timeout"


def test_a_truncated_body_is_reported(source_server: PlayServer, net: LoopbackOnly) -> None:
    source_server.faults["/api/v2013/index/select"] = "truncate"
    assert fetch_error(source_server, net, INDEX).code == "truncated"


def test_a_dropped_connection_is_reported(source_server: PlayServer, net: LoopbackOnly) -> None:
    source_server.faults["/api/v2013/index/select"] = "drop"
    assert fetch_error(source_server, net, INDEX).code == "truncated"


@pytest.mark.parametrize("mode", ["huge-declared", "huge-chunked"])
def test_a_2_gb_body_is_refused_at_the_cap(source_server: PlayServer, net: LoopbackOnly, mode: str) -> None:
    source_server.faults["/api/v2013/index/select"] = mode
    error = fetch_error(source_server, net, INDEX)
    assert error.code == "too_large"


@pytest.mark.parametrize(
    ("mode", "code"),
    [
        ("html", "content_type"),
        ("html-as-json", "content_type"),
        ("xmlbomb", "xml_refused"),
        ("xmlbomb-as-json", "xml_refused"),
    ],
)
def test_html_and_xml_are_refused(source_server: PlayServer, net: LoopbackOnly, mode: str, code: str) -> None:
    source_server.faults["/api/v2013/index/select"] = mode
    assert fetch_error(source_server, net, INDEX).code == code


def test_only_http_urls_without_credentials_are_fetched(net: LoopbackOnly) -> None:
    for base in ("file:///etc/", "ftp://127.0.0.1/", "http://user:pw@127.0.0.1/"):
        client = HttpFetcher(base, limits=FAST, allowed_hosts=LOOPBACK, http_transport=net)
        with pytest.raises(FetchError) as caught:
            client.fetch(Request.of("passwd"), accept=[])
        client.close()
        assert caught.value.code == "bad_url"
    assert net.sent == []
