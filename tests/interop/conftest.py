"""Fixtures of the interop tests: the harvested demo data, a local source server, a network safety net.

The tests need the interop app installed: ``DJANGO_SETTINGS_MODULE=tests.interop.settings_interop``
until ``openbch.settings`` lists ``openbch.interop``; without it they are skipped, saying why.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from django.conf import settings

INSTALLED = "openbch.interop" in settings.INSTALLED_APPS


# without the app its models cannot even be imported: collect only test_installed.py, which says why
collect_ignore_glob = [] if INSTALLED else ["test_[!i]*.py"]


@pytest.fixture(scope="session")
def harvested(django_db_setup: Any, django_db_blocker: Any) -> dict[str, Any]:
    """Every bundled source harvested and reconciled once, for the whole session (committed)."""
    from openbch.core.actors import SYSTEM
    from openbch.interop.services import harvest, reconcile
    from openbch.interop.sources import definitions

    with django_db_blocker.unblock():
        runs = {name: harvest(SYSTEM, name) for name in definitions()}
        report = reconcile(SYSTEM)
    assert all(run.status == "succeeded" for run in runs.values()), {n: r.errors for n, r in runs.items()}
    return {"runs": runs, "report": report}


class LoopbackOnly(httpx.BaseTransport):
    """Wraps the real transport and refuses, loudly, any connection not to 127.0.0.1.

    The address guard must refuse private and link-local targets *before* connecting; if it ever
    did not, this stops the packet and records the attempt, so no test sends traffic elsewhere.
    """

    def __init__(self) -> None:
        self.inner = httpx.HTTPTransport()
        self.refused: list[str] = []
        self.sent: list[str] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.host != "127.0.0.1":
            self.refused.append(str(request.url))
            raise AssertionError(f"the harvester tried to connect to {request.url.host}")
        self.sent.append(str(request.url))
        return self.inner.handle_request(request)

    def close(self) -> None:
        self.inner.close()


@pytest.fixture
def net() -> Iterator[LoopbackOnly]:
    transport = LoopbackOnly()
    yield transport
    transport.close()


@pytest.fixture
def source_server() -> Iterator[Any]:
    from tests.interop.server import PlayServer

    server = PlayServer().start()
    try:
        yield server
    finally:
        server.stop()
