"""``openbch harvest list|run|status`` and ``openbch reconcile``."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from openbch.interop.cli import harvest_app, reconcile_command

REPO = Path(__file__).resolve().parents[2]


def cli() -> typer.Typer:
    app = typer.Typer()
    app.add_typer(harvest_app, name="harvest")
    app.command("reconcile")(reconcile_command)
    return app


@pytest.mark.django_db
def test_harvest_list_run_and_status_in_process(harvested: dict[str, Any]) -> None:
    runner = CliRunner()
    listed = runner.invoke(cli(), ["harvest", "list"])
    assert listed.exit_code == 0 and "oecd-biotrack" in listed.output and "product-database" in listed.output
    ran = runner.invoke(cli(), ["harvest", "run", "eurl-gmff", "cfia-pnt"])
    assert ran.exit_code == 0, ran.output
    assert "eurl-gmff: succeeded — 0 new, 0 changed, 85 unchanged" in ran.output
    assert "reconciled" in ran.output
    status = runner.invoke(cli(), ["harvest", "status", "--json", "cfia-pnt"])
    last = json.loads(status.output)["last"]
    assert last["status"] == "succeeded" and last["items"]["unchanged"] == 161
    assert runner.invoke(cli(), ["harvest", "run"]).exit_code == 2
    assert runner.invoke(cli(), ["harvest", "run", "nowhere"]).exit_code == 2


@pytest.mark.django_db
def test_reconcile_prints_counts_and_exports_the_report(harvested: dict[str, Any], tmp_path: Path) -> None:
    target = tmp_path / "report.csv"
    result = CliRunner().invoke(
        cli(), ["reconcile", "--source", "isaaa", "--export", str(target), "--verdict", "matched_with_warning"]
    )
    assert result.exit_code == 0, result.output
    assert "matched_with_warning" in result.output
    rows = list(csv.DictReader(io.StringIO(target.read_text(encoding="utf-8"))))
    assert rows and {r["verdict"] for r in rows} == {"matched_with_warning"}
    flo = next(r for r in rows if r["external_id"] == "FLO-11226-8 | 1226A (11226)")
    assert flo["record_unique_identifier"] == "FLO-11226-9"
    as_json = tmp_path / "report.json"
    CliRunner().invoke(cli(), ["reconcile", "--export", str(as_json)])
    assert len(json.loads(as_json.read_text(encoding="utf-8"))) >= 1400


@pytest.mark.slow
def test_harvest_all_works_offline_on_a_fresh_demo_data_folder(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENBCH_", "DJANGO_"))}
    env.update(
        DJANGO_SETTINGS_MODULE="tests.interop.settings_interop",
        OPENBCH_DATA_DIR=str(tmp_path / "data"),
        PYTHONPATH=str(REPO),
        # nothing may be fetched from the network: no host is allowed, and no proxy is used anyway
        OPENBCH_HARVEST_ALLOWED_HOSTS="",
        HTTPS_PROXY="http://192.0.2.1:9",
        HTTP_PROXY="http://192.0.2.1:9",
    )

    def openbch(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "tests.interop.cli_entry", *args],
            capture_output=True,
            text=True,
            timeout=300,
            env=env,
            cwd=REPO,
            check=False,
        )

    for args in (("migrate",), ("load", "--demo")):
        done = openbch(*args)
        assert done.returncode == 0, done.stderr
    harvest = openbch("harvest", "run", "--all")
    assert harvest.returncode == 0, harvest.stderr
    # + 56: the rows of the decision tables (us-fda-bnf 22, us-aphis-fr 21, eu-1829 13)
    assert f"reconciled {1493 + 5 + 56} items" in harvest.stderr  # + 5: bch-api decision documents
    status = openbch("harvest", "status", "--json")
    runs = [json.loads(line)["last"] for line in status.stdout.splitlines()]
    assert [r["transport"] for r in runs] == ["bundled"] * 9 and {r["status"] for r in runs} == {"succeeded"}
