"""The test settings with the interop app installed (until ``openbch.settings`` lists it).

Use: ``DJANGO_SETTINGS_MODULE=tests.interop.settings_interop pytest tests/interop`` (or ``--ds``).
"""

from tests.settings import *  # noqa: F403

if "openbch.interop" not in INSTALLED_APPS:  # noqa: F405
    INSTALLED_APPS = [*INSTALLED_APPS, "openbch.interop"]  # noqa: F405
