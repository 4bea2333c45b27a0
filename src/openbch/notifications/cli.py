"""``openbch notify work|digest|status``: the e-mail outbox's worker and the daily digest.

Registered by :mod:`openbch.cli`. Argument parsing and printing only; the work is
:mod:`openbch.notifications.worker`, :mod:`openbch.notifications.fanout` and
:mod:`openbch.notifications.digest`.
"""

from __future__ import annotations

import signal
import threading
from typing import Annotated

import typer

from openbch.cli_common import DataDir, console, print_json, setup_django

__all__ = ["notify_app"]

notify_app = typer.Typer(help="E-mail notifications: the outbox worker and daily digests.", no_args_is_help=True)


@notify_app.command("work")
def notify_work(
    once: Annotated[bool, typer.Option("--once", help="One pass, then exit (for cron).")] = False,
    interval: Annotated[float, typer.Option(min=0.05, help="Seconds between passes.")] = 5.0,
    limit: Annotated[int, typer.Option(min=1, max=10000, help="Messages sent per pass at most.")] = 100,
    data_dir: DataDir = None,
) -> None:
    """Fan out new events to subscribers, send the daily digest once a day, deliver due e-mail; repeat."""
    setup_django(data_dir, migrate=True)
    from django.db import close_old_connections

    from openbch.notifications.worker import work_once

    stopping = threading.Event()
    # SIGTERM (systemd, docker stop) ends the loop between passes, never in the middle of a send
    signal.signal(signal.SIGTERM, lambda *_: stopping.set())
    while not stopping.is_set():
        close_old_connections()  # a database restarted meanwhile: reconnect instead of failing every pass
        try:
            done = work_once(limit=limit)
        except Exception as exc:  # the database or the network: say so, keep the loop alive
            console.print(f"notify pass failed: {type(exc).__name__}: {exc}", markup=False, highlight=False)
            done = {}
            if once:
                raise typer.Exit(1) from None
        if once:
            print_json(done)
            return
        if any(done.values()):
            console.print(" ".join(f"{k}={v}" for k, v in done.items()), markup=False, highlight=False)
        stopping.wait(interval)


@notify_app.command("digest")
def notify_digest(data_dir: DataDir = None) -> None:
    """Collect each account's waiting daily-digest items into one e-mail each (queued, not sent)."""
    setup_django(data_dir, migrate=True)
    from openbch.notifications.digest import send_digests
    from openbch.notifications.fanout import catch_up

    catch_up()
    print_json({"digests": send_digests()})


@notify_app.command("status")
def notify_status(data_dir: DataDir = None) -> None:
    """The outbox: messages pending, sent and failed, and the last error (JSON)."""
    setup_django(data_dir, migrate=True)
    from openbch.notifications.worker import outbox_status

    print_json(outbox_status())
