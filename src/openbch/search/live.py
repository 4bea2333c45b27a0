"""Keeping the search index current: after every commit, and before every query.

Two mechanisms, so that a published change is searchable at once and never silently missed:

* the record services call :func:`index_after_commit` inside their transaction; Django runs the
  update once the transaction has committed (never for a rolled-back one);
* :func:`ensure_current` runs before each search: when the change log's last event is not the one
  the index applied (one indexed query), the missing events are applied first. This covers changes
  committed by another process (gunicorn worker, ``openbch load``) and any update that failed.
"""

from __future__ import annotations

import logging

from django.db import transaction

__all__ = ["ensure_current", "index_after_commit"]

log = logging.getLogger(__name__)

#: how long a query waits for another process's index update before answering from the index as is
QUERY_WAIT_SECONDS = 5.0


def _update_after_commit() -> None:
    from openbch.search.index import update

    update()


def index_after_commit() -> None:
    """Schedule an index update for when the current transaction commits (at once outside one)."""
    # robust: a failed index update is logged and must not turn a committed publication into an
    # error; the next query applies the missing events anyway (ensure_current)
    transaction.on_commit(_update_after_commit, robust=True)


def ensure_current() -> str:
    """Apply the change-log events the index has not seen yet, if any (cheap when there are none).

    Returns the fingerprint of the last event the index has applied: the change log's latest,
    unless another process held the index too long (then the index answers as it is)."""
    from openbch.search.index import LockTimeoutError, is_compatible, latest_event_fingerprint, read_meta, update

    meta = read_meta()
    _, fingerprint = latest_event_fingerprint()
    if meta is not None and meta.last_event == fingerprint and is_compatible(meta):
        return fingerprint
    try:
        update(timeout=QUERY_WAIT_SECONDS)
    except LockTimeoutError:
        # another process is rebuilding or updating: answer from the index as it is
        log.warning("search index busy; answering from the index as it is")
    meta = read_meta()
    return meta.last_event if meta is not None and is_compatible(meta) else ""
