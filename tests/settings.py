"""Settings for the test suite: the product's settings, with a private data folder per process.

Each pytest(-xdist) process gets its own temporary data folder (secret key, SQLite test database,
search index), so parallel workers never share files. ``OPENBCH_DATABASE_URL`` switches the whole
suite to PostgreSQL.
"""

import os
import tempfile

os.environ.setdefault("OPENBCH_DATA_DIR", tempfile.mkdtemp(prefix="openbch-test-"))

from openbch.settings import *  # noqa: F403

# the suite sends thousands of requests from one address; the limiter has its own tests
OPENBCH_RATE_LIMIT_PER_IP = 10_000_000
OPENBCH_RATE_LIMIT_PER_KEY = 10_000_000
