"""Settings for the test suite: the product's settings, with a private data folder per process.

Each pytest(-xdist) process gets its own temporary data folder (secret key, SQLite test database,
search index), so parallel workers never share files, and removes it when it exits.
``OPENBCH_DATABASE_URL`` switches the whole suite to PostgreSQL.
"""

import atexit
import os
import shutil
import tempfile

#: names the data folder a test process made for itself (and will remove)
_MADE = "OPENBCH_TEST_OWNS_DATA_DIR"


def _remove_at_exit(folder: str) -> None:
    """Remove ``folder`` when this process exits. A process forked from this one inherits the hook
    but did not make the folder, and must leave it to its maker."""
    maker = os.getpid()

    def remove() -> None:
        if os.getpid() == maker:
            shutil.rmtree(folder, ignore_errors=True)

    atexit.register(remove)


# A folder of our own unless the caller named one (a child process run by a test, with its own
# folder). A folder the marker names was made by the process we inherited the environment from
# (xdist workers, children run with os.environ): we make our own too, as that one is not ours.
if "OPENBCH_DATA_DIR" not in os.environ or os.environ["OPENBCH_DATA_DIR"] == os.environ.get(_MADE):
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    os.environ["OPENBCH_DATA_DIR"] = os.environ[_MADE] = tempfile.mkdtemp(prefix=f"openbch-test-{worker}-")
    _remove_at_exit(os.environ[_MADE])

from openbch.settings import *  # noqa: E402, F403 - reads OPENBCH_DATA_DIR, set above

# the suite sends thousands of requests from one address; the limiter has its own tests
OPENBCH_RATE_LIMIT_PER_IP = 10_000_000
OPENBCH_RATE_LIMIT_PER_KEY = 10_000_000

# Argon2id at the lowest costs: the production costs are a deliberate ~110 ms a hash (tests/hashers.py)
PASSWORD_HASHERS = ["tests.hashers.QuickArgon2Hasher"]
