"""The ``openbch`` command, run as a user runs it: a real process, a real port."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

OPENBCH = Path(sys.executable).with_name("openbch")


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(OPENBCH), *args], capture_output=True, text=True, timeout=300, env=env, check=False)


def test_uid_check_prints_one_json_object_per_identifier() -> None:
    result = run("uid", "check", "mon-00810-6", "SYN-ØØØJG-2", "not available")
    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [x["canonical"] for x in lines] == ["MON-ØØ81Ø-6", "SYN-ØØØJG-2", None]
    assert [x["check_digit_ok"] for x in lines] == [True, False, None]
    assert lines[0]["compact"] == "MON008106"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.mark.slow
def test_demo_from_an_empty_folder_serves_mon810_with_its_canadian_decisions(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENBCH_", "DJANGO_"))}
    port = _free_port()
    process = subprocess.Popen(
        [str(OPENBCH), "demo", "--data-dir", str(tmp_path / "data"), "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
        start_new_session=True,
    )
    try:
        assert process.stdout is not None
        printed = []
        deadline = time.monotonic() + 240
        for line in process.stdout:
            printed.append(line)
            if "is running at" in line or time.monotonic() > deadline:
                break
        assert any(f"http://127.0.0.1:{port}/" in line for line in printed), "".join(printed)
        lmo = httpx.get(f"http://127.0.0.1:{port}/api/v1/lmos/mon-00810-6", timeout=30).json()
        assert lmo["unique_identifier"] == "MON-ØØ81Ø-6"
        assert any(d["country"] == "CA" for d in lmo["decisions"])
        assert lmo["detection_methods"]
        assert httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=10).json()["status"] == "ok"
        assert (tmp_path / "data" / "index" / "meta-openbch.json").exists()
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)
        if process.stdout:
            process.stdout.close()
    # a second load of the same data changes nothing, and the audit chain holds
    again = run("load", "--demo", "--data-dir", str(tmp_path / "data"), env=env)
    assert again.returncode == 0, again.stderr
    assert " 0 new, 0 revised" in again.stderr
    verify = run("audit", "verify", "--data-dir", str(tmp_path / "data"), env=env)
    assert verify.returncode == 0 and "intact" in verify.stdout


def test_load_of_a_malformed_file_exits_1_and_names_file_line_and_field(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENBCH_", "DJANGO_"))}
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"key": "x", "type": "ORGA", "owner": "SCBD", "body": {"scientificName": 7}}\n')
    data = str(tmp_path / "data")
    assert run("migrate", "--data-dir", data, env=env).returncode == 0
    result = run("load", str(bad), "--data-dir", data, env=env)
    assert result.returncode == 1
    assert "bad.jsonl:1 /scientificName invalid_type" in result.stderr


def test_workflow_expire_runs_on_a_fresh_database(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENBCH_", "DJANGO_"))}
    data = str(tmp_path / "data")
    assert run("migrate", "--data-dir", data, env=env).returncode == 0
    result = run("workflow", "expire", "--data-dir", data, env=env)
    assert result.returncode == 0, result.stderr
    assert "expired 0 publication request(s)" in result.stdout


def test_serve_refuses_several_workers_without_a_shared_rate_limit_cache(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENBCH_", "DJANGO_"))}
    result = run("serve", "--workers", "2", "--port", "1", "--data-dir", str(tmp_path / "data"), env=env)
    assert result.returncode == 2
    assert "OPENBCH_CACHE_URL" in result.stderr


def test_serve_names_a_worker_or_thread_count_below_one(tmp_path: Path) -> None:
    for option in ("--workers", "--threads"):
        result = run("serve", option, "0", "--port", "1", "--data-dir", str(tmp_path / "data"))
        assert result.returncode == 2
        assert option in result.stderr and "1" in result.stderr
