"""A pull's second process: it reads central's next pages while the pull stores the current one.

About a third of a first pull's work needs no database: fetching a page, parsing its JSON, reading
its changes (feed.read_page) and checking each one (records.copies.check_change: the body's
validation, its canonical JSON and content hash, its links and keys). On a node with two cores a
reader process does that for the pages ahead while the pull stores one, and hands each page over
with its changes checked (``CopiedChange.checked``), so store_copies does not check them again.

The reader only speeds the pull up. It writes nothing and opens no database connection. When it
fails (the network, a page it cannot read) it stops, and the pull reads that page itself, so every
error is raised and recorded exactly as without a reader. It stops when the pull closes its pipe,
ends or dies (kill -9 included: its next send finds the pipe broken, and it watches its parent).

Written on multiprocessing's Pipe rather than a concurrent.futures pool: the reader runs ahead on
its own, one page in the pipe and the next in hand, and a pool's worker outlives a killed parent.
A process, not a thread: the checks are Python code, and a thread would take turns with the
storing thread on the interpreter lock. It is started (spawned: it imports openbch afresh, a
second or so) only when the pull is far enough behind (``OPENBCH_SYNC_READER_FROM``).

Pages cross as pickles over an anonymous pipe between the pull and the process it started; what
comes from the network is JSON, read by feed.read_page in the reader as in the pull.
"""

from __future__ import annotations

import dataclasses
import logging
import multiprocessing
import os
import signal
from multiprocessing.connection import Connection
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the reader process imports this module before it sets Django up
    from openbch.federation.feed import FeedPage

__all__ = ["ReadAhead"]

log = logging.getLogger(__name__)

_CONTEXT = multiprocessing.get_context("spawn")


class ReadAhead:
    """The pages of central's feed after seq ``after``, read and checked by a second process."""

    def __init__(self, central_url: str, after: int, limit: int, *, pages: int | None = None) -> None:
        self._pipe, child_end = _CONTEXT.Pipe(duplex=False)
        self._process = _CONTEXT.Process(
            target=_read,
            args=(child_end, central_url, after, limit, pages, os.getpid()),
            name="openbch-sync-reader",
            daemon=True,
        )
        self._process.start()
        child_end.close()
        self._open = True

    @property
    def reading(self) -> bool:
        """False once the reader stopped (failed, ended, or out of step)."""
        return self._open

    def page_after(self, after: int) -> FeedPage | None:
        """The page that follows seq ``after``, its changes checked; None when the reader has no such
        page (it failed, it ended, or the pull moved elsewhere): the pull reads that page itself."""
        if not self._open:
            return None
        try:
            start, page = self._pipe.recv()
        except (EOFError, OSError):  # the reader stopped: it failed or read its last page
            self.close()
            return None
        if start != after:
            self.close()
            return None
        return page  # type: ignore[no-any-return]

    def close(self) -> None:
        """Stop the reader (what it read ahead is of no use to anyone)."""
        if self._open:
            self._open = False
            self._pipe.close()
        if self._process.is_alive():
            self._process.terminate()
        self._process.join(timeout=10)
        if self._process.is_alive():  # pragma: no cover - SIGTERM ends it
            self._process.kill()
            self._process.join()


def _read(pipe: Connection, central_url: str, after: int, limit: int, pages: int | None, parent: int) -> None:
    """The reader process: read, check and send pages until the last one, a failure or a closed pipe."""
    # Ctrl-C reaches the whole process group: the pull handles it, and its closing pipe stops this
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    from openbch.cli_common import setup_django

    setup_django()
    from openbch.core.gcpause import batch_collection
    from openbch.federation.feed import http_fetcher, read_page
    from openbch.records.copies import BodyText, check_change

    fetch = http_fetcher(central_url)
    sent = 0
    with batch_collection() as collection:
        while (pages is None or sent < pages) and os.getppid() == parent:
            try:
                page = read_page(fetch(after, limit), after=after)
            except Exception as exc:  # the pull reads this page itself, and raises and records the error
                log.info("sync reader stops at seq %s: %s", after, exc)
                return
            checked = []
            for change in page.changes:
                result = check_change(change)
                body = BodyText(result.derived.text) if result.derived and not result.issues else change.body
                checked.append(dataclasses.replace(change, body=body, checked=result))
            try:
                pipe.send((after, dataclasses.replace(page, changes=checked)))
            except OSError:  # the pull closed the pipe, or died
                return
            sent += 1
            collection.done()
            if not page.more:
                return
            after = page.last_seq
