"""``openbch sync run [--watch]``: pull then push, once or round after round, never crashing.

A round is a pull of central's feed until up to date, then a push of the node's own changes. With
``watch``, rounds repeat every ``interval`` seconds (at once while central had more than a page to
give). A failed round (the network, central refusing, a database error) is recorded as the peer's
last failure (:func:`openbch.federation.pull.failed`, shown by ``sync status`` and the sync page)
and retried after a growing pause (``interval`` × 2 per failure in a row, at most :data:`MAX_BACKOFF`
seconds); the loop never ends on a failure.

Stopping (SIGTERM, SIGINT: the CLI sets ``stop``) happens between pages: the page being applied is
committed first, and the pull and push cursors say where the next run resumes.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db import close_old_connections

from openbch.core.actors import Actor
from openbch.federation.models import Peer
from openbch.federation.pull import PullReport, failed, node_for_sync, pull
from openbch.federation.push import Post, PushReport, push

__all__ = ["MAX_BACKOFF", "Round", "run"]

log = logging.getLogger(__name__)

#: the longest pause after failures in a row (seconds)
MAX_BACKOFF = 300.0


class _Stopped(Exception):
    """Raised from a progress callback between two pages when asked to stop."""


@dataclass
class Round:
    """What one round did, or why it failed."""

    number: int
    pull: PullReport | None = None
    push: PushReport | None = None
    error: str = ""
    #: the pause before the next round (seconds)
    pause: float = 0.0
    details: dict[str, Any] = field(default_factory=dict)


def run(
    actor: Actor,
    *,
    post: Post,
    watch: bool = False,
    interval: float = 10.0,
    stop: threading.Event | None = None,
    on_pull: Callable[[PullReport], None] | None = None,
    on_push: Callable[[PushReport], None] | None = None,
    on_round: Callable[[Round], None] | None = None,
) -> list[Round]:
    """Pull then push; with ``watch``, again every ``interval`` seconds until ``stop`` is set. Returns
    the rounds run (without ``watch``: one). A failure ends the run only without ``watch``: it is
    then in the last round's ``error``."""
    stop = stop or threading.Event()
    node = node_for_sync(actor)
    peer, _ = Peer.objects.get_or_create(url=node.central_url)
    rounds: list[Round] = []
    failures = 0

    def pulled(report: PullReport) -> None:
        if on_pull:
            on_pull(report)
        if stop.is_set():
            raise _Stopped

    def pushed(report: PushReport) -> None:
        if on_push:
            on_push(report)
        if stop.is_set():
            raise _Stopped

    while not stop.is_set():
        close_old_connections()  # a long-running loop must not keep a connection the server dropped
        current = Round(len(rounds) + 1)
        rounds.append(current)
        try:
            current.pull = pull(actor, progress=pulled)
            if not stop.is_set():
                current.push = push(actor, post=post, progress=pushed)
            failures = 0
        except _Stopped:
            break
        except Exception as exc:  # any failure: recorded, retried later, never the end of the loop
            failures += 1
            current.error = f"{type(exc).__name__}: {exc}"[:2000]
            try:
                failed(peer, exc)  # pull and push record theirs; this covers the rest (the database)
            except Exception:  # the database itself may be what failed
                log.exception("could not record the failure")
        behind = current.pull is not None and current.pull.last_seq < current.pull.head_seq
        current.pause = min(interval * 2**failures, MAX_BACKOFF) if failures else (0.0 if behind else interval)
        if on_round:
            on_round(current)
        if not watch:
            break
        stop.wait(current.pause)
    return rounds
