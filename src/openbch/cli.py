"""The ``openbch`` command: one entry point for running and operating a clearing-house.

Each command parses its arguments, sets up Django, and calls services; it holds no logic itself.
"""

from __future__ import annotations

import json
import os
import sys
import time
from importlib import resources
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from openbch.cli_common import DataDir, console, out, run_service, setup_django
from openbch.federation.cli import bundle_app, keys_app, node_app, sync_app
from openbch.interop.bch_cli import bch_app
from openbch.interop.cli import harvest_app, reconcile_command
from openbch.learning.cli import learning_app
from openbch.notifications.cli import notify_app

app = typer.Typer(help="openbch: an open-source Biosafety Clearing-House.", no_args_is_help=True, add_completion=False)
uid_app = typer.Typer(help="OECD unique identifiers.", no_args_is_help=True)
index_app = typer.Typer(help="The search index.", no_args_is_help=True)
audit_app = typer.Typer(help="The audit log.", no_args_is_help=True)
app.add_typer(uid_app, name="uid")
app.add_typer(index_app, name="index")
app.add_typer(audit_app, name="audit")
workflow_app = typer.Typer(help="The publishing workflow.", no_args_is_help=True)
app.add_typer(workflow_app, name="workflow")
user_app = typer.Typer(help="Accounts and their roles.", no_args_is_help=True)
token_app = typer.Typer(help="API tokens.", no_args_is_help=True)
app.add_typer(user_app, name="user")
app.add_typer(token_app, name="token")
app.add_typer(harvest_app, name="harvest")
app.add_typer(bch_app, name="bch")
app.add_typer(node_app, name="node")
app.add_typer(sync_app, name="sync")
app.add_typer(keys_app, name="keys")
app.add_typer(bundle_app, name="bundle")
app.add_typer(learning_app, name="learning")
app.add_typer(notify_app, name="notify")
app.command("reconcile")(reconcile_command)


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


def _harvest_bundled() -> None:
    """The external databases' recorded payloads shipped with openbch (offline), then reconcile."""
    from openbch.core.actors import SYSTEM
    from openbch.interop.harvest import HarvestOptions, iter_sources
    from openbch.interop.services import harvest, reconcile

    started = time.perf_counter()
    # not the central BCH: its recording is our own registry in the API's shapes with synthetic
    # identifiers (it exercises the connector); its links would point at pages that do not exist
    sources = [d for d in iter_sources(None) if d.name != "bch-api"]
    runs = [harvest(SYSTEM, d.name, HarvestOptions(transport="bundled")) for d in sources]
    report = reconcile(SYSTEM)
    console.print(
        f"external databases: {len(runs)} sources, {report.items} items reconciled in "
        f"{time.perf_counter() - started:.1f} s ({', '.join(f'{n} {v}' for v, n in sorted(report.by_verdict.items()))})"
    )


def _seed_participation() -> None:
    """The Aarhus joint forum's discussion groups and online debate, with example posts (marked demo)."""
    from openbch.participation.demo import seed_demo

    report = seed_demo()
    console.print(f"participation: {report.forums} forums, {report.debates} debates, {report.posts} example posts")


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


def _shared_cache() -> bool:
    from django.conf import settings

    return "redis" in str(settings.CACHES["default"]["BACKEND"]).lower()


def _serve(host: str, port: int, workers: int | None, threads: int | None = None, started: float | None = None) -> None:
    from openbch.server import serve

    shared = _shared_cache()
    if workers is None:
        # the work is CPU-bound Python: processes use the cores, threads only cover waits on the
        # database; one process per core left idle while another queues behind its lock was what
        # measured worst (benchmarks/api_vs_datasette.py)
        workers = max(2, 2 * (os.cpu_count() or 1)) if shared else 1
    if threads is None:
        threads = 2 if workers > 1 else 8
    if workers > 1 and not shared:
        # rate limits (API, logins) count in the cache: per process unless it is shared, so N workers
        # would allow N times the configured attempts
        console.print(
            "several workers need a shared cache for their rate limits: set OPENBCH_CACHE_URL=redis://… "
            "or serve with --workers 1"
        )
        raise typer.Exit(2)

    serve(host=host, port=port, workers=workers, threads=threads, started=started)


@app.command()
def demo(
    data_dir: DataDir = None,
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    serve: Annotated[bool, typer.Option("--serve/--no-serve", help="Start the web server at the end.")] = True,
) -> None:
    """Create a data folder, migrate, load the real demo data, harvest the bundled external databases,
    build the search index and serve."""
    started = time.perf_counter()
    setup_django(data_dir or Path("openbch-data"))
    from django.conf import settings

    console.print(f"data folder: {settings.DATA_DIR}")
    _migrate()
    _load(demo_data_files())
    _seed_participation()
    _harvest_bundled()
    _rebuild_index()
    if serve:
        _serve(host, port, workers=None, started=started)


@app.command()
def migrate(data_dir: DataDir = None) -> None:
    """Create or upgrade the database schema."""
    setup_django(data_dir)
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
    setup_django(data_dir)
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
    workers: Annotated[
        int | None,
        typer.Option(min=1, help="Worker processes (default: 2 per CPU core with a shared cache, else 1)."),
    ] = None,
    threads: Annotated[
        int | None,
        typer.Option(min=1, help="Threads per worker process (default 2 with several workers, else 8)."),
    ] = None,
) -> None:
    """Serve the clearing-house (gunicorn)."""
    setup_django(data_dir)
    _serve(host, port, workers, threads)


@uid_app.command("check")
def uid_check(texts: Annotated[list[str], typer.Argument(help="Identifiers in any spelling.")]) -> None:
    """Print the check of each identifier as one JSON line."""
    from openbch.identifiers.oecd import check

    for text in texts:
        out.print(json.dumps(check(text).as_dict(), ensure_ascii=False), markup=False, highlight=False, soft_wrap=True)


@index_app.command("rebuild")
def index_rebuild(data_dir: DataDir = None) -> None:
    """Rebuild the search index from storage."""
    setup_django(data_dir)
    _rebuild_index()


@index_app.command("status")
def index_status(data_dir: DataDir = None) -> None:
    """The last change-log sequence applied to the index, and the log's latest."""
    setup_django(data_dir)
    from openbch.search.index import status

    out.print(json.dumps(status()))


@audit_app.command("verify")
def audit_verify(data_dir: DataDir = None) -> None:
    """Check the audit log's hash chain; exit 1 at the first tampered entry."""
    setup_django(data_dir)
    from openbch.records.audit import verify_chain

    intact, bad, checked = verify_chain()
    if intact:
        out.print(f"audit log intact: {checked} entries")
        return
    out.print(f"audit log TAMPERED at entry {bad} ({checked} entries read)")
    raise typer.Exit(1)


def _split(text: str | None) -> list[str]:
    return [part.strip() for part in (text or "").split(",") if part.strip()]


@user_app.command("create")
def user_create(
    name: Annotated[str, typer.Argument(help="User name.")],
    email: Annotated[str, typer.Option(help="E-mail address.")] = "",
    data_dir: DataDir = None,
) -> None:
    """Create an account. The password is read from stdin when piped, else prompted for (twice)."""
    if sys.stdin.isatty():
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    else:
        password = sys.stdin.readline().rstrip("\r\n")  # exactly as typed, only the line end removed
    setup_django(data_dir)
    from openbch.accounts.services import create_user
    from openbch.core.actors import SYSTEM

    user = run_service(lambda: create_user(SYSTEM, username=name, password=password, email=email))
    console.print(f"account {user.username} created", markup=False, highlight=False)


@user_app.command("grant")
def user_grant(
    name: Annotated[str, typer.Argument(help="User name.")],
    role: Annotated[
        str,
        typer.Argument(
            help="national-authorized-user, national-publishing-authority, reference-validator or administrator."
        ),
    ],
    country: Annotated[str | None, typer.Option(help="ISO 3166-1 alpha-2 code, for the national roles.")] = None,
    types: Annotated[
        str | None, typer.Option(help="Record types a national authorized user is limited to: DEC,RA.")
    ] = None,
    data_dir: DataDir = None,
) -> None:
    """Grant a role (for a country, when the role is national)."""
    setup_django(data_dir)
    from openbch.accounts.services import grant_role
    from openbch.core.actors import SYSTEM

    run_service(lambda: grant_role(SYSTEM, username=name, role=role, country=country, record_types=_split(types)))
    console.print(f"{name} holds {role}{':' + country.upper() if country else ''}", markup=False, highlight=False)


@user_app.command("revoke")
def user_revoke(
    name: Annotated[str, typer.Argument(help="User name.")],
    role: Annotated[str, typer.Argument(help="The role to take away.")],
    country: Annotated[str | None, typer.Option(help="The role's country, for the national roles.")] = None,
    data_dir: DataDir = None,
) -> None:
    """Revoke a role; effective on the account's next request."""
    setup_django(data_dir)
    from openbch.accounts.services import revoke_role
    from openbch.core.actors import SYSTEM

    run_service(lambda: revoke_role(SYSTEM, username=name, role=role, country=country))
    console.print(
        f"{name} no longer holds {role}{':' + country.upper() if country else ''}", markup=False, highlight=False
    )


@user_app.command("disable")
def user_disable(name: Annotated[str, typer.Argument(help="User name.")], data_dir: DataDir = None) -> None:
    """Disable an account: no login, its sessions and tokens refused from the next request on."""
    setup_django(data_dir)
    from openbch.accounts.services import disable_user
    from openbch.core.actors import SYSTEM

    run_service(lambda: disable_user(SYSTEM, username=name))
    console.print(f"account {name} disabled", markup=False, highlight=False)


@token_app.command("create")
def token_create(
    user: Annotated[str, typer.Argument(help="The account the token acts for.")],
    name: Annotated[str, typer.Option("--name", help="What the token is for.")],
    scopes: Annotated[str, typer.Option(help="read, or read,write.")] = "read",
    data_dir: DataDir = None,
) -> None:
    """Create an API token and print it, this once (only its hash is stored)."""
    setup_django(data_dir)
    from openbch.accounts.services import create_token
    from openbch.core.actors import SYSTEM

    issued = run_service(lambda: create_token(SYSTEM, name=name, scopes=_split(scopes), owner=user))
    console.print(
        f"token {issued.token.pk} ({', '.join(issued.token.scopes)}) for {user}; it will not be shown again:",
        markup=False,
        highlight=False,
    )
    out.print(issued.plaintext, markup=False, highlight=False, soft_wrap=True)


@token_app.command("list")
def token_list(user: Annotated[str, typer.Argument(help="The account.")], data_dir: DataDir = None) -> None:
    """An account's tokens as JSON lines (never the secrets)."""
    setup_django(data_dir)
    from openbch.accounts.services import list_tokens
    from openbch.core.actors import SYSTEM

    for token in run_service(lambda: list_tokens(SYSTEM, owner=user)):
        row = {
            "id": token.pk,
            "name": token.name,
            "prefix": token.prefix,
            "scopes": token.scopes,
            "created_at": token.created_at.isoformat(),
            "last_used_at": token.last_used_at.isoformat() if token.last_used_at else None,
            "revoked_at": token.revoked_at.isoformat() if token.revoked_at else None,
        }
        out.print(json.dumps(row, ensure_ascii=False), markup=False, highlight=False, soft_wrap=True)


@token_app.command("revoke")
def token_revoke(token_id: Annotated[int, typer.Argument(help="The token's id.")], data_dir: DataDir = None) -> None:
    """Revoke a token; effective on its next request."""
    setup_django(data_dir)
    from openbch.accounts.services import revoke_token
    from openbch.core.actors import SYSTEM

    run_service(lambda: revoke_token(SYSTEM, token_id=token_id))
    console.print(f"token {token_id} revoked", markup=False, highlight=False)


@workflow_app.command("expire")
def workflow_expire(data_dir: DataDir = None) -> None:
    """Expire publication requests not decided within 12 weeks (run daily, e.g. from cron)."""
    setup_django(data_dir)
    from openbch.core.actors import SYSTEM
    from openbch.records.workflow import expire_requests

    out.print(f"expired {expire_requests(SYSTEM)} publication request(s)")


@app.command(context_settings={"allow_extra_args": True, "ignore_unknown_options": True})
def manage(ctx: typer.Context, data_dir: DataDir = None) -> None:
    """Run a Django management command (``openbch manage check --deploy``)."""
    setup_django(data_dir)
    from django.core.management import execute_from_command_line

    execute_from_command_line(["openbch manage", *ctx.args])


def main() -> None:
    app(prog_name="openbch")


if __name__ == "__main__":
    main()
