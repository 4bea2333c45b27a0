"""Notification latency: from a forum post to its e-mail arriving at a real SMTP server.

Usage: python benchmarks/notification_latency.py [--posts 50] [--interval 0.1] [--followers 1]

* Makes a fresh data folder (``openbch migrate``; SQLite, or ``OPENBCH_DATABASE_URL`` if set, which
  may be reused: each run makes its own forum and accounts), a forum, an author and ``--followers`` accounts following the forum.
* Starts a real SMTP server (aiosmtpd) on a free 127.0.0.1 port and the worker as a separate
  process, ``openbch notify work --interval S``, pointed at it (``OPENBCH_EMAIL_HOST/PORT``).
* After one warm-up post (delivered: the worker is up), posts ``--posts`` replies one after another through the participation service (as the web and
  API views do). Each post commits, its after-commit hook fans it out to the outbox; the worker
  claims and sends it. The latency of a post is from just before the service call until the SMTP
  server has accepted the last of its messages.
* Prints p50/p95/max of that latency, of the service call alone (which includes the fan-out into
  the outbox), and a JSON line with the figures.

Everything runs against 127.0.0.1; the worker is stopped (its process group) at the end.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.smtp import running_smtp  # noqa: E402 - after the path is set

OPENBCH = Path(sys.executable).with_name("openbch")


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def _figures(values: list[float]) -> dict[str, float]:
    return {
        "p50_ms": round(statistics.median(values) * 1000, 1),
        "p95_ms": round(_percentile(values, 0.95) * 1000, 1),
        "max_ms": round(max(values) * 1000, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--posts", type=int, default=50)
    parser.add_argument("--interval", type=float, default=0.1, help="the worker's seconds between passes")
    parser.add_argument("--followers", type=int, default=1, help="accounts following the forum (one e-mail each)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="openbch-notify-bench-") as folder, running_smtp() as smtp:
        env = {**os.environ, "OPENBCH_DATA_DIR": folder, "OPENBCH_SECRET_KEY": "notification-benchmark"}
        env |= {"OPENBCH_EMAIL_HOST": smtp.host, "OPENBCH_EMAIL_PORT": str(smtp.port), "OPENBCH_LOG_LEVEL": "ERROR"}
        subprocess.run([str(OPENBCH), "migrate"], env=env, check=True, capture_output=True)
        os.environ.update({k: env[k] for k in ("OPENBCH_DATA_DIR", "OPENBCH_SECRET_KEY", "OPENBCH_EMAIL_HOST")})
        os.environ["OPENBCH_EMAIL_PORT"] = env["OPENBCH_EMAIL_PORT"]
        from openbch.cli_common import setup_django

        setup_django()
        from django.contrib.auth.models import User

        from openbch.accounts.actors import actor_for_user
        from openbch.core.actors import SYSTEM
        from openbch.notifications import services as subscriptions
        from openbch.participation import services

        run = f"{int(time.time())}"  # a PostgreSQL database may hold an earlier run's forum and accounts
        author = User.objects.create(username=f"author-{run}", email="author@example.org").username
        services.create_forum(SYSTEM, slug=f"bench-{run}", title="Benchmark forum")
        thread = services.start_thread(SYSTEM, forum=f"bench-{run}", title="Latency", body="first", as_user=author)
        for n in range(args.followers):
            user = User.objects.create(username=f"follower-{run}-{n}", email=f"follower-{n}@example.org")
            subscriptions.follow(actor_for_user(user), target="forum", key=f"bench-{run}")

        worker = subprocess.Popen(
            [str(OPENBCH), "notify", "work", "--interval", str(args.interval)],
            env=env,
            start_new_session=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        try:
            # warm-up: one post whose mail shows the worker is up (its start-up is not what is measured)
            services.reply(SYSTEM, thread_id=thread.pk, body="warm-up", as_user=author)
            if len(smtp.wait_for(args.followers, seconds=120)) < args.followers:
                raise SystemExit(
                    f"the worker did not deliver: {worker.stderr.read().decode() if worker.stderr else ''}"
                )
            latencies: list[float] = []
            calls: list[float] = []
            for n in range(args.posts):
                expected = len(smtp.received) + args.followers
                started = time.perf_counter()
                services.reply(SYSTEM, thread_id=thread.pk, body=f"post {n}", as_user=author)
                calls.append(time.perf_counter() - started)
                received = smtp.wait_for(expected, seconds=60)
                if len(received) < expected:
                    raise SystemExit(f"post {n}: its notification did not arrive within 60 s")
                latencies.append(max(r.at for r in received[-args.followers :]) - started)
        finally:
            os.killpg(worker.pid, signal.SIGTERM)
            worker.wait(timeout=30)
    result = {
        "posts": args.posts,
        "followers": args.followers,
        "worker_interval_s": args.interval,
        "database": "postgresql" if os.environ.get("OPENBCH_DATABASE_URL") else "sqlite",
        "post_to_smtp": _figures(latencies),
        "post_call": _figures(calls),
    }
    print(
        f"post → message at the SMTP server ({args.posts} posts, {args.followers} follower(s), worker every {args.interval} s):"
    )
    print("  p50 {p50_ms} ms, p95 {p95_ms} ms, max {max_ms} ms".format(**result["post_to_smtp"]))
    print("the post service call (commit + fan-out into the outbox):")
    print("  p50 {p50_ms} ms, p95 {p95_ms} ms, max {max_ms} ms".format(**result["post_call"]))
    print(json.dumps(result))


if __name__ == "__main__":
    main()
