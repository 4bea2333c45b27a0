"""``python -m tests.interop.cli_entry …``: the ``openbch`` command with the interop commands added,
as ``openbch.cli`` will register them (used by the CLI tests until it does)."""

from __future__ import annotations

from openbch.cli import app
from openbch.interop.cli import harvest_app, reconcile_command


def main() -> None:
    names = {group.name for group in app.registered_groups}
    if "harvest" not in names:
        app.add_typer(harvest_app, name="harvest")
    if "reconcile" not in {command.name for command in app.registered_commands}:
        app.command("reconcile")(reconcile_command)
    app(prog_name="openbch")


if __name__ == "__main__":
    main()
