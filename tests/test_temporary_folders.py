"""A test run leaves no temporary folder behind: its data folder, its children's, tmp_path's.

A small pytest session runs in a child process with a temporary folder of its own (``TMPDIR``);
once it has exited, the folder must hold nothing but pytest's per-user folder, empty of runs.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

#: the session run in the child: a database test (the SQLite test database goes in the data
#: folder), a tmp_path, and a grandchild that inherits the environment and so the data folder
SESSION = """
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path({root!r})


@pytest.mark.django_db
def test_the_database_and_tmp_path(tmp_path: Path) -> None:
    from openbch.records.models import Record

    assert Record.objects.count() == 0
    (tmp_path / "scratch.txt").write_text("scratch")
    (Path(os.environ["OPENBCH_DATA_DIR"]) / "index").mkdir()


def test_a_child_process_makes_and_removes_its_own_folder() -> None:
    ours = os.environ["OPENBCH_DATA_DIR"]
    code = "import os, tests.settings; print(os.environ['OPENBCH_DATA_DIR'])"
    run = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    theirs = run.stdout.strip()
    assert theirs != ours and Path(theirs).name.startswith("openbch-test-")
    assert not Path(theirs).exists()  # removed when the child exited
    assert Path(ours, "secret_key").is_file()  # and ours is untouched
"""


def _leftovers(folder: Path) -> list[str]:
    """Everything in ``folder`` but pytest's per-user folder and its pointer to the last run."""
    found = []
    for path in sorted(folder.rglob("*")):
        relative = path.relative_to(folder)
        if relative.parts[0].startswith("pytest-of-") and (
            len(relative.parts) == 1 or relative.name.endswith("current")
        ):
            continue
        found.append(str(relative))
    return found


@pytest.mark.slow
def test_a_test_session_leaves_no_temporary_folder(tmp_path: Path) -> None:
    temporary = tmp_path / "tmp"
    temporary.mkdir()
    tests = tmp_path / "session"
    tests.mkdir()
    (tests / "test_session.py").write_text(textwrap.dedent(SESSION.format(root=str(ROOT))), encoding="utf-8")
    # SQLite and a data folder of its own: the child must not touch this run's database or folder
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENBCH_", "DJANGO_", "PYTEST_"))}
    env.update(TMPDIR=str(temporary), PYTHONPATH=str(ROOT))
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-p",
            "no:cacheprovider",
            "-q",
            "-c",
            str(ROOT / "pyproject.toml"),
            str(tests),
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert "2 passed" in run.stdout
    assert _leftovers(temporary) == []
