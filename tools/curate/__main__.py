"""``python -m tools.curate``: see :mod:`tools.curate`."""

from __future__ import annotations

from .cli import main

raise SystemExit(main())
