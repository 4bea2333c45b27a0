"""A long-lived openbch process for the convergence state machine: it sets Django up once for the
instance its environment names, then runs synchronisation services in process, one command per
line of JSON on stdin, one answer per line on stdout (prefixed ``@@``). Starting ``openbch`` for each
step would cost a second or more; this costs milliseconds, with the same services the CLI calls.

Commands: ``{"op": "load", "lines": [...]}``, ``{"op": "pull", "limit": n}``, ``{"op": "push",
"limit": n}``, ``{"op": "export", "after": n, "path": p}``, ``{"op": "import", "path": p}``.
Answers: ``{"ok": true, "report": {...}}`` or ``{"ok": false, "error": "...", "codes": [...]}``.

It is also a warm ``openbch``: ``{"op": "spawn", "args": [...], "stdin": p, "stdout": p, "stderr": p}``
forks a child (its own session, like ``start_new_session``) that runs the real command line
(:data:`openbch.cli.app`) with those files as its standard streams and exits with the command's
code; the answer is its pid. ``{"op": "poll", "pid": n}`` answers its exit code once it ended (None
before; minus the signal's number if one killed it) and ``{"op": "wait", "pid": n}`` waits for it.
A child is a real process, killed for real by the fault tests (kill -9); only the interpreter's and
Django's start-up, which every command repeats and ``tests/test_cli.py`` covers, is not paid again.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from pathlib import Path
from typing import Any


def _run(command: dict[str, Any]) -> dict[str, Any]:
    from openbch.core.actors import SYSTEM
    from openbch.federation.bundles import export_bundle, import_bundle
    from openbch.federation.models import Node
    from openbch.federation.pull import pull
    from openbch.federation.push import http_poster, push
    from openbch.records.load import load_files

    op = command["op"]
    if op == "load":
        with tempfile.NamedTemporaryFile("w", suffix=".jsonl", delete=False, encoding="utf-8") as handle:
            handle.write("".join(json.dumps(line, ensure_ascii=False) + "\n" for line in command["lines"]))
        try:
            result = load_files(SYSTEM, [Path(handle.name)])
        finally:
            os.unlink(handle.name)
        return {"lines": result.lines, "by_type": result.by_type}
    if op == "pull":
        return dict(pull(SYSTEM, limit=command["limit"]).__dict__)
    if op == "push":
        node = Node.objects.get()
        post = http_poster(node.central_url, os.environ["OPENBCH_CENTRAL_TOKEN"])
        return dict(push(SYSTEM, post=post, limit=command["limit"]).__dict__)
    if op == "export":
        return dict(export_bundle(SYSTEM, after=command["after"], destination=Path(command["path"])).__dict__)
    if op == "import":
        return dict(import_bundle(SYSTEM, Path(command["path"])).__dict__)
    raise ValueError(f"unknown op {op!r}")


#: the exit status of the children that ended (pid -> code)
_ended: dict[int, int] = {}


def _spawn(command: dict[str, Any]) -> int:
    from django.db import connections

    connections.close_all()  # the child opens its own: never share a connection across a fork
    sys.stdout.flush()
    sys.stderr.flush()
    pid = os.fork()
    if pid:
        return pid
    code = 70
    try:
        os.setsid()
        for fd, (name, mode) in enumerate((("stdin", os.O_RDONLY), ("stdout", os.O_WRONLY), ("stderr", os.O_WRONLY))):
            target = os.open(command[name], mode | (os.O_CREAT | os.O_TRUNC if fd else 0), 0o600)
            os.dup2(target, fd)
            os.close(target)
        from openbch.cli import app

        try:
            app(args=list(command["args"]), prog_name="openbch")
            code = 0
        except SystemExit as exit_:
            code = exit_.code if isinstance(exit_.code, int) else (0 if exit_.code is None else 1)
    except BaseException:  # what an uncaught exception does to a process: a traceback, exit 1
        import traceback

        traceback.print_exc()
        code = 1
    finally:
        connections.close_all()  # (SQLite folds its write-ahead log back in when the last one closes)
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)


def _status(pid: int, *, block: bool) -> int | None:
    if pid not in _ended:
        done, status = os.waitpid(pid, 0 if block else os.WNOHANG)
        if done == 0:
            return None
        _ended[pid] = -os.WTERMSIG(status) if os.WIFSIGNALED(status) else os.WEXITSTATUS(status)
    return _ended[pid]


def main() -> None:
    from openbch.cli_common import setup_django

    setup_django(migrate=True)
    from django.db import connection

    from openbch.core.errors import OpenBCHError

    print("@@" + json.dumps({"ok": True, "ready": True}), flush=True)
    for line in sys.stdin:
        command = json.loads(line)
        if command["op"] in ("spawn", "poll", "wait"):
            if command["op"] == "spawn":
                answer = {"ok": True, "pid": _spawn(command)}
            else:
                answer = {"ok": True, "code": _status(command["pid"], block=command["op"] == "wait")}
            print("@@" + json.dumps(answer), flush=True)
            continue
        try:
            answer: dict[str, Any] = {"ok": True, "report": _run(command)}
        except OpenBCHError as exc:
            answer = {"ok": False, "error": f"{exc.code}: {exc.message}", "codes": [i.code for i in exc.issues]}
        except Exception as exc:  # the network: the answer says what, as the CLI does
            answer = {"ok": False, "error": f"{type(exc).__name__}: {exc}", "codes": []}
        finally:
            connection.close()  # no transaction or lock held between steps
        print("@@" + json.dumps(answer, default=str), flush=True)


if __name__ == "__main__":
    main()
