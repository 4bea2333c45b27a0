"""Settings for the test suite: the product's settings, with a private data folder per process.

Each pytest(-xdist) process gets its own temporary data folder (secret key, SQLite test database,
search index), so parallel workers never share files. ``OPENBCH_DATABASE_URL`` switches the whole
suite to PostgreSQL.
"""

import os
import tempfile

# A folder of our own unless the caller named one (a child process run by a test). xdist workers
# inherit the controller's environment, marker included: each makes a folder of its own.
if "OPENBCH_DATA_DIR" not in os.environ or os.environ.get("OPENBCH_TEST_OWNS_DATA_DIR"):
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    os.environ["OPENBCH_DATA_DIR"] = tempfile.mkdtemp(prefix=f"openbch-test-{worker}-")
    os.environ["OPENBCH_TEST_OWNS_DATA_DIR"] = "1"

from openbch.settings import *  # noqa: F403

# the suite sends thousands of requests from one address; the limiter has its own tests
OPENBCH_RATE_LIMIT_PER_IP = 10_000_000
OPENBCH_RATE_LIMIT_PER_KEY = 10_000_000
