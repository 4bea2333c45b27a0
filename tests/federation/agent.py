"""A long-lived openbch process for the convergence state machine: it sets Django up once for the
instance its environment names, then runs synchronisation services in process, one command per
line of JSON on stdin, one answer per line on stdout (prefixed ``@@``). Starting ``openbch`` for each
step would cost a second or more; this costs milliseconds, with the same services the CLI calls.

Commands: ``{"op": "load", "lines": [...]}``, ``{"op": "pull", "limit": n}``, ``{"op": "push",
"limit": n}``, ``{"op": "export", "after": n, "path": p}``, ``{"op": "import", "path": p}``.
Answers: ``{"ok": true, "report": {...}}`` or ``{"ok": false, "error": "...", "codes": [...]}``.
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


def main() -> None:
    from openbch.cli_common import setup_django

    setup_django(migrate=True)
    from django.db import connection

    from openbch.core.errors import OpenBCHError

    print("@@" + json.dumps({"ok": True, "ready": True}), flush=True)
    for line in sys.stdin:
        command = json.loads(line)
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
