"""The public API (django-ninja): parse, call one service, serialize."""

from openbch.api.app import api

__all__ = ["api"]
