"""Login brute force against a real ``openbch serve`` on 127.0.0.1: how fast, and how many get through.

Usage: python benchmarks/login_rate.py [--attempts 100] [--workers 2] [--mode account|ip|both]
                                       [--keep-alive] [--cache-url redis://127.0.0.1:6379/1]

Starts ``openbch serve`` (gunicorn, gthread) on a free port over a fresh SQLite data folder with one
account, then POSTs the login form with a wrong password, as an attacker would: the CSRF token
fetched once, a new TCP connection per attempt (``Connection: close``) unless ``--keep-alive``.

* ``account`` mode: every attempt names the same account (limit OPENBCH_LOGIN_LIMIT_PER_ACCOUNT).
* ``ip`` mode: every attempt names a different account, all from 127.0.0.1 (limit _PER_IP).

Prints the attempts allowed before the first 429, the attempts per second while passwords were
being checked (each costs one Argon2id verification and one audit entry) and while refused.

The login counters live in Django's cache, which is per process by default: with N workers and
no ``OPENBCH_CACHE_URL`` an attacker who spreads connections over the workers gets up to N times
the limit. ``--workers 1`` or ``--cache-url`` shows the exact limit.
"""

from __future__ import annotations

import argparse
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

OPENBCH = Path(sys.executable).with_name("openbch")
PASSWORD = "the right passphrase, not guessed"  # noqa: S105 - the throwaway benchmark account


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _env(cache_url: str | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENBCH_", "DJANGO_"))}
    env["OPENBCH_DATA_DIR"] = tempfile.mkdtemp(prefix="openbch-login-bench-")
    if cache_url:
        env["OPENBCH_CACHE_URL"] = cache_url
    return env


def _prepare(env: dict[str, str]) -> None:
    subprocess.run([str(OPENBCH), "migrate"], env=env, check=True, capture_output=True)
    subprocess.run(
        [str(OPENBCH), "user", "create", "target"],
        input=PASSWORD + "\n",
        text=True,
        env=env,
        check=True,
        capture_output=True,
    )


def _start(env: dict[str, str], port: int, workers: int) -> subprocess.Popen[str]:
    process = subprocess.Popen(
        [str(OPENBCH), "serve", "--port", str(port), "--workers", str(workers)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,  # its own process group, so it (and only it) can be stopped below
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200:
                return process
        except httpx.TransportError:
            time.sleep(0.2)
    _stop(process)
    raise SystemExit("openbch serve did not start")


def _stop(process: subprocess.Popen[str]) -> None:
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)


def attack(port: int, *, attempts: int, mode: str, keep_alive: bool) -> dict[str, float | int | None]:
    base = f"http://127.0.0.1:{port}"
    with httpx.Client(base_url=base, timeout=30) as client:
        form = client.get("/accounts/login/")
        found = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.text)
        assert found, "no CSRF token in the login form"
        headers = {"Referer": f"{base}/accounts/login/"} | ({} if keep_alive else {"Connection": "close"})
        allowed = 0
        first_429: int | None = None
        checked_seconds = refused_seconds = 0.0
        refused = 0
        for n in range(attempts):
            username = "target" if mode == "account" else f"nobody-{n}"
            started = time.perf_counter()
            response = client.post(
                "/accounts/login/",
                data={"username": username, "password": "wrong guess", "csrfmiddlewaretoken": found.group(1)},
                headers=headers,
            )
            took = time.perf_counter() - started
            if response.status_code == 429:
                refused += 1
                refused_seconds += took
                if first_429 is None:
                    first_429 = n
            elif response.status_code == 200:
                allowed += 1
                checked_seconds += took
            else:
                raise SystemExit(f"unexpected {response.status_code}: {response.text[:300]}")
        right = client.post(
            "/accounts/login/",
            data={"username": "target", "password": PASSWORD, "csrfmiddlewaretoken": found.group(1)},
            headers=headers,
        )
    return {
        "allowed": allowed,
        "first_429_at": first_429,
        "checked_per_s": round(allowed / checked_seconds, 1) if checked_seconds else None,
        "refused_per_s": round(refused / refused_seconds, 1) if refused_seconds else None,
        "right_password_status": right.status_code,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--attempts", type=int, default=100)
    parser.add_argument("--workers", type=int, default=1, help="more than 1 needs --cache-url")
    parser.add_argument("--mode", choices=["account", "ip", "both"], default="both")
    parser.add_argument("--keep-alive", action="store_true", help="reuse one connection (one worker serves all)")
    parser.add_argument("--cache-url", default=None, help="OPENBCH_CACHE_URL for the server (shared counters)")
    args = parser.parse_args()
    modes = ["account", "ip"] if args.mode == "both" else [args.mode]
    cache = args.cache_url or "per-process memory"
    connection = "one kept-alive connection" if args.keep_alive else "a new connection per attempt"
    print(
        f"login brute force: openbch serve on 127.0.0.1, {args.workers} worker(s), SQLite, cache: {cache}; "
        f"{args.attempts} wrong passwords per mode over {connection}"
    )
    for mode in modes:
        env = _env(args.cache_url)  # a fresh server per mode: the counters start empty
        _prepare(env)
        port = _free_port()
        process = _start(env, port, args.workers)
        try:
            result = attack(port, attempts=args.attempts, mode=mode, keep_alive=args.keep_alive)
        finally:
            _stop(process)
        first = result["first_429_at"]
        print(
            f"  {mode:<8} allowed before the first 429: {first if first is not None else 'all'}, "
            f"allowed in all: {result['allowed']} of {args.attempts}   "
            f"{result['checked_per_s']} attempts/s while checked, {result['refused_per_s']} attempts/s refused   "
            f"right password afterwards: HTTP {result['right_password_status']}"
        )


if __name__ == "__main__":
    main()
