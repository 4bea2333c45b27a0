"""What every ``openbch`` command module shares: the ``--data-dir`` option, Django set-up, JSON output,
and a service's refusal printed with its issues (exit 1) instead of a traceback.

:mod:`openbch.cli` registers each feature's commands (interop, learning, federation); those modules
cannot import it (it imports them), so the shared pieces live here.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn, TypeVar

import typer
from rich.console import Console

if TYPE_CHECKING:
    from openbch.core.errors import OpenBCHError

__all__ = ["DataDir", "console", "fail", "out", "print_json", "refuse", "run_service", "setup_django"]

T = TypeVar("T")

#: messages and progress (stderr); results (stdout), for scripts to read
console = Console(stderr=True)
out = Console()

DataDir = Annotated[
    Path | None,
    typer.Option("--data-dir", envvar="OPENBCH_DATA_DIR", help="Data folder (database, index, secret key)."),
]


def setup_django(data_dir: Path | None = None, *, migrate: bool = False) -> None:
    """Point Django at the data folder and start it; ``migrate``: bring the database up to date first."""
    if data_dir is not None:
        os.environ["OPENBCH_DATA_DIR"] = str(data_dir.resolve())
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "openbch.settings")
    import django

    django.setup()
    if migrate:
        from django.core.management import call_command

        call_command("migrate", verbosity=0, interactive=False)


def print_json(value: Any) -> None:
    """One JSON document on stdout, never wrapped or coloured."""
    out.print(json.dumps(value, ensure_ascii=False, sort_keys=True), markup=False, highlight=False, soft_wrap=True)


def fail(message: str) -> NoReturn:
    console.print(message, markup=False, highlight=False)
    raise typer.Exit(1)


def refuse(error: OpenBCHError) -> NoReturn:
    """Print a service's refusal, each issue (``path: code: message``, its stable code rather than
    the error's generic one) and then the error, and exit 1."""
    for issue in error.issues[:50]:
        console.print(f"{issue.path}: {issue.code}: {issue.message}", markup=False, highlight=False)
    fail(f"{error.code}: {error.message}")


def run_service(call: Callable[[], T]) -> T:
    """Call a service; if it refuses, print each issue and the error, and exit 1."""
    from openbch.core.errors import OpenBCHError

    try:
        return call()
    except OpenBCHError as exc:
        refuse(exc)
