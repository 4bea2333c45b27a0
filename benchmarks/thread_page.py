"""A forum thread of 1,000 posts: server time to first byte of its page under concurrent clients.

Usage: python benchmarks/thread_page.py [--posts 1000] [--clients 16] [--requests 400] [--workers 2]

* Makes a fresh data folder (``openbch migrate``), then, through ``openbch manage shell``, a forum
  and one thread of ``--posts`` published posts by 200 accounts: Markdown with emphasis, lists and
  links, a third of them replies (nested up to six levels), a few in Arabic and French. Posts are
  written through the participation services, as a real forum fills up.
* Starts ``openbch serve`` (gunicorn, ``--workers`` processes × 4 threads; rate-limit counters in
  Redis at 127.0.0.1:6379/4, as ``benchmarks/web_ttfb.py`` does) on a free 127.0.0.1 port, warms
  up, then ``--clients`` threads send ``--requests`` requests for the thread page (an anonymous
  reader, as most are) and, for comparison, for the API's ``/api/v1/threads/{id}``.
* ``--signed-in``: each client is a different signed-in reader who wrote posts in the thread
  (their pages carry their own controls: Edit on their posts, Reply and Report on the others').
* Prints p50/p95/p99 TTFB per kind, the page's size, and a JSON line with the figures.
  ``--no-cache`` renders the posts for every request, as signed-in readers get them (what an
  anonymous reader sees is kept in the cache until the thread changes; see
  ``openbch.web.views.participation``).

Everything runs against 127.0.0.1 and the server is stopped (its process group) at the end.
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
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.web_ttfb import OPENBCH, _environment, _free_port, _get, _run, _wait_until_up

_FILL = """
import random, json
from django.contrib.auth.models import User
from openbch.core.actors import SYSTEM
from openbch.participation import services
rng = random.Random({seed})
names = []
for n in range(200):
    user = User(username=f"bench-{{n}}", first_name=f"Participant {{n}}")
    user.set_unusable_password(); user.save(); names.append(user.username)
services.create_forum(SYSTEM, slug="bench", title="Benchmark forum")
thread = services.start_thread(SYSTEM, forum="bench", title="A long discussion", body="The first post.", as_user=names[0])
ids = [thread.posts.get().pk]
depth = {{ids[0]: 0}}
for n in range({posts} - 1):
    parent = rng.choice(ids[-50:]) if rng.random() < 0.35 else None
    if parent is not None and depth[parent] >= 6:
        parent = None
    language = rng.choice(["en"] * 8 + ["fr", "ar"])
    body = (f"Post {{n}}: public access to *biosafety* information matters because **decisions** affect us.\\n\\n"
            f"- point one\\n- point two, see [the protocol](https://bch.cbd.int/protocol)\\n\\n"
            + "More text. " * rng.randint(5, 40))
    post = services.reply(SYSTEM, thread_id=thread.pk, body=body, language=language, parent_id=parent,
                          as_user=rng.choice(names))
    ids.append(post.pk)
    depth[post.pk] = 0 if parent is None else depth[parent] + 1
# sessions of readers who wrote in the thread (their own posts get their own controls)
from django.conf import settings
from django.test import Client
sessions = []
for name in names[:{clients}]:
    reader = Client()
    reader.force_login(User.objects.get(username=name))
    sessions.append(settings.SESSION_COOKIE_NAME + "=" + reader.cookies[settings.SESSION_COOKIE_NAME].value)
print(json.dumps({{"thread": thread.pk, "sessions": sessions}}))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--posts", type=int, default=1000)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--requests", type=int, default=400)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes (4 threads each)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--no-cache",
        action="store_true",
        help="render the posts for every request, as for signed-in readers (OPENBCH_WEB_CACHE_SECONDS=0)",
    )
    parser.add_argument(
        "--signed-in",
        action="store_true",
        help="each client is a different signed-in reader who wrote posts in the thread",
    )
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="openbch-thread-bench-") as scratch:
        data_dir = Path(scratch) / "data"
        env = _environment(data_dir)
        print(f"making a thread of {args.posts} posts ...", flush=True)
        subprocess.run([str(OPENBCH), "migrate", "--data-dir", str(data_dir)], env=env, check=True)
        fill = _FILL.format(posts=args.posts, seed=args.seed, clients=args.clients)
        filled = subprocess.run(
            [str(OPENBCH), "manage", "--data-dir", str(data_dir), "shell", "-c", fill],
            env=env,
            check=True,
            capture_output=True,
            text=True,
        )
        made = json.loads(filled.stdout.strip().splitlines()[-1])
        thread = made["thread"]
        cookies = made["sessions"] if args.signed_in else None
        page = f"/en/forums/bench/threads/{thread}/"
        api = f"/api/v1/threads/{thread}"
        port = _free_port()
        process = subprocess.Popen(
            [str(OPENBCH), "serve", "--data-dir", str(data_dir), "--port", str(port), "--workers", str(args.workers)],
            env=_environment(data_dir, cache=not args.no_cache),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        try:
            _wait_until_up(port, process)
            sizes = {}
            for path in (page, api):
                status, body, _ = _get(port, path)
                if status != 200:
                    raise SystemExit(f"{path} answered {status}")
                sizes[path] = len(body)
            shown = _get(port, page)[1].count(b'class="post ')
            results = [
                _run(port, "thread page", [page], args.clients, args.requests, cookies),
                _run(port, "thread API", [api], args.clients, args.requests, cookies),
            ]
        finally:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)

    print(
        f"\nTTFB, a thread of {args.posts} posts ({shown} shown), {args.clients} concurrent clients, "
        f"{args.requests} requests per kind, {args.workers} workers x 4 threads, "
        f"page cache {'off' if args.no_cache else 'on'}, readers {'signed in' if args.signed_in else 'anonymous'}"
    )
    print(f"{'kind':<13}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'mean':>9}{'req/s':>9}{'errors':>8}{'bytes':>11}")
    summary = {}
    for r, path in zip(results, (page, api), strict=True):
        p50, p95, p99 = r.percentile(50), r.percentile(95), r.percentile(99)
        rate = len(r.ttfb_ms) / r.seconds
        print(
            f"{r.name:<13}{p50:>9.1f}{p95:>9.1f}{p99:>9.1f}{statistics.fmean(r.ttfb_ms):>9.1f}{rate:>9.1f}"
            f"{r.errors:>8}{sizes[path]:>11,}"
        )
        summary[r.name] = {
            "p50_ms": round(p50, 1),
            "p95_ms": round(p95, 1),
            "p99_ms": round(p99, 1),
            "errors": r.errors,
        }
    figures = {
        "posts": args.posts,
        "clients": args.clients,
        "cache": not args.no_cache,
        "signed_in": args.signed_in,
        "ttfb": summary,
    }
    print(json.dumps({**figures, "bytes": sizes}))


if __name__ == "__main__":
    main()
