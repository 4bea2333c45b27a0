"""The write lock every mutation takes first, inside its transaction.

Why: change-log sequence numbers must become visible in increasing order (a consumer that read up
to N must never later find a smaller N committed), and each audit entry chains the hash of the one
before. Both need writers in single file. SQLite gets that from ``BEGIN IMMEDIATE`` (settings);
PostgreSQL from a transaction-scoped advisory lock, released at commit or rollback.
"""

from __future__ import annotations

from django.db import connection

__all__ = ["acquire_write_lock"]

_LOCK_KEY = 0x0BC4  # any constant shared by all openbch processes on one database


def acquire_write_lock() -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_LOCK_KEY])
