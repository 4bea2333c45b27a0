"""``openbch bch import``: BCH-shaped documents (decisions, authorities, laws) as our records.

Registered by :mod:`openbch.cli`. Runs as the system actor, like ``openbch load``: whoever can run
the command can already write the database. Argument parsing and printing only; the work is
:mod:`openbch.interop.bchexchange`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from openbch.cli_common import DataDir, console, out, setup_django

__all__ = ["bch_app"]

bch_app = typer.Typer(help="Exchange with the central BCH: documents in its shape.", no_args_is_help=True)


@bch_app.command("import")
def bch_import(
    file: Annotated[
        Path | None, typer.Argument(help='A BCH document, a list of them, or {"documents": [...]} (JSON).')
    ] = None,
    country: Annotated[str, typer.Option(help="The country whose records these are (ISO code, EU).")] = "",
    harvested: Annotated[
        bool, typer.Option("--harvested", help="Import the country's decisions of the last bch-api harvest.")
    ] = False,
    draft: Annotated[bool, typer.Option("--draft", help="Save drafts instead of publishing.")] = False,
    data_dir: DataDir = None,
) -> None:
    """Publish BCH documents of a country as its records, all or nothing; importing again changes nothing."""
    if not country or (file is None) == (not harvested):
        console.print("name --country and either a FILE or --harvested")
        raise typer.Exit(2)
    setup_django(data_dir)
    from openbch.core.actors import SYSTEM
    from openbch.core.errors import OpenBCHError
    from openbch.interop.bchexchange import import_bch_documents, import_harvested, read_documents

    try:
        if harvested:
            report = import_harvested(SYSTEM, country=country, draft=draft)
        else:
            assert file is not None
            try:
                data = json.loads(file.read_text(encoding="utf-8"))
            except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
                console.print(f"{file}: {exc}", markup=False)
                raise typer.Exit(1) from None
            report = import_bch_documents(SYSTEM, read_documents(data), country=country, draft=draft)
    except OpenBCHError as exc:
        console.print(f"{exc.code}: {exc.message}", markup=False)
        for issue in exc.issues:
            where = f"document {issue.location['document']}" if "document" in issue.location else "-"
            console.print(f"{where} {issue.path or '/'} {issue.code} {issue.message}", markup=False)
        raise typer.Exit(1) from None
    from openbch.search.index import update

    update()
    out.print(json.dumps(report.as_dict(), ensure_ascii=False), markup=False, highlight=False, soft_wrap=True)
