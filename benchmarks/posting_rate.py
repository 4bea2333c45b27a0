"""How fast people can post in a forum thread, and where the posting limits stop them.

Usage: python benchmarks/posting_rate.py [--posts 400] [--clients 8] [--workers 2]

* Makes a fresh data folder with a forum, one thread and ``--clients`` trusted accounts (their
  posts are published at once, as a regular's are), each with an API token.
* **Capacity**: ``openbch serve`` with the posting limits lifted; ``POST /api/v1/threads/{id}/posts``
  by one client, then by ``--clients`` clients at once (one account each): posts per second and
  p50/p95 latency. Each post is written as every post is (validation, Markdown, sanitising, the
  audit entry, the thread's counters) and is read back in the thread at the end.
* **Limits**: the server restarted with the default limits (``OPENBCH_POST_LIMIT_PER_ACCOUNT`` per
  account and ``OPENBCH_POST_LIMIT_PER_IP`` per address in ``OPENBCH_POST_LIMIT_WINDOW`` seconds):
  one account posts as fast as it can until refused, then every account from the one address:
  how many posts were accepted, how long that took, and the ``Retry-After`` of the 429.

Everything runs against 127.0.0.1; the server is stopped (its process group) at the end.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.web_ttfb import OPENBCH, _environment, _free_port, _wait_until_up

_SETUP = """
import json
from django.contrib.auth.models import User
from openbch.accounts.services import create_token
from openbch.core.actors import SYSTEM
from openbch.participation import services
services.create_forum(SYSTEM, slug="bench", title="Benchmark forum")
tokens = []
for n in range({clients}):
    user = User(username=f"poster-{{n}}", first_name=f"Poster {{n}}")
    user.set_unusable_password(); user.save()
    tokens.append(create_token(SYSTEM, name="bench", scopes=["read", "write"], owner=user.username).plaintext)
thread = services.start_thread(SYSTEM, forum="bench", title="A busy thread", body="The first post.", as_user="poster-0")
print(json.dumps({{"thread": thread.pk, "tokens": tokens}}))
"""

BODY = "A reply about *public access* to biosafety information, with a [link](https://bch.cbd.int/protocol)."


class Poster:
    """One client: a keep-alive connection posting with one account's token."""

    def __init__(self, port: int, token: str, thread: int) -> None:
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        self.headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        self.path = f"/api/v1/threads/{thread}/posts"

    def post(self, n: int) -> tuple[int, float, dict[str, str]]:
        body = json.dumps({"body": f"{BODY} ({n})", "language": "en"})
        started = time.perf_counter()
        self.connection.request("POST", self.path, body=body, headers=self.headers)
        response = self.connection.getresponse()
        response.read()
        return response.status, time.perf_counter() - started, {k.lower(): v for k, v in response.getheaders()}


def _serve(data_dir: Path, port: int, workers: int, limits: dict[str, str]) -> subprocess.Popen[bytes]:
    env = {**_environment(data_dir), **limits}
    process = subprocess.Popen(
        [str(OPENBCH), "serve", "--data-dir", str(data_dir), "--port", str(port), "--workers", str(workers)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    _wait_until_up(port, process)
    return process


def _stop(process: subprocess.Popen[bytes]) -> None:
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)


def _capacity(port: int, tokens: list[str], thread: int, posts: int) -> dict[str, float]:
    """``len(tokens)`` clients share ``posts`` posts; (posts/s, p50 ms, p95 ms, errors)."""
    counter = iter(range(posts))
    lock = threading.Lock()
    latencies: list[float] = []
    errors = 0

    def client(token: str) -> None:
        nonlocal errors
        poster = Poster(port, token, thread)
        while True:
            with lock:
                n = next(counter, None)
            if n is None:
                return
            status, seconds, _ = poster.post(n)
            with lock:
                latencies.append(seconds * 1000)
                errors += status != 201

    started = time.perf_counter()
    threads = [threading.Thread(target=client, args=(t,)) for t in tokens]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
    ordered = sorted(latencies)
    return {
        "posts_per_s": round(len(latencies) / elapsed, 1),
        "p50_ms": round(statistics.median(ordered), 1),
        "p95_ms": round(ordered[int(0.95 * (len(ordered) - 1))], 1),
        "errors": errors,
    }


def _until_refused(port: int, tokens: list[str], thread: int) -> dict[str, object]:
    """Post in turn with ``tokens`` until each is refused; what was accepted before the first 429s."""
    posters = [Poster(port, t, thread) for t in tokens]
    accepted, refused, retry_after = 0, set(), ""
    started = time.perf_counter()
    first_refusal = None
    n = 0
    while len(refused) < len(posters) and n < 10_000:
        index = n % len(posters)
        n += 1
        if index in refused:
            continue
        status, _, headers = posters[index].post(n)
        if status == 201:
            accepted += 1
        elif status == 429:
            refused.add(index)
            retry_after = retry_after or headers.get("retry-after", "")
            first_refusal = first_refusal or time.perf_counter() - started
        else:
            raise SystemExit(f"posting answered {status}")
    return {
        "accounts": len(posters),
        "accepted": accepted,
        "seconds_to_first_429": round(first_refusal or 0.0, 3),
        "retry_after_s": retry_after,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--posts", type=int, default=400, help="posts per capacity run")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes (4 threads each)")
    args = parser.parse_args()

    lifted = {
        "OPENBCH_POST_LIMIT_PER_ACCOUNT": "100000000",
        "OPENBCH_POST_LIMIT_PER_IP": "100000000",
        "OPENBCH_TRUSTED_AFTER_POSTS": "0",
    }
    defaults = {"OPENBCH_TRUSTED_AFTER_POSTS": "0"}
    with tempfile.TemporaryDirectory(prefix="openbch-posting-bench-") as scratch:
        data_dir = Path(scratch) / "data"
        env = _environment(data_dir)
        subprocess.run([str(OPENBCH), "migrate", "--data-dir", str(data_dir)], env=env, check=True)
        made = subprocess.run(
            [str(OPENBCH), "manage", "--data-dir", str(data_dir), "shell", "-c", _SETUP.format(clients=args.clients)],
            env=env,
            check=True,
            capture_output=True,
            text=True,
        )
        setup = json.loads(made.stdout.strip().splitlines()[-1])
        thread, tokens = setup["thread"], setup["tokens"]

        port = _free_port()
        process = _serve(data_dir, port, args.workers, lifted)
        try:
            _capacity(port, tokens[:1], thread, 20)  # warm-up
            one = _capacity(port, tokens[:1], thread, args.posts)
            many = _capacity(port, tokens, thread, args.posts)
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            connection.request("GET", f"/api/v1/threads/{thread}")
            shown = len(json.loads(connection.getresponse().read())["posts"])
        finally:
            _stop(process)

        # the limits count in Redis: a fresh database number, so no earlier run's counts remain
        port = _free_port()
        process = _serve(data_dir, port, args.workers, {**defaults, "OPENBCH_CACHE_URL": "redis://127.0.0.1:6379/5"})
        try:
            subprocess.run(["redis-cli", "-n", "5", "flushdb"], check=False, capture_output=True)
            alone = _until_refused(port, tokens[:1], thread)
            together = _until_refused(port, tokens[1:], thread)
        finally:
            _stop(process)

    expected = 1 + 20 + 2 * args.posts + int(alone["accepted"]) + int(together["accepted"])  # type: ignore[call-overload]
    print(f"\nPosting in one thread, {args.workers} workers x 4 threads, SQLite, limits lifted")
    print(f"{'clients':<10}{'posts/s':>9}{'p50 ms':>9}{'p95 ms':>9}{'errors':>8}")
    for name, r in (("1", one), (str(args.clients), many)):
        print(f"{name:<10}{r['posts_per_s']:>9}{r['p50_ms']:>9}{r['p95_ms']:>9}{r['errors']:>8}")
    print(f"posts in the thread after the capacity runs: {shown} (expected {1 + 20 + 2 * args.posts})")
    print("\nWith the default limits (6 per account, 30 per address, per 60 s):")
    print(
        f"one account: {alone['accepted']} accepted in {alone['seconds_to_first_429']} s, then 429 "
        f"(Retry-After {alone['retry_after_s']} s)"
    )
    print(
        f"{together['accounts']} more accounts on that address: {together['accepted']} more accepted in "
        f"{together['seconds_to_first_429']} s before the first 429 (the address's window counts the first "
        f"account's posts too, unless a new window began)"
    )
    print(
        json.dumps(
            {
                "capacity": {"1": one, str(args.clients): many},
                "thread_posts": shown,
                "limits": {"one_account": alone, "one_address": together},
                "expected_posts_total": expected,
            }
        )
    )


if __name__ == "__main__":
    main()
