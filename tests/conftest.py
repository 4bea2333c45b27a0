"""Shared fixtures: a test database migrated and loaded with the real demo data once per process.

The suite runs twice, on SQLite and on PostgreSQL (``OPENBCH_DATABASE_URL``). A test that touches
neither the suite's database nor instances on it (an identifier parser, a vocabulary file, a command
run on a SQLite folder of its own) would only do the same thing again: the PostgreSQL run leaves
it out (:func:`pytest_collection_modifyitems`).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

SHARED = Path(__file__).resolve().parents[2] / "shared"

#: pytest-django's fixtures that give a test the suite's database
DATABASE_FIXTURES = {
    "db",
    "transactional_db",
    "django_db_reset_sequences",
    "django_db_serialized_rollback",
    "live_server",
}
#: what a test module names when its tests run instances on the suite's database (tests/federation)
DATABASE_NAMES = ("OPENBCH_DATABASE_URL", "fresh_postgres_database", "tests.federation.instances")


@cache
def _names_the_database(module: Path) -> bool:
    text = module.read_text(encoding="utf-8")
    return any(name in text for name in DATABASE_NAMES)


def uses_the_database(item: pytest.Item) -> bool:
    """Whether ``item`` touches the suite's database, itself or through instances it starts."""
    if item.get_closest_marker("django_db") or DATABASE_FIXTURES & set(getattr(item, "fixturenames", ())):
        return True
    return _names_the_database(item.path)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """On PostgreSQL: only the tests that use the database (the others ran in the SQLite run)."""
    if not os.environ.get("OPENBCH_DATABASE_URL"):
        return
    kept = [item for item in items if uses_the_database(item)]
    if len(kept) < len(items):
        config.hook.pytest_deselected(items=[item for item in items if not uses_the_database(item)])
        items[:] = kept


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup: Any, django_db_blocker: Any) -> None:
    """Load the demo data into the (already migrated) test database, once."""
    from openbch.cli import demo_data_files
    from openbch.core.actors import SYSTEM
    from openbch.records.load import load_files

    with django_db_blocker.unblock():
        load_files(SYSTEM, demo_data_files())


@pytest.fixture
def client() -> Client:
    return Client()


@pytest.fixture
def shared_data() -> Path:
    path = SHARED / "data"
    if not path.exists():
        pytest.skip("../shared/data is not beside the repository")
    return path


@pytest.fixture
def bch(same_connection: None) -> Iterator[Any]:
    """The Python client talking HTTP to the app in process (WSGI), inside the test's transaction."""
    import httpx

    from openbch.client import OpenBCHClient
    from openbch.wsgi import application

    def pep3333(environ: dict[str, Any], start_response: Any) -> Any:
        # httpx's WSGITransport puts the decoded path into PATH_INFO as text; PEP 3333 wants its
        # UTF-8 bytes as latin-1 text, as gunicorn does (else "Ø" arrives as "%D8")
        environ["PATH_INFO"] = environ["PATH_INFO"].encode("utf-8").decode("latin-1")
        return application(environ, start_response)

    with OpenBCHClient("http://testserver", transport=httpx.WSGITransport(app=pep3333)) as client:
        yield client


@pytest.fixture
def same_connection() -> Iterator[None]:
    """Requests served in this thread (WSGI, schemathesis) use the test's connection and transaction,
    as Django's test client arranges: no closing of "old" connections around each request."""
    from django.core import signals
    from django.db import close_old_connections

    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture(autouse=True)
def _fresh_search_pages() -> None:
    """Kept search pages are per process: a test never sees the pages of the one before it."""
    from openbch.search.answers import PAGES

    PAGES.clear()


@pytest.fixture(autouse=True)
def _default_language() -> Iterator[None]:
    """A page served in French leaves French active in this thread (Django's LocaleMiddleware does
    not switch back after the answer): services called by the next test must speak the default."""
    yield
    from django.utils import translation

    translation.deactivate()
