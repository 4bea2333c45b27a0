"""Run the WSGI app under gunicorn, in process (``openbch serve`` / ``openbch demo``)."""

from __future__ import annotations

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

        return application


def serve(*, host: str, port: int, workers: int = 1, started: float | None = None) -> None:
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
            "threads": 8,
            "accesslog": None,
            "when_ready": when_ready,
            "timeout": 60,
            "preload_app": True,
            # no control socket in the home folder: two instances on one machine must not collide
            "control_socket_disable": True,
        }
    ).run()
