"""Says why the interop tests did not run when the app is not installed."""

from __future__ import annotations

import pytest
from django.conf import settings


def test_the_interop_app_is_installed() -> None:
    if "openbch.interop" not in settings.INSTALLED_APPS:
        pytest.skip("openbch.interop is not in INSTALLED_APPS: run with --ds tests.interop.settings_interop")
