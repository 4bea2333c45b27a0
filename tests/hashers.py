"""The test suite's password hasher: Argon2id as in production, at the lowest costs argon2 accepts.

The production costs (openbch/accounts/hashers.py) make one hash take about 110 ms, on purpose, and
the suite creates and logs in hundreds of accounts. Hashing, verifying and the stored format are
the production hasher's; only the costs differ. ``test_passwords`` checks the production costs with
the production setting, and every instance a test starts as a process hashes at production costs.
"""

from __future__ import annotations

from openbch.accounts.hashers import OpenBCHArgon2Hasher

__all__ = ["PRODUCTION_HASHERS", "QuickArgon2Hasher"]

#: the product's setting, for the tests of the costs themselves
PRODUCTION_HASHERS = ["openbch.accounts.hashers.OpenBCHArgon2Hasher"]


class QuickArgon2Hasher(OpenBCHArgon2Hasher):
    time_cost = 1
    memory_cost = 64  # KiB
    parallelism = 1
