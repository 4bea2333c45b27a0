"""Where the account routes join the API: ``openbch.api.app`` calls :func:`mount`."""

from __future__ import annotations

from ninja import NinjaAPI

from openbch.api.tokens import router

__all__ = ["mount"]


def mount(api: NinjaAPI) -> None:
    api.add_router("/v1", router)
