"""Settings of the server the browser tests start: the product's, plus the web interface's entries
(``openbch.web_mount.WEB_SETTINGS``) until settings.py has them."""

import os

from openbch.settings import *  # noqa: F403
from openbch.web_mount import apply_web_settings

# until settings.py declares it (see openbch/web/cache.py)
OPENBCH_WEB_CACHE_SECONDS = int(os.environ.get("OPENBCH_WEB_CACHE_SECONDS", "60"))
apply_web_settings(globals())
ROOT_URLCONF = "tests.web.urls"
# the browser tests load many pages quickly from one address
OPENBCH_RATE_LIMIT_PER_IP = 10_000_000
