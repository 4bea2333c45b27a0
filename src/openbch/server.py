"""Run the WSGI app under gunicorn, in process (``openbch serve`` / ``openbch demo``)."""

from __future__ import annotations

import gc
import time
from typing import Any

from gunicorn.app.base import BaseApplication

__all__ = ["serve"]


class _Server(BaseApplication):  # type: ignore[misc]
    def __init__(self, options: dict[str, Any]) -> None:
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> Any:
        from openbch.wsgi import application

        _settle_before_fork()
        return application


def _settle_before_fork() -> None:
    """Build what every request needs, then move it out of the cycle collector's sight.

    The app is loaded once, in the master, before the workers fork. Frozen objects are never
    scanned again: a full collection over the loaded app took about 25 ms, a pause that landed in
    some request's latency, and not writing to them keeps their pages shared between the workers.
    No database connection is opened here: a connection must not be inherited by the workers.
    """
    from django.db import connections
    from django.urls import get_resolver

    from openbch.search.query import facet_catalogue

    get_resolver().url_patterns  # noqa: B018 - imports every view module
    facet_catalogue()
    connections.close_all()
    gc.collect()
    gc.freeze()


def serve(*, host: str, port: int, workers: int = 1, threads: int = 8, started: float | None = None) -> None:
    url = f"http://{host}:{port}/"

    def when_ready(server: Any) -> None:
        took = f" (ready {time.perf_counter() - started:.1f} s after start)" if started is not None else ""
        print(f"openbch is running at {url}{took}", flush=True)
        print(f"  try: curl {url}api/v1/lmos/mon-00810-6", flush=True)

    _Server(
        {
            "bind": f"{host}:{port}",
            "workers": workers,
            "worker_class": "gthread",
            "threads": threads,
            "accesslog": None,
            "when_ready": when_ready,
            "timeout": 60,
            "preload_app": True,
            # no control socket in the home folder: two instances on one machine must not collide
            "control_socket_disable": True,
        }
    ).run()
