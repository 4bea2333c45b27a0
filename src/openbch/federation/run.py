"""``openbch sync run [--watch]``: pull then push, once or round after round, never crashing.

A round is a pull of central's feed until up to date, then a push of the node's own changes. With
``watch``, rounds repeat every ``interval`` seconds (at once while central had more than a page to
give). A failed round (the network, central refusing, a database error) is recorded as the peer's
last failure (:func:`openbch.federation.pull.failed`, shown by ``sync status`` and the sync page)
and retried after a growing pause (``interval`` × 2 per failure in a row, at most :data:`MAX_BACKOFF`
seconds); the loop never ends on a failure.

Stopping (SIGTERM, SIGINT: the CLI sets ``stop``) happens between pages: the page being applied is
committed first, and the pull and push cursors say where the next run resumes.

When the node trusts a key of central (it takes central's bundles), the first round and then one
round every :data:`KEY_REFRESH_INTERVAL` seconds first follow central's key rotations
(:func:`openbch.federation.keychain.refresh_keys`), so bundles central signs with a new key verify
here without an operator. Online sync needs no key (the connection and the token vouch for both
sides), so a failed refresh (an older central, a refused chain) is logged and kept in the round's
``details`` and the round goes on; pull.py stays out of it.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db import close_old_connections

from openbch.core.actors import Actor
from openbch.core.errors import OpenBCHError
from openbch.federation.keychain import FetchChain, refresh_keys
from openbch.federation.models import Peer, TrustedKey
from openbch.federation.pull import PullReport, failed, node_for_sync, pull
from openbch.federation.push import Post, PushReport, push

__all__ = ["KEY_REFRESH_INTERVAL", "MAX_BACKOFF", "Round", "run"]

log = logging.getLogger(__name__)

#: the longest pause after failures in a row (seconds)
MAX_BACKOFF = 300.0
#: how often a watching run asks central for its key chain (seconds): rotations are rare
KEY_REFRESH_INTERVAL = 3600.0


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
    #: ``keys_accepted`` (central's keys newly trusted) or ``keys_error`` (why its chain was not followed)
    details: dict[str, Any] = field(default_factory=dict)


def _follow_central_keys(actor: Actor, fetch: FetchChain | None, current: Round) -> None:
    try:
        if not TrustedKey.objects.filter(country="").exists():
            return  # no key of central is trusted: this node takes no bundles from it, nothing to follow
        report = refresh_keys(actor, fetch=fetch)
    except Exception as exc:  # an older central, the network, a refused chain, the database: sync goes on
        reason = (
            f"{exc.code}: " + "; ".join(f"{i.path}: {i.code}: {i.message}" for i in exc.issues[:3])
            if isinstance(exc, OpenBCHError) and exc.issues
            else f"{type(exc).__name__}: {exc}"
        )
        current.details["keys_error"] = reason[:1000]
        log.warning("central's key chain was not followed: %s", reason)
        return
    if report.accepted:
        current.details["keys_accepted"] = report.accepted


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
    fetch_keys: FetchChain | None = None,
) -> list[Round]:
    """Pull then push; with ``watch``, again every ``interval`` seconds until ``stop`` is set. Returns
    the rounds run (without ``watch``: one). A failure ends the run only without ``watch``: it is
    then in the last round's ``error``. ``fetch_keys``: how to ask central for its key chain
    (default: over HTTP, at the node's central URL)."""
    stop = stop or threading.Event()
    node = node_for_sync(actor)
    peer, _ = Peer.objects.get_or_create(url=node.central_url)
    rounds: list[Round] = []
    failures = 0
    keys_followed: float | None = None

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
        if keys_followed is None or time.monotonic() - keys_followed >= KEY_REFRESH_INTERVAL:
            keys_followed = time.monotonic()
            _follow_central_keys(actor, fetch_keys, current)
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
