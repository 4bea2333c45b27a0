"""Keeping the search index current: after every commit, and before every query.

Two mechanisms, so that a published change is searchable at once and never silently missed:

* the search app registers :func:`apply_new_events` as a consumer of the change log
  (:mod:`openbch.records.consumers`, from :class:`openbch.search.apps.SearchConfig`): the change
  log runs it once a publishing transaction has committed (never for a rolled-back one);
* :func:`ensure_current` runs before each search: when the change log's last event is not the one
  the index applied (one indexed query), the missing events are applied first. This covers changes
  committed by another process (gunicorn worker, ``openbch load``) and any update that failed.
"""

from __future__ import annotations

import logging

from openbch.search.index import LockTimeoutError, is_compatible, latest_event_fingerprint, read_meta, update

__all__ = ["apply_new_events", "ensure_current"]

log = logging.getLogger(__name__)

#: how long a query waits for another process's index update before answering from the index as is
QUERY_WAIT_SECONDS = 5.0


def apply_new_events() -> None:
    """The search index's change-log hook: apply the events it has not seen (run after a commit)."""
    try:
        update()
    except Exception:
        # the publication is committed and must not turn into an error; the next query applies
        # the missing events anyway (ensure_current)
        log.exception("search index update after commit failed; the next query catches up")


def ensure_current() -> str:
    """Apply the change-log events the index has not seen yet, if any (cheap when there are none).

    Returns the fingerprint of the last event the index has applied: the change log's latest,
    unless another process held the index too long (then the index answers as it is)."""
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
