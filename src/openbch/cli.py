"""The ``openbch`` command: one entry point for running and operating a clearing-house.

Each command parses its arguments, sets up Django, and calls services; it holds no logic itself.
"""

from __future__ import annotations

import json
import os
import time
from importlib import resources
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

app = typer.Typer(help="openbch: an open-source Biosafety Clearing-House.", no_args_is_help=True, add_completion=False)
uid_app = typer.Typer(help="OECD unique identifiers.", no_args_is_help=True)
index_app = typer.Typer(help="The search index.", no_args_is_help=True)
audit_app = typer.Typer(help="The audit log.", no_args_is_help=True)
app.add_typer(uid_app, name="uid")
app.add_typer(index_app, name="index")
app.add_typer(audit_app, name="audit")
console = Console(stderr=True)
out = Console()

DataDir = Annotated[
    Path | None,
    typer.Option("--data-dir", envvar="OPENBCH_DATA_DIR", help="Data folder (database, index, secret key)."),
]


def _setup(data_dir: Path | None = None) -> None:
    if data_dir is not None:
        os.environ["OPENBCH_DATA_DIR"] = str(data_dir.resolve())
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "openbch.settings")
    import django

    django.setup()


def _migrate() -> None:
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)


def demo_data_files() -> list[Path]:
    from openbch.records.load import read_manifest

    folder = Path(str(resources.files("openbch.demo") / "data"))
    return read_manifest(folder)


def _load(paths: list[Path]) -> None:
    from openbch.core.actors import SYSTEM
    from openbch.core.errors import LoadFailedError
    from openbch.records.load import format_issue, load_files

    started = time.perf_counter()
    try:
        result = load_files(SYSTEM, paths)
    except LoadFailedError as exc:
        for issue in exc.issues[:500]:
            console.print(format_issue(issue), markup=False, highlight=False)
        if len(exc.issues) > 500:
            console.print(f"… and {len(exc.issues) - 500} more")
        console.print(f"[red]{exc.message}[/red]")
        raise typer.Exit(1) from None
    report = result.report
    seconds = time.perf_counter() - started
    counts = ", ".join(f"{n} {t}" for t, n in sorted(result.by_type.items()))
    console.print(
        f"loaded {result.lines} records ({counts}) in {seconds:.1f} s: "
        f"{report.created} new, {report.revised} revised, {report.unchanged} unchanged, "
        f"{len(report.warnings)} warnings"
    )


def _rebuild_index() -> int:
    from openbch.search.index import rebuild

    with Progress(
        TextColumn("indexing"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), console=console, transient=True
    ) as progress:
        from openbch.records.models import Record, RecordState

        task = progress.add_task("index", total=Record.objects.filter(state=RecordState.PUBLISHED).count())
        count = rebuild(lambda n: progress.update(task, completed=n))
    console.print(f"search index: {count} records")
    return count


def _serve(host: str, port: int, workers: int, started: float | None = None) -> None:
    from openbch.server import serve

    serve(host=host, port=port, workers=workers, started=started)


@app.command()
def demo(
    data_dir: DataDir = None,
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    serve: Annotated[bool, typer.Option("--serve/--no-serve", help="Start the web server at the end.")] = True,
) -> None:
    """Create a data folder, migrate, load the real demo data, build the search index and serve."""
    started = time.perf_counter()
    _setup(data_dir or Path("openbch-data"))
    from django.conf import settings

    console.print(f"data folder: {settings.DATA_DIR}")
    _migrate()
    _load(demo_data_files())
    _rebuild_index()
    if serve:
        _serve(host, port, workers=2, started=started)


@app.command()
def migrate(data_dir: DataDir = None) -> None:
    """Create or upgrade the database schema."""
    _setup(data_dir)
    _migrate()
    console.print("database is up to date")


@app.command()
def load(
    files: Annotated[
        list[Path] | None, typer.Argument(help="JSON Lines load files (docs/record-format.md §4).")
    ] = None,
    demo_data: Annotated[bool, typer.Option("--demo", help="Load the bundled demo data.")] = False,
    data_dir: DataDir = None,
) -> None:
    """Publish the records of load files, all or nothing; loading again changes nothing."""
    _setup(data_dir)
    paths = list(files or [])
    if demo_data:
        paths = demo_data_files() + paths
    if not paths:
        console.print("name load files or --demo")
        raise typer.Exit(2)
    _load(paths)
    from openbch.search.index import update

    update()


@app.command("serve")
def serve_command(
    data_dir: DataDir = None,
    host: Annotated[str, typer.Option()] = "127.0.0.1",
    port: Annotated[int, typer.Option()] = 8000,
    workers: Annotated[int, typer.Option()] = 2,
) -> None:
    """Serve the clearing-house (gunicorn)."""
    _setup(data_dir)
    _serve(host, port, workers)


@uid_app.command("check")
def uid_check(texts: Annotated[list[str], typer.Argument(help="Identifiers in any spelling.")]) -> None:
    """Print the check of each identifier as one JSON line."""
    from openbch.identifiers.oecd import check

    for text in texts:
        out.print(json.dumps(check(text).as_dict(), ensure_ascii=False), markup=False, highlight=False, soft_wrap=True)


@index_app.command("rebuild")
def index_rebuild(data_dir: DataDir = None) -> None:
    """Rebuild the search index from storage."""
    _setup(data_dir)
    _rebuild_index()


@index_app.command("status")
def index_status(data_dir: DataDir = None) -> None:
    """The last change-log sequence applied to the index, and the log's latest."""
    _setup(data_dir)
    from openbch.search.index import status

    out.print(json.dumps(status()))


@audit_app.command("verify")
def audit_verify(data_dir: DataDir = None) -> None:
    """Check the audit log's hash chain; exit 1 at the first tampered entry."""
    _setup(data_dir)
    from openbch.records.audit import verify_chain

    intact, bad, checked = verify_chain()
    if intact:
        out.print(f"audit log intact: {checked} entries")
        return
    out.print(f"audit log TAMPERED at entry {bad} ({checked} entries read)")
    raise typer.Exit(1)


@app.command(context_settings={"allow_extra_args": True, "ignore_unknown_options": True})
def manage(ctx: typer.Context, data_dir: DataDir = None) -> None:
    """Run a Django management command (``openbch manage check --deploy``)."""
    _setup(data_dir)
    from django.core.management import execute_from_command_line

    execute_from_command_line(["openbch manage", *ctx.args])


def main() -> None:
    app(prog_name="openbch")


if __name__ == "__main__":
    main()
