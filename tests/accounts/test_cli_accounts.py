"""``openbch user …`` and ``openbch token …`` run as an operator runs them: real processes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from openbch.accounts.actors import TOKEN_PATTERN

OPENBCH = Path(sys.executable).with_name("openbch")
Run = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Run:
    data = tmp_path_factory.mktemp("cli-accounts")
    # a private SQLite data folder, whatever database the rest of the suite uses
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENBCH_", "DJANGO_"))}
    env["OPENBCH_DATA_DIR"] = str(data)

    def invoke(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(OPENBCH), *args], input=stdin, capture_output=True, text=True, timeout=120, env=env, check=False
        )

    assert invoke("migrate").returncode == 0
    return invoke


def test_user_and_token_commands(run: Run) -> None:
    invoke = run
    created = invoke("user", "create", "clerk", "--email", "clerk@example.org", stdin="a fine long passphrase\n")
    assert created.returncode == 0, created.stderr
    weak = invoke("user", "create", "weakling", stdin="password\n")
    assert weak.returncode == 1 and "/password: password_too_common: This password is too" in weak.stderr

    granted = invoke("user", "grant", "clerk", "national-authorized-user", "--country", "ca", "--types", "DEC,RA")
    assert granted.returncode == 0 and "clerk holds national-authorized-user:CA" in granted.stderr
    bad = invoke("user", "grant", "clerk", "national-authorized-user")
    assert bad.returncode == 1 and "/country" in bad.stderr

    token = invoke("token", "create", "clerk", "--name", "ci", "--scopes", "read,write")
    assert token.returncode == 0, token.stderr
    plaintext = token.stdout.strip()
    assert TOKEN_PATTERN.match(plaintext)
    listed = [json.loads(line) for line in invoke("token", "list", "clerk").stdout.splitlines()]
    assert [(t["name"], t["scopes"], t["revoked_at"]) for t in listed] == [("ci", ["read", "write"], None)]
    assert plaintext not in json.dumps(listed)
    assert invoke("token", "revoke", str(listed[0]["id"])).returncode == 0

    assert invoke("user", "revoke", "clerk", "national-authorized-user", "--country", "CA").returncode == 0
    missing = invoke("user", "revoke", "clerk", "national-authorized-user", "--country", "CA")
    assert missing.returncode == 1 and "not_found" in missing.stderr
    assert invoke("user", "disable", "clerk").returncode == 0
    verified = invoke("audit", "verify")
    assert verified.returncode == 0 and "intact" in verified.stdout
