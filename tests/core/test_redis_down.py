"""Redis down is not an outage: reads, pages, rate limits and logins go on per process, and come back.

Each test runs a ``redis-server`` of its own on a free port (never the shared one on 6379, which
other tests and processes use), points the cache at it, then kills it mid-run — or points the cache
at a port where nothing listens, or at a socket that accepts and never answers (a dropped route).
"""

from __future__ import annotations

import logging
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, cast

import pytest
import redis
from django.contrib.auth.models import User
from django.test import Client, override_settings

from openbch.core import cache as core_cache
from openbch.web.cache import cached

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(shutil.which("redis-server") is None, reason="no redis-server on this machine"),
]

REDIS_SERVER = shutil.which("redis-server") or "redis-server"
#: the back-off of these tests: short, so that a recovery is seen without waiting 5 s
RETRY = 0.3
READS = ("/api/v1/lmos/mon-00810-6", "/api/v1/search?q=maize", "/en/")
LOGGER = "openbch.core.cache"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class RedisProcess:
    """A private redis-server on ``port``, without persistence, that a test can kill and restart."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.url = f"redis://127.0.0.1:{port}/0"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        client = redis.Redis.from_url(self.url, socket_connect_timeout=0.2)
        deadline = time.monotonic() + 10
        while True:
            try:
                client.ping()
                return
            except redis.ConnectionError:
                if time.monotonic() > deadline or self.process.poll() is not None:
                    raise
                time.sleep(0.02)

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()  # a crash, not a shutdown
            self.process.wait(timeout=10)

    def keys(self, pattern: str) -> list[str]:
        return sorted(k.decode() for k in redis.Redis.from_url(self.url).scan_iter(pattern))


def _cache_settings(url: str, **options: Any) -> dict[str, Any]:
    return {
        "default": {
            "BACKEND": "openbch.core.cache.RedisCache",
            "LOCATION": url,
            "OPTIONS": {"down_retry_seconds": RETRY, **options},
        }
    }


@pytest.fixture
def redis_server() -> Iterator[RedisProcess]:
    server = RedisProcess(_free_port())
    server.start()
    try:
        with override_settings(CACHES=_cache_settings(server.url)):
            yield server
    finally:
        server.kill()
        core_cache._breakers.pop(server.url, None)  # the port may be handed out again


@pytest.fixture
def closed_port() -> Iterator[RedisProcess]:
    """A cache pointed at a port where nothing listens, from the start; ``start()`` brings Redis up."""
    server = RedisProcess(_free_port())
    try:
        with override_settings(CACHES=_cache_settings(server.url)):
            yield server
    finally:
        server.kill()
        core_cache._breakers.pop(server.url, None)


def _warnings(caplog: pytest.LogCaptureFixture, text: str) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == LOGGER and r.levelno == logging.WARNING and text in r.message]


def _read_everything(client: Client, ip: str = "127.0.0.1") -> None:
    for path in READS:
        response = client.get(path, REMOTE_ADDR=ip)
        assert response.status_code == 200, (path, response.content[:500])


def test_reads_and_pages_answer_while_redis_is_killed_and_use_it_again_when_it_returns(
    redis_server: RedisProcess, client: Client, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger=LOGGER)
    _read_everything(client)
    assert client.get("/healthz").json()["cache"] == {"status": "ok", "backend": "redis"}
    assert redis_server.keys("*openbch:rl:*")  # the API's rate counters are in Redis
    assert redis_server.keys("*openbch:web:*")  # and the pages' search answers

    redis_server.kill()
    for _ in range(3):
        _read_everything(client)
    # logged once for the outage, not once per request
    down = _warnings(caplog, "unavailable")
    assert len(down) == 1, [r.message for r in caplog.records]
    assert f"127.0.0.1:{redis_server.port}/0" in down[0].message
    health = client.get("/healthz")
    assert health.status_code == 200  # the server still serves: a load balancer must keep it
    body = health.json()
    assert body["status"] == "degraded"
    assert body["cache"]["status"] == "unavailable"
    assert body["cache"]["error"] == "ConnectionError"
    assert body["cache"]["since"].startswith(time.strftime("%Y-", time.gmtime()))

    redis_server.start()  # same port, empty
    time.sleep(RETRY * 1.5)
    health = client.get("/healthz").json()
    assert health["status"] == "ok" and health["cache"]["status"] == "ok"
    assert len(_warnings(caplog, "answers again")) == 1
    assert redis_server.keys("*") == []
    # another address: the first one's lease (64 counts taken before the kill) still serves it
    _read_everything(client, ip="10.9.8.7")
    assert redis_server.keys("*openbch:rl:ip:10.9.8.7:*")  # counting in Redis again
    assert redis_server.keys("*openbch:web:*")
    assert len(_warnings(caplog, "unavailable")) == 1


def test_a_closed_port_from_the_start_serves_and_reports_degraded(
    closed_port: RedisProcess, client: Client, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger=LOGGER)
    for _ in range(2):
        _read_everything(client)
    assert len(_warnings(caplog, "unavailable")) == 1
    body = client.get("/healthz").json()
    assert (body["status"], body["cache"]["status"]) == ("degraded", "unavailable")
    # back-off: while it lasts, no request tries the dead port again (the health check neither)
    assert len(_warnings(caplog, "unavailable")) == 1

    closed_port.start()
    time.sleep(RETRY * 1.5)
    assert client.get("/healthz").json()["status"] == "ok"


def test_rate_limits_refuse_per_process_while_redis_is_down_then_count_in_redis_again(
    closed_port: RedisProcess, client: Client
) -> None:
    with override_settings(OPENBCH_RATE_LIMIT_PER_IP=5, OPENBCH_RATE_LIMIT_WINDOW=60):
        statuses = [client.get("/api/v1/", REMOTE_ADDR="10.9.9.1").status_code for _ in range(7)]
        assert statuses == [200] * 5 + [429] * 2  # not unlimited: the limit holds in this process
        assert client.get("/api/v1/", REMOTE_ADDR="10.9.9.2").status_code == 200

        closed_port.start()
        time.sleep(RETRY * 1.5)
        statuses = [client.get("/api/v1/", REMOTE_ADDR="10.9.9.3").status_code for _ in range(7)]
        assert statuses == [200] * 5 + [429] * 2
        counters = closed_port.keys("*openbch:rl:ip:10.9.9.3:*")
        assert len(counters) == 1  # counted in Redis, shared by every process again
        assert int(cast(bytes, redis.Redis.from_url(closed_port.url).get(counters[0]))) >= 5


def test_a_lease_taken_before_redis_died_is_used_then_memory_counts_to_the_limit(redis_server: RedisProcess) -> None:
    backend = core_cache.RedisCache(redis_server.url, {"OPTIONS": {"down_retry_seconds": 60}})
    assert backend.take("ip:lease", 100, 60) == (True, 1)  # leased 1..6 at once from Redis
    redis_server.kill()
    counts = [backend.take("ip:lease", 100, 60) for _ in range(110)]
    allowed = [count for ok, count in counts if ok]
    assert allowed[:5] == [2, 3, 4, 5, 6]  # the rest of the lease
    assert allowed[5:] == list(range(1, 101))  # then this process's own count, to the limit
    assert not any(ok for ok, _ in counts[105:])


def test_login_failures_are_still_counted_while_redis_is_down(closed_port: RedisProcess, client: Client) -> None:
    password = "correct horse battery staple"
    User.objects.create_user("redisless", password=password)
    with override_settings(
        OPENBCH_LOGIN_LIMIT_PER_ACCOUNT=3, OPENBCH_LOGIN_LIMIT_PER_IP=20, OPENBCH_LOGIN_LIMIT_WINDOW=900
    ):

        def attempt(secret: str) -> int:
            form = {"username": "redisless", "password": secret}
            return client.post("/accounts/login/", form, REMOTE_ADDR="198.51.100.9").status_code

        assert [attempt("wrong guess!") for _ in range(3)] == [200, 200, 200]
        assert attempt(password) == 429  # the limit holds: the right password is refused too
        assert attempt("wrong guess!") == 429


def test_the_page_cache_keeps_answers_in_memory_while_redis_is_down(closed_port: RedisProcess) -> None:
    built: list[int] = []

    def build() -> str:
        built.append(1)
        return "answer"

    with override_settings(OPENBCH_WEB_CACHE_SECONDS=60):
        assert [cached("redis-down", ["x"], build) for _ in range(3)] == ["answer"] * 3
    assert len(built) == 1


def test_a_redis_that_never_answers_does_not_hold_requests(client: Client, caplog: pytest.LogCaptureFixture) -> None:
    """A socket that takes connections and never replies, as a Redis behind a dropped route: the
    default timeouts (not the tests' short back-off) bound the wait to one request per back-off."""
    caplog.set_level(logging.WARNING, logger=LOGGER)
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(64)  # the kernel completes the handshakes; nothing ever reads or writes
        url = f"redis://127.0.0.1:{silent.getsockname()[1]}/0"
        caches = {"default": {"BACKEND": "openbch.core.cache.RedisCache", "LOCATION": url}}
        try:
            with override_settings(CACHES=caches):
                started = time.monotonic()
                for _ in range(3):
                    _read_everything(client)
                elapsed = time.monotonic() - started
                body = client.get("/healthz").json()
        finally:
            core_cache._breakers.pop(url, None)
    assert (body["status"], body["cache"]["error"]) == ("degraded", "TimeoutError")
    assert len(_warnings(caplog, "unavailable")) == 1
    # one read timeout (0.5 s) in all, then memory until the back-off (5 s) ends
    assert core_cache.READ_TIMEOUT <= elapsed < core_cache.READ_TIMEOUT + 4, elapsed


@pytest.mark.slow
def test_a_served_instance_with_two_workers_keeps_serving_while_redis_is_killed(tmp_path: Path) -> None:
    """``openbch serve`` (gunicorn, two worker processes) with OPENBCH_CACHE_URL at a private Redis."""
    import httpx

    openbch = Path(sys.executable).with_name("openbch")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENBCH_", "DJANGO_"))}
    data_dir = str(tmp_path / "data")
    prepared = subprocess.run(
        [str(openbch), "demo", "--no-serve", "--data-dir", data_dir], env=env, capture_output=True, timeout=300
    )
    assert prepared.returncode == 0, prepared.stderr[-2000:]
    server = RedisProcess(_free_port())
    server.start()
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    log = tmp_path / "serve.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [str(openbch), "serve", "--data-dir", data_dir, "--port", str(port), "--workers", "2"],
            env={**env, "OPENBCH_CACHE_URL": server.url},
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        with httpx.Client(base_url=base, timeout=10) as http:
            deadline = time.monotonic() + 60
            while True:
                try:
                    http.get("/healthz")
                    break
                except httpx.TransportError:
                    assert process.poll() is None and time.monotonic() < deadline, log.read_text()
                    time.sleep(0.2)
            assert [http.get(path).status_code for path in READS] == [200] * len(READS)
            assert http.get("/healthz").json()["cache"]["status"] == "ok"

            server.kill()
            statuses = [http.get(path).status_code for _ in range(10) for path in READS]
            assert statuses == [200] * len(statuses), log.read_text()[-3000:]
            healths = [http.get("/healthz") for _ in range(4)]  # both workers answer some of them
            assert {(h.status_code, h.json()["status"], h.json()["cache"]["status"]) for h in healths} == {
                (200, "degraded", "unavailable")
            }
            # once per worker process at most, for 30 requests and more
            assert 1 <= log.read_text().count("is unavailable") <= 2, log.read_text()[-3000:]

            server.start()
            deadline = time.monotonic() + 3 * core_cache.RETRY_SECONDS
            while {http.get("/healthz").json()["status"] for _ in range(4)} != {"ok"}:
                assert time.monotonic() < deadline, log.read_text()[-3000:]
                time.sleep(0.5)
            assert http.get(READS[0], headers={"X-API-Key": "redis-down-test"}).status_code == 200
            assert server.keys("*openbch:rl:key:*")  # counted in the shared Redis again
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)
        server.kill()
