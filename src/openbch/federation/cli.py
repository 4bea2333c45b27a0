"""``openbch node init``, ``openbch sync pull|push|run|status|resolve``, ``openbch keys …`` and
``openbch bundle …``: a national node and its synchronisation with central.

Registered by :mod:`openbch.cli`. Runs as the system actor: whoever can run the command can already
write the database. Argument parsing and printing only; the work is :mod:`openbch.federation.pull`.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from openbch.cli_common import DataDir, console, fail, print_json, refuse, run_service, setup_django

__all__ = ["bundle_app", "keys_app", "node_app", "sync_app"]

node_app = typer.Typer(help="This instance as a country's national node.", no_args_is_help=True)
sync_app = typer.Typer(help="Mirror the central clearing-house (national nodes).", no_args_is_help=True)
keys_app = typer.Typer(help="Ed25519 keys that sign offline bundles.", no_args_is_help=True)
bundle_app = typer.Typer(help="Offline synchronisation: signed bundle files.", no_args_is_help=True)


@node_app.command("init")
def node_init(
    country: Annotated[str, typer.Option(help="The country whose national records this node owns (ISO code).")],
    central: Annotated[str, typer.Option(help="The central clearing-house's base URL.")],
    countries: Annotated[
        str, typer.Option(help="Other countries whose national records to mirror, comma-separated; empty = all.")
    ] = "",
    data_dir: DataDir = None,
) -> None:
    """Make this instance a national node of COUNTRY that mirrors CENTRAL. Central is asked for the
    highest record number of COUNTRY's block it holds, and the node numbers after it."""
    setup_django(data_dir, migrate=True)
    from openbch.core.actors import SYSTEM
    from openbch.federation.node import highest_at_central, init_node
    from openbch.records.models import NumberCounter

    chosen = [part.strip() for part in countries.split(",") if part.strip()]
    from openbch.client import ApiError

    highest: int | None = None
    checked = True
    try:
        highest = highest_at_central(central, country)
    except Exception as exc:  # the network, or an older central: say what, and the risk
        checked = False
        # (central refusing the country itself is not a warning: init_node below refuses it by name)
        if not (isinstance(exc, ApiError) and exc.status == 400):
            console.print(
                f"warning: could not ask central ({central}) for the numbers of {country.upper()}'s block it "
                f"holds ({type(exc).__name__}: {exc}). If this node was set up before, run 'openbch sync pull' "
                "before publishing: records published first may take numbers central holds, and central "
                "refuses them (number_taken).",
                markup=False,
                highlight=False,
            )
    node = run_service(
        lambda: init_node(SYSTEM, country=country, central_url=central, countries=chosen, central_highest=highest)
    )
    print_json(
        {
            "country": node.country,
            "central": node.central_url,
            "countries": node.countries or "all",
            "central_checked": checked,
            "central_highest": highest,
            "next_number": NumberCounter.objects.get(pk=1).next_number,
        }
    )


@sync_app.command("pull")
def sync_pull(
    limit: Annotated[int, typer.Option(min=1, max=5000, help="Changes per page.")] = 1000,
    pages: Annotated[
        int | None, typer.Option(min=1, help="Stop after this many pages (default: until up to date).")
    ] = None,
    data_dir: DataDir = None,
) -> None:
    """Apply central's change feed after the last committed seq, page by page, until up to date."""
    setup_django(data_dir, migrate=True)
    from openbch.core.actors import SYSTEM
    from openbch.core.errors import OpenBCHError
    from openbch.federation.pull import PullReport, pull

    with Progress(
        TextColumn("pull"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), console=console, transient=True
    ) as bar:
        task = bar.add_task("pull", total=None)

        def shown(report: PullReport) -> None:
            bar.update(task, completed=report.last_seq, total=max(report.head_seq, report.last_seq))

        try:
            report = pull(SYSTEM, limit=limit, max_pages=pages, progress=shown)
        except OpenBCHError as exc:
            refuse(exc)
        except Exception as exc:  # the network: say what, not a traceback
            fail(f"pull failed: {type(exc).__name__}: {exc}")
    print_json(report.__dict__)


TokenFile = Annotated[
    Path | None,
    typer.Option(
        help="A file holding central's API token for this country's publishing authority "
        "(default: the environment variable OPENBCH_CENTRAL_TOKEN)."
    ),
]


def _central_token(token_file: Path | None) -> str:
    token = (
        token_file.read_text(encoding="utf-8").strip() if token_file else os.environ.get("OPENBCH_CENTRAL_TOKEN", "")
    )
    if not token:
        fail("no token: pass --token-file or set OPENBCH_CENTRAL_TOKEN (an API token of central with write scope)")
    return token


@sync_app.command("push")
def sync_push(
    token_file: TokenFile = None,
    limit: Annotated[int, typer.Option(min=1, max=5000, help="Changes per page.")] = 500,
    data_dir: DataDir = None,
) -> None:
    """Send this node's own publications and withdrawals to central, after the last it accepted."""
    token = _central_token(token_file)
    setup_django(data_dir, migrate=True)
    from openbch.client import ApiError
    from openbch.core.actors import SYSTEM
    from openbch.core.errors import OpenBCHError
    from openbch.federation.models import Node
    from openbch.federation.push import http_poster, push

    node = Node.objects.first()
    if node is None:
        fail("this instance is not a national node: run 'openbch node init' first")
    try:
        report = push(SYSTEM, post=http_poster(node.central_url, token), limit=limit)
    except ApiError as exc:
        for error in exc.problem.get("errors", [])[:20]:
            console.print(
                f"{error.get('path')}: {error.get('code')}: {error.get('message')}", highlight=False, markup=False
            )
        fail(f"central refused the push: {exc}")
    except OpenBCHError as exc:
        refuse(exc)
    except Exception as exc:  # the network: say what, not a traceback
        fail(f"push failed: {type(exc).__name__}: {exc}")
    print_json(report.__dict__)


@sync_app.command("run")
def sync_run(
    watch: Annotated[bool, typer.Option("--watch", help="Repeat until stopped (SIGTERM or Ctrl-C).")] = False,
    interval: Annotated[float, typer.Option(min=0.05, help="Seconds between rounds when watching.")] = 10.0,
    token_file: TokenFile = None,
    data_dir: DataDir = None,
) -> None:
    """Pull then push; with --watch, again and again. Failures are recorded and retried with backoff;
    SIGTERM and SIGINT stop between pages."""
    token = _central_token(token_file)
    setup_django(data_dir, migrate=True)
    from openbch.core.actors import SYSTEM
    from openbch.federation.models import Node
    from openbch.federation.push import http_poster
    from openbch.federation.run import Round, run

    node = Node.objects.first()
    if node is None:
        fail("this instance is not a national node: run 'openbch node init' first")
    stop = threading.Event()

    def stopping(signum: int, _frame: Any) -> None:
        console.print(f"{signal.Signals(signum).name}: stopping after the current page", highlight=False)
        stop.set()

    signal.signal(signal.SIGTERM, stopping)
    signal.signal(signal.SIGINT, stopping)
    interactive = console.is_terminal

    def logged(done: Round) -> None:
        if done.error:
            line = f"round {done.number}: failed ({done.error})" + (
                f"; next try in {done.pause:.1f} s" if watch else ""
            )
        else:
            got, sent = done.pull, done.push
            line = (
                f"round {done.number}: pulled {got.published if got else 0} (seq {got.last_seq if got else '?'}"
                f"/{got.head_seq if got else '?'}), pushed {sent.published if sent else 0}, "
                f"withdrawn {(got.withdrawn if got else 0) + (sent.withdrawn if sent else 0)}, "
                f"conflicts {(got.conflicts if got else 0) + (sent.conflicts if sent else 0)}"
            )
        if done.details.get("keys_accepted"):
            line += f"; central's key rotated to {done.details['keys_accepted'][-1]}"
        if done.details.get("keys_error"):
            line += f"; central's key chain not followed ({done.details['keys_error']})"
        shown = done.error or set(done.details) & {"keys_accepted", "keys_error"}
        if interactive or shown or (done.pull and done.pull.pages) or (done.push and done.push.pages):
            console.print(line, highlight=False, markup=False, soft_wrap=True)  # one line per round, for logs
        sys.stderr.flush()

    poster = http_poster(node.central_url, token)
    if interactive:
        with Progress(
            TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), console=console
        ) as bar:
            pulling = bar.add_task("pull", total=None)
            pushing = bar.add_task("push", total=None)
            rounds = run(
                SYSTEM,
                post=poster,
                watch=watch,
                interval=interval,
                stop=stop,
                on_pull=lambda r: bar.update(pulling, completed=r.last_seq, total=max(r.head_seq, r.last_seq)),
                on_push=lambda r: bar.update(pushing, completed=r.pushed_seq, total=r.pushed_seq),
                on_round=logged,
            )
    else:
        rounds = run(SYSTEM, post=poster, watch=watch, interval=interval, stop=stop, on_round=logged)
    last = rounds[-1] if rounds else None
    if last is not None and last.error and not watch:
        fail(f"sync failed: {last.error}")
    print_json(
        {
            "rounds": len(rounds),
            "pull": last.pull.__dict__ if last and last.pull else None,
            "push": last.push.__dict__ if last and last.push else None,
            "stopped": stop.is_set(),
        }
    )


@sync_app.command("resolve")
def sync_resolve(
    identifier: Annotated[str, typer.Argument(help="The record's identifier (GUID) with an open conflict.")],
    keep: Annotated[str, typer.Option(help="The version to keep: node or central.")],
    data_dir: DataDir = None,
) -> None:
    """Resolve a conflict as the owner (on the node): the version kept is published as the next
    revision, which the next push brings to central."""
    setup_django(data_dir, migrate=True)
    from openbch.core.actors import SYSTEM
    from openbch.federation.conflicts import resolve

    record = run_service(lambda: resolve(SYSTEM, identifier, keep=keep))
    print_json({"identifier": record.identifier, "uid": record.uid, "revision": record.revision, "kept": keep})


@sync_app.command("status")
def sync_status(data_dir: DataDir = None) -> None:
    """Where synchronisation stands: last seq applied, lag, pending pushes, last failure, keys (JSON)."""
    setup_django(data_dir, migrate=True)
    from openbch.core.actors import SYSTEM
    from openbch.federation.status import sync_status as status_of

    print_json(run_service(lambda: status_of(SYSTEM)))


@keys_app.command("generate")
def keys_generate(data_dir: DataDir = None) -> None:
    """A new signing key for this instance (the previous one is retired: rotation). Prints its public half."""
    setup_django(data_dir, migrate=True)
    from openbch.core.actors import SYSTEM
    from openbch.federation.keys import generate_key

    print_json(run_service(lambda: generate_key(SYSTEM)).__dict__)


def _register(token: str) -> dict[str, Any]:
    """Register this node's current signing key at central, under the node's credentials."""
    from openbch.client import ApiError, OpenBCHClient
    from openbch.federation.keys import signing_key
    from openbch.federation.models import Node

    node = Node.objects.first()
    if node is None:
        fail("this instance is not a national node: run 'openbch node init' first")
    info = run_service(signing_key)[0]
    try:
        with OpenBCHClient(node.central_url, token=token) as client:
            return client.register_key(info.instance, info.public_key, node.country)
    except ApiError as exc:
        fail(f"central refused the key: {exc}")
    except Exception as exc:  # the network: say what, not a traceback
        fail(f"registering the key failed: {type(exc).__name__}: {exc}")


@keys_app.command("register")
def keys_register(token_file: TokenFile = None, data_dir: DataDir = None) -> None:
    """Register this node's current signing key at central (its bundles are then accepted there)."""
    token = _central_token(token_file)
    setup_django(data_dir, migrate=True)
    print_json(_register(token))


@keys_app.command("rotate")
def keys_rotate(
    register: Annotated[
        bool, typer.Option(help="On a node: register the new key at central (needs the central token).")
    ] = True,
    token_file: TokenFile = None,
    data_dir: DataDir = None,
) -> None:
    """A new signing key signs from now on; the old one stays known (retired here; still trusted at
    central, so bundles it signed verify, until an administrator there revokes it) and signs a rotation
    statement for the new one, through which the other side trusts it ('keys refresh', bundles)."""
    setup_django(data_dir, migrate=True)
    from openbch.core.actors import SYSTEM
    from openbch.federation.keys import generate_key
    from openbch.federation.models import Node, SigningKey

    is_node = Node.objects.first() is not None
    token = _central_token(token_file) if register and is_node else ""
    before = SigningKey.objects.filter(retired_at__isnull=True).values_list("key_id", flat=True).first()
    new = run_service(lambda: generate_key(SYSTEM))
    signed = SigningKey.objects.filter(key_id=new.key_id).exclude(rotation_signature="").exists()
    answer: dict[str, Any] = {**new.__dict__, "previous_key_id": before, "rotation_signed": signed}
    if before and not signed:
        console.print(
            f"warning: the private key of {before} is missing, so it could not sign the rotation: other "
            "instances must be given the new key by hand ('openbch keys trust')",
            markup=False,
            highlight=False,
        )
    if token:
        answer["registered"] = _register(token)
    print_json(answer)


@keys_app.command("show")
def keys_show(data_dir: DataDir = None) -> None:
    """This instance's current signing key (public half), and the keys of others registered here."""
    setup_django(data_dir, migrate=True)
    from openbch.federation.keys import signing_key
    from openbch.federation.models import TrustedKey

    own = run_service(signing_key)[0].__dict__
    trusted = [
        {"instance": k.instance, "key_id": k.key_id, "country": k.country, "revoked": k.revoked_at is not None}
        for k in TrustedKey.objects.order_by("registered_at")
    ]
    print_json({"own": own, "trusted": trusted})


@keys_app.command("trust")
def keys_trust(
    instance: Annotated[str, typer.Option(help="The other instance's id (its OPENBCH_INSTANCE_ID).")],
    public_key: Annotated[str, typer.Option(help="Its public key (base64), as 'keys show' prints it there.")],
    country: Annotated[str, typer.Option(help="At central: the node's country. At a node: leave empty.")] = "",
    data_dir: DataDir = None,
) -> None:
    """Register another instance's public key: bundles it signs are then accepted here."""
    setup_django(data_dir, migrate=True)
    from openbch.core.actors import SYSTEM
    from openbch.federation.keys import trust_key

    key = run_service(lambda: trust_key(SYSTEM, instance=instance, public_key=public_key, country=country))
    print_json({"instance": key.instance, "key_id": key.key_id, "country": key.country})


@keys_app.command("refresh")
def keys_refresh(
    instance: Annotated[
        str, typer.Option(help="Whose keys (default: central's, the keys trusted here without a country).")
    ] = "",
    data_dir: DataDir = None,
) -> None:
    """On a node: follow central's key rotations. Central's current key is trusted only if each of its
    rotation statements is signed by the key before it, from a key trusted here."""
    setup_django(data_dir, migrate=True)
    from openbch.core.actors import SYSTEM
    from openbch.core.errors import OpenBCHError
    from openbch.federation.keychain import refresh_keys

    try:
        report = refresh_keys(SYSTEM, instance=instance)
    except OpenBCHError as exc:
        refuse(exc)
    except Exception as exc:  # the network: say what, not a traceback
        fail(f"refreshing the keys failed: {type(exc).__name__}: {exc}")
    print_json(report.__dict__)


@keys_app.command("revoke")
def keys_revoke(key_id: Annotated[str, typer.Argument(help="The key id.")], data_dir: DataDir = None) -> None:
    """Refuse, from now on, bundles signed with another instance's key."""
    setup_django(data_dir, migrate=True)
    from openbch.core.actors import SYSTEM
    from openbch.federation.keys import revoke_key

    key = run_service(lambda: revoke_key(SYSTEM, key_id))
    print_json({"key_id": key.key_id, "revoked_at": key.revoked_at.isoformat() if key.revoked_at else None})


@bundle_app.command("export")
def bundle_export(
    output: Annotated[Path, typer.Option("--output", "-o", help="The bundle file to write.")],
    after: Annotated[int, typer.Option(min=0, help="Changes after this seq of this instance's change log.")] = 0,
    data_dir: DataDir = None,
) -> None:
    """Write a signed bundle: on central every change after SEQ, on a node its own."""
    setup_django(data_dir, migrate=True)
    from openbch.core.actors import SYSTEM
    from openbch.federation.bundles import export_bundle

    print_json(run_service(lambda: export_bundle(SYSTEM, after=after, destination=output)).__dict__)


@bundle_app.command("import")
def bundle_import(file: Annotated[Path, typer.Argument(help="A bundle file.")], data_dir: DataDir = None) -> None:
    """Verify a bundle's signature and apply it with the rules of online synchronisation."""
    setup_django(data_dir, migrate=True)
    from openbch.core.actors import SYSTEM
    from openbch.federation.bundles import import_bundle

    print_json(run_service(lambda: import_bundle(SYSTEM, file)).__dict__)
