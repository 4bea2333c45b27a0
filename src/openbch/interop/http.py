"""Fetching from external sources, over the network or from the payloads bundled with openbch.

Everything a source sends is untrusted, so the network fetcher (ASVS 15.3, API7/API10):

* refuses URLs whose host resolves to a loopback, private, link-local, multicast, reserved or
  otherwise non-global address, unless the host is allowed by ``OPENBCH_HARVEST_ALLOWED_HOSTS``
  (a setting or environment variable, comma-separated: ``127.0.0.1,mirror.example.org``);
* connects to the address it checked (the URL is rewritten to the IP, with ``Host`` and TLS SNI set
  to the name), so a second DNS answer cannot point the connection elsewhere;
* follows no redirect by itself: each ``Location`` is checked like a new URL, at most
  ``max_redirects`` times;
* has connect and read timeouts, and streams the body, aborting above ``max_bytes`` (a declared
  ``Content-Length`` above the cap is refused before reading anything);
* checks the content type against what the source declares, refuses HTML where data was expected
  and refuses XML outright (openbch parses no XML until defusedxml is a dependency);
* retries 5xx answers, timeouts and truncated transfers a bounded number of times.

The bundled fetcher serves files shipped in ``payloads/<source>/`` through the same body checks,
so ``openbch harvest run --all`` works offline with exactly the code path of a real harvest.
"""

from __future__ import annotations

import ipaddress
import json
import os
import socket
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from importlib.resources.abc import Traversable
from typing import Protocol
from urllib.parse import urlencode, urljoin, urlsplit

import httpx

__all__ = [
    "BundledFetcher",
    "FetchError",
    "FetchLimits",
    "Fetched",
    "Fetcher",
    "HttpFetcher",
    "Request",
    "allowed_hosts_setting",
    "check_address",
    "check_body",
]

USER_AGENT = "openbch-harvester/0.1 (+https://github.com/openbch)"
REDIRECTS = frozenset({301, 302, 303, 307, 308})
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
_SNIFF = 1024
_XML_TYPES = ("application/xml", "text/xml")


class FetchError(Exception):
    """A fetch that failed, with a stable ``code`` for the harvest log.

    Codes: ``bad_url``, ``address_refused``, ``redirects``, ``timeout``, ``connect``,
    ``http_status``, ``too_large``, ``truncated``, ``content_type``, ``xml_refused``, ``not_found``.
    """

    def __init__(self, code: str, message: str, *, url: str = "", retryable: bool = False) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.url = url
        #: a transient failure (5xx, timeout, broken transfer): worth another attempt
        self.retryable = retryable


@dataclass(frozen=True)
class FetchLimits:
    """Per-source limits (a source definition may lower or raise them)."""

    max_bytes: int = 50_000_000
    connect_timeout: float = 5.0
    read_timeout: float = 30.0
    max_redirects: int = 3
    #: further attempts after a 5xx, a timeout or a truncated body
    retries: int = 2
    #: seconds before the first retry, doubled for each further one
    backoff: float = 0.5


@dataclass(frozen=True)
class Request:
    """A request relative to a source's base: ``api/v2013/index/select`` with its query."""

    path: str
    params: tuple[tuple[str, str], ...] = ()

    @classmethod
    def of(cls, path: str, params: Mapping[str, str | Sequence[str]] | None = None) -> Request:
        pairs: list[tuple[str, str]] = []
        for name, value in (params or {}).items():
            for one in [value] if isinstance(value, str) else value:
                pairs.append((name, str(one)))
        return cls(path.lstrip("/"), tuple(pairs))

    @property
    def locator(self) -> str:
        """Path and sorted query: names one request whatever the transport or the base URL."""
        query = urlencode(sorted(self.params))
        return f"{self.path}?{query}" if query else self.path

    def url(self, base_url: str) -> str:
        base = base_url if base_url.endswith("/") else base_url + "/"
        query = urlencode(list(self.params))
        return urljoin(base, self.path) + (f"?{query}" if query else "")

    def as_dict(self) -> dict[str, object]:
        return {"path": self.path, "params": [list(p) for p in self.params]}

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> Request:
        params = data.get("params") or []
        assert isinstance(params, list)
        return cls(str(data["path"]), tuple((str(p[0]), str(p[1])) for p in params))


@dataclass(frozen=True)
class Fetched:
    url: str
    content_type: str
    body: bytes
    status: int = 200


class Fetcher(Protocol):
    transport: str

    def fetch(self, request: Request, *, accept: Sequence[str]) -> Fetched: ...

    def close(self) -> None: ...


def allowed_hosts_setting() -> frozenset[str]:
    """Hosts (names or IP addresses) an administrator allows despite a non-public address."""
    from django.conf import settings

    value = getattr(settings, "OPENBCH_HARVEST_ALLOWED_HOSTS", None)
    if value is None:
        value = os.environ.get("OPENBCH_HARVEST_ALLOWED_HOSTS", "")
    items = value.split(",") if isinstance(value, str) else list(value)
    return frozenset(h.strip().lower() for h in items if h.strip())


def _refused(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> str | None:
    """Why an address is not public (None when it is)."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    for reason, flag in (
        ("loopback", address.is_loopback),
        ("private", address.is_private),
        ("link-local", address.is_link_local),
        ("multicast", address.is_multicast),
        ("reserved", address.is_reserved),
        ("unspecified", address.is_unspecified),
    ):
        if flag:
            return reason
    return None if address.is_global else "not globally routable"


def check_address(host: str, port: int, allowed: frozenset[str]) -> str:
    """Resolve ``host`` and return the address to connect to, or raise ``address_refused``.

    Every address the name resolves to must be public, so a name with one public and one private
    answer is refused rather than raced. An allowed host skips the check.
    """
    name = host.strip("[]").lower()
    try:
        infos = socket.getaddrinfo(name, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise FetchError("connect", f"cannot resolve {name!r}: {exc}") from None
    addresses = []
    for info in infos:
        text = str(info[4][0]).split("%", 1)[0]
        addresses.append(ipaddress.ip_address(text))
    if not addresses:
        raise FetchError("connect", f"{name!r} resolves to no address")
    if name in allowed or any(str(a) in allowed for a in addresses):
        return str(addresses[0])
    for address in addresses:
        reason = _refused(address)
        if reason:
            raise FetchError(
                "address_refused",
                f"{name} resolves to {address}, a {reason} address; refused "
                "(an administrator may allow it in OPENBCH_HARVEST_ALLOWED_HOSTS)",
            )
    return str(addresses[0])


def _media_type(content_type: str) -> str:
    return content_type.split(";", 1)[0].strip().lower()


def check_body(content_type: str, head: bytes, *, accept: Sequence[str], url: str) -> None:
    """Refuse XML, HTML where data was expected, and types the source does not declare.

    ``head`` is the start of the body (sniffed, because servers mislabel error pages).
    """
    media = _media_type(content_type)
    start = head[:_SNIFF].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if media in _XML_TYPES or media.endswith("+xml") or start.startswith((b"<?xml", b"<!entity")):
        raise FetchError("xml_refused", f"XML is not accepted from sources (got {media or 'no type'})", url=url)
    wants_html = "text/html" in accept
    if not wants_html and (media == "text/html" or start.startswith((b"<!doctype html", b"<html"))):
        raise FetchError("content_type", f"HTML instead of {', '.join(accept) or 'data'}", url=url)
    if start.startswith(b"<!doctype"):
        raise FetchError("xml_refused", "a document type declaration (XML/SGML) is not accepted", url=url)
    if accept and media and media not in accept:
        raise FetchError("content_type", f"content type {media!r} is not one of {', '.join(accept)}", url=url)


@dataclass
class HttpFetcher:
    """The guarded network fetcher (see the module docstring)."""

    base_url: str
    limits: FetchLimits = field(default_factory=FetchLimits)
    allowed_hosts: frozenset[str] | None = None
    #: an httpx transport to use instead of the network (tests wrap the real one)
    http_transport: httpx.BaseTransport | None = None
    transport: str = "http"

    def __post_init__(self) -> None:
        if self.allowed_hosts is None:
            self.allowed_hosts = allowed_hosts_setting()
        timeout = httpx.Timeout(
            connect=self.limits.connect_timeout,
            read=self.limits.read_timeout,
            write=self.limits.read_timeout,
            pool=self.limits.connect_timeout,
        )
        self._client = httpx.Client(
            timeout=timeout,
            follow_redirects=False,
            headers={"User-Agent": USER_AGENT},
            transport=self.http_transport,
            trust_env=False,  # proxies from the environment would bypass the address guard
        )

    def close(self) -> None:
        self._client.close()

    def fetch(self, request: Request, *, accept: Sequence[str]) -> Fetched:
        url = request.url(self.base_url)
        attempt = 0
        while True:
            try:
                return self._fetch_following(url, accept)
            except FetchError as exc:
                if not exc.retryable or attempt >= self.limits.retries:
                    raise
                time.sleep(self.limits.backoff * (2**attempt))
                attempt += 1

    def _fetch_following(self, url: str, accept: Sequence[str]) -> Fetched:
        for _ in range(self.limits.max_redirects + 1):
            response = self._send(url, accept)
            if isinstance(response, str):
                url = response
                continue
            return response
        raise FetchError("redirects", f"more than {self.limits.max_redirects} redirects", url=url)

    def _send(self, url: str, accept: Sequence[str]) -> Fetched | str:
        """One request to a checked address: the response, or the next URL of a redirect."""
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise FetchError("bad_url", f"only http and https URLs are fetched, not {url[:200]!r}", url=url)
        if parts.username or parts.password:
            raise FetchError("bad_url", "URLs with credentials are not fetched", url=url)
        port = parts.port or (443 if parts.scheme == "https" else 80)
        assert self.allowed_hosts is not None
        address = check_address(parts.hostname, port, self.allowed_hosts)
        target = httpx.URL(url)
        pinned = target.copy_with(host=address)
        headers = {"Host": target.netloc.decode("ascii"), "Accept": ", ".join(accept) or "*/*"}
        extensions = {"sni_hostname": parts.hostname} if parts.scheme == "https" else {}
        try:
            with self._client.stream("GET", pinned, headers=headers, extensions=extensions) as response:
                if response.status_code in REDIRECTS:
                    location = str(response.headers.get("Location", ""))
                    if not location:
                        raise FetchError("http_status", f"redirect {response.status_code} without Location", url=url)
                    return str(urljoin(url, location))
                if response.status_code >= 500 or response.status_code == 429:
                    raise FetchError("http_status", f"HTTP {response.status_code}", url=url, retryable=True)
                if response.status_code == 404:
                    raise FetchError("not_found", "HTTP 404", url=url)
                if response.status_code != 200:
                    raise FetchError("http_status", f"HTTP {response.status_code}", url=url)
                content_type = response.headers.get("Content-Type", "")
                declared = response.headers.get("Content-Length")
                if declared and declared.isdigit() and int(declared) > self.limits.max_bytes:
                    raise FetchError(
                        "too_large", f"declared {declared} bytes, above the cap of {self.limits.max_bytes}", url=url
                    )
                body = bytearray()
                checked = False
                for chunk in response.iter_bytes():
                    body.extend(chunk)
                    if not checked and len(body) >= _SNIFF:
                        check_body(content_type, bytes(body), accept=accept, url=url)
                        checked = True
                    if len(body) > self.limits.max_bytes:
                        raise FetchError("too_large", f"body above the cap of {self.limits.max_bytes} bytes", url=url)
                if not checked:
                    check_body(content_type, bytes(body), accept=accept, url=url)
                return Fetched(url=url, content_type=content_type, body=bytes(body), status=response.status_code)
        except httpx.TimeoutException as exc:
            raise FetchError("timeout", f"timed out ({type(exc).__name__})", url=url, retryable=True) from None
        except httpx.RemoteProtocolError as exc:
            raise FetchError("truncated", f"the transfer broke off: {exc}", url=url, retryable=True) from None
        except httpx.TransportError as exc:
            raise FetchError("connect", f"{type(exc).__name__}: {exc}", url=url, retryable=True) from None


@dataclass(frozen=True)
class _Route:
    path: str
    params: tuple[tuple[str, str], ...]
    file: str
    content_type: str


class BundledFetcher:
    """Serves ``payloads/<folder>/`` as a source would: routes are declared in its ``manifest.json``.

    ``{"routes": [{"path": "api/v2013/index/select", "params": {"fq": "schema_s:organism",
    "start": "0"}, "file": "index-organism-0.json", "content_type": "application/json"}]}``: a
    request matches a route when its path is equal and it carries every listed parameter value.
    """

    transport = "bundled"

    def __init__(self, folder: str | Traversable, limits: FetchLimits | None = None) -> None:
        self.folder = resources.files("openbch.interop") / "payloads" / folder if isinstance(folder, str) else folder
        self.limits = limits or FetchLimits()
        manifest = json.loads((self.folder / "manifest.json").read_text(encoding="utf-8"))
        self.routes = [
            _Route(
                path=str(route["path"]).lstrip("/"),
                params=tuple(sorted((str(k), str(v)) for k, v in (route.get("params") or {}).items())),
                file=str(route["file"]),
                content_type=str(route.get("content_type", "application/octet-stream")),
            )
            for route in manifest["routes"]
        ]

    def resolve(self, request: Request) -> _Route | None:
        given = set(request.params)
        for route in self.routes:
            if route.path == request.path and all(pair in given for pair in route.params):
                return route
        return None

    def read(self, route: _Route) -> bytes:
        return (self.folder / route.file).read_bytes()

    def fetch(self, request: Request, *, accept: Sequence[str]) -> Fetched:
        url = f"bundled:{request.locator}"
        route = self.resolve(request)
        if route is None:
            raise FetchError("not_found", f"no bundled payload for {request.locator}", url=url)
        body = self.read(route)
        if len(body) > self.limits.max_bytes:
            raise FetchError("too_large", f"body above the cap of {self.limits.max_bytes} bytes", url=url)
        check_body(route.content_type, body, accept=accept, url=url)
        return Fetched(url=url, content_type=route.content_type, body=body)

    def close(self) -> None:
        return None
