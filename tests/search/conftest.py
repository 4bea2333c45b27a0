"""Search tests: a search index per test process, and the product's URL map once search is mounted."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.urls import Resolver404, resolve

# pytest-xdist workers inherit the controller's OPENBCH_DATA_DIR (tests/settings.py sets it with
# setdefault), so they share one data folder; each has its own test database, so each needs its own
# index too, or one worker's rebuild would replace another's index with records of its database
_WORKER = os.environ.get("PYTEST_XDIST_WORKER")
if _WORKER:
    django_settings.INDEX_DIR = Path(django_settings.DATA_DIR) / f"index-{_WORKER}"


@pytest.fixture(autouse=True)
def _search_urls(settings: Any) -> None:
    try:
        resolve("/api/v1/search", urlconf="openbch.urls")
    except Resolver404:  # not mounted in openbch.api.app yet: use the tests' URL map
        settings.ROOT_URLCONF = "tests.search.urls"
