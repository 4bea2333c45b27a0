"""Shared fixtures: a test database migrated and loaded with the real demo data once per process."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.test import Client

SHARED = Path(__file__).resolve().parents[2] / "shared"


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
