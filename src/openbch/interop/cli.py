"""``openbch harvest list|run|status`` and ``openbch reconcile``: argument parsing and printing only.

Registered by :mod:`openbch.cli` (``app.add_typer(harvest_app, name="harvest")`` and
``app.command("reconcile")(reconcile_command)``). Everything runs as the system actor, like
``openbch load``: whoever can run the command can already write the database.
"""

from __future__ import annotations

import csv
import json
import time
from collections import Counter
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn

from openbch.cli_common import DataDir, console, out, setup_django

__all__ = ["harvest_app", "reconcile_command"]

harvest_app = typer.Typer(
    help="Harvest external databases (BCH, BioTrack, ISAAA, CFIA, EUginius, EURL-GMFF).", no_args_is_help=True
)


@harvest_app.command("list")
def harvest_list(data_dir: DataDir = None) -> None:
    """The sources openbch knows, with their last harvest."""
    setup_django(data_dir)
    from openbch.interop.models import ExternalItem, HarvestRun
    from openbch.interop.sources import definitions

    # plain lines, one per source: readable in a terminal, greppable in a script
    for name, definition in definitions().items():
        run = HarvestRun.objects.filter(source=name).order_by("-started_at", "-pk").first()
        last = f"{run.status} {run.started_at:%Y-%m-%d %H:%M}" if run else "never harvested"
        items = ExternalItem.objects.filter(source=name, active=True).count()
        out.print(
            f"{name:<14} {definition.kind:<18} {definition.transport:<8} {items:>6} items  {last}",
            markup=False,
            highlight=False,
        )


@harvest_app.command("run")
def harvest_run(
    sources: Annotated[list[str] | None, typer.Argument(help="Source names (see `harvest list`).")] = None,
    all_sources: Annotated[bool, typer.Option("--all", help="Every source, in harvest order.")] = False,
    transport: Annotated[str | None, typer.Option(help="bundled (recorded payloads) or http.")] = None,
    base_url: Annotated[str | None, typer.Option(help="Fetch from this base URL instead of the source's.")] = None,
    allow_host: Annotated[
        list[str] | None,
        typer.Option(help="Allow a host with a non-public address (adds to OPENBCH_HARVEST_ALLOWED_HOSTS)."),
    ] = None,
    resume: Annotated[bool, typer.Option("--resume/--no-resume", help="Take over a failed run's requests.")] = True,
    data_dir: DataDir = None,
) -> None:
    """Harvest sources now: gather → fetch → import, then reconcile every item."""
    if transport not in (None, "bundled", "http"):
        console.print("--transport is bundled or http")
        raise typer.Exit(2)
    setup_django(data_dir)
    from openbch.core.actors import SYSTEM
    from openbch.core.errors import OpenBCHError
    from openbch.interop.harvest import HarvestOptions, iter_sources
    from openbch.interop.http import allowed_hosts_setting
    from openbch.interop.services import harvest, reconcile
    from openbch.interop.sources import definitions

    names = list(sources or [])
    unknown = [n for n in names if n not in definitions()]
    if unknown or (not names and not all_sources):
        console.print(
            f"name sources ({', '.join(definitions())}) or --all"
            + (f"; unknown: {', '.join(unknown)}" if unknown else "")
        )
        raise typer.Exit(2)
    allowed = allowed_hosts_setting() | {h.strip().lower() for h in allow_host or [] if h.strip()}
    failed = 0
    started = time.perf_counter()
    total_items = 0
    with Progress(
        TextColumn("{task.description:<14}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), console=console
    ) as progress:
        for definition in iter_sources(names if not all_sources else None):
            task: TaskID = progress.add_task(definition.name, total=None)

            def report(
                stage: str, done: int, total: int | None, task: TaskID = task, name: str = definition.name
            ) -> None:
                progress.update(task, completed=done, total=total, description=f"{name} {stage}")

            options = HarvestOptions(
                transport=transport, base_url=base_url, allowed_hosts=allowed, resume=resume, progress=report
            )
            try:
                run = harvest(SYSTEM, definition.name, options)
            except OpenBCHError as exc:
                console.print(f"{definition.name}: {exc.code}: {exc.message}", markup=False, highlight=False)
                failed += 1
                continue
            progress.update(task, description=f"{definition.name} {run.status}")
            total_items += run.items_new + run.items_changed + run.items_unchanged
            _print_run(run)
            if run.status != "succeeded":
                failed += 1
    seconds = time.perf_counter() - started
    report_ = reconcile(SYSTEM, sources=None if all_sources else names)
    console.print(
        f"harvested {total_items} items in {seconds:.1f} s; reconciled {report_.items} items: "
        + ", ".join(f"{n} {v}" for v, n in sorted(report_.by_verdict.items())),
        markup=False,
        highlight=False,
    )
    if failed:
        raise typer.Exit(1)


def _print_run(run: Any) -> None:
    line = (
        f"{run.source}: {run.status} — {run.items_new} new, {run.items_changed} changed, "
        f"{run.items_unchanged} unchanged, {run.items_rejected} rejected, {run.items_removed} removed; "
        f"{run.payloads_fetched} payloads ({run.payloads_unchanged} unchanged"
        + (f", {run.tasks_resumed} resumed from run {run.resumed_from_id}" if run.resumed_from_id else "")
        + ")"
    )
    console.print(line, markup=False, highlight=False)
    for error in run.errors:
        console.print(
            f"  {error['stage']} {error['code']}: {error['message']} [{error['locator']}]",
            markup=False,
            highlight=False,
        )
    reasons = Counter(r["reason"] for r in run.rejections)
    for reason, count in reasons.most_common(10):
        console.print(f"  rejected {count}×: {reason}", markup=False, highlight=False)


@harvest_app.command("status")
def harvest_status(
    sources: Annotated[list[str] | None, typer.Argument(help="Source names; all when omitted.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per source.")] = False,
    data_dir: DataDir = None,
) -> None:
    """The last harvest of each source: status, counts, errors."""
    setup_django(data_dir)
    from openbch.interop.harvest import describe_run
    from openbch.interop.models import HarvestRun
    from openbch.interop.sources import definitions

    for name in sources or list(definitions()):
        run = HarvestRun.objects.filter(source=name).order_by("-started_at", "-pk").first()
        if as_json:
            out.print(
                json.dumps({"source": name, "last": describe_run(run) if run else None}, ensure_ascii=False),
                markup=False,
                highlight=False,
                soft_wrap=True,
            )
        elif run is None:
            out.print(f"{name}: never harvested", markup=False, highlight=False)
        else:
            _print_run(run)


def reconcile_command(
    sources: Annotated[list[str] | None, typer.Option("--source", help="Only these sources; repeatable.")] = None,
    export: Annotated[Path | None, typer.Option(help="Write the report to this .csv or .json file.")] = None,
    verdict: Annotated[list[str] | None, typer.Option(help="Export only these verdicts; repeatable.")] = None,
    data_dir: DataDir = None,
) -> None:
    """Match every harvested item to the registry again; print counts per source and verdict."""
    setup_django(data_dir)
    from openbch.core.actors import SYSTEM
    from openbch.interop.models import ExternalItem
    from openbch.interop.services import reconcile

    report = reconcile(SYSTEM, sources=sources or None)
    items = ExternalItem.objects.filter(active=True)
    if sources:
        items = items.filter(source__in=sources)
    counts = Counter((i.source, i.verdict) for i in items.only("source", "verdict"))
    for source in sorted({s for s, _ in counts}):
        shown = ", ".join(f"{v} {n}" for (s, v), n in sorted(counts.items()) if s == source)
        out.print(f"{source:<14} {shown}", markup=False, highlight=False)
    console.print(f"{report.items} items, {report.changed} changed verdict or record", markup=False, highlight=False)
    if export is not None:
        rows = items.filter(verdict__in=verdict) if verdict else items
        _export(list(rows.order_by("source", "external_id")), export)
        console.print(f"report written to {export}", markup=False, highlight=False)


def _export(items: list[Any], path: Path) -> None:
    records = [
        {
            "id": i.pk,
            "source": i.source,
            "external_id": i.external_id,
            "subject": i.subject,
            "name": i.name,
            "identifiers": i.identifiers,
            "verdict": i.verdict,
            "method": i.method,
            "record_uid": next((c["uid"] for c in i.candidates if c["identifier"] == i.record_identifier), ""),
            "record_unique_identifier": next(
                (c["unique_identifier"] for c in i.candidates if c["identifier"] == i.record_identifier), ""
            ),
            "candidates": [c["uid"] for c in i.candidates],
            "warnings": i.warnings,
        }
        for i in items
    ]
    if path.suffix.lower() == ".json":
        path.write_text(json.dumps(records, ensure_ascii=False, indent=1), encoding="utf-8")
        return
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        columns = list(records[0]) if records else ["id"]
        writer.writerow(columns)
        for record in records:
            writer.writerow(["; ".join(map(str, v)) if isinstance(v, list) else v for v in record.values()])
