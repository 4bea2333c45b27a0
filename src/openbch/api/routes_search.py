"""Where the search routes join the API: ``openbch.api.app`` calls :func:`mount`.

``GET /api/v1/search`` and ``GET /api/v1/export`` (see :mod:`openbch.api.search`).
"""

from __future__ import annotations

from ninja import NinjaAPI

from openbch.api.search import router

__all__ = ["mount"]


def mount(api: NinjaAPI) -> None:
    api.add_router("/v1", router)
