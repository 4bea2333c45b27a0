"""Where the interoperability routes join the API: ``openbch.api.app`` calls :func:`mount`.

Routes: ``/api/v1/reconciliation`` (report, one item, curators' decisions), ``/api/v1/screening``,
``/api/v1/partners/{partner}/decisions`` and ``/api/v1/harvest/sources``.
"""

from __future__ import annotations

from ninja import NinjaAPI

from openbch.interop.api import router

__all__ = ["mount"]


def mount(api: NinjaAPI) -> None:
    if any(mounted is router for _, mounted in api._routers):
        return  # ninja refuses to mount one router twice; tests may call this again
    api.add_router("/v1", router)
