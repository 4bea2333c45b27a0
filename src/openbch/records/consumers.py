"""The consumers of the change log, and the one place they register.

The change log (:mod:`openbch.records.changelog`) is the single source every derived view is fed
from: the search index today, the public change feed, webhooks and federation later. The records
core must not know those features (they depend on it, not the other way round), so each one
registers here, from its app's ``AppConfig.ready()``::

    register_consumer("search", apply_new_events)

and :func:`openbch.records.changelog.append_events` calls :func:`notify_after_commit`, which asks
Django to run every registered hook once the publishing transaction has committed (never for a
rolled-back one; at once when no transaction is open).

What a consumer must guarantee:

* **idempotent and self-paced**: the hook is a nudge, not a message. It takes no arguments; it
  reads the events after the last ``seq`` it stored itself and applies them. A hook may run twice
  for the same events, run for events another process already applied, or not run at all (another
  process committed, the process died, a bulk load passed ``notify_consumers=False``), so the
  consumer also catches up on its own (search: before each query).
* **stores its last seq** with what it derived, so that a restart resumes where it stopped and a
  replay duplicates nothing.
* **never raises into the publisher**: the hook runs after the commit; the publication has
  happened. An exception it lets escape is logged here with the consumer's name and the other
  consumers still run, but a consumer should handle its own failures.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

from django.db import transaction

__all__ = ["Consumer", "consumers", "notify_after_commit", "register_consumer", "unregister_consumer"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Consumer:
    """A feature fed by the change log: its name (for logs) and its after-commit hook."""

    name: str
    after_commit: Callable[[], None]


_consumers: dict[str, Consumer] = {}


def register_consumer(name: str, after_commit: Callable[[], None]) -> Consumer:
    """Register (or replace: ``ready()`` may run again in tests) the consumer called ``name``."""
    if not name.strip():
        raise ValueError("a change-log consumer needs a name")
    consumer = Consumer(name, after_commit)
    _consumers[name] = consumer
    return consumer


def unregister_consumer(name: str) -> None:
    """Forget the consumer called ``name`` (nothing happens if there is none)."""
    _consumers.pop(name, None)


def consumers() -> tuple[Consumer, ...]:
    """The registered consumers, in the order they registered."""
    return tuple(_consumers.values())


def _run(consumer: Consumer) -> None:
    try:
        consumer.after_commit()
    except Exception:
        # the publication is committed: a consumer's failure is its own, and it catches up later
        log.exception("change-log consumer %r failed after commit", consumer.name)


def notify_after_commit() -> None:
    """Run every registered consumer's hook when the current transaction commits."""
    for consumer in consumers():
        transaction.on_commit(partial(_run, consumer))
